"""The certificate pages over HTTP (both databases): issue, re-issue, refuse, verify."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.registry.certificates.tables import certificate
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, LG, address, yamada_family

PASSWORD = "madoguchi-2026"


@pytest.fixture
def app_and_family(engine: Engine) -> tuple[TestClient, dict[str, str]]:
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-sato", LG, "clerk", "佐藤", password=PASSWORD)
    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"p" * 32)))
    registry = app.state.registry
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": address(),
                "previous_address": {
                    "prefecture": "東京都",
                    "municipality": "千代田区",
                    "town": "千代田",
                    "block": "1-1",
                },
                "persons": yamada_family(),
            }
        ),
        CLERK,
    )
    family = {registry.read_record(p, CLERK).name.given: p for p in applied.person_ids}
    Protection(registry).register(
        family["花子"],
        [OtherParty("加害　次郎", date(1975, 3, 3))],
        Actor("kakaricho-ito", LG, "supervisor"),
        basis="意見書",
    )
    return TestClient(app), family


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(certificate)).scalar_one())


def test_issue_reissue_refuse_and_verify(
    app_and_family: tuple[TestClient, dict[str, str]], engine: Engine
) -> None:
    client, family = app_and_family
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "clerk-sato", "password": PASSWORD},
    )
    form = client.get(f"/counter/certificates?person_id={family['花子']}")
    assert form.status_code == 200
    assert re.search(r'value="honseki"\s*>', form.text)  # 本籍 is not checked
    assert re.search(r'value="individual_number"\s*>', form.text)
    token, rid = csrf(form.text), hidden(form.text, "request_id")
    base = {
        "csrf_token": token,
        "subject": family["花子"],
        "request_id": rid,
        "kind": "record_copy_personal",
        "person_ids": family["花子"],
        "items": "previous_address",
    }

    refused = client.post(
        "/counter/certificates/preview",
        data={**base, "requester_type": "proxy", "requester_name": "加害　次郎"},
    )
    assert refused.status_code == 403
    assert "支援措置" in refused.text and rows(engine) == 0

    no_purpose = client.post(
        "/counter/certificates/preview",
        data={**base, "requester_type": "third_party", "requester_name": "債権者　株式会社"},
    )
    assert no_purpose.status_code == 422 and 'id="f-purpose-error"' in no_purpose.text

    assert (
        client.post("/counter/certificates/preview", data={**base, "csrf_token": "x"}).status_code
        == 403
    )

    mine = {
        **base,
        "requester_type": "self",
        "requester_name": "山田　花子",
        "requester_date_of_birth": "1982-09-15",
        "requester_sex": "female",
        "requester_address": "川越市大字的場1-2-3",
        "id_document": "my_number_card",
    }
    preview = client.post("/counter/certificates/preview", data=mine)
    assert preview.status_code == 200 and "まだ発行していません" in preview.text
    assert 'id="verification-code"' not in preview.text and rows(engine) == 0  # a 見本 only
    issued = client.post("/counter/certificates/issue", data=mine)
    assert issued.status_code == 200 and "発行しました" in issued.text and rows(engine) == 1
    code = re.search(r'id="verification-code">([^<]+)<', issued.text)
    assert code is not None
    first = client.post("/counter/certificates/pdf", data=mine)
    again = client.post("/counter/certificates/pdf", data=mine)
    assert first.headers["content-type"] == "application/pdf"
    assert first.content == again.content and rows(engine) == 1

    public = TestClient(client.app)  # no cookies: the public page
    shown = public.get(f"/verify?code={code.group(1)}")
    assert "発行されたものです" in shown.text and "花子" not in shown.text
    good = public.post(
        "/verify",
        data={"code": code.group(1)},
        files={"pdf": ("c.pdf", first.content, "application/pdf")},
    )
    assert "PDFも発行時のものと一致します" in good.text
    changed = bytearray(first.content)
    changed[100] ^= 0x20
    bad = public.post(
        "/verify",
        data={"code": code.group(1)},
        files={"pdf": ("c.pdf", bytes(changed), "application/pdf")},
    )
    assert "改ざんされています" in bad.text
    assert "発行されていません" in public.get("/verify?code=0000-0000-0000-0000").text

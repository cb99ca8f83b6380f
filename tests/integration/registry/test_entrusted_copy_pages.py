"""事務の委託 at the entrusted counter, over HTTP (both databases).

川島町 (113468) entrusts the issuance of its copies to 川越市 (112011); both registries are
in one database and 川越市's web app reaches 川島町's answer through ``app.state.holders``
(SharedDatabaseHolders), as ``jichi serve`` builds it.  Checked: the menu offers the page
only to an entrusted counter; the copy names the person asked for and both members, its
fee is this counter's and is in its 日計表, the read is audited at the holder, the PDF
comes again as the same certificate; every input error is shown at once and nothing is
written; a name the holder cannot match is COOP-010 at the name; a counter with no 委託
gets COOP-001 as a Japanese page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.era import format_wareki
from jichi.places import cooperation_store
from jichi.registry.certificates import CertificateKind
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day.fees import set_fee
from jichi.registry.counter_day.tables import certificate_charge
from jichi.security.actor import Actor
from jichi.security.staff import create_staff
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.certificates.conftest import pdf_text
from tests.integration.registry.test_merger import (  # noqa: F401 (fixture)
    CIPHER,
    KAWAGOE,
    KAWAJIMA,
    NOW,
    dump,
    records,
    two_towns,
)

PASSWORD = "madoguchi-2026"
CHIYODA = "131016"
CONTRACT = {  # open-ended, so the pages (on the system clock) find it in force
    "id": "kawajima-kawagoe",
    "kind": "entrustment",
    "name": "住民票の写し等の交付事務の委託（川島町→川越市）",
    "valid_from": "2020-04-01",
    "services": ["record_copy_personal", "record_copy_household"],
    "rules_of": "entrusting",
    "basis": "川島町・川越市 事務委託規約",
    "members": [
        {"lg_code": KAWAJIMA, "role": "entrusting"},
        {"lg_code": KAWAGOE, "role": "entrusted"},
    ],
}


@pytest.fixture
def contracted(two_towns: Engine) -> Engine:  # noqa: F811
    with write_transaction(two_towns) as conn:
        cooperation_store.save(conn, cooperation_store.from_json(CONTRACT), at=NOW)
        create_staff(conn, "madoguchi", KAWAGOE, "clerk", "窓口", password=PASSWORD)
        create_staff(conn, "chiyoda-clerk", CHIYODA, "clerk", "千代田", password=PASSWORD)
    for code, yen in ((KAWAJIMA, 350), (KAWAGOE, 250)):  # the contract applies 川島町's
        set_fee(
            two_towns,
            code,
            CertificateKind.RECORD_COPY_PERSONAL,
            yen,
            Actor("kakaricho", code, "supervisor"),
            NOW,
            CIPHER.audit_key,
        )
    return two_towns


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def signed_in(engine: Engine, lg_code: str, staff_id: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(engine, municipality=lg_code, cipher=CIPHER))
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": staff_id, "password": PASSWORD}
    )
    return client, csrf(client.get("/counter/").text)


def error_of(html: str, field: str) -> str:
    name = "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", field)
    found = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def count(engine: Engine, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return int(conn.execute(query).scalar_one())


def test_the_entrusted_counter_issues_the_holders_copy_with_its_own_fee(
    contracted: Engine, tmp_path: Path
) -> None:
    person = next(r for r in records(contracted, KAWAJIMA) if r.is_active)
    client, token = signed_in(contracted, KAWAGOE, "madoguchi")
    home = client.get("/counter/").text
    assert 'href="/counter/entrusted_copies"' in home  # the menu offers it here
    form = client.get("/counter/entrusted_copies")
    assert form.status_code == 200 and "埼玉県川島町" in form.text
    assert "委託団体の手数料表による" in form.text  # rules_of: entrusting
    request_id = re.search(r'name="request_id" value="([^"]+)"', form.text)
    assert request_id is not None
    data = {
        "csrf_token": token,
        "request_id": request_id.group(1),
        "holder": KAWAJIMA,
        "kind": "record_copy_personal",
        "requester_name": person.name.text(),
        "requester_dob": format_wareki(person.date_of_birth),
        "id_document": "my_number_card",
        "id_checked": "on",
    }
    issued = client.post("/counter/entrusted_copies", data=data)
    assert issued.status_code == 200, issued.text
    serial = re.search(r'<dd id="serial">([^<]+)</dd>', issued.text)
    assert serial is not None and "交付しました" in issued.text
    fee = re.search(r'<dd id="fee">([^<]+)</dd>', issued.text)
    assert fee is not None and fee.group(1).endswith("円")
    with contracted.connect() as conn:
        charged = conn.execute(
            sa.select(certificate_charge.c.lg_code, certificate_charge.c.fee_yen).where(
                certificate_charge.c.serial == serial.group(1)
            )
        ).one()
        reads = conn.execute(
            sa.select(audit_log.c.lg_code, audit_log.c.actor).where(
                audit_log.c.action == "certificate.entrusted_read",
                audit_log.c.subject_person_id == person.person_id,
            )
        ).all()
    assert charged.lg_code == KAWAGOE and fee.group(1) == "350円" == f"{charged.fee_yen}円"
    assert [tuple(r) for r in reads] == [(KAWAJIMA, "madoguchi")]  # audited at the holder
    again = client.post("/counter/entrusted_copies/pdf", data=data)
    assert again.status_code == 200 and again.content.startswith(b"%PDF")
    text = re.sub(r"[ \u3000]+", "", pdf_text(again.content, tmp_path))
    assert re.sub(r"[ \u3000]+", "", person.name.text()) in text
    assert "事務の委託による交付" in text and "川島町" in text and "川越市" in text
    assert count(contracted, certificate, certificate.c.lg_code == KAWAGOE) == 1  # not a second


def test_every_error_of_the_form_is_shown_at_once_and_nothing_is_written(
    contracted: Engine,
) -> None:
    client, token = signed_in(contracted, KAWAGOE, "madoguchi")
    before = dump(contracted)
    refused = client.post(
        "/counter/entrusted_copies",
        data={"csrf_token": token, "holder": CHIYODA, "kind": "move_out_certificate"},
    )
    assert refused.status_code == 422
    for field in ("holder", "kind", "requester_name", "requester_dob", "id_document"):
        assert error_of(refused.text, field), field
    assert "確認した旨のチェック" in error_of(refused.text, "id_checked")
    assert dump(contracted) == before


def test_a_name_the_holder_cannot_match_is_shown_at_the_name(contracted: Engine) -> None:
    client, token = signed_in(contracted, KAWAGOE, "madoguchi")
    before = count(contracted, audit_log)
    refused = client.post(
        "/counter/entrusted_copies",
        data={
            "csrf_token": token,
            "holder": KAWAJIMA,
            "kind": "record_copy_household",
            "requester_name": "該当　なし",
            "requester_dob": "1901-01-01",
            "id_document": "passport",
            "id_checked": "on",
        },
    )
    assert refused.status_code == 404
    assert "COOP-010" in error_of(refused.text, "requester_name")
    assert count(contracted, audit_log) == before
    assert count(contracted, certificate) == 0


def test_a_counter_without_an_entrustment_gets_coop_001_as_a_japanese_page(
    contracted: Engine,
) -> None:
    client, _token = signed_in(contracted, CHIYODA, "chiyoda-clerk")
    assert 'href="/counter/entrusted_copies"' not in client.get("/counter/").text
    refused = client.get("/counter/entrusted_copies")
    assert refused.status_code == 403
    assert "事務の委託はありません" in refused.text and "COOP-001" in refused.text

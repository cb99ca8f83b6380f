"""The verification address printed on a certificate comes from configuration.

Before this change it was built from the request's ``Host`` header, so a forged header
chose the address printed (and put in the QR code) on an official document.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from jichi.web.public_url import DEFAULT_PUBLIC_BASE_URL, public_base_url
from tests.integration.certificates.test_certificate_pages import PASSWORD, csrf, hidden
from tests.integration.registry.conftest import CLERK, ELSEWHERE, LG, address, yamada_family

PUBLIC = "https://jichi.city.kawagoe.example.lg.jp"
FORGED = "evil.example.com"


def issued_pdf_text(client: TestClient, person_id: str, tmp_path: Path) -> str:
    forged = {"Host": FORGED}
    token = csrf(client.get("/counter/login", headers=forged).text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "clerk-sato", "password": PASSWORD},
        headers=forged,
    )
    form = client.get(f"/counter/certificates?person_id={person_id}", headers=forged)
    data = {
        "csrf_token": csrf(form.text),
        "subject": person_id,
        "request_id": hidden(form.text, "request_id"),
        "kind": "record_copy_personal",
        "person_ids": person_id,
        "requester_type": "self",
        "requester_name": "山田　太郎",
        "requester_date_of_birth": "1980-04-02",
        "requester_sex": "male",
        "requester_address": "川越市大字的場1-2-3",
        "id_document": "my_number_card",
    }
    issued = client.post("/counter/certificates/issue", data=data, headers=forged)
    assert issued.status_code == 200, issued.text
    pdf = client.post("/counter/certificates/pdf", data=data, headers=forged)
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf.content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_printed_verification_url_is_the_configured_one_not_the_host_header(
    engine: Engine, tmp_path: Path
) -> None:
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-sato", LG, "clerk", "佐藤", password=PASSWORD)
    cipher = FieldCipher(Keys.derive(b"u" * 32))
    app = create_app(engine, municipality=LG, cipher=cipher, base_url=PUBLIC + "/")
    registry = app.state.registry
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": address(),
                "previous_address": ELSEWHERE,
                "persons": yamada_family(),
            }
        ),
        CLERK,
    )
    taro = next(
        p for p in applied.person_ids if registry.read_record(p, CLERK).name.given == "太郎"
    )
    text = issued_pdf_text(TestClient(app), taro, tmp_path)
    flat = "".join(text.split())
    assert f"{PUBLIC}/verify" in flat
    assert FORGED not in flat and "testserver" not in flat


def test_the_public_base_url_is_read_from_the_environment_and_checked() -> None:
    assert public_base_url({}) == DEFAULT_PUBLIC_BASE_URL
    assert public_base_url({"JICHI_PUBLIC_BASE_URL": f" {PUBLIC}/ "}) == PUBLIC
    for bad in ("jichi.example.lg.jp", "ftp://x.example", f"{PUBLIC}/?a=1", "https://"):
        with pytest.raises(JichiError) as raised:
            public_base_url({"JICHI_PUBLIC_BASE_URL": bad})
        assert raised.value.code == "WEB-044"

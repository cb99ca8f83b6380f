"""Verification for relying parties: CLI and API, OCSP with CRL fallback, typed reasons."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app as cli
from jichi.mynumber.jpki import crl, revocation, verifiers
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import ChipToken, Purpose
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.mynumber.jpki.conftest import PIN, holder
from tests.integration.mynumber.jpki.helpers import serving, write_pem


@pytest.fixture
def issued(engine: Engine, jpki: Jpki, card: ChipToken) -> dict[Purpose, x509.Certificate]:
    with write_transaction(engine) as conn:
        return jpki.issuer.issue_card(conn, holder(), card, PIN)


@pytest.fixture
def token(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        return verifiers.register(conn, "テスト証券")[1]


def _cli(args: list[str], ca_dir: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, [*args, "--ca-dir", str(ca_dir)])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_cli_verifies_a_signature_made_by_the_token_over_ocsp(
    engine: Engine,
    jpki: Jpki,
    card: ChipToken,
    issued: dict[Purpose, x509.Certificate],
    token: str,
    ca_dir: Path,
    tmp_path: Path,
) -> None:
    payload = tmp_path / "moveout.json"
    payload.write_text('{"kind": "move_out"}', encoding="utf-8")
    signature = tmp_path / "moveout.sig"
    signature.write_bytes(card.sign(Purpose.SIGN, payload.read_bytes(), PIN))
    leaf = write_pem(issued[Purpose.SIGN], tmp_path / "sign.pem")
    with serving(create_app(engine, jpki_service=jpki)) as url:
        ocsp_url = f"{url}/jpki/ocsp"
        args = ["jpki", "verify", str(leaf), "--payload", str(payload)]
        args += ["--signature", str(signature), "--ocsp-url", ocsp_url, "--verifier-token", token]
        code, body = _cli(args, ca_dir)
        assert code == 0 and body["ok"] is True
        assert body["status"] == "good" and body["status_source"] == "ocsp"
        assert body["basic_four"]["date_of_birth"] == "319800402"  # type: ignore[index]
        payload.write_text('{"kind": "move_in"}', encoding="utf-8")  # tampered
        code, body = _cli(args, ca_dir)
        assert code == 1 and [e["code"] for e in body["errors"]] == ["JPKI-026"]  # type: ignore[union-attr]
        with write_transaction(engine) as conn:
            serial = f"{issued[Purpose.SIGN].serial_number:x}"
            revocation.revoke(conn, serial, revocation.Ground.HOLDER_REQUEST)
        code, body = _cli(args, ca_dir)
        codes = [e["code"] for e in body["errors"]]  # type: ignore[union-attr]
        assert code == 1 and codes == ["JPKI-026", "JPKI-024"]  # every reason at once


def test_cli_falls_back_to_the_crl_when_ocsp_is_unreachable(
    engine: Engine,
    cas: CaSet,
    issued: dict[Purpose, x509.Certificate],
    token: str,
    ca_dir: Path,
    tmp_path: Path,
) -> None:
    leaf = write_pem(issued[Purpose.SIGN], tmp_path / "sign.pem")
    with write_transaction(engine) as conn:
        serial = f"{issued[Purpose.SIGN].serial_number:x}"
        revocation.revoke(conn, serial, revocation.Ground.KEY_COMPROMISE)
    crl_file = tmp_path / "sign.crl"
    published = crl.publish(engine, cas, crl_file, Purpose.SIGN)
    entry = published.get_revoked_certificate_by_serial_number(int(serial, 16))
    assert entry is not None
    assert published.is_signature_valid(cas.for_purpose(Purpose.SIGN).cert.public_key())  # type: ignore[arg-type]
    dead = "http://127.0.0.1:9/jpki/ocsp"  # discard port: nothing answers
    args = ["jpki", "verify", str(leaf), "--ocsp-url", dead, "--verifier-token", token]
    code, body = _cli([*args, "--crl", str(crl_file)], ca_dir)
    assert code == 1 and body["status"] == "revoked" and body["status_source"] == "crl"
    # openssl agrees: with -crl_check the leaf is rejected as revoked
    chain = tmp_path / "chain.pem"
    chain.write_bytes((ca_dir / "root.pem").read_bytes())
    crl_pem = tmp_path / "crl.pem"
    crl_pem.write_bytes(published.public_bytes(serialization.Encoding.PEM))
    checked = subprocess.run(
        ["openssl", "verify", "-crl_check", "-CAfile", str(chain), "-untrusted",
         str(ca_dir / "sign-ca.pem"), "-CRLfile", str(crl_pem), str(leaf)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode != 0 and "revoked" in (checked.stdout + checked.stderr)


def test_the_cli_crl_command_writes_a_signed_crl(
    engine: Engine, cas: CaSet, ca_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_JPKI_CA_PASSPHRASE", "test-ca-passphrase")
    out = tmp_path / "auth.crl"
    url = engine.url.render_as_string(hide_password=False)
    code, body = _cli(["jpki", "crl", "--out", str(out), "--profile", "auth", "--url", url], ca_dir)
    assert code == 0 and body["profile"] == "auth"
    loaded = x509.load_pem_x509_crl(out.read_bytes())
    assert loaded.issuer == cas.for_purpose(Purpose.AUTH).cert.subject
    assert loaded.next_update_utc is not None


def test_api_verify_needs_a_verifier_and_logs_the_query(
    engine: Engine,
    jpki: Jpki,
    card: ChipToken,
    issued: dict[Purpose, x509.Certificate],
    token: str,
) -> None:
    client = TestClient(create_app(engine, jpki_service=jpki))
    pem = issued[Purpose.AUTH].public_bytes(serialization.Encoding.PEM).decode()
    refused = client.post("/jpki/verify", json={"certificate": pem})
    assert refused.status_code == 401 and refused.json()["code"] == "JPKI-010"
    payload = b"login challenge"
    body = {
        "certificate": pem,
        "payload_base64": base64.b64encode(payload).decode(),
        "signature_base64": base64.b64encode(card.sign(Purpose.AUTH, payload, PIN)).decode(),
    }
    reply = client.post("/jpki/verify", json=body, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["ok"] is True and reply.json()["profile"] == "auth"
    assert reply.json()["basic_four"] == {}
    bad = client.post(
        "/jpki/verify",
        json={"certificate": "garbage"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "JPKI-020"
    with engine.connect() as conn:
        logged = verifiers.queries_for(conn, f"{issued[Purpose.AUTH].serial_number:x}")
    assert [(q["channel"], q["answer"]) for q in logged] == [("verify", "good")]


def test_a_server_without_jpki_answers_not_enabled(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    reply = client.post("/jpki/verify", json={"certificate": "x"})
    assert reply.status_code == 404 and reply.json()["code"] == "JPKI-035"
    assert client.post("/jpki/ocsp", content=b"x").status_code == 404


def test_cli_issues_through_the_token_signs_and_verifies(
    engine: Engine, card: ChipToken, ca_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JICHI_JPKI_CA_PASSPHRASE", "test-ca-passphrase")
    monkeypatch.setenv("JICHI_JPKI_PIN", PIN)
    url = engine.url.render_as_string(hide_password=False)
    base = ["--url", url]
    person = ["--person-id", "p-cli", "--lg-code", "112011", "--name", "山田　太郎"]
    person += ["--address", "埼玉県川越市1-2-3", "--born", "1980-04-02", "--sex", "male"]
    issue = ["jpki", "issue", "--token", card.token_label, *person, "--out-dir", str(tmp_path)]
    code, body = _cli([*issue, *base], ca_dir)
    assert code == 0 and set(body) == {"sign", "auth"}
    document = tmp_path / "doc.txt"
    document.write_bytes(b"signed at the counter")
    sig = tmp_path / "doc.sig"
    result = CliRunner().invoke(
        cli, ["jpki", "sign", str(document), "--token", card.token_label, "--out", str(sig)]
    )
    assert result.exit_code == 0, result.output
    args = ["jpki", "verify", str(tmp_path / "sign.pem"), "--payload", str(document)]
    code, verified = _cli([*args, "--signature", str(sig)], ca_dir)
    # no status source given: signature and chain pass, but an unknown status is a refusal
    assert [e["code"] for e in verified["errors"]] == ["JPKI-025"]  # type: ignore[union-attr]
    assert code == 1 and verified["status"] == "unknown"
    monkeypatch.setenv("JICHI_JPKI_PIN", "WRONG99")
    wrong = CliRunner().invoke(
        cli, ["jpki", "sign", str(document), "--token", card.token_label, "--out", str(sig)]
    )
    assert wrong.exit_code == 1 and "JPKI-002" in wrong.output

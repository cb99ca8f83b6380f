"""Registry events revoke the signing certificate in the same transaction (ADR 0011)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from sqlalchemy import Engine

from jichi.mynumber.jpki import revocation, store, verifiers
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import ChipToken, Purpose
from jichi.registry.service import Registry
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.mynumber.jpki.conftest import (
    CLERK,
    ELSEWHERE,
    LG,
    PIN,
    address,
    holder_of,
    move_in_family,
)
from tests.integration.mynumber.jpki.helpers import openssl_ocsp, openssl_status, serving, write_pem


def _issue_for_taro(
    engine: Engine, jpki: Jpki, registry: Registry, card: ChipToken
) -> tuple[dict[str, str], dict[Purpose, Any]]:
    family = move_in_family(registry)
    taro = family["太郎"]
    holder = holder_of(registry, taro)  # the composition root reads the registry first
    with write_transaction(engine) as conn:
        certs = jpki.issuer.issue_card(conn, holder, card, PIN)
    return family, certs


def _apply(registry: Registry, **data: Any) -> None:
    registry.apply(registry.parse(data), CLERK)


def _ocsp_answer(jpki: Jpki, cas: CaSet, cert: Any, token: str, purpose: Purpose) -> str:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, cas.for_purpose(purpose).cert, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = ocsp.load_der_ocsp_response(jpki.responder.answer(request, token))
    return response.certificate_status.name.lower()


def test_a_relocation_makes_the_ocsp_answer_revoked_with_no_step_between(
    engine: Engine,
    jpki: Jpki,
    cas: CaSet,
    registry: Registry,
    card: ChipToken,
    ca_dir: Path,
    tmp_path: Path,
) -> None:
    family, certs = _issue_for_taro(engine, jpki, registry, card)
    taro = family["太郎"]
    with write_transaction(engine) as conn:
        _, token = verifiers.register(conn, "e-Tax")
    leaf = write_pem(certs[Purpose.SIGN], tmp_path / "sign.pem")
    auth_leaf = write_pem(certs[Purpose.AUTH], tmp_path / "auth.pem")
    with serving(create_app(engine, jpki_service=jpki)) as url:
        assert openssl_status(openssl_ocsp(ca_dir, "sign-ca", leaf, url, token), leaf) == "good"
        _apply(
            registry,
            kind="relocation",
            effective_date=datetime.now(UTC).date().isoformat(),
            person_ids=sorted(family.values()),
            address=address("7-7"),
            new_head_id=taro,
        )
        result = openssl_ocsp(ca_dir, "sign-ca", leaf, url, token)
        assert openssl_status(result, leaf) == "revoked"
        assert "Reason: affiliationChanged" in result.stdout
        # 利用者証明用 survives a change of address
        auth = openssl_ocsp(ca_dir, "auth-ca", auth_leaf, url, token)
        assert openssl_status(auth, auth_leaf) == "good"
    assert _ocsp_answer(jpki, cas, certs[Purpose.SIGN], token, Purpose.SIGN) == "revoked"
    with engine.connect() as conn:
        row = store.get(conn, f"{certs[Purpose.SIGN].serial_number:x}")
        event_ids = (
            conn.execute(
                sa.text("SELECT event_id FROM registry_event WHERE person_id = :p"), {"p": taro}
            )
            .scalars()
            .all()
        )
    assert row is not None and row.revocation_reason == 3
    assert row.status == "revoked"
    # the revocation names the relocation event that caused it
    with engine.connect() as conn:
        ground, event_id = conn.execute(
            sa.text(
                "SELECT revocation_ground, revocation_event_id FROM jpki_certificate"
                " WHERE serial = :s"
            ),
            {"s": row.serial},
        ).one()
    assert ground == "basic_four_changed" and event_id in event_ids


@pytest.mark.parametrize(
    ("kind", "ground", "code"),
    [("death", "death", 5), ("move_out", "move_out", 3)],
)
def test_death_and_move_out_revoke_the_signing_certificate_only(
    engine: Engine,
    jpki: Jpki,
    registry: Registry,
    card: ChipToken,
    kind: str,
    ground: str,
    code: int,
) -> None:
    family, certs = _issue_for_taro(engine, jpki, registry, card)
    taro = family["太郎"]
    today = datetime.now(UTC).date().isoformat()
    if kind == "death":
        _apply(
            registry,
            kind="death",
            person_id=taro,
            effective_date=today,
            new_head_id=family["花子"],
            relationships={family["一郎"]: "子"},
        )
    else:
        _apply(
            registry,
            kind="move_out",
            planned_date=today,
            person_ids=sorted(family.values()),
            destination=ELSEWHERE,
        )
    with engine.connect() as conn:
        sign = store.get(conn, f"{certs[Purpose.SIGN].serial_number:x}")
        auth = store.get(conn, f"{certs[Purpose.AUTH].serial_number:x}")
        recorded_ground = conn.execute(
            sa.text("SELECT revocation_ground FROM jpki_certificate WHERE serial = :s"),
            {"s": sign.serial if sign else ""},
        ).scalar_one()
    assert sign is not None and sign.status == "revoked" and sign.revocation_reason == code
    assert recorded_ground == ground
    assert auth is not None and auth.status == "good"


def test_a_failed_notification_revokes_nothing(engine: Engine, jpki: Jpki, card: ChipToken) -> None:
    """The listener shares the registry's transaction: a later failure rolls both back."""
    from jichi.security.crypto import FieldCipher
    from jichi.security.keys import Keys

    def refuse(conn: sa.Connection, event: Any) -> None:
        raise RuntimeError("a later listener fails")

    cipher = FieldCipher(Keys.derive(b"k" * 32))
    plain = Registry(engine, LG, cipher, listeners=[revocation.make_listener()])
    family, certs = _issue_for_taro(engine, jpki, plain, card)
    taro = family["太郎"]
    failing = Registry(engine, LG, cipher, listeners=[revocation.make_listener(), refuse])
    with pytest.raises(RuntimeError):
        _apply(
            failing,
            kind="relocation",
            effective_date=datetime.now(UTC).date().isoformat(),
            person_ids=sorted(family.values()),
            address=address("9-9"),
            new_head_id=taro,
        )
    with engine.connect() as conn:
        sign = store.get(conn, f"{certs[Purpose.SIGN].serial_number:x}")
    assert sign is not None and sign.status == "good"
    assert plain.read_record(taro, CLERK).address.block == "1-2-3"


def test_a_change_outside_the_basic_four_keeps_the_certificate() -> None:
    class Ev:
        def __init__(self, changes: dict[str, Any]) -> None:
            self.kind, self.reason, self.changes = "changed", "household_split", changes

    assert revocation.ground_for(Ev({"household_id": "h2", "relationship": "世帯主"})) is None
    assert revocation.ground_for(Ev({"name": {"family": "佐藤"}})) is (
        revocation.Ground.BASIC_FOUR_CHANGED
    )


def test_a_lost_card_revokes_both_certificates(engine: Engine, jpki: Jpki, card: ChipToken) -> None:
    from tests.integration.mynumber.jpki.conftest import holder

    person = holder()
    with write_transaction(engine) as conn:
        certs = jpki.issuer.issue_card(conn, person, card, PIN)
        serials = revocation.revoke_person(conn, person.person_id, revocation.Ground.KEY_COMPROMISE)
        again = revocation.revoke_person(conn, person.person_id, revocation.Ground.KEY_COMPROMISE)
    assert sorted(serials) == sorted(f"{c.serial_number:x}" for c in certs.values())
    assert again == []
    with engine.connect() as conn:
        rows = [store.get(conn, s) for s in serials]
    assert {(r.status, r.revocation_reason) for r in rows if r} == {("revoked", 1)}

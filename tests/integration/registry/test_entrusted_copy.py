"""事務の委託 of certificate issuance: allowed in the contract's period and services,
refused outside, audited under the person (both databases)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli import places as places_cli
from jichi.kernel.errors import JichiError
from jichi.places import cooperation_store
from jichi.places.cooperation import ArrangementKind, entrustment_for
from jichi.registry.entrusted_copy import answer
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.staff import create_staff, issue_token
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from tests.integration.registry.test_merger import (  # noqa: F401 (fixture)
    CIPHER,
    KAWAGOE,
    KAWAJIMA,
    NOW,
    records,
    two_towns,
)

COUNTER = Actor("madoguchi-kawagoe", KAWAGOE, "clerk")
CONTRACT = {
    "id": "kawajima-kawagoe-2026",
    "kind": "entrustment",
    "name": "住民票の写し等の交付事務の委託（川島町→川越市）",
    "valid_from": "2026-04-01",
    "valid_to": "2027-04-01",
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
    return two_towns


def _ask(engine: Engine, *, on: datetime = NOW, service: str = "record_copy_personal", **kw: str):  # type: ignore[no-untyped-def]
    person = next(r for r in records(engine, kw.get("holder", KAWAJIMA)) if r.is_active)
    return person, answer(
        engine,
        CIPHER,
        Actor(COUNTER.staff_id, kw.get("counter", KAWAGOE), "clerk"),
        holder=kw.get("holder", KAWAJIMA),
        service=service,
        family=person.name.family,
        given=person.name.given,
        date_of_birth=person.date_of_birth,
        clock=lambda: on,
    )


def _audits(engine: Engine) -> list[sa.Row[tuple[str, str, str | None, str]]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(
                    audit_log.c.lg_code,
                    audit_log.c.actor,
                    audit_log.c.subject_person_id,
                    audit_log.c.action,
                ).where(audit_log.c.action == "certificate.entrusted_read")
            )
        )


def test_an_entrusted_counter_gets_the_record_and_the_read_is_audited(contracted: Engine) -> None:
    person, got = _ask(contracted)
    assert got.record.person_id == person.person_id
    assert got.record.resident_code == person.resident_code
    assert got.entrustment.rules_lg_code == KAWAJIMA  # the entrusting municipality's rules
    assert _audits(contracted) == [
        (KAWAJIMA, COUNTER.staff_id, person.person_id, "certificate.entrusted_read")
    ]


@pytest.mark.parametrize(
    ("why", "changes"),
    [
        ("after the contract ended", {"on": datetime(2027, 4, 1, 1, 0, tzinfo=UTC)}),
        ("before it began", {"on": datetime(2026, 3, 31, 1, 0, tzinfo=UTC)}),
        ("a service it does not cover", {"service": "record_items_certificate"}),
        ("the other way round", {"holder": KAWAGOE, "counter": KAWAJIMA}),
        ("a municipality outside it", {"counter": "131016"}),
    ],
)
def test_outside_the_contract_nothing_is_read(
    contracted: Engine, why: str, changes: dict[str, object]
) -> None:
    with pytest.raises(JichiError) as refused:
        _ask(contracted, **changes)  # type: ignore[arg-type]
    assert refused.value.code == "COOP-001", why
    assert _audits(contracted) == []


def test_a_protected_person_is_never_answered(contracted: Engine) -> None:
    with write_transaction(contracted) as conn:
        conn.execute(
            resident.update().where(resident.c.lg_code == KAWAJIMA).values(restricted=True)
        )
    with pytest.raises(JichiError) as refused:
        _ask(contracted)
    assert refused.value.code == "COOP-011"
    assert _audits(contracted) == []


def test_members_over_time_and_a_member_who_left() -> None:
    data = {
        **CONTRACT,
        "members": [
            {"lg_code": KAWAJIMA, "role": "entrusting", "valid_to": "2026-10-01"},
            {"lg_code": KAWAGOE, "role": "entrusted"},
        ],
    }
    contract = cooperation_store.from_json(data)
    assert contract.kind is ArrangementKind.ENTRUSTMENT
    assert contract.members_on(date(2026, 9, 30)) == [KAWAGOE, KAWAJIMA]
    assert contract.members_on(date(2026, 10, 1)) == [KAWAGOE]
    args = {"holder": KAWAJIMA, "counter": KAWAGOE, "service": "record_copy_personal"}
    assert entrustment_for([contract], on=date(2026, 9, 30), **args).holder == KAWAJIMA
    with pytest.raises(JichiError):
        entrustment_for([contract], on=date(2026, 10, 1), **args)


def test_a_contract_without_both_sides_is_refused() -> None:
    with pytest.raises(JichiError) as refused:
        cooperation_store.from_json(
            {**CONTRACT, "members": [{"lg_code": KAWAGOE, "role": "entrusted"}]}
        )
    assert refused.value.code == "COOP-002"


def test_the_cli_records_and_lists_an_arrangement(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with write_transaction(engine) as conn:
        create_staff(conn, "kakaricho", KAWAGOE, "supervisor", "係長")
        monkeypatch.setenv("JICHI_STAFF_TOKEN", issue_token(conn, "kakaricho"))
    url = engine.url.render_as_string(hide_password=False)
    source = tmp_path / "kouiki.json"
    source.write_text(json.dumps([CONTRACT]), encoding="utf-8")
    runner = CliRunner()
    added = runner.invoke(places_cli.app, ["cooperation", "add", str(source), "--url", url])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(
        places_cli.app,
        [
            "cooperation",
            "list",
            "--as-of",
            "R8.12.1",
            "--municipality",
            KAWAJIMA,
            "--json",
            "--url",
            url,
        ],
    )
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)[0]["members"] == [KAWAGOE, KAWAJIMA]
    later = runner.invoke(
        places_cli.app, ["cooperation", "list", "--as-of", "R9.4.1", "--json", "--url", url]
    )
    assert json.loads(later.output) == []

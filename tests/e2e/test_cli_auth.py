"""The CLI acts only for a signed-in staff member, under the API's role policy (issue 9.4).

Every test runs on SQLite and PostgreSQL (the ``engine`` fixture) through the real
``jichi`` Typer app; credentials come from ``JICHI_STAFF_TOKEN`` or a password typed at
the (hidden) prompt, as an operator would.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from jichi.cli.main import app
from jichi.network.center.agencies import add_agency
from jichi.network.center.agencies import authenticate as agency_authenticate
from jichi.network.center.agencies import issue_token as issue_agency_token
from jichi.network.center.tables import center_code_block, center_resident_code
from jichi.registry.queries import SearchQuery
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import load_keys
from jichi.security.staff import (
    authenticate,
    check_password,
    create_staff,
    issue_token,
)
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from tests.integration.registry.conftest import ELSEWHERE, address, yamada_family

LG = "112011"  # 川越市
OTHER = "131016"  # 千代田区
PASSWORD = "correct horse battery staple"
runner = CliRunner()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(
    engine: Engine, args: list[str], *, token: str | None = None, input: str | None = None
) -> Result:
    env = {"JICHI_DATABASE_URL": url_of(engine), "JICHI_STAFF_TOKEN": token or ""}
    return runner.invoke(app, args, env=env, input=input)


def member(engine: Engine, staff_id: str, role: str, lg_code: str = LG) -> str:
    """A staff member made through the Python API (as the demos do) and their token."""
    with write_transaction(engine) as conn:
        create_staff(conn, staff_id, lg_code, role, staff_id, password=PASSWORD)
        return issue_token(conn, staff_id, ttl=timedelta(hours=1))


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.actor, audit_log.c.action)).all()
    return [(r.actor, r.action) for r in rows]


def move_in(tmp_path: Path) -> Path:
    line = {
        "kind": "move_in",
        "effective_date": "2020-04-01",
        "notified_date": "2020-04-03",
        "address": address(),
        "previous_address": ELSEWHERE,
        "persons": yamada_family(),
    }
    path = tmp_path / "move_in.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    return path


def residents(engine: Engine) -> list[str]:
    """The person ids of the 山田 family, read through the registry (no CLI involved)."""
    registry = Registry(engine, LG, FieldCipher(load_keys(url_of(engine))))
    found = registry.search(SearchQuery(kana="やまだ"), Actor("test", LG, "supervisor"))
    return [r.person_id for r in found.records]


# --- 1. a credential is required; a wrong one is refused; nothing is done ---


def test_without_a_credential_apply_is_refused_with_exit_2_and_records_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    member(engine, "suzuki", "supervisor")
    result = run(engine, ["registry", "apply", str(move_in(tmp_path))])
    assert result.exit_code == 2, result.output
    assert "CLI-001" in result.stderr and "職員の認証が必要です" in result.stderr
    assert residents(engine) == []


def test_staff_without_the_password_is_refused_even_when_the_id_exists(
    engine: Engine, tmp_path: Path
) -> None:
    member(engine, "suzuki", "supervisor")
    path = move_in(tmp_path)
    wrong = run(engine, ["registry", "apply", str(path), "--staff", "suzuki"], input="guess\n")
    assert wrong.exit_code == 2 and "CLI-002" in wrong.stderr
    bad_token = run(engine, ["registry", "apply", str(path)], token="jichi_not-a-real-token")
    assert bad_token.exit_code == 2 and "CLI-002" in bad_token.stderr
    assert residents(engine) == []
    right = run(
        engine, ["registry", "apply", str(path), "--staff", "suzuki"], input=PASSWORD + "\n"
    )
    assert right.exit_code == 0, right.output
    assert PASSWORD not in right.output  # the prompt hides what is typed
    assert len(residents(engine)) == 4


def test_every_personal_data_command_needs_the_credential(engine: Engine, tmp_path: Path) -> None:
    token = member(engine, "suzuki", "supervisor")
    assert run(engine, ["registry", "apply", str(move_in(tmp_path))], token=token).exit_code == 0
    person = residents(engine)[0]
    commands = [
        ["registry", "show", person],
        ["registry", "history", person],
        ["registry", "search", "--kana", "やまだ"],
        ["registry", "export", str(tmp_path / "out.csv"), "--municipality", LG],
        ["registry", "import", str(tmp_path / "missing.csv"), "--municipality", LG],
    ]
    (tmp_path / "missing.csv").write_text("", encoding="utf-8")
    for args in commands:
        refused = run(engine, args)
        assert refused.exit_code == 2 and "CLI-001" in refused.stderr, args
        assert "山田" not in refused.stdout
    assert not (tmp_path / "out.csv").exists()
    shown = run(engine, ["registry", "show", person], token=token)
    assert shown.exit_code == 0 and json.loads(shown.stdout)["person_id"] == person


# --- binding: A's credential never acts on B ---


def test_a_credential_of_one_municipality_cannot_act_on_another(
    engine: Engine, tmp_path: Path
) -> None:
    token = member(engine, "suzuki", "supervisor")
    search = run(engine, ["registry", "search", "--municipality", OTHER], token=token)
    assert search.exit_code == 2 and "CLI-003" in search.stderr
    out = tmp_path / "other.csv"
    export = run(engine, ["registry", "export", str(out), "--municipality", OTHER], token=token)
    assert export.exit_code == 2 and "CLI-003" in export.stderr and not out.exists()
    admin = member(engine, "admin-a", "admin")
    add = run(
        engine,
        ["staff", "add", "intruder", "--municipality", OTHER],
        token=admin,
        input="pw\npw\n",
    )
    assert add.exit_code == 2 and "CLI-003" in add.stderr
    with engine.connect() as conn, pytest.raises(Exception, match="AUTH-001"):
        check_password(conn, "intruder", "pw", served=OTHER)


# --- 2. the same role policy as the API ---


def test_a_clerks_ex_officio_removal_through_the_cli_is_refused_and_not_recorded(
    engine: Engine, tmp_path: Path
) -> None:
    clerk = member(engine, "clerk-1", "clerk")
    assert run(engine, ["registry", "apply", str(move_in(tmp_path))], token=clerk).exit_code == 0
    person = residents(engine)[0]
    removal = {
        "kind": "ex_officio_removal",
        "person_id": person,
        "effective_date": "2021-01-04",
        "reason": "実態調査",
    }
    path = tmp_path / "removal.jsonl"
    path.write_text(json.dumps(removal, ensure_ascii=False), encoding="utf-8")
    result = run(engine, ["registry", "apply", str(path), "--json"], token=clerk)
    assert result.exit_code == 1
    line = json.loads(result.stdout)
    assert line["accepted"] is False and line["error"]["code"] == "AUTH-002"
    history = run(engine, ["registry", "history", person], token=clerk)
    reasons = [json.loads(x)["reason"] for x in history.stdout.splitlines()]
    assert len(reasons) == 1  # only the move-in: nothing was removed
    supervisor = member(engine, "kakaricho", "supervisor")
    done = run(engine, ["registry", "apply", str(path), "--json"], token=supervisor)
    assert done.exit_code == 0 and json.loads(done.stdout)["accepted"] is True


def test_an_auditor_cannot_read_records_and_a_clerk_cannot_export(
    engine: Engine, tmp_path: Path
) -> None:
    auditor = member(engine, "kansa", "auditor")
    shown = run(engine, ["registry", "search", "--kana", "やまだ"], token=auditor)
    assert shown.exit_code == 2 and "AUTH-002" in shown.stderr
    clerk = member(engine, "clerk-1", "clerk")
    out = tmp_path / "all.csv"
    export = run(engine, ["registry", "export", str(out), "--municipality", LG], token=clerk)
    assert export.exit_code == 2 and "AUTH-002" in export.stderr and not out.exists()


# --- 3. the recorded actor is the authenticated one ---


def test_export_records_the_signed_in_staff_and_actor_can_no_longer_be_typed(
    engine: Engine, tmp_path: Path
) -> None:
    token = member(engine, "suzuki", "supervisor")
    out = tmp_path / "out.csv"
    forged = run(
        engine,
        ["registry", "export", str(out), "--municipality", LG, "--actor", "tanaka"],
        token=token,
    )
    assert forged.exit_code == 2 and "No such option" in forged.output
    result = run(engine, ["registry", "export", str(out), "--municipality", LG], token=token)
    assert result.exit_code == 0, result.output
    assert ("suzuki", "registry.export") in audit_actions(engine)


def test_center_code_allocation_records_a_system_actor_not_a_typed_name(engine: Engine) -> None:
    forged = run(engine, ["center", "codes", "allocate", LG, "--count", "1", "--by", "suzuki"])
    assert forged.exit_code == 2 and "No such option" in forged.output
    done = run(engine, ["center", "codes", "allocate", LG, "--count", "1"])
    assert done.exit_code == 0, done.output
    with engine.connect() as conn:
        by = conn.execute(sa.select(center_code_block.c.allocated_by)).scalar_one()
        assert conn.execute(sa.select(sa.func.count()).select_from(center_resident_code)).scalar()
    assert by.startswith("system:center-codes:")


# --- 4. disable, revoke ---


def test_disabling_staff_stops_token_and_password_at_once_and_is_audited(engine: Engine) -> None:
    admin = member(engine, "admin-a", "admin")
    clerk = member(engine, "clerk-1", "clerk")
    refused = run(engine, ["staff", "disable", "clerk-1"], token=clerk)
    assert refused.exit_code == 2 and "AUTH-002" in refused.stderr
    done = run(engine, ["staff", "disable", "clerk-1"], token=admin)
    assert done.exit_code == 0, done.output
    assert run(engine, ["registry", "search"], token=clerk).exit_code == 2
    typed = run(engine, ["registry", "search", "--staff", "clerk-1"], input=PASSWORD + "\n")
    assert typed.exit_code == 2 and "CLI-002" in typed.stderr
    assert ("admin-a", "staff.disable") in audit_actions(engine)
    last = run(engine, ["staff", "disable", "admin-a"], token=admin)
    assert last.exit_code == 1 and "AUTH-021" in last.stderr


def test_revoke_one_token_then_all_of_a_staff_members(engine: Engine) -> None:
    admin = member(engine, "admin-a", "admin")
    first = member(engine, "clerk-1", "clerk")
    issued = run(engine, ["staff", "token", "--staff", "clerk-1"], input=PASSWORD + "\n")
    assert issued.exit_code == 0, issued.output
    second = issued.stdout.strip().splitlines()[-1]
    token_id = issued.stderr.split("token id: ")[1].split()[0]
    one = run(engine, ["staff", "revoke-token", "clerk-1", "--token", token_id], token=first)
    assert one.exit_code == 0, one.output
    with engine.connect() as conn:
        authenticate(conn, first, served=LG)  # still live
        with pytest.raises(Exception, match="AUTH-001"):
            authenticate(conn, second, served=LG)
    every = run(engine, ["staff", "revoke-token", "clerk-1", "--all"], token=admin)
    assert every.exit_code == 0 and "1 件" in every.stdout
    with engine.connect() as conn, pytest.raises(Exception, match="AUTH-001"):
        authenticate(conn, first, served=LG)
    assert ("clerk-1", "staff.revoke_token") in audit_actions(engine)
    assert ("admin-a", "staff.revoke_token") in audit_actions(engine)


def test_a_token_cannot_mint_tokens_and_a_clerk_cannot_mint_for_others(engine: Engine) -> None:
    clerk = member(engine, "clerk-1", "clerk")
    member(engine, "clerk-2", "clerk")
    minted = run(engine, ["staff", "token"], token=clerk)
    assert minted.exit_code == 2 and "CLI-004" in minted.stderr
    other = run(engine, ["staff", "token", "clerk-2", "--staff", "clerk-1"], input=PASSWORD + "\n")
    assert other.exit_code == 2 and "AUTH-002" in other.stderr


def test_center_agency_tokens_are_revoked_and_agencies_disabled(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        agency = add_agency(conn, "日本年金機構", legal_ground="別表第一", purposes=["現況確認"])
        one = issue_agency_token(conn, agency.agency_id)
        two = issue_agency_token(conn, agency.agency_id)
    revoked = run(engine, ["center", "agency", "revoke-token", agency.agency_id, "--token", one])
    assert revoked.exit_code == 0, revoked.output
    with engine.connect() as conn:
        with pytest.raises(Exception, match="CEN-002"):
            agency_authenticate(conn, one)
        assert agency_authenticate(conn, two).agency_id == agency.agency_id
    stopped = run(engine, ["center", "agency", "disable", agency.agency_id])
    assert stopped.exit_code == 0, stopped.output
    with engine.connect() as conn, pytest.raises(Exception, match="CEN-002"):
        agency_authenticate(conn, two)


# --- 5. bootstrap ---


def test_bootstrap_creates_the_first_admin_once_then_add_needs_that_admin(engine: Engine) -> None:
    unauthenticated = run(engine, ["staff", "add", "sato", "--municipality", LG], input="p\np\n")
    assert unauthenticated.exit_code == 2 and "CLI-001" in unauthenticated.stderr
    first = run(
        engine,
        ["staff", "bootstrap", "--municipality", LG, "--staff", "admin-a"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert first.exit_code == 0, first.output
    again = run(
        engine,
        ["staff", "bootstrap", "--municipality", LG, "--staff", "admin-b"],
        input="x\nx\n",
    )
    assert again.exit_code == 1 and "AUTH-020" in again.stderr
    added = run(
        engine,
        ["staff", "add", "sato", "--municipality", LG, "--role", "clerk", "--staff", "admin-a"],
        input=f"{PASSWORD}\nsato-pass\nsato-pass\n",
    )
    assert added.exit_code == 0, added.output
    with engine.connect() as conn:
        assert check_password(conn, "sato", "sato-pass", served=LG).role == "clerk"
    clerk = run(engine, ["staff", "token", "--staff", "sato"], input="sato-pass\n").stdout
    by_clerk = run(
        engine,
        ["staff", "add", "kato", "--municipality", LG],
        token=clerk.strip(),
        input="p\np\n",
    )
    assert by_clerk.exit_code == 2 and "AUTH-002" in by_clerk.stderr
    assert ("admin-a", "staff.bootstrap") in audit_actions(engine)
    assert ("admin-a", "staff.add") in audit_actions(engine)
    # another municipality still has no admin: it may bootstrap its own
    other = run(
        engine,
        ["staff", "bootstrap", "--municipality", OTHER, "--staff", "chiyoda-admin"],
        input="y\ny\n",
    )
    assert other.exit_code == 0, other.output

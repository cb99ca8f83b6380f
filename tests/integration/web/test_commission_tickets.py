"""投票所入場整理券 from the commission's page, on both databases: the PDF of a district
(read back with pdftotext), its parts, the audit of every person printed, and refusals.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.elections import election_store
from jichi.elections.ticket_print import TICKETS, ticket_part
from jichi.elections.tickets import ticket_key_of, ticket_payload, verify_code
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.web.commission_world import (
    CLERK,
    COMMISSION,
    PASSWORD,
    World,
    family,
    staff,
)
from tests.integration.web.test_commission_pages import (
    BASE,
    CIPHER,
    LG,
    build_roll,
    csrf,
    set_up,
    sign_in,
)

PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def world(engine: Engine) -> tuple[TestClient, World]:
    """test_commission_pages's world: the commission, a clerk, two adults and a child."""
    staff(engine, LG)
    people = family(Registry(engine, LG, CIPHER))
    return TestClient(create_app(engine, municipality=LG, cipher=CIPHER)), people


def text_of(pdf: bytes, tmp_path: Path) -> str:
    assert PDFTOTEXT is not None, "pdftotext (poppler-utils) is needed"
    path = tmp_path / "tickets.pdf"
    path.write_bytes(pdf)
    done = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def add_day_station(client: TestClient, token: str) -> None:
    added = client.post(
        f"{BASE}/2026-mayor/stations",
        data={"csrf_token": token, "station_id": "d1", "name": "第1投票所（的場小学校）",
              "kind": "day", "polling_district": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303, added.text


def audited(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                sa.select(audit_log.c.subject_person_id).where(audit_log.c.action == TICKETS)
            ).scalars()
        )


def test_a_districts_tickets_print_from_the_roll_and_each_person_is_audited(
    engine: Engine, world: tuple[TestClient, World], tmp_path: Path
) -> None:
    client, people = world
    token = sign_in(client, COMMISSION[0])
    build_roll(client, token)
    set_up(client, token)  # two 期日前投票所 only: nothing says where to vote on the day
    listing = client.get(f"{BASE}/2026-mayor/tickets")
    assert listing.status_code == 200 and "未登録" in listing.text
    early = client.get(f"{BASE}/2026-mayor/tickets/pdf?district=1&part=1")
    assert early.status_code == 409 and "当日投票所が登録されていません" in early.text
    assert audited(engine) == []  # refused before anyone was read
    add_day_station(client, token)
    listing = client.get(f"{BASE}/2026-mayor/tickets")
    assert (
        "第1投票所（的場小学校）" in listing.text
        and "tickets/pdf?district=1&amp;part=1" in listing.text
    )
    answer = client.get(f"{BASE}/2026-mayor/tickets/pdf?district=1&part=1")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content.startswith(b"%PDF")
    text = text_of(answer.content, tmp_path)
    assert text.count("投票所入場整理券") == 2  # the two adults; the child is not on the roll
    assert "選挙" in text and "太郎" in text and "花子" in text and "一郎" not in text
    assert "第1投票所（的場小学校）" in text
    # the printed code is the one the desk verifies (the web's ticket key)
    key = ticket_key_of(CIPHER)
    taro = people.voters[0]
    tag = ticket_payload(key, "2026-mayor", taro).rsplit("|", 1)[1]
    assert tag in text
    assert verify_code(key, f"T1|2026-mayor|{taro}|{tag}", "2026-mayor") == taro
    assert audited(engine) == sorted(people.voters)  # each person printed, nobody else
    with engine.connect() as conn:
        purpose = conn.execute(
            sa.select(audit_log.c.purpose).where(audit_log.c.action == TICKETS).limit(1)
        ).scalar_one()
    assert purpose == "投票所入場整理券"
    beyond = client.get(f"{BASE}/2026-mayor/tickets/pdf?district=1&part=2")
    assert beyond.status_code == 422 and "1部です" in beyond.text
    nowhere = client.get(f"{BASE}/2026-mayor/tickets/pdf?district=9&part=1")
    assert nowhere.status_code == 409
    bad = client.get(f"{BASE}/2026-mayor/tickets/pdf?district=1&part=x")
    assert bad.status_code == 422
    assert len(audited(engine)) == 2  # refusals read nobody


def test_a_district_prints_in_parts_each_reading_only_its_own_voters(
    engine: Engine, world: tuple[TestClient, World]
) -> None:
    client, people = world
    token = sign_in(client, COMMISSION[0])
    build_roll(client, token)
    set_up(client, token)
    add_day_station(client, token)
    with engine.connect() as conn:
        e = election_store.load(conn, "2026-mayor")
    actor = Actor(COMMISSION[0], LG, "election")
    printed = []
    for part in (1, 2):
        with write_transaction(engine) as conn:
            got = ticket_part(conn, actor, CIPHER.audit_key, e, "1", part, size=1)
        assert (got.part, got.parts, got.voters) == (part, 2, 2)
        assert [t.number for t in got.tickets] == [str(part)]  # 選挙人番号 order
        printed.append(got.tickets[0].voter_id)
        assert audited(engine) == sorted(printed)  # a part audits only its own person
    assert sorted(printed) == sorted(people.voters)


def test_counter_clerks_may_not_print_tickets(world: tuple[TestClient, World]) -> None:
    client, _ = world
    client.cookies.clear()
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": CLERK, "password": PASSWORD}
    )
    for path in ("/tickets", "/tickets/pdf?district=1&part=1"):
        refused = client.get(f"{BASE}/2026-mayor{path}")
        assert refused.status_code == 403 and "権限がありません" in refused.text, path


@pytest.mark.parametrize("path", ["/tickets", "/tickets/pdf?district=1&part=1"])
def test_another_municipalitys_election_has_no_tickets_here(
    engine: Engine, world: tuple[TestClient, World], path: str
) -> None:
    from datetime import date

    from jichi.elections.model import Candidate, Election, ElectionType

    client, _ = world
    other = Election(
        "chiyoda-2026", "131016", ElectionType.MAYOR, "千代田区", 1,
        date(2026, 11, 1), date(2026, 11, 8), candidates=(Candidate("c1", "番町 候補"),),
    )  # fmt: skip
    with write_transaction(engine) as conn:
        election_store.save(conn, other)
    sign_in(client, COMMISSION[0])
    seen = client.get(f"{BASE}/chiyoda-2026{path}")
    assert seen.status_code == 404 and "番町" not in seen.text

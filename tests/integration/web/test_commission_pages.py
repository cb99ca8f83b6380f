"""The election commission's pages over HTTP, on both databases: roll, set-up, desk,
four-eyes tally, 速報 and 確定 — and who may use them.

The browser walk of the same election (with axe) is tests/e2e/browser/test_commission_ui.py.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.elections.tickets import ticket_key, ticket_key_of, ticket_payload
from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import issue_token
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.web.commission_world import (
    BASE_DATE,
    CLERK,
    COMMISSION,
    PASSWORD,
    World,
    election_form,
    family,
    staff,
)

LG = "112011"
KEYS = Keys.derive(b"e" * 32)
CIPHER = FieldCipher(KEYS)
BASE = "/counter/elections"


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html[:300]
    return found.group(1)


def sign_in(client: TestClient, staff_id: str) -> str:
    client.cookies.clear()
    token = csrf(client.get("/counter/login").text)
    answer = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": staff_id, "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf(client.get(f"{BASE}/").text)


@pytest.fixture
def world(engine: Engine) -> tuple[TestClient, World]:
    staff(engine, LG)
    people = family(Registry(engine, LG, CIPHER))
    return TestClient(create_app(engine, municipality=LG, cipher=CIPHER)), people


def build_roll(client: TestClient, token: str) -> str:
    answer = client.post(
        f"{BASE}/roll/build",
        data={"csrf_token": token, "as_of": BASE_DATE, "register": "periodic"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"]).split("/roll/")[1].split("?")[0]


def set_up(client: TestClient, token: str) -> None:
    made = client.post(
        f"{BASE}/new", data={"csrf_token": token, **election_form()}, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    for station_id, name in (("s1", "期日前投票所（本庁）"), ("s2", "期日前投票所（支所）")):
        added = client.post(
            f"{BASE}/2026-mayor/stations",
            data={"csrf_token": token, "station_id": station_id, "name": name, "kind": "early",
                  "polling_district": "1"},
            follow_redirects=False,
        )  # fmt: skip
        assert added.status_code == 303, added.text


def test_a_commission_builds_the_roll_and_its_reads_are_audited(
    engine: Engine, world: tuple[TestClient, World]
) -> None:
    client, people = world
    token = sign_in(client, COMMISSION[0])
    assert client.get("/counter/", follow_redirects=False).headers["location"] == f"{BASE}/"
    build_id = build_roll(client, token)
    page = client.get(f"{BASE}/roll/{build_id}?built=1")
    assert page.status_code == 200 and "名簿を調製しました" in page.text
    assert "登録者 2人" in page.text  # the two adults; the child is not 18
    shohon = client.get(f"{BASE}/roll/{build_id}/extract?district=1&format=csv")
    rows = list(csv.DictReader(io.StringIO(shohon.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and all(r["name"].startswith("選挙") for r in rows)
    assert shohon.headers["content-disposition"].startswith("attachment")
    cp932 = client.get(f"{BASE}/roll/{build_id}/extract?district=1&format=csv&encoding=cp932")
    assert "選挙".encode("cp932") in cp932.content
    with engine.connect() as conn:
        audited = set(
            conn.execute(
                sa.select(audit_log.c.subject_person_id).where(
                    audit_log.c.action == "voter_roll.extract"
                )
            ).scalars()
        )
    assert audited == set(people.voters)  # each person shown, and nobody else


def test_an_election_form_shows_every_error_at_once(world: tuple[TestClient, World]) -> None:
    client, _ = world
    token = sign_in(client, COMMISSION[0])
    bad = {**election_form(), "seats": "0", "polling_day": "2020-01-01", "candidates": "c1,,党"}
    answer = client.post(f"{BASE}/new", data={"csrf_token": token, **bad})
    assert answer.status_code == 422
    assert 'id="error-summary-title"' in answer.text
    for field in ("seats", "announced_on", "candidates"):
        assert f'href="#f-{field}"' in answer.text, field
    assert "候補者の1行目の氏名" in answer.text and "candidates[0]" not in answer.text


def test_a_voter_is_checked_in_once_and_the_refusal_says_where_and_when(
    engine: Engine, world: tuple[TestClient, World]
) -> None:
    client, people = world
    token = sign_in(client, COMMISSION[0])
    build_roll(client, token)
    set_up(client, token)
    taro, hanako = people.voters
    assert ticket_key_of(CIPHER) == ticket_key(KEYS)  # the page checks what the PDF printed
    qr = ticket_payload(ticket_key(KEYS), "2026-mayor", taro)
    first = client.post(
        f"{BASE}/2026-mayor/stations/s1/checkin", data={"csrf_token": token, "code": qr}
    )
    assert first.status_code == 200 and "受け付けました" in first.text
    again = client.post(
        f"{BASE}/2026-mayor/stations/s2/checkin", data={"csrf_token": token, "code": qr}
    )
    assert again.status_code == 409
    assert "受付済みです" in again.text and "期日前投票所（本庁）" in again.text
    assert COMMISSION[0] in again.text
    forged = client.post(
        f"{BASE}/2026-mayor/stations/s1/checkin",
        data={"csrf_token": token, "code": qr[:-1] + ("A" if qr[-1] != "A" else "B")},
    )
    assert forged.status_code == 422 and "ELE-027" not in forged.text
    child = client.post(
        f"{BASE}/2026-mayor/stations/s1/checkin", data={"csrf_token": token, "code": people.child}
    )
    assert child.status_code == 422 and "選挙人名簿に登録されていません" in child.text
    # the station laptops' API: the same rule, the same answer
    with write_transaction(engine) as conn:
        bearer = {"Authorization": "Bearer " + issue_token(conn, COMMISSION[1])}
    api = "/api/elections/2026-mayor/stations"
    ok = client.post(f"{api}/s2/checkins", json={"code": hanako}, headers=bearer).json()
    assert ok["accepted"] and ok["voter"]["polling_district"] == "1"
    no = client.post(f"{api}/s1/checkins", json={"code": hanako}, headers=bearer).json()
    assert not no["accepted"] and no["first"]["station_id"] == "s2"
    assert no["first"]["clerk_id"] == COMMISSION[1] and no["double_vote_risk"] is False
    offline = client.post(f"{api}/s1/offline", headers=bearer).json()
    assert offline["station_offline"] and offline["double_vote_risk"]
    shown = client.get(f"{BASE}/2026-mayor/stations/s1")
    assert "二重投票の危険があります" in shown.text
    at = ok["first"]["checked_in_at"]
    queue = [{"code": code, "clerk_id": "laptop-1", "at": at} for code in (hanako, people.child)]
    replay = client.post(f"{api}/s1/replay", json={"queue": queue}, headers=bearer).json()
    assert [c["voter_id"] for c in replay["conflicts"]] == [hanako]
    assert [r["index"] for r in replay["not_on_roll"]] == [1]
    assert client.get(f"{api}/s1", headers=bearer).json()["station_offline"] is False


def test_a_tally_counts_only_when_a_second_person_agrees_then_it_is_declared(
    world: tuple[TestClient, World],
) -> None:
    client, _ = world
    token = sign_in(client, COMMISSION[0])
    set_up(client, token)
    tally = {"counting_district": "1", "votes.c1": "120", "votes.c2": "80",
             "invalid.blank": "3", "ambiguous": "かわ,6,c1 c2"}  # fmt: skip
    first = client.post(f"{BASE}/2026-mayor/tally", data={"csrf_token": token, **tally})
    assert "1人目の入力を受け付けました" in first.text
    same = client.post(f"{BASE}/2026-mayor/tally", data={"csrf_token": token, **tally})
    assert same.status_code == 422 and "ELE-022" not in same.text and "同じ" in same.text
    early = client.post(f"{BASE}/2026-mayor/declare", data={"csrf_token": token})
    assert early.status_code == 409 and "2人目の入力を待っている" in early.text
    token = sign_in(client, COMMISSION[1])
    wrong = client.post(
        f"{BASE}/2026-mayor/tally", data={"csrf_token": token, **tally, "votes.c2": "81"}
    )
    assert wrong.status_code == 422 and "candidate:c2" in wrong.text
    agreed = client.post(f"{BASE}/2026-mayor/tally", data={"csrf_token": token, **tally})
    assert "照合しました" in agreed.text
    results = client.get(f"{BASE}/2026-mayor/results")
    assert "速報" in results.text and "123.600" in results.text  # 120 + 6 × 120/200
    assert "当選" in results.text
    public = client.get("/elections/2026-mayor/results")
    assert "速報値です" in public.text
    declared = client.post(
        f"{BASE}/2026-mayor/declare", data={"csrf_token": token}, follow_redirects=False
    )
    assert declared.status_code == 303
    assert "— 確定" in client.get(f"{BASE}/2026-mayor/results").text
    assert "確定しました" in client.get("/elections/2026-mayor/results").text
    twice = client.post(f"{BASE}/2026-mayor/declare", data={"csrf_token": token})
    assert twice.status_code == 409
    exported = client.get(f"{BASE}/2026-mayor/results/export?format=csv-cp932")
    assert "川越".encode("cp932") in exported.content


def test_counter_staff_may_not_use_the_commission_pages(world: tuple[TestClient, World]) -> None:
    client, _ = world
    client.cookies.clear()
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": CLERK, "password": PASSWORD}
    )
    refused = client.get(f"{BASE}/roll")
    assert refused.status_code == 403 and "権限がありません" in refused.text


COMMISSION_NAMES = [
    "code", "counting_district", "votes.c1", "votes.c2", "votes.zz", "invalid.blank",
    "invalid.x", "ambiguous", "as_of", "register", "allow_unassigned", "districts_csv",
    "election_id", "kind", "district", "seats", "announced_on", "polling_day", "parties",
    "candidates", "by_election", "station_id", "name", "polling_district",
]  # fmt: skip
COMMISSION_VALUES = [
    "", "T1|2026-mayor|x|AAAA", "T1|||", "|", "9" * 40, "-1", "１２", "c1,,,,,,,", "a,b\n" * 900,
    "かわ,9999999999,c1 c2", "x,1,zz", "code,name,town,block_from,block_to\n1,a,b,9,1",
    "mayor", "hor_pr", "R8.13.1", "0001-01-01", "periodic", "on", "early",
]  # fmt: skip


@pytest.mark.slow
def test_no_commission_form_makes_a_500(engine: Engine, world: tuple[TestClient, World]) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.integration.web.signed_in import post_pairs

    client, _ = world
    token = sign_in(client, COMMISSION[0])
    build_roll(client, token)
    set_up(client, token)
    pairs = st.lists(
        st.tuples(
            st.one_of(st.sampled_from(COMMISSION_NAMES), st.text(min_size=1, max_size=12)),
            st.one_of(st.sampled_from(COMMISSION_VALUES), st.text(max_size=20)),
        ),
        max_size=10,
    )
    paths = [
        "/roll/build", "/roll/districts", "/new", "/2026-mayor/stations",
        "/2026-mayor/stations/s1/checkin", "/2026-mayor/tally", "/2026-mayor/declare",
    ]  # fmt: skip

    def fuzz_one(path: str) -> None:
        @settings(max_examples=15, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(form=pairs)
        def fuzz(form: list[tuple[str, str]]) -> None:
            answer = post_pairs(client, BASE + path, [("csrf_token", token), *form])
            assert answer.status_code < 500, (path, form, answer.text[:300])

        fuzz()

    for path in paths:
        fuzz_one(path)


def test_a_commission_never_sees_another_municipalitys_election(
    engine: Engine, world: tuple[TestClient, World]
) -> None:
    from datetime import date

    from jichi.elections import election_store
    from jichi.elections.model import Candidate, Election, ElectionType

    client, _ = world
    other = Election(
        "chiyoda-2026", "131016", ElectionType.MAYOR, "千代田区", 1,
        date(2026, 11, 1), date(2026, 11, 8), candidates=(Candidate("c1", "番町 候補"),),
    )  # fmt: skip
    with write_transaction(engine) as conn:
        election_store.save(conn, other)
    token = sign_in(client, COMMISSION[0])
    for path in ("", "/tally", "/results", "/results/export?format=json"):
        seen = client.get(f"{BASE}/chiyoda-2026{path}")
        assert seen.status_code == 404 and "番町" not in seen.text, path
    assert "chiyoda-2026" not in client.get(f"{BASE}/").text
    posted = client.post(f"{BASE}/chiyoda-2026/declare", data={"csrf_token": token})
    assert posted.status_code == 404


@pytest.mark.parametrize("round_", range(3))
def test_two_laptops_sending_the_same_voter_at_once_get_one_acceptance(
    engine: Engine, world: tuple[TestClient, World], round_: int
) -> None:
    import threading

    client, people = world
    token = sign_in(client, COMMISSION[0])
    build_roll(client, token)
    set_up(client, token)
    with write_transaction(engine) as conn:
        bearers = [{"Authorization": "Bearer " + issue_token(conn, s)} for s in COMMISSION]
    voter = people.voters[round_ % 2]
    barrier = threading.Barrier(2)
    answers: dict[str, dict[str, object]] = {}

    def send(station: str, bearer: dict[str, str]) -> None:
        laptop = TestClient(client.app)
        barrier.wait()
        answers[station] = laptop.post(
            f"/api/elections/2026-mayor/stations/{station}/checkins",
            json={"code": voter},
            headers=bearer,
        ).json()

    threads = [
        threading.Thread(target=send, args=(s, b))
        for s, b in zip(("s1", "s2"), bearers, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [s for s, a in answers.items() if a["accepted"]]
    assert len(accepted) == 1, answers
    refused = answers["s2" if accepted == ["s1"] else "s1"]
    assert refused["first"]["station_id"] == accepted[0]  # type: ignore[index]


def test_text_longer_than_its_column_is_refused_on_the_form_not_a_500(
    world: tuple[TestClient, World],
) -> None:
    client, _ = world
    token = sign_in(client, COMMISSION[0])
    long = {**election_form(), "district": "区" * 101, "parties": "党" * 101,
            "candidates": f"{'c' * 37},{'名' * 101},"}  # fmt: skip
    answer = client.post(f"{BASE}/new", data={"csrf_token": token, **long})
    assert answer.status_code == 422
    for field in ("district", "parties", "candidates"):
        assert f'href="#f-{field}"' in answer.text, field
    set_up(client, token)
    station = {"station_id": "s9", "name": "所" * 101, "kind": "day", "polling_district": "9" * 41}
    added = client.post(f"{BASE}/2026-mayor/stations", data={"csrf_token": token, **station})
    assert added.status_code == 422 and "100文字までです" in added.text


def test_a_district_table_with_too_long_names_is_refused_with_its_line(
    world: tuple[TestClient, World],
) -> None:
    client, _ = world
    token = sign_in(client, COMMISSION[0])
    table = f"code,name,town,block_from,block_to\n1,{'名' * 101},{'町' * 201},1,5\n"
    answer = client.post(
        f"{BASE}/roll/districts", data={"csrf_token": token, "districts_csv": table}
    )
    assert answer.status_code == 422 and "100文字までです" in answer.text
    assert "200文字までです" in answer.text
    ok = client.post(
        f"{BASE}/roll/districts",
        data={"csrf_token": token, "districts_csv": "code,name,town,block_from,block_to\n"
              "1,第一投票区,大字的場,1,9\n2,第二投票区,大字的場,10,\n"},
        follow_redirects=False,
    )  # fmt: skip
    assert ok.status_code == 303 and ok.headers["location"].endswith("imported=2")

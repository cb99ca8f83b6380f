"""Two municipalities in one database, for the tenant-isolation tests.

川越市 (A, 112011) and 千代田区 (B, 131016) share one database and one secret key (the
worst case: an operator who configured one ``JICHI_SECRET_KEY`` for both servers).  Each
has staff, residents, a support measure, a 本人通知 registration and notice, a network
task, a 広域交付 request and (for B) a 事務の委託 from A, so every route has a B id
to be asked about.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.elections import election_store, roll_build
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.polling import StationKind, add_station
from jichi.mynumber.card_store import CardStore
from jichi.network.flows.tables import node_task, remote_copy, visit_reservation
from jichi.places import cooperation_store
from jichi.registry import issuance_notification as ino
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff, issue_token
from jichi.store.engine import write_transaction
from jichi.store.metadata import metadata
from tests.integration.registry.conftest import person

LG_A = "112011"  # 埼玉県川越市
LG_B = "131016"  # 東京都千代田区
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)
PASSWORD = "madoguchi-2026"
CIPHER = FieldCipher(Keys.derive(b"t" * 32))  # one key for both servers: the worst case
B_SURNAME = "番町"  # only B's residents are called this: it must never appear on a refusal
# 個人番号 (valid check digits) for each head of household, when a test asks for them
# (``two_municipalities(numbers=True)``, the number scan); the wives have none.
NUMBERS = {LG_A: "735192846102", LG_B: "846203957102"}

ADDRESS = {
    LG_A: {
        "prefecture": "埼玉県",
        "municipality": "川越市",
        "town": "大字的場",
        "block": "1-2-3",
        "postal_code": "350-1101",
        "lg_code": LG_A,
    },
    LG_B: {
        "prefecture": "東京都",
        "municipality": "千代田区",
        "town": "九段南",
        "block": "4-5",
        "postal_code": "102-0081",
        "lg_code": LG_B,
    },
}


@dataclass
class Municipality:
    lg_code: str
    registry: Registry
    supervisor: Actor
    token: str
    ids: dict[str, str]


def build(engine: Engine, lg_code: str, surname: str, *, numbers: bool = False) -> Municipality:
    """Staff (a supervisor, who may do everything a page offers), a family and its records.

    ``numbers``: the head moves in with his 個人番号 (``NUMBERS``), for the number scan.
    """
    registry = Registry(engine, lg_code, CIPHER, clock=lambda: NOW)
    staff_id = f"kakaricho-{lg_code}"
    with write_transaction(engine) as conn:
        supervisor = create_staff(
            conn, staff_id, lg_code, "supervisor", "係長", password=PASSWORD, now=NOW
        )
        token = issue_token(conn, staff_id, label="test")
    other = LG_B if lg_code == LG_A else LG_A
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": ADDRESS[lg_code],
                "previous_address": ADDRESS[other],
                "persons": [
                    person(
                        surname,
                        "太郎",
                        ("バンチョウ", "タロウ"),
                        "1980-04-02",
                        "male",
                        "世帯主",
                        **({"individual_number": NUMBERS[lg_code]} if numbers else {}),
                    ),
                    person(surname, "花子", ("バンチョウ", "ハナコ"), "1982-09-15", "female", "妻"),
                ],
            }
        ),
        supervisor,
    )
    # person_ids come sorted (by id), not in the order given: find the head by name
    head = next(
        pid
        for pid in applied.person_ids
        if registry.read_record(pid, supervisor).name.given == "太郎"
    )
    wife = next(pid for pid in applied.person_ids if pid != head)
    measure = Protection(registry).register(
        wife, [OtherParty("加害　次郎", date(1975, 3, 3))], supervisor, basis="意見書"
    )
    ino.register(engine, lg_code, head, supervisor, TODAY, audit_key=CIPHER.audit_key)
    with engine.connect() as conn:
        household_id = conn.execute(
            sa.text("SELECT household_id FROM resident WHERE person_id = :p"), {"p": head}
        ).scalar_one()
    card = CardStore(engine, lg_code).apply_for_resident(head, TODAY)
    ids = {
        "card_id": card.card_id,
        "person_id": head,
        "protected_person_id": wife,
        "household_id": household_id,
        "measure_id": measure.measure_id,
        "task_id": str(uuid.uuid4()),
        "request_id": str(uuid.uuid4()),
        "notice_id": str(uuid.uuid4()),
        "notification_id": applied.notification_id,  # the result page, 記録の訂正
        "reservation_id": str(uuid.uuid4()),
    }
    _network_rows(engine, lg_code, ids, other, surname)
    ids.update(_election_rows(engine, lg_code))
    return Municipality(lg_code, registry, supervisor, token, ids)


def _election_rows(engine: Engine, lg_code: str) -> dict[str, str]:
    """An election with a station and a roll build, for the commission's routes."""
    e = Election(
        f"e-{lg_code}", lg_code, ElectionType.MAYOR, "市", 1, date(2026, 11, 1), date(2026, 11, 8),
        candidates=(Candidate("c1", f"{B_SURNAME if lg_code == LG_B else '川越'} 候補"),),
    )  # fmt: skip
    with write_transaction(engine) as conn:
        election_store.save(conn, e, now=NOW)
        add_station(conn, e.election_id, "s1", "第1投票所", StationKind.DAY, "1")
        built = roll_build.build(conn, lg_code, TODAY, built_by="x", now=NOW)
    return {"election_id": e.election_id, "station_id": "s1", "build_id": built.build_id}


def _network_rows(
    engine: Engine, lg_code: str, ids: dict[str, str], other: str, surname: str
) -> None:
    """A task, a 広域交付 request and a notice, as the node and the counter leave them."""
    with write_transaction(engine) as conn:
        conn.execute(
            node_task.insert().values(
                task_id=ids["task_id"],
                lg_code=lg_code,
                kind="residence_check",
                subject_key=ids["person_id"],
                person_id=ids["person_id"],
                code="NOD-001",
                reason_ja="実態調査",
                reason_en="residence check",
                detail={},
                created_at=NOW,
            )
        )
        conn.execute(
            remote_copy.insert().values(
                request_id=ids["request_id"],
                lg_code=lg_code,
                holder_lg_code=other,
                draft={
                    "holder_lg_code": other,
                    "requester": {"name": f"{surname} 太郎", "date_of_birth": "1980-04-02"},
                    "id_document": "マイナンバーカード",
                },
                status="pending",
                code="",
                refusal="",
                reason_ja="",
                reason_en="",
                requested_by="x",
                requested_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(  # a 来庁予定 booked online elsewhere for this counter (ADR 0025)
            visit_reservation.insert().values(
                reservation_id=ids["reservation_id"],
                lg_code=other,
                destination_lg_code=lg_code,
                notification_id=str(uuid.uuid4()),
                filer_person_id=str(uuid.uuid4()),
                resident_code="12345678901",
                visit_on=TODAY,
                planned_date=TODAY,
                persons=[{"name": f"{surname}　次郎", "card_holder": True}],
                destination=ADDRESS[lg_code],
                signer_serial="1",
                status="booked",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        registration_id = conn.execute(
            sa.select(ino.registration.c.registration_id).where(
                ino.registration.c.person_id == ids["person_id"]
            )
        ).scalar_one()
        conn.execute(
            ino.issuance_notice.insert().values(
                notice_id=ids["notice_id"],
                lg_code=lg_code,
                person_id=ids["person_id"],
                registration_id=registration_id,
                certificate_serial=f"{lg_code}-2026-000001",
                issued_on=TODAY,
                document_kind="record_copy_personal",
                document_label="住民票の写し",
                copies=1,
                requester_class="third_party",
                created_at=NOW,
            )
        )


def snapshot(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, to show a refused request changed nothing."""
    seen: dict[str, list[tuple[str, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            seen[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    return seen


def two_municipalities(
    engine: Engine, *, numbers: bool = False
) -> tuple[Municipality, Municipality]:
    a = build(engine, LG_A, "川越", numbers=numbers)
    b = build(engine, LG_B, B_SURNAME, numbers=numbers)
    _entrustment(engine)
    return a, b


def _entrustment(engine: Engine) -> None:
    """B is the entrusted counter of A's copies, so B's 事務の委託 page is live (and A's
    staff must still be refused on it)."""
    contract = {
        "id": "a-to-b",
        "kind": "entrustment",
        "name": "住民票の写し等の交付事務の委託（A→B）",
        "valid_from": "2020-04-01",
        "services": ["record_copy_personal", "record_copy_household"],
        "members": [
            {"lg_code": LG_A, "role": "entrusting"},
            {"lg_code": LG_B, "role": "entrusted"},
        ],
    }
    with write_transaction(engine) as conn:
        cooperation_store.save(conn, cooperation_store.from_json(contract), at=NOW)


def values(pairs: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in pairs.items()}

"""Online 転出 signed with the 署名用 certificate, 来庁予定, 特例転入 and 継続利用."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber import wiring
from jichi.mynumber.card import CardState
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal.move_out_form import OnlineMoveOut
from jichi.mynumber.portal.reader import CardReader, ReaderOutput
from jichi.network.flows.card_move import (
    CardMoveIn,
    PendingStatus,
    get_pending,
    record_continued_use,
    request_card_move_in,
)
from jichi.network.flows.tables import visit_reservation
from jichi.network.flows.visit_reservation import ReservationStore
from jichi.network.node import Node
from jichi.registry.model import Address
from jichi.store.engine import make_engine, tenant_engine, write_transaction
from jichi.web.pages.portal_receipt import receive
from tests.integration.mynumber.portal.helpers import SIGN_PIN, card_with_chip, cards
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    CIPHER,
    NEW,
    NEW_CLERK,
    OLD,
    THIRD,
    World,
    address,
)

PLANNED = date(2026, 12, 5)
VISIT = date(2026, 12, 7)


class Filed:
    def __init__(self, world: World, cas: CaSet) -> None:
        world.settle_the_family_in_old()
        self.world = world
        self.engine: Engine = world.engines[OLD]
        self.cas = cas
        self.jpki = Jpki(self.engine, cas, clock=world.clock)
        # the old municipality's node, wired as the web app wires it (ADR 0011)
        self.node = Node(
            self.engine,
            OLD,
            world.transport,
            cipher=CIPHER,
            settings=world.settings,
            clock=world.clock,
            listeners=wiring.registry_listeners(),
        )
        world.nodes[OLD] = self.node
        family = world.by_name(OLD)
        self.taro, self.hanako, self.ichiro = (family[g] for g in ("太郎", "花子", "一郎"))
        self.card_id = card_with_chip(self.engine, self.jpki, self.taro, world.clock.today())

    def document(self, **changes: Any) -> OnlineMoveOut:
        data: dict[str, Any] = {
            "lg_code": OLD,
            "filer_person_id": self.taro.person_id,
            "person_ids": [p.person_id for p in (self.taro, self.hanako, self.ichiro)],
            "planned_date": PLANNED,
            "visit_on": VISIT,
            "destination": {k: str(v) for k, v in address(NEW).items()},
            "challenge": "form-1",
        }
        return OnlineMoveOut(**(data | changes))

    def sign(self, data: bytes, pin: str = SIGN_PIN) -> ReaderOutput:
        reader = CardReader(self.engine, cards(self.engine, OLD))
        return reader.sign(self.card_id, Purpose.SIGN, data, pin, self.world.clock.today())

    def receive(self, data: bytes, output: ReaderOutput, person_id: str | None = None) -> Any:
        return receive(
            self.node, self.cas, person_id or self.taro.person_id, data, output, self.world.clock()
        )


@pytest.fixture
def filed(world: World, cas: CaSet, softhsm: object) -> Filed:
    return Filed(world, cas)


def _reservations(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(visit_reservation)).all())


def test_a_signed_move_out_records_the_planned_move_out_and_books_the_visit(filed: Filed) -> None:
    data = filed.document().canonical()
    receipt = filed.receive(data, filed.sign(data))
    family = filed.world.by_name(OLD)
    for record in family.values():
        assert record.is_active and record.moving_out  # 転出予定: a resident until the day
        assert record.planned_move_out == PLANNED
    with filed.engine.connect() as conn:
        booked = ReservationStore(NEW).get_here(conn, receipt.reservation_id)
    assert (booked.visit_on, booked.planned_date, booked.lg_code) == (VISIT, PLANNED, OLD)
    assert [p["card_holder"] for p in booked.persons] == [True, False, False]
    card = cards(filed.engine, OLD).get(filed.card_id)
    assert card.move is not None and card.move.planned_move_out_on == PLANNED


def test_a_tampered_signed_move_out_is_refused_and_records_nothing(filed: Filed) -> None:
    data = filed.document().canonical()
    output = filed.sign(data)
    tampered = data.replace(b'"planned_date":"2026-12-05"', b'"planned_date":"2026-12-06"')
    assert tampered != data
    with pytest.raises(JichiError) as caught:
        filed.receive(tampered, output)
    assert caught.value.code == "JPKI-026"  # the signature does not cover these bytes
    assert not any(r.moving_out for r in filed.world.by_name(OLD).values())
    assert _reservations(filed.engine) == []


def test_a_document_not_in_canonical_form_is_refused(filed: Filed) -> None:
    loose = json.dumps(json.loads(filed.document().canonical()), indent=1).encode()
    with pytest.raises(JichiError) as caught:
        filed.receive(loose, filed.sign(loose))
    assert caught.value.code == "PTL-008"


def test_only_the_signer_may_file_as_the_filer(filed: Filed) -> None:
    data = filed.document(filer_person_id=filed.hanako.person_id).canonical()
    with pytest.raises(JichiError) as caught:
        filed.receive(data, filed.sign(data), filed.hanako.person_id)
    assert caught.value.code == "PTL-007"
    assert _reservations(filed.engine) == []


def test_a_visit_after_the_special_move_in_window_is_refused(filed: Filed) -> None:
    data = filed.document(visit_on=date(2027, 1, 5)).canonical()  # 31 days after
    with pytest.raises(JichiError) as caught:
        filed.receive(data, filed.sign(data))
    assert caught.value.code == "PTL-012"


def test_the_registry_rules_apply_to_an_online_move_out(filed: Filed) -> None:
    # 一郎 (13) would be left as the head of his household: REG-012, as at the counter
    data = filed.document(person_ids=[filed.taro.person_id, filed.hanako.person_id]).canonical()
    with pytest.raises(JichiError) as caught:
        filed.receive(data, filed.sign(data))
    assert caught.value.code == "REG-012"
    assert _reservations(filed.engine) == []


def test_five_wrong_signing_pins_lock_the_signing_pin(filed: Filed) -> None:
    data = filed.document().canonical()
    codes = []
    for _ in range(5):
        with pytest.raises(JichiError) as caught:
            filed.sign(data, "WRONG1")
        codes.append(caught.value.code)
    assert codes == ["MYN-021"] * 4 + ["MYN-022"]
    with pytest.raises(JichiError):
        filed.sign(data)


def test_the_reservation_is_visible_at_the_destination_only(filed: Filed) -> None:
    data = filed.document().canonical()
    receipt = filed.receive(data, filed.sign(data))
    engine = filed.engine
    with engine.connect() as conn:
        assert [r.reservation_id for r in ReservationStore(NEW).booked_here(conn)] == [
            receipt.reservation_id
        ]
        assert ReservationStore(THIRD).booked_here(conn) == []
        assert ReservationStore(OLD).booked_here(conn) == []  # not booked *for* the old one
        with pytest.raises(JichiError):
            ReservationStore(THIRD).get_here(conn, receipt.reservation_id)
    if engine.dialect.name == "postgresql":  # the row-security wall of migration 0056
        with web_role(engine) as role:
            seen = {}
            for lg in (OLD, NEW, THIRD):
                with tenant_engine(role, lg).connect() as conn:
                    seen[lg] = len(conn.execute(sa.select(visit_reservation)).all())
        assert seen == {OLD: 1, NEW: 1, THIRD: 0}


@contextmanager
def web_role(engine: Engine) -> Iterator[Engine]:
    """The database as an ordinary role, like the web's (RLS never binds a superuser)."""
    role = f"jichi_portal_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(sa.text(f"GRANT SELECT ON visit_reservation TO {role}"))
        conn.commit()
    url = engine.url.set(username=role, password=None)
    built = make_engine(url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    try:
        yield built
    finally:
        built.dispose()
        with engine.connect() as conn:
            conn.execute(sa.text(f"DROP OWNED BY {role}"))
            conn.execute(sa.text(f"DROP ROLE {role}"))
            conn.commit()


def test_the_move_in_is_finished_at_the_destination_and_continued_use_follows(
    filed: Filed,
) -> None:
    world = filed.world
    data = filed.document().canonical()
    receipt = filed.receive(data, filed.sign(data))
    assert _reservations(world.engines[NEW]) == []  # not yet: it travels as a message
    run_async(world.settle())
    with world.engines[NEW].connect() as conn:  # the new municipality's own database
        booked = ReservationStore(NEW).get_here(conn, receipt.reservation_id)
    run_async(world.settle())  # a second delivery changes nothing
    assert len(_reservations(world.engines[NEW])) == 1
    world.clock.advance(17)  # 2026-12-07: the visit
    pending = request_card_move_in(
        world.new,
        CardMoveIn(
            from_lg_code=booked.lg_code,
            resident_code=booked.resident_code,
            effective_date=PLANNED,
            address=Address.model_validate(booked.destination),
        ),
        NEW_CLERK,
    )
    run_async(world.settle())
    settled = get_pending(world.new, pending.request_id)
    assert settled.status is PendingStatus.REGISTERED, settled.reason_en
    arrived = {r.name.given for r in world.by_name(NEW).values() if r.is_active}
    assert arrived == {"太郎", "花子", "一郎"}
    holders = settled.outcome["card_continued_use"]["card_holders"]
    assert len(holders) == 1
    done = record_continued_use(world.new, pending.request_id, holders[0], NEW_CLERK)
    assert done.outcome["card_continued_use"]["done"] == holders
    # the card's own clocks (existing card rules): 特例転入, then 継続利用 with its PIN
    store = cards(filed.engine, OLD)
    today = world.clock.today()
    store.move_in(filed.card_id, PLANNED, today)
    card = store.continue_use(filed.card_id, today, pin="2222")
    assert card.state is CardState.ACTIVE and card.move is None
    with write_transaction(world.engines[NEW]) as conn:
        ReservationStore(NEW).mark_arrived(
            conn, receipt.reservation_id, pending.request_id, world.clock()
        )
    assert _reservations(world.engines[NEW])[0].status == "arrived"

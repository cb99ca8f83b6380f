"""Cards persisted per municipality on both databases: commands, events, deadlines, PINs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber import events as ev
from jichi.mynumber.card import CardState, Channel, EndReason
from jichi.mynumber.card_store import CardStore, expire_due
from jichi.mynumber.events import Event
from jichi.mynumber.outbox import events_of
from jichi.mynumber.pins import PinKind
from jichi.mynumber.tables import mynumber_card
from jichi.mynumber.validity import Holder

LG = "112011"
OTHER = "131016"
D0 = date(2026, 4, 1)
PINS = {
    PinKind.SIGNATURE: "ABC123",
    PinKind.USER_AUTHENTICATION: "1111",
    PinKind.RESIDENT_REGISTRY: "2222",
    PinKind.TEXT_INPUT: "3333",
}


def delivered(store: CardStore, person: str = "p1", holder: Holder | None = None) -> str:
    card = store.apply(person, holder or Holder(date(1980, 6, 15)), D0)
    store.manufacture(card.card_id, D0 + timedelta(10))
    store.deliver(card.card_id, D0 + timedelta(20), identity_check="運転免許証", pins=PINS)
    return card.card_id


def refused(code: str, fn: object, *args: object, **kwargs: object) -> None:
    with pytest.raises(JichiError) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code


def test_lifecycle_is_saved_with_its_events(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    card = store.get(card_id)
    assert card.state is CardState.ACTIVE and card.valid_until == date(2035, 6, 15)
    store.suspend(card_id, D0 + timedelta(30))
    store.resume(card_id, D0 + timedelta(31), identity_check="旅券", channel=Channel.COUNTER)
    store.return_card(card_id, D0 + timedelta(40))
    with engine.connect() as conn:
        topics = [e.topic for e in events_of(conn, LG, card_id)]
    assert topics == [
        ev.CARD_APPLIED,
        ev.CARD_ISSUED,
        ev.CARD_DELIVERED,
        ev.CARD_SUSPENDED,
        ev.CARD_RESUMED,
        ev.CARD_ENDED,
    ]
    assert store.get(card_id).state is CardState.RETURNED


def test_the_municipality_is_bound_in_the_store(engine: Engine) -> None:
    ours = CardStore(engine, LG)
    card_id = delivered(ours)
    theirs = CardStore(engine, OTHER)
    refused("MYN-030", theirs.get, card_id)
    refused("MYN-030", theirs.suspend, card_id, D0)
    assert theirs.cards_of("p1") == [] and theirs.due(date(2099, 1, 1)) == []
    refused("MYN-032", CardStore, engine, "112012")


def test_one_live_card_per_person_and_reissue_links_the_cards(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    refused("MYN-031", store.apply, "p1", Holder(date(1980, 6, 15)), D0)
    new = store.reissue(card_id, D0 + timedelta(50))
    assert new.replaces == card_id and new.state is CardState.APPLIED
    old = store.get(card_id)
    assert old.state is CardState.REVOKED and old.end_reason is EndReason.REISSUED
    assert {c.card_id for c in store.cards_of("p1")} == {card_id, new.card_id}


def test_suspension_reaches_a_listener_in_the_same_transaction(engine: Engine) -> None:
    heard: list[tuple[str, str | None]] = []

    def revoke_certificates(conn: Connection, event: Event) -> None:
        # the card row is already written on this connection: the listener sees it
        state = conn.execute(
            sa.select(mynumber_card.c.state).where(mynumber_card.c.card_id == event.card_id)
        ).scalar_one()
        heard.append((event.topic, state))

    store = CardStore(engine, LG, listeners=[revoke_certificates])
    card_id = delivered(store)
    store.suspend(card_id, D0 + timedelta(30))
    assert heard[-1] == (ev.CARD_SUSPENDED, "suspended")


def test_a_failing_listener_rolls_the_suspension_back(engine: Engine) -> None:
    def broken(conn: Connection, event: Event) -> None:
        if event.topic == ev.CARD_SUSPENDED:
            raise RuntimeError("jpki unavailable")

    card_id = delivered(CardStore(engine, LG))
    with pytest.raises(RuntimeError):
        CardStore(engine, LG, listeners=[broken]).suspend(card_id, D0 + timedelta(30))
    assert CardStore(engine, LG).get(card_id).state is CardState.ACTIVE


def test_pin_failures_persist_lock_and_reset_only_at_the_counter(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    day = D0 + timedelta(30)
    for remaining in (2, 1):
        with pytest.raises(JichiError) as caught:
            store.use_pin(card_id, PinKind.TEXT_INPUT, "0000", day)
        assert caught.value.code == "MYN-021" and f"残り {remaining} 回" in caught.value.message_ja
    store.use_pin(card_id, PinKind.TEXT_INPUT, "3333", day)  # success resets
    assert store.get(card_id).pins[PinKind.TEXT_INPUT].failures == 0
    codes = []
    for _ in range(4):
        with pytest.raises(JichiError) as caught:
            store.use_pin(card_id, PinKind.TEXT_INPUT, "0000", day)
        codes.append(caught.value.code)
    assert codes == ["MYN-021", "MYN-021", "MYN-022", "MYN-022"]
    refused("MYN-022", store.use_pin, card_id, PinKind.TEXT_INPUT, "3333", day)
    assert store.get(card_id).pins[PinKind.TEXT_INPUT].failures == 3
    refused(
        "MYN-011", store.reset_pin, card_id, PinKind.TEXT_INPUT, "4444", day, channel=Channel.ONLINE
    )
    store.reset_pin(card_id, PinKind.TEXT_INPUT, "4444", day, channel=Channel.COUNTER)
    store.use_pin(card_id, PinKind.TEXT_INPUT, "4444", day)


def test_signature_pin_locks_after_five(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    codes = []
    for _ in range(5):
        with pytest.raises(JichiError) as caught:
            store.use_pin(card_id, PinKind.SIGNATURE, "WRONG1", D0 + timedelta(30))
        codes.append(caught.value.code)
    assert codes == ["MYN-021"] * 4 + ["MYN-022"]


def test_continued_use_checks_and_counts_the_resident_registry_pin(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    store.move_out(card_id, D0 + timedelta(40), D0 + timedelta(35))
    store.move_in(card_id, D0 + timedelta(41), D0 + timedelta(42))
    refused("MYN-021", store.continue_use, card_id, D0 + timedelta(43), pin="9999")
    assert store.get(card_id).pins[PinKind.RESIDENT_REGISTRY].failures == 1
    card = store.continue_use(card_id, D0 + timedelta(43), pin="2222")
    assert card.move is None and card.pins[PinKind.RESIDENT_REGISTRY].failures == 0


@pytest.mark.parametrize(("day", "ended"), [(30, False), (31, True)])
def test_no_move_in_fires_on_day_31_through_expire(engine: Engine, day: int, ended: bool) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    planned = D0 + timedelta(40)
    store.move_out(card_id, planned, planned - timedelta(3))
    assert [d.card_id for d in store.due(planned + timedelta(day))] == ([card_id] if ended else [])
    first = expire_due(engine, LG, planned + timedelta(day))
    assert [c.card_id for c in first] == ([card_id] if ended else [])
    assert expire_due(engine, LG, planned + timedelta(day)) == []  # idempotent
    card = store.get(card_id)
    assert (card.state is CardState.REVOKED) is ended
    if ended:
        assert card.end_reason is EndReason.NO_MOVE_IN and store.due(date(2099, 1, 1)) == []


@pytest.mark.parametrize(("day", "ended"), [(90, False), (91, True)])
def test_continued_use_deadline_fires_on_day_91(engine: Engine, day: int, ended: bool) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    notified = D0 + timedelta(45)
    store.move_out(card_id, D0 + timedelta(40), D0 + timedelta(35))
    store.move_in(card_id, D0 + timedelta(41), notified)
    store.expire(notified + timedelta(day))
    card = store.get(card_id)
    assert (card.state is CardState.REVOKED) is ended
    if ended:
        assert card.end_reason is EndReason.NO_CONTINUED_USE
        assert card.ended_on == notified + timedelta(91)


def test_expiry_fires_the_day_after_the_10th_birthday(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    assert store.expire(date(2035, 6, 15)) == []
    (card,) = store.expire(date(2035, 6, 16))
    assert card.state is CardState.EXPIRED and card.ended_on == date(2035, 6, 16)
    with engine.connect() as conn:
        last = events_of(conn, LG, card_id)[-1]
    assert last.topic == ev.CARD_ENDED and last.payload["reason"] == "validity"


def test_a_refused_command_still_saves_the_lapse_that_fired(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    refused("MYN-010", store.suspend, card_id, date(2035, 6, 16))
    assert store.get(card_id).state is CardState.EXPIRED


def test_every_change_is_audited_for_the_holder_when_an_actor_is_bound(engine: Engine) -> None:
    from jichi.security.actor import Actor
    from jichi.security.audit import entries_for_person
    from jichi.security.keys import Keys

    key = Keys.derive(b"a" * 32).audit_key
    clerk = Actor("clerk-suzuki", LG, "clerk")
    store = CardStore(engine, LG, actor=clerk, audit_key=key)
    card_id = delivered(store)
    store.suspend(card_id, D0 + timedelta(30))
    with engine.connect() as conn:
        entries = entries_for_person(conn, "p1", LG)
    actions = [r.entry.action for r in entries]
    assert ev.CARD_SUSPENDED in actions and ev.CARD_DELIVERED in actions
    assert {r.entry.actor for r in entries} == {"clerk-suzuki"}
    assert all("ABC123" not in str(r.entry.detail) for r in entries)


def test_registry_removals_end_the_live_card(engine: Engine) -> None:
    store = CardStore(engine, LG)
    died = delivered(store, "p-died")
    assert store.person_died("p-died", D0 + timedelta(60)).card_id == died  # type: ignore[union-attr]
    assert store.get(died).end_reason is EndReason.DEATH
    assert store.person_died("p-died", D0 + timedelta(61)) is None  # nothing live any more
    away = delivered(store, "p-away")
    store.abroad_continue(away, D0 + timedelta(70), D0 + timedelta(60))
    kept = store.person_moved_abroad("p-away", D0 + timedelta(70))
    assert kept is not None and kept.state is CardState.ABROAD_CONTINUED
    gone = delivered(store, "p-gone")
    ended = store.person_moved_abroad("p-gone", D0 + timedelta(70))
    assert ended is not None and ended.card_id == gone
    assert ended.state is CardState.REVOKED and ended.end_reason is EndReason.MOVED_ABROAD


def test_a_returned_card_refuses_every_command_through_the_store(engine: Engine) -> None:
    store = CardStore(engine, LG)
    card_id = delivered(store)
    day = D0 + timedelta(30)
    store.return_card(card_id, day)
    for attempt in (
        lambda: store.manufacture(card_id, day),
        lambda: store.deliver(card_id, day, identity_check="x", pins=PINS),
        lambda: store.suspend(card_id, day),
        lambda: store.resume(card_id, day, identity_check="x", channel=Channel.COUNTER),
        lambda: store.return_card(card_id, day),
        lambda: store.reissue(card_id, day),
        lambda: store.death(card_id, day),
        lambda: store.move_out(card_id, day, day),
        lambda: store.move_in(card_id, day, day),
        lambda: store.continue_use(card_id, day, pin="2222"),
        lambda: store.abroad_continue(card_id, day + timedelta(3), day),
        lambda: store.leave_abroad(card_id, day),
        lambda: store.return_from_abroad(card_id, day),
        lambda: store.validity_change(card_id, day + timedelta(400), day, pin="2222"),
        lambda: store.extend_provisionally(card_id, day),
        lambda: store.use_pin(card_id, PinKind.TEXT_INPUT, "3333", day),
        lambda: store.reset_pin(card_id, PinKind.TEXT_INPUT, "3333", day, channel=Channel.COUNTER),
    ):
        with pytest.raises(JichiError) as caught:
            attempt()
        assert caught.value.code == "MYN-010"
    assert store.get(card_id).state is CardState.RETURNED

"""The card's state machine: every transition, every refusal, every deadline edge."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jichi.kernel.errors import JichiError
from jichi.mynumber import card as m
from jichi.mynumber import events as ev
from jichi.mynumber.card import Card, CardState, Channel, EndReason
from jichi.mynumber.pins import PinKind
from jichi.mynumber.validity import CardRules, Holder

RULES = CardRules()
PINS = {
    PinKind.SIGNATURE: "ABC123",
    PinKind.USER_AUTHENTICATION: "1234",
    PinKind.RESIDENT_REGISTRY: "1234",
    PinKind.TEXT_INPUT: "5678",
}
D0 = date(2026, 4, 1)
ADULT = Holder(date(1980, 6, 15))


def active(holder: Holder = ADULT, on: date = D0) -> Card:
    card, _ = m.apply_for("c1", "p1", holder, on)
    card, _ = m.manufacture(card, on, RULES)
    card, events = m.deliver(card, on, identity_check="運転免許証", pins=PINS)
    assert events[0].topic == ev.CARD_DELIVERED
    return card


def refused(code: str, fn: object, *args: object, **kwargs: object) -> JichiError:
    with pytest.raises(JichiError) as caught:
        fn(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code
    return caught.value


def test_application_manufacture_delivery_reach_active_with_validity() -> None:
    card, events = m.apply_for("c1", "p1", ADULT, D0)
    assert card.state is CardState.APPLIED and events[0].topic == ev.CARD_APPLIED
    card, _ = m.manufacture(card, D0, RULES)
    assert card.state is CardState.ISSUED
    assert card.valid_until == date(2035, 6, 15)  # 10th birthday after 2026-04-01
    card, _ = m.deliver(card, D0, identity_check="運転免許証", pins=PINS)
    assert card.state is CardState.ACTIVE and card.identity_check == "運転免許証"
    assert set(card.pins) == set(PinKind)
    assert all(r.failures == 0 for r in card.pins.values())


def test_delivery_needs_the_counter_an_identity_check_and_all_four_pins() -> None:
    card, _ = m.apply_for("c1", "p1", ADULT, D0)
    card, _ = m.manufacture(card, D0, RULES)
    refused("MYN-011", m.deliver, card, D0, identity_check="x", pins=PINS, channel=Channel.ONLINE)
    refused("MYN-012", m.deliver, card, D0, identity_check="  ", pins=PINS)
    partial = {k: v for k, v in PINS.items() if k is not PinKind.TEXT_INPUT}
    err = refused("MYN-023", m.deliver, card, D0, identity_check="x", pins=partial)
    assert "text_input" in err.message_ja
    refused(
        "MYN-020",
        m.deliver,
        card,
        D0,
        identity_check="x",
        pins={**PINS, PinKind.SIGNATURE: "abc123"},
    )


def test_suspension_revokes_certificates_and_only_the_counter_resumes() -> None:
    card, events = m.suspend(active(), D0, reason="loss")
    assert card.state is CardState.SUSPENDED
    assert events[0].topic == ev.CARD_SUSPENDED
    assert events[0].detail["revoke_certificates"] == ["signature", "user_authentication"]
    refused("MYN-011", m.resume, card, D0, identity_check="x", channel=Channel.PHONE)
    refused("MYN-011", m.resume, card, D0, identity_check="x", channel=Channel.ONLINE)
    refused("MYN-010", m.suspend, card, D0)
    back, events = m.resume(card, D0, identity_check="旅券", channel=Channel.COUNTER)
    assert back.state is CardState.ACTIVE and events[0].detail["certificates_required"] is True


def test_suspension_abroad_resumes_to_abroad_continued() -> None:
    card, _ = m.abroad_continue(active(), D0 + timedelta(10), D0)
    card, _ = m.suspend(card, D0 + timedelta(20))
    card, _ = m.resume(card, D0 + timedelta(30), identity_check="旅券", channel=Channel.COUNTER)
    assert card.state is CardState.ABROAD_CONTINUED


@pytest.mark.parametrize("state_of", ["applied", "issued", "active", "suspended", "abroad"])
def test_return_is_allowed_from_every_live_state(state_of: str) -> None:
    card = _in_state(state_of)
    ended, events = m.return_card(card, D0)
    assert ended.state is CardState.RETURNED and ended.end_reason is EndReason.RETURNED
    assert events[0].topic == ev.CARD_ENDED


def _in_state(name: str) -> Card:
    if name == "applied":
        return m.apply_for("c1", "p1", ADULT, D0)[0]
    if name == "issued":
        return m.manufacture(m.apply_for("c1", "p1", ADULT, D0)[0], D0, RULES)[0]
    if name == "suspended":
        return m.suspend(active(), D0)[0]
    if name == "abroad":
        return m.abroad_continue(active(), D0 + timedelta(5), D0)[0]
    return active()


@pytest.mark.parametrize("end", [m.return_card, m.death, m.end_for_reissue])
def test_terminal_states_refuse_every_command(end: object) -> None:
    card, _ = end(active(), D0)  # type: ignore[operator]
    assert not card.live
    for attempt in (
        lambda: m.suspend(card, D0),
        lambda: m.resume(card, D0, identity_check="x", channel=Channel.COUNTER),
        lambda: m.return_card(card, D0),
        lambda: m.death(card, D0),
        lambda: m.move_out(card, D0, D0),
        lambda: m.deliver(card, D0, identity_check="x", pins=PINS),
        lambda: m.use_pin(card, PinKind.TEXT_INPUT, "5678", D0),
        lambda: m.abroad_continue(card, D0 + timedelta(3), D0),
    ):
        with pytest.raises(JichiError) as caught:
            attempt()
        assert caught.value.code == "MYN-010"
    assert m.lapses_on(card, RULES) is None
    assert m.lapse(card, date(2099, 1, 1), RULES) == (card, [])


def test_refusal_messages_name_state_and_command_in_japanese() -> None:
    card = m.apply_for("c1", "p1", ADULT, D0)[0]
    err = refused("MYN-010", m.suspend, card, D0)
    assert "申請中" in err.message_ja and "一時停止" in err.message_ja
    assert err.field == "state"


def test_reissue_ends_the_old_card_but_not_an_application() -> None:
    ended, _ = m.end_for_reissue(active(), D0)
    assert ended.state is CardState.REVOKED and ended.end_reason is EndReason.REISSUED
    refused("MYN-010", m.end_for_reissue, m.apply_for("c", "p", ADULT, D0)[0], D0)


# -- the move clocks ----------------------------------------------------------


@pytest.mark.parametrize(("days", "ok"), [(14, True), (15, False)])
def test_move_in_within_14_days_of_moving_in(days: int, ok: bool) -> None:
    card, _ = m.move_out(active(), D0, D0)
    card, events = m.move_in(card, D0, D0 + timedelta(days), RULES)
    if ok:
        assert card.state is CardState.ACTIVE and card.move is not None
    else:
        assert card.state is CardState.REVOKED and card.end_reason is EndReason.LATE_MOVE_IN
        assert events[0].topic == ev.CARD_ENDED


def test_a_card_following_its_holder_after_its_special_move_out_takes_the_move_in_clocks() -> None:
    card, _ = m.move_out(active(), D0, D0)
    moved, events = m.follow_holder(card, "p2", "131016", D0, D0 + timedelta(3), RULES)
    assert moved.person_id == "p2" and moved.state is CardState.ACTIVE
    assert moved.move is not None and moved.move.move_in_notified_on == D0 + timedelta(3)
    assert [e.payload()["step"] for e in events] == ["followed", "move_in"]
    assert events[0].payload()["from_lg_code"] == "131016"
    late, _ = m.follow_holder(card, "p2", "131016", D0, D0 + timedelta(15), RULES)
    assert late.state is CardState.REVOKED and late.end_reason is EndReason.LATE_MOVE_IN


def test_a_card_following_without_a_special_move_out_starts_only_the_continued_use_clock() -> None:
    moved, _ = m.follow_holder(active(), "p2", "131016", D0, D0 + timedelta(20), RULES)
    assert moved.state is CardState.ACTIVE and moved.move is not None
    assert m.lapses_on(moved, RULES) == D0 + timedelta(20 + 91)
    refused("MYN-010", m.follow_holder, m.suspend(active(), D0)[0], "p2", "131016", D0, D0, RULES)


@pytest.mark.parametrize(("days", "ok"), [(30, True), (31, False)])
def test_move_in_within_30_days_of_the_planned_move_out(days: int, ok: bool) -> None:
    card, _ = m.move_out(active(), D0, D0 - timedelta(5))
    moved_in = D0 + timedelta(days - 1)  # within 14 days of moving in either way
    card, _ = m.move_in(card, moved_in, D0 + timedelta(days), RULES)
    assert (card.state is CardState.ACTIVE) is ok


@pytest.mark.parametrize(("days", "state"), [(30, CardState.ACTIVE), (31, CardState.REVOKED)])
def test_no_move_in_lapses_on_day_31_after_the_planned_move_out(
    days: int, state: CardState
) -> None:
    card, _ = m.move_out(active(), D0, D0)
    assert m.lapses_on(card, RULES) == D0 + timedelta(31)
    after, _ = m.lapse(card, D0 + timedelta(days), RULES)
    assert after.state is state
    if state is CardState.REVOKED:
        assert after.end_reason is EndReason.NO_MOVE_IN and after.ended_on == D0 + timedelta(31)


@pytest.mark.parametrize(("days", "ok"), [(90, True), (91, False)])
def test_continued_use_within_90_days_of_the_move_in_notification(days: int, ok: bool) -> None:
    card, _ = m.move_out(active(), D0, D0)
    card, _ = m.move_in(card, D0, D0 + timedelta(3), RULES)
    notified = D0 + timedelta(3)
    day = notified + timedelta(days)
    lapsed, _ = m.lapse(card, day, RULES)
    if ok:
        assert lapsed is card
        card, events = m.continue_use(card, day, RULES)
        assert card.move is None and events[0].detail["step"] == "continued_use"
        assert m.lapses_on(card, RULES) == card.valid_until + timedelta(1)  # type: ignore[operator]
    else:
        assert lapsed.state is CardState.REVOKED
        assert lapsed.end_reason is EndReason.NO_CONTINUED_USE
        refused("MYN-013", m.continue_use, card, day, RULES)


def test_moving_again_before_continued_use_ends_the_card() -> None:
    card, _ = m.move_out(active(), D0, D0)
    card, _ = m.move_in(card, D0, D0 + timedelta(2), RULES)
    card, _ = m.move_out(card, D0 + timedelta(10), D0 + timedelta(5))
    assert card.state is CardState.REVOKED and card.end_reason is EndReason.MOVED_AGAIN


def test_move_commands_out_of_order_are_refused() -> None:
    card = active()
    refused("MYN-010", m.move_in, card, D0, D0, RULES)
    refused("MYN-010", m.continue_use, card, D0, RULES)
    moving, _ = m.move_out(card, D0, D0)
    refused("MYN-010", m.move_out, moving, D0, D0)
    refused("MYN-010", m.continue_use, moving, D0, RULES)
    refused("MYN-016", m.move_in, moving, D0, D0 - timedelta(1), RULES)


# -- abroad -------------------------------------------------------------------


def test_abroad_continued_only_before_the_departure_day_and_for_nationals() -> None:
    departure = D0 + timedelta(7)
    refused("MYN-015", m.abroad_continue, active(), departure, departure)
    foreign = Holder(date(1990, 1, 1), foreign=True, residence_status="永住者")
    refused("MYN-014", m.abroad_continue, active(foreign), departure, D0)
    card, events = m.abroad_continue(active(), departure, departure - timedelta(1))
    assert card.state is CardState.ABROAD_CONTINUED
    assert events[0].detail["revoke_certificates"] == ["signature"]
    home, _ = m.return_from_abroad(card, departure + timedelta(100))
    assert home.state is CardState.ACTIVE


def test_leaving_abroad_without_continuation_ends_the_card_on_departure() -> None:
    departure = D0 + timedelta(7)
    card, _ = m.leave_abroad(active(), departure)
    assert card.state is CardState.REVOKED and card.ended_on == departure
    refused("MYN-010", m.leave_abroad, m.abroad_continue(active(), departure, D0)[0], departure)


# -- PINs through the card ----------------------------------------------------


def test_a_wrong_pin_counts_and_a_right_one_resets() -> None:
    card = active()
    card, ok = m.use_pin(card, PinKind.TEXT_INPUT, "0000", D0)
    assert not ok and card.pins[PinKind.TEXT_INPUT].failures == 1
    error = m.pin_error(card, PinKind.TEXT_INPUT)
    assert error.code == "MYN-021" and "残り 2 回" in error.message_ja
    card, ok = m.use_pin(card, PinKind.TEXT_INPUT, "5678", D0)
    assert ok and card.pins[PinKind.TEXT_INPUT].failures == 0


@pytest.mark.parametrize(
    ("kind", "limit"),
    [
        (PinKind.SIGNATURE, 5),
        (PinKind.USER_AUTHENTICATION, 3),
        (PinKind.RESIDENT_REGISTRY, 3),
        (PinKind.TEXT_INPUT, 3),
    ],
)
def test_lock_out_after_the_limit_and_reset_only_at_the_counter(kind: PinKind, limit: int) -> None:
    card = active()
    wrong = "ZZZ999" if kind is PinKind.SIGNATURE else "9999"
    for n in range(limit):
        assert not card.pins[kind].locked(kind), n
        card, ok = m.use_pin(card, kind, wrong, D0)
        assert not ok
    assert card.pins[kind].locked(kind)
    assert m.pin_error(card, kind).code == "MYN-022"
    card, ok = m.use_pin(card, kind, PINS[kind], D0)
    assert not ok  # the right PIN is refused while locked
    others = [k for k in PinKind if k is not kind]
    assert all(card.pins[k].failures == 0 for k in others)  # counters are per PIN
    refused("MYN-011", m.reset_pin, card, kind, PINS[kind], D0, channel=Channel.ONLINE)
    card, events = m.reset_pin(card, kind, PINS[kind], D0, channel=Channel.COUNTER)
    assert events[0].detail == {"step": "reset", "pin": kind.value}
    card, ok = m.use_pin(card, kind, PINS[kind], D0)
    assert ok


# -- validity -----------------------------------------------------------------


def test_card_expires_the_day_after_the_10th_birthday() -> None:
    card = active()
    birthday = date(2035, 6, 15)
    assert m.lapse(card, birthday, RULES)[0].state is CardState.ACTIVE
    after, events = m.lapse(card, birthday + timedelta(1), RULES)
    assert after.state is CardState.EXPIRED and after.end_reason is EndReason.VALIDITY
    assert events[0].detail["revoke_certificates"] == ["signature", "user_authentication"]
    assert m.lapse(after, birthday + timedelta(2), RULES) == (after, [])  # idempotent


def test_foreign_resident_validity_change_and_provisional_extension() -> None:
    holder = Holder(
        date(1990, 1, 10),
        foreign=True,
        residence_status="技術・人文知識・国際業務",
        stay_expires_on=date(2027, 3, 31),
    )
    card = active(holder)
    assert card.valid_until == date(2027, 3, 31)
    extended, _ = m.extend_provisionally(card, date(2027, 3, 20), RULES)
    assert extended.valid_until == date(2027, 5, 31)
    changed, events = m.validity_change(card, date(2030, 3, 31), date(2027, 3, 25), RULES)
    assert changed.valid_until == date(2030, 3, 31)
    assert events[0].topic == ev.CARD_VALIDITY_CHANGED
    capped, _ = m.validity_change(card, date(2045, 1, 1), date(2027, 3, 25), RULES)
    assert capped.valid_until == card.cap == date(2036, 1, 10)
    national = active()
    refused("MYN-017", m.validity_change, national, date(2030, 1, 1), D0, RULES)
    refused("MYN-017", m.extend_provisionally, national, D0, RULES)

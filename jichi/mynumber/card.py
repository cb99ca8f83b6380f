"""The マイナンバーカード as a pure state machine (facts mynumber.md §2).

States::

    applied ─manufacture→ issued ─deliver→ active ⇄ suspended
                                             │  ⇅ abroad_continued
                                             └→ revoked | expired | returned (terminal)

Every command is a function ``(card, …, on) -> (card, events)`` that either returns
the next card or raises a typed error (MYN-010 for a command the state does not
allow); nothing here touches a database or a clock.  Deadlines are data on the card:
:func:`lapses_on` names the first day the card dies if nobody acts, and
:func:`lapse` applies every deadline that has come by a day — the store runs it before
each command and the daily ``jichi mynumber expire`` runs it for every due card, so a
deadline fires on its date whether or not anyone touches the card.

Deadline days count from the day after the event (民法140条, 初日不算入): a 転入届
"within 14 days of moving in" on 1 April may come on 15 April, not on the 16th.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import NoReturn

from jichi.kernel.errors import JichiError
from jichi.mynumber import events as ev
from jichi.mynumber.errors import (
    BAD_DATE_ORDER,
    COUNTER_ONLY,
    DEADLINE_MISSED,
    IDENTITY_CHECK_REQUIRED,
    NOT_FOR_FOREIGN_RESIDENT,
    NOT_LIMITED_STAY,
    PIN_LOCKED,
    PIN_WRONG,
    PINS_REQUIRED,
    TOO_LATE_FOR_ABROAD,
    TRANSITION_REFUSED,
)
from jichi.mynumber.events import Event
from jichi.mynumber.pins import PinKind, PinRecord, attempt, labels, new_record
from jichi.mynumber.validity import CardRules, Holder, add_months, birthday_cap, valid_until

ONE_DAY = timedelta(days=1)


class CardState(StrEnum):
    APPLIED = "applied"  # 交付申請を受け付けた
    ISSUED = "issued"  # 機構が作成し、交付を待っている
    ACTIVE = "active"  # 交付済み
    SUSPENDED = "suspended"  # 一時停止
    ABROAD_CONTINUED = "abroad_continued"  # 国外継続利用
    REVOKED = "revoked"  # 廃止・失効（死亡、再交付、期限徒過、国外転出）
    EXPIRED = "expired"  # 有効期間満了
    RETURNED = "returned"  # 返納


STATE_JA = {
    CardState.APPLIED: "申請中",
    CardState.ISSUED: "交付待ち",
    CardState.ACTIVE: "有効",
    CardState.SUSPENDED: "一時停止中",
    CardState.ABROAD_CONTINUED: "国外継続利用中",
    CardState.REVOKED: "廃止",
    CardState.EXPIRED: "有効期間満了",
    CardState.RETURNED: "返納済み",
}
TERMINAL = frozenset({CardState.REVOKED, CardState.EXPIRED, CardState.RETURNED})
LIVE = frozenset(CardState) - TERMINAL
IN_USE = frozenset({CardState.ACTIVE, CardState.ABROAD_CONTINUED})


class Channel(StrEnum):
    COUNTER = "counter"  # 窓口（本人確認のうえ）
    PHONE = "phone"  # 24 時間のコールセンター
    ONLINE = "online"  # マイナポータル 等


class EndReason(StrEnum):
    DEATH = "death"
    REISSUED = "reissued"  # 再交付で新しいカードに替わった
    LATE_MOVE_IN = "late_move_in"  # 特例転入が期限外（14 日／30 日）
    NO_MOVE_IN = "no_move_in"  # 転出予定日から 30 日以内に転入届がない
    NO_CONTINUED_USE = "no_continued_use"  # 転入届から 90 日以内に継続利用がない
    MOVED_AGAIN = "moved_again"  # 継続利用の前に再び転出
    MOVED_ABROAD = "moved_abroad"  # 国外転出（継続利用なし）
    VALIDITY = "validity"  # 有効期間満了
    RETURNED = "returned"  # 返納


COMMAND_JA = {
    "manufacture": ("カードの作成", "manufacture"),
    "deliver": ("交付", "delivery"),
    "suspend": ("一時停止", "suspension"),
    "resume": ("一時停止解除", "resumption"),
    "return_card": ("返納", "return"),
    "reissue": ("再交付", "reissue"),
    "move_out": ("特例転出", "special move-out"),
    "move_in": ("特例転入", "special move-in"),
    "continue_use": ("継続利用", "continued use"),
    "abroad_continue": ("国外継続利用", "continued use abroad"),
    "leave_abroad": ("国外転出", "move abroad"),
    "return_from_abroad": ("国外からの転入", "move in from abroad"),
    "validity_change": ("有効期間変更", "validity change"),
    "extend_provisionally": ("特例期間延長", "provisional extension"),
    "use_pin": ("暗証番号の照合", "PIN check"),
    "reset_pin": ("暗証番号の初期化", "PIN reset"),
    "death": ("死亡による廃止", "end on death"),
}


@dataclass(frozen=True)
class MoveClock:
    """A 特例転出 in progress: the two clocks of facts §2.2."""

    planned_move_out_on: date
    moved_in_on: date | None = None
    move_in_notified_on: date | None = None  # the 転入届: starts the 90-day clock

    def move_in_last_day(self, rules: CardRules) -> date:
        return self.planned_move_out_on + timedelta(rules.move_in_days_after_planned_move_out)

    def continued_use_last_day(self, rules: CardRules) -> date | None:
        if self.move_in_notified_on is None:
            return None
        return self.move_in_notified_on + timedelta(rules.continued_use_days)


@dataclass(frozen=True)
class Card:
    """One card.  Immutable: every command returns a new one."""

    card_id: str
    person_id: str
    holder: Holder
    applied_on: date
    state: CardState = CardState.APPLIED
    issued_on: date | None = None
    delivered_on: date | None = None
    valid_until: date | None = None
    cap: date | None = None  # the birthday the validity may never pass
    identity_check: str | None = None  # how the person was identified at 交付/解除
    pins: dict[PinKind, PinRecord] = field(default_factory=dict)
    suspended_from: CardState | None = None
    move: MoveClock | None = None
    departure_on: date | None = None  # 国外継続利用: the day of departure
    ended_on: date | None = None
    end_reason: EndReason | None = None
    replaces: str | None = None  # the card this one reissues

    @property
    def live(self) -> bool:
        return self.state in LIVE


def apply_for(
    card_id: str, person_id: str, holder: Holder, on: date, *, replaces: str | None = None
) -> tuple[Card, list[Event]]:
    """交付申請 (番号法16条の2): a new card in ``applied``."""
    card = Card(card_id, person_id, holder, on, replaces=replaces)
    return card, [_event(card, ev.CARD_APPLIED, on, replaces=replaces)]


def manufacture(card: Card, on: date, rules: CardRules) -> tuple[Card, list[Event]]:
    """機構がカードを作成 (発行日): validity is fixed from the holder's facts now."""
    _require(card, "manufacture", {CardState.APPLIED})
    _not_before(card.applied_on, on, "issued_on")
    cap = birthday_cap(card.holder, on, rules)
    until = valid_until(card.holder, on, rules)
    _not_before(on, until, "stay_expires_on")  # a stay that has ended gives no card
    card = replace(card, state=CardState.ISSUED, issued_on=on, valid_until=until, cap=cap)
    return card, [_event(card, ev.CARD_ISSUED, on, valid_until=until.isoformat())]


def deliver(
    card: Card,
    on: date,
    *,
    identity_check: str,
    pins: dict[PinKind, str],
    channel: Channel = Channel.COUNTER,
) -> tuple[Card, list[Event]]:
    """交付 (番号法17条): at the counter, identity checked, the four PINs set."""
    _require(card, "deliver", {CardState.ISSUED})
    _counter(channel, "deliver")
    if not identity_check.strip():
        raise JichiError(IDENTITY_CHECK_REQUIRED, field="identity_check")
    missing = [kind.value for kind in PinKind if kind not in pins]
    if missing:
        raise JichiError(PINS_REQUIRED, field="pins", missing=", ".join(missing))
    records = {kind: new_record(kind, pins[kind]) for kind in PinKind}
    card = replace(
        card,
        state=CardState.ACTIVE,
        delivered_on=on,
        identity_check=identity_check.strip(),
        pins=records,
    )
    return card, [_event(card, ev.CARD_DELIVERED, on)]


def suspend(card: Card, on: date, *, reason: str = "loss") -> tuple[Card, list[Event]]:
    """一時停止 on loss or theft (any channel): the certificates are revoked at once."""
    _require(card, "suspend", IN_USE)
    card = replace(card, state=CardState.SUSPENDED, suspended_from=card.state)
    detail = {"reason": reason, "revoke_certificates": list(ev.ALL_CERTIFICATES)}
    return card, [_event(card, ev.CARD_SUSPENDED, on, **detail)]


def resume(
    card: Card, on: date, *, identity_check: str, channel: Channel
) -> tuple[Card, list[Event]]:
    """一時停止解除: only at the counter; certificates must then be issued anew."""
    _require(card, "resume", {CardState.SUSPENDED})
    _counter(channel, "resume")
    if not identity_check.strip():
        raise JichiError(IDENTITY_CHECK_REQUIRED, field="identity_check")
    back = card.suspended_from or CardState.ACTIVE
    card = replace(card, state=back, suspended_from=None, identity_check=identity_check.strip())
    return card, [_event(card, ev.CARD_RESUMED, on, certificates_required=True)]


def return_card(card: Card, on: date) -> tuple[Card, list[Event]]:
    """返納 (施行令15条4項): any time, by the holder."""
    _require(card, "return_card", LIVE)
    return _end(card, on, CardState.RETURNED, EndReason.RETURNED)


def end_for_reissue(card: Card, on: date) -> tuple[Card, list[Event]]:
    """再交付: the old card ends when the new one is applied for (the store links them)."""
    _require(card, "reissue", LIVE - {CardState.APPLIED})
    return _end(card, on, CardState.REVOKED, EndReason.REISSUED)


def death(card: Card, on: date) -> tuple[Card, list[Event]]:
    """死亡: the 住民票 is removed and the card ends (its own lapse rule UNCONFIRMED)."""
    _require(card, "death", LIVE)
    return _end(card, on, CardState.REVOKED, EndReason.DEATH)


def move_out(card: Card, planned_on: date, on: date) -> tuple[Card, list[Event]]:
    """特例転出 with the card: starts the move clocks.

    Moving again while the previous move still waits for 継続利用 ends the card
    (facts §2.2), so this returns a revoked card then.
    """
    _require(card, "move_out", {CardState.ACTIVE})
    if card.move is not None and card.move.move_in_notified_on is not None:
        return _end(card, on, CardState.REVOKED, EndReason.MOVED_AGAIN)
    if card.move is not None:
        _refuse(card, "move_out")
    card = replace(card, move=MoveClock(planned_move_out_on=planned_on))
    return card, [
        _event(card, ev.CARD_MOVE, on, step="move_out", planned_on=planned_on.isoformat())
    ]


def move_in(card: Card, moved_in_on: date, on: date, rules: CardRules) -> tuple[Card, list[Event]]:
    """特例転入 (住基法24条の2): the 転入届 on ``on`` for a move on ``moved_in_on``.

    Late by either clock (14 days after moving in, 30 after the planned move-out) the
    card is cancelled: the returned card is revoked.
    """
    _require(card, "move_in", {CardState.ACTIVE})
    if card.move is None or card.move.move_in_notified_on is not None:
        _refuse(card, "move_in")
    _not_before(moved_in_on, on, "notified_on")
    if on > moved_in_on + timedelta(
        rules.move_in_days_after_moving
    ) or on > card.move.move_in_last_day(rules):
        return _end(card, on, CardState.REVOKED, EndReason.LATE_MOVE_IN)
    clock = replace(card.move, moved_in_on=moved_in_on, move_in_notified_on=on)
    card = replace(card, move=clock)
    return card, [_event(card, ev.CARD_MOVE, on, step="move_in")]


def follow_holder(
    card: Card, person_id: str, from_lg_code: str, moved_in_on: date, on: date, rules: CardRules
) -> tuple[Card, list[Event]]:
    """The card follows its holder to the new municipality's record (転入届 on ``on``).

    So that the new counter can do 継続利用, PIN resets and suspensions (番号法17条) and
    the old one no longer acts on it.  A card whose 特例転出 was recorded takes the
    特例転入 with its clocks (:func:`move_in`: late, it is cancelled); a card that arrives
    without one (a paper 転出) only starts the 90-day 継続利用 clock from this 転入届.
    """
    _require(card, "move_in", {CardState.ACTIVE})
    moved = replace(card, person_id=person_id)
    followed = _event(
        moved, ev.CARD_MOVE, on, step="followed", from_lg_code=from_lg_code,
        from_person_id=card.person_id,
    )  # fmt: skip
    if card.move is None:
        clock = MoveClock(planned_move_out_on=moved_in_on, moved_in_on=moved_in_on,
                          move_in_notified_on=on)  # fmt: skip
        moved = replace(moved, move=clock)
        return moved, [followed, _event(moved, ev.CARD_MOVE, on, step="move_in")]
    moved, events = move_in(moved, moved_in_on, on, rules)
    return moved, [followed, *events]


def continue_use(card: Card, on: date, rules: CardRules) -> tuple[Card, list[Event]]:
    """継続利用 within 90 days of the 転入届 (card and its 4-digit PIN at the counter)."""
    _require(card, "continue_use", {CardState.ACTIVE})
    last = card.move.continued_use_last_day(rules) if card.move else None
    if last is None:
        _refuse(card, "continue_use")
    if on > last:
        raise JichiError(
            DEADLINE_MISSED,
            field="continued_use",
            deadline=last.isoformat(),
            rule="転入届から90日以内の継続利用",
            rule_en="continued use within 90 days of the move-in notification",
        )
    card = replace(card, move=None)
    return card, [_event(card, ev.CARD_MOVE, on, step="continued_use")]


def abroad_continue(card: Card, departure_on: date, on: date) -> tuple[Card, list[Event]]:
    """国外継続利用: a national asks before the day of departure (not on it)."""
    _require(card, "abroad_continue", {CardState.ACTIVE})
    if card.holder.foreign:
        raise JichiError(NOT_FOR_FOREIGN_RESIDENT, field="nationality")
    if on >= departure_on:
        raise JichiError(
            TOO_LATE_FOR_ABROAD, field="departure_on", departure=departure_on.isoformat()
        )
    card = replace(card, state=CardState.ABROAD_CONTINUED, departure_on=departure_on, move=None)
    detail = {"departure_on": departure_on.isoformat(), "revoke_certificates": ["signature"]}
    return card, [_event(card, ev.CARD_ABROAD_CONTINUED, on, **detail)]


def leave_abroad(card: Card, departure_on: date) -> tuple[Card, list[Event]]:
    """国外転出 without 継続利用: the card dies on the day of departure."""
    _require(card, "leave_abroad", LIVE - {CardState.ABROAD_CONTINUED})
    return _end(card, departure_on, CardState.REVOKED, EndReason.MOVED_ABROAD)


def return_from_abroad(card: Card, on: date) -> tuple[Card, list[Event]]:
    """転入 from abroad with a 継続利用 card: in use at home again."""
    _require(card, "return_from_abroad", {CardState.ABROAD_CONTINUED})
    card = replace(card, state=CardState.ACTIVE, departure_on=None)
    return card, [_event(card, ev.CARD_MOVE, on, step="return_from_abroad")]


def validity_change(
    card: Card, new_stay_expires_on: date, on: date, rules: CardRules
) -> tuple[Card, list[Event]]:
    """有効期間変更 after a renewed stay: the new date, never past the birthday cap."""
    _require(card, "validity_change", {CardState.ACTIVE})
    if not card.holder.limited_stay(rules) or card.cap is None:
        raise JichiError(NOT_LIMITED_STAY, field="residence_status")
    _not_before(on, new_stay_expires_on, "stay_expires_on")
    holder = replace(card.holder, stay_expires_on=new_stay_expires_on)
    until = min(card.cap, new_stay_expires_on)
    card = replace(card, holder=holder, valid_until=until)
    return card, [_event(card, ev.CARD_VALIDITY_CHANGED, on, valid_until=until.isoformat())]


def extend_provisionally(card: Card, on: date, rules: CardRules) -> tuple[Card, list[Event]]:
    """特例期間延長: 2 months after the 在留期間満了日 while the decision is pending."""
    _require(card, "extend_provisionally", {CardState.ACTIVE})
    stay = card.holder.stay_expires_on
    if not card.holder.limited_stay(rules) or stay is None or card.cap is None:
        raise JichiError(NOT_LIMITED_STAY, field="residence_status")
    until = min(card.cap, add_months(stay, rules.provisional_extension_months))
    card = replace(card, valid_until=max(until, card.valid_until or until))
    detail = {"valid_until": until.isoformat(), "provisional": True}
    return card, [_event(card, ev.CARD_VALIDITY_CHANGED, on, **detail)]


def use_pin(card: Card, kind: PinKind, pin: str, on: date) -> tuple[Card, bool]:
    """One PIN try: the card with its counter moved, and whether it matched.

    Returns rather than raises so the store can save the failure before reporting it
    (:func:`pin_error`): a wrong try must count even though the command fails.
    """
    _require(card, "use_pin", IN_USE)
    record, ok = attempt(card.pins[kind], kind, pin)
    pins = {**card.pins, kind: record}
    return replace(card, pins=pins), ok


def pin_error(card: Card, kind: PinKind) -> JichiError:
    """MYN-022 if the PIN is now locked, else MYN-021 with the tries left."""
    record = card.pins[kind]
    if record.locked(kind):
        return JichiError(PIN_LOCKED, field=f"pin.{kind.value}", **labels(kind))
    return JichiError(
        PIN_WRONG, field=f"pin.{kind.value}", remaining=record.remaining(kind), **labels(kind)
    )


def reset_pin(
    card: Card, kind: PinKind, new_pin: str, on: date, *, channel: Channel
) -> tuple[Card, list[Event]]:
    """暗証番号の初期化・再設定: only at the counter; the counter goes back to zero."""
    _require(card, "reset_pin", IN_USE)
    _counter(channel, "reset_pin")
    pins = {**card.pins, kind: new_record(kind, new_pin)}
    card = replace(card, pins=pins)
    return card, [_event(card, ev.CARD_PIN, on, step="reset", pin=kind.value)]


def lapses_on(card: Card, rules: CardRules) -> date | None:
    """The first day on which the card dies if nobody acts (None: no deadline pending)."""
    if not card.live:
        return None
    days = []
    if card.valid_until is not None:
        days.append(card.valid_until + ONE_DAY)
    if card.move is not None:
        last = card.move.continued_use_last_day(rules) or card.move.move_in_last_day(rules)
        days.append(last + ONE_DAY)
    return min(days) if days else None


def lapse(card: Card, today: date, rules: CardRules) -> tuple[Card, list[Event]]:
    """Apply the deadline that has come by ``today``; the same card if none (idempotent)."""
    due = lapses_on(card, rules)
    if due is None or due > today:
        return card, []
    if card.valid_until is not None and card.valid_until + ONE_DAY == due:
        return _end(card, due, CardState.EXPIRED, EndReason.VALIDITY)
    assert card.move is not None
    reason = (
        EndReason.NO_CONTINUED_USE
        if card.move.move_in_notified_on is not None
        else EndReason.NO_MOVE_IN
    )
    return _end(card, due, CardState.REVOKED, reason)


def _end(card: Card, on: date, state: CardState, reason: EndReason) -> tuple[Card, list[Event]]:
    ended = replace(card, state=state, ended_on=on, end_reason=reason, suspended_from=None)
    detail = {
        "state": state.value,
        "reason": reason.value,
        "revoke_certificates": list(ev.ALL_CERTIFICATES),
    }
    return ended, [_event(ended, ev.CARD_ENDED, on, **detail)]


def _event(card: Card, topic: str, on: date, **detail: object) -> Event:
    return Event(topic, on, card.card_id, card.person_id, dict(detail))


def _require(card: Card, command: str, allowed: frozenset[CardState] | set[CardState]) -> None:
    if card.state not in allowed:
        _refuse(card, command)


def _refuse(card: Card, command: str) -> NoReturn:
    ja, en = COMMAND_JA[command]
    raise JichiError(
        TRANSITION_REFUSED,
        field="state",
        state=STATE_JA[card.state],
        state_en=card.state.value,
        command=ja,
        command_en=en,
    )


def _counter(channel: Channel, command: str) -> None:
    if channel is not Channel.COUNTER:
        ja, en = COMMAND_JA[command]
        raise JichiError(COUNTER_ONLY, field="channel", command=ja, command_en=en)


def _not_before(first: date, second: date, field_name: str) -> None:
    if second < first:
        raise JichiError(
            BAD_DATE_ORDER,
            field=field_name,
            reason=f"{second.isoformat()} は {first.isoformat()} より前です",
            reason_en=f"{second.isoformat()} is before {first.isoformat()}",
        )

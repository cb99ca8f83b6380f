"""Random command sequences never reach an invalid card (hypothesis state machine).

Each step first applies the deadlines that have come (as the store does), then tries
one command.  A command whose state does not allow it must be refused with MYN-010
(checked against a table written here, independently of the code); any other
refusal must be one of the typed errors; nothing else may escape.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from jichi.kernel.errors import JichiError
from jichi.mynumber import card as m
from jichi.mynumber.card import Card, CardState, Channel
from jichi.mynumber.pins import TRY_LIMITS, PinKind
from jichi.mynumber.validity import CardRules, Holder

S = CardState
LIVE = {S.APPLIED, S.ISSUED, S.ACTIVE, S.SUSPENDED, S.ABROAD_CONTINUED}
IN_USE = {S.ACTIVE, S.ABROAD_CONTINUED}
ALLOWED = {
    "manufacture": {S.APPLIED},
    "deliver": {S.ISSUED},
    "suspend": IN_USE,
    "resume": {S.SUSPENDED},
    "return_card": LIVE,
    "death": LIVE,
    "reissue": LIVE - {S.APPLIED},
    "move_out": {S.ACTIVE},
    "move_in": {S.ACTIVE},
    "continue_use": {S.ACTIVE},
    "abroad_continue": {S.ACTIVE},
    "leave_abroad": LIVE - {S.ABROAD_CONTINUED},
    "return_from_abroad": {S.ABROAD_CONTINUED},
    "validity_change": {S.ACTIVE},
    "extend_provisionally": {S.ACTIVE},
    "use_pin": IN_USE,
    "reset_pin": IN_USE,
}
TYPED = {"MYN-010", "MYN-011", "MYN-013", "MYN-014", "MYN-015", "MYN-016", "MYN-017"}
RULES = CardRules()
PINS = {
    PinKind.SIGNATURE: "ABC123",
    PinKind.USER_AUTHENTICATION: "1111",
    PinKind.RESIDENT_REGISTRY: "2222",
    PinKind.TEXT_INPUT: "3333",
}
holders = st.sampled_from(
    [
        Holder(date(1980, 2, 29)),
        Holder(date(2015, 7, 1)),
        Holder(
            date(1990, 1, 1),
            foreign=True,
            residence_status="留学",
            stay_expires_on=date(2027, 1, 1),
        ),
        Holder(date(1970, 5, 5), foreign=True, residence_status="永住者"),
    ]
)
days = st.integers(min_value=0, max_value=120)
channels = st.sampled_from(list(Channel))
kinds = st.sampled_from(list(PinKind))


class CardMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.today = date(2026, 4, 1)
        self.card: Card | None = None
        self.was_terminal = False

    def _step(self, command: str, advance: int, run: Callable[[Card], Card]) -> None:
        if self.card is None:
            return
        self.today += timedelta(advance)
        self.card, _ = m.lapse(self.card, self.today, RULES)
        before = self.card
        try:
            self.card = run(before)
        except JichiError as error:
            if before.state not in ALLOWED[command]:
                assert error.code == "MYN-010", (command, before.state, error.code)
            else:
                assert error.code in TYPED, (command, error.code)
            self.card = before
            return
        assert before.state in ALLOWED[command], (command, before.state)

    @rule(holder=holders)
    def apply(self, holder: Holder) -> None:
        if self.card is None:
            self.card, _ = m.apply_for("c", "p", holder, self.today)

    @rule(advance=days)
    def manufacture(self, advance: int) -> None:
        self._step("manufacture", advance, lambda c: m.manufacture(c, self.today, RULES)[0])

    @rule(advance=days, channel=channels)
    def deliver(self, advance: int, channel: Channel) -> None:
        self._step(
            "deliver",
            advance,
            lambda c: m.deliver(c, self.today, identity_check="免許証", pins=PINS, channel=channel)[
                0
            ],
        )

    @rule(advance=days)
    def suspend(self, advance: int) -> None:
        self._step("suspend", advance, lambda c: m.suspend(c, self.today)[0])

    @rule(advance=days, channel=channels)
    def resume(self, advance: int, channel: Channel) -> None:
        self._step(
            "resume",
            advance,
            lambda c: m.resume(c, self.today, identity_check="旅券", channel=channel)[0],
        )

    @rule(advance=days)
    def return_card(self, advance: int) -> None:
        self._step("return_card", advance, lambda c: m.return_card(c, self.today)[0])

    @rule(advance=days)
    def death(self, advance: int) -> None:
        self._step("death", advance, lambda c: m.death(c, self.today)[0])

    @rule(advance=days)
    def reissue(self, advance: int) -> None:
        self._step("reissue", advance, lambda c: m.end_for_reissue(c, self.today)[0])

    @rule(advance=days, planned=st.integers(-5, 20))
    def move_out(self, advance: int, planned: int) -> None:
        self._step(
            "move_out",
            advance,
            lambda c: m.move_out(c, self.today + timedelta(planned), self.today)[0],
        )

    @rule(advance=days, ago=st.integers(0, 20))
    def move_in(self, advance: int, ago: int) -> None:
        self._step(
            "move_in",
            advance,
            lambda c: m.move_in(c, self.today - timedelta(ago), self.today, RULES)[0],
        )

    @rule(advance=days)
    def continue_use(self, advance: int) -> None:
        self._step("continue_use", advance, lambda c: m.continue_use(c, self.today, RULES)[0])

    @rule(advance=days, ahead=st.integers(0, 10))
    def abroad_continue(self, advance: int, ahead: int) -> None:
        self._step(
            "abroad_continue",
            advance,
            lambda c: m.abroad_continue(c, self.today + timedelta(ahead), self.today)[0],
        )

    @rule(advance=days)
    def leave_abroad(self, advance: int) -> None:
        self._step("leave_abroad", advance, lambda c: m.leave_abroad(c, self.today)[0])

    @rule(advance=days)
    def return_from_abroad(self, advance: int) -> None:
        self._step("return_from_abroad", advance, lambda c: m.return_from_abroad(c, self.today)[0])

    @rule(advance=days, years=st.integers(0, 12))
    def validity_change(self, advance: int, years: int) -> None:
        self._step(
            "validity_change",
            advance,
            lambda c: m.validity_change(c, self.today + timedelta(365 * years), self.today, RULES)[
                0
            ],
        )

    @rule(advance=days)
    def extend_provisionally(self, advance: int) -> None:
        self._step(
            "extend_provisionally",
            advance,
            lambda c: m.extend_provisionally(c, self.today, RULES)[0],
        )

    @rule(advance=days, kind=kinds, right=st.booleans())
    def use_pin(self, advance: int, kind: PinKind, right: bool) -> None:
        pin = PINS[kind] if right else ("ZZZ999" if kind is PinKind.SIGNATURE else "9999")
        self._step("use_pin", advance, lambda c: m.use_pin(c, kind, pin, self.today)[0])

    @rule(advance=days, kind=kinds, channel=channels)
    def reset_pin(self, advance: int, kind: PinKind, channel: Channel) -> None:
        self._step(
            "reset_pin",
            advance,
            lambda c: m.reset_pin(c, kind, PINS[kind], self.today, channel=channel)[0],
        )

    @invariant()
    def card_is_consistent(self) -> None:
        card = self.card
        if card is None:
            return
        assert card.state in set(CardState)
        if self.was_terminal:
            assert not card.live, "a terminal card came back to life"
        if card.live:
            assert card.ended_on is None and card.end_reason is None
        else:
            self.was_terminal = True
            assert card.ended_on is not None and card.end_reason is not None
            assert m.lapses_on(card, RULES) is None
        assert (card.state is S.SUSPENDED) == (card.suspended_from is not None)
        if card.state in {S.ACTIVE, S.SUSPENDED, S.ABROAD_CONTINUED}:
            assert set(card.pins) == set(PinKind) and card.delivered_on is not None
        if card.state is not S.APPLIED and card.issued_on is not None:
            assert card.valid_until is not None and card.cap is not None
            assert card.valid_until <= card.cap
        for kind, record in card.pins.items():
            assert 0 <= record.failures <= TRY_LIMITS[kind]
        if card.state is S.ABROAD_CONTINUED:
            assert card.departure_on is not None and not card.holder.foreign
        if card.live:
            due = m.lapses_on(card, RULES)
            assert due is None or due > self.today, "a due deadline was not applied"


CardMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_random_command_sequences_keep_the_card_valid = CardMachine.TestCase

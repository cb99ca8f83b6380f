"""Cards of one municipality in the database: the pure machine plus persistence.

The municipality is bound in the constructor (tenancy by construction): every query
filters on it, so a store of 川越市 cannot read or change a card of another city.
Each command runs in one write transaction: load the card (``FOR UPDATE`` on
PostgreSQL), apply the deadlines that have come (:func:`jichi.mynumber.card.lapse`),
run the command, save, write its events.  When the command is refused, what happened
before it is still saved — a lapse that fired, a wrong PIN counted — and then the
error is raised: a refusal must never undo a deadline or a try.

The registry-driven commands (:meth:`CardStore.person_died`,
:meth:`CardStore.person_moved_abroad`) also take the caller's connection: the
registry's listener runs them inside the transaction that records the 住民票 change,
so the removal, the card's end and the revocation of its certificates commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.mynumber import card as machine
from jichi.mynumber.card import Card, CardState, Channel
from jichi.mynumber.codec import decode, encode
from jichi.mynumber.errors import BAD_LG_CODE, CARD_ALREADY_HELD, CARD_NOT_FOUND
from jichi.mynumber.events import Event
from jichi.mynumber.holders import holder_of
from jichi.mynumber.outbox import Listener, emit
from jichi.mynumber.pins import PinKind
from jichi.mynumber.tables import mynumber_card
from jichi.mynumber.validity import CardRules, Holder
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey
from jichi.store.engine import write_transaction

Step = Callable[[Card], tuple[Card, list[Event]]]


@dataclass(frozen=True)
class DueCard:
    card_id: str
    person_id: str
    state: CardState
    lapses_on: date


class CardStore:
    """The cards of ``lg_code``; ``listeners`` hear every event in its transaction."""

    def __init__(
        self,
        engine: Engine,
        lg_code: str,
        *,
        rules: CardRules | None = None,
        listeners: Sequence[Listener] = (),
        actor: Actor | None = None,
        audit_key: AuditKey | None = None,
    ) -> None:
        try:
            self.lg_code = validate(IdKind.LG_CODE, lg_code, field="lg_code").value
        except JichiError:
            raise JichiError(BAD_LG_CODE, field="lg_code", lg_code=lg_code) from None
        self.engine = engine
        self.rules = rules or CardRules()
        self.listeners = tuple(listeners)
        self.actor = actor
        self.audit_key = audit_key

    # -- reading ---------------------------------------------------------------

    def get(self, card_id: str) -> Card:
        with self.engine.connect() as conn:
            return self._load(conn, card_id, lock=False)

    def cards_of(self, person_id: str, *, conn: Connection | None = None) -> list[Card]:
        with self._reading(conn) as conn:
            rows = conn.execute(
                sa.select(mynumber_card.c.data)
                .where(
                    mynumber_card.c.lg_code == self.lg_code,
                    mynumber_card.c.person_id == person_id,
                )
                .order_by(mynumber_card.c.updated_at, mynumber_card.c.card_id)
            )
            return [decode(row.data) for row in rows]

    def due(self, now: date) -> list[DueCard]:
        """Live cards whose deadline has come by ``now`` (they die when expired)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    mynumber_card.c.card_id,
                    mynumber_card.c.person_id,
                    mynumber_card.c.state,
                    mynumber_card.c.lapses_on,
                )
                .where(
                    mynumber_card.c.lg_code == self.lg_code,
                    mynumber_card.c.lapses_on.is_not(None),
                    mynumber_card.c.lapses_on <= now,
                )
                .order_by(mynumber_card.c.lapses_on, mynumber_card.c.card_id)
            )
            return [DueCard(r.card_id, r.person_id, CardState(r.state), r.lapses_on) for r in rows]

    # -- commands --------------------------------------------------------------

    def apply(self, person_id: str, holder: Holder, on: date) -> Card:
        """交付申請; refused (MYN-031) while the person holds a live card."""
        with write_transaction(self.engine) as conn:
            self._refuse_if_live(conn, person_id)
            card, events = machine.apply_for(str(uuid.uuid4()), person_id, holder, on)
            self._save(conn, card, events, new=True)
            return card

    def apply_for_resident(self, person_id: str, on: date) -> Card:
        """交付申請 for a person on this municipality's registry (facts read from it)."""
        with write_transaction(self.engine) as conn:
            holder = holder_of(conn, self.lg_code, person_id)
            self._refuse_if_live(conn, person_id)
            card, events = machine.apply_for(str(uuid.uuid4()), person_id, holder, on)
            self._save(conn, card, events, new=True)
            return card

    def reissue(self, card_id: str, on: date, holder: Holder | None = None) -> Card:
        """再交付: the old card ends (revoked, reissued) and a new one is applied for."""
        error: JichiError | None = None
        with write_transaction(self.engine) as conn:
            old = self._load(conn, card_id, lock=True)
            old, events = machine.lapse(old, on, self.rules)
            try:
                ended, more = machine.end_for_reissue(old, on)
            except JichiError as refused:
                self._save(conn, old, events)
                error = refused
            else:
                self._save(conn, ended, events + more)
                new, applied = machine.apply_for(
                    str(uuid.uuid4()), old.person_id, holder or old.holder, on, replaces=card_id
                )
                self._save(conn, new, applied, new=True)
                return new
        assert error is not None
        raise error

    def manufacture(self, card_id: str, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.manufacture(c, on, self.rules))

    def deliver(
        self,
        card_id: str,
        on: date,
        *,
        identity_check: str,
        pins: dict[PinKind, str],
        channel: Channel = Channel.COUNTER,
    ) -> Card:
        return self._run(
            card_id,
            on,
            lambda c: machine.deliver(
                c, on, identity_check=identity_check, pins=pins, channel=channel
            ),
        )

    def suspend(self, card_id: str, on: date, *, reason: str = "loss") -> Card:
        return self._run(card_id, on, lambda c: machine.suspend(c, on, reason=reason))

    def resume(self, card_id: str, on: date, *, identity_check: str, channel: Channel) -> Card:
        return self._run(
            card_id,
            on,
            lambda c: machine.resume(c, on, identity_check=identity_check, channel=channel),
        )

    def return_card(self, card_id: str, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.return_card(c, on))

    def death(
        self, card_id: str, on: date, *, conn: Connection | None = None, if_live: bool = False
    ) -> Card:
        return self._run(card_id, on, lambda c: machine.death(c, on), conn=conn, if_live=if_live)

    def move_out(self, card_id: str, planned_on: date, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.move_out(c, planned_on, on))

    def move_in(self, card_id: str, moved_in_on: date, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.move_in(c, moved_in_on, on, self.rules))

    def continue_use(self, card_id: str, on: date, *, pin: str) -> Card:
        """継続利用: the 住民基本台帳用 PIN is checked (and counted) first."""
        return self._run(
            card_id,
            on,
            lambda c: machine.continue_use(c, on, self.rules),
            pin=(PinKind.RESIDENT_REGISTRY, pin),
        )

    def abroad_continue(self, card_id: str, departure_on: date, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.abroad_continue(c, departure_on, on))

    def leave_abroad(
        self,
        card_id: str,
        departure_on: date,
        *,
        conn: Connection | None = None,
        if_live: bool = False,
    ) -> Card:
        return self._run(
            card_id,
            departure_on,
            lambda c: machine.leave_abroad(c, departure_on),
            conn=conn,
            if_live=if_live,
        )

    def return_from_abroad(self, card_id: str, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.return_from_abroad(c, on))

    def validity_change(self, card_id: str, stay_expires_on: date, on: date, *, pin: str) -> Card:
        """有効期間変更 at the counter; needs a 4-digit PIN (住民基本台帳用)."""
        return self._run(
            card_id,
            on,
            lambda c: machine.validity_change(c, stay_expires_on, on, self.rules),
            pin=(PinKind.RESIDENT_REGISTRY, pin),
        )

    def extend_provisionally(self, card_id: str, on: date) -> Card:
        return self._run(card_id, on, lambda c: machine.extend_provisionally(c, on, self.rules))

    def use_pin(self, card_id: str, kind: PinKind, pin: str, on: date) -> Card:
        """One PIN try; a wrong one is counted (and saved) before MYN-021/022 is raised."""
        return self._run(card_id, on, lambda c: (c, []), pin=(kind, pin))

    def reset_pin(
        self, card_id: str, kind: PinKind, new_pin: str, on: date, *, channel: Channel
    ) -> Card:
        return self._run(
            card_id, on, lambda c: machine.reset_pin(c, kind, new_pin, on, channel=channel)
        )

    def live_card_of(self, person_id: str, *, conn: Connection | None = None) -> Card | None:
        """The person's live card here, if any (at most one: :meth:`apply` ensures it)."""
        return next((c for c in self.cards_of(person_id, conn=conn) if c.live), None)

    def person_died(
        self, person_id: str, on: date, *, conn: Connection | None = None
    ) -> Card | None:
        """For the registry's 死亡 (住民票の消除): end the live card, if there is one.

        :mod:`jichi.mynumber.registry_events` calls this from the registry's listener,
        on the registry's connection; the registry itself never imports My Number.
        """
        card = self.live_card_of(person_id, conn=conn)
        return None if card is None else self.death(card.card_id, on, conn=conn, if_live=True)

    def person_moved_abroad(
        self, person_id: str, departure_on: date, *, conn: Connection | None = None
    ) -> Card | None:
        """For the registry's 国外転出: the card dies unless it is 国外継続利用."""
        card = self.live_card_of(person_id, conn=conn)
        if card is None or card.state is CardState.ABROAD_CONTINUED:
            return card
        return self.leave_abroad(card.card_id, departure_on, conn=conn, if_live=True)

    def follow_move_in(
        self,
        from_lg_code: str,
        from_person_id: str,
        person_id: str,
        moved_in_on: date,
        on: date,
        *,
        conn: Connection,
    ) -> Card | None:
        """For the registry's 転入: the holder's live card at ``from_lg_code`` becomes ours.

        The row moves (its municipality and holder change, one ``version`` more) in the
        caller's transaction — the one that records the 転入 — so there is never a
        moment when both or neither municipality holds the card.  The deadlines due by
        ``on`` are applied first: a card already dead stays at the old municipality as
        its history.  A live card not in use (一時停止, 国外継続利用) stays there too.
        """
        old = CardStore(self.engine, from_lg_code, rules=self.rules, listeners=self.listeners)
        found = old.live_card_of(from_person_id, conn=conn)
        if found is None:
            return None
        card = old._load(conn, found.card_id, lock=True)
        card, events = machine.lapse(card, on, self.rules)
        if card.state is not CardState.ACTIVE:
            if events:
                old._save(conn, card, events)
            return None
        card, more = machine.follow_holder(
            card, person_id, from_lg_code, moved_in_on, on, self.rules
        )
        t = mynumber_card.c
        conn.execute(
            sa.update(mynumber_card)
            .where(t.lg_code == from_lg_code, t.card_id == card.card_id)
            .values(
                lg_code=self.lg_code,
                person_id=card.person_id,
                state=card.state.value,
                lapses_on=machine.lapses_on(card, self.rules),
                data=encode(card),
                version=t.version + 1,
                updated_at=datetime.now(UTC),
            )
        )
        events = events + more
        emit(conn, self.lg_code, events, self.listeners)
        self._audit(conn, card, events)
        return card

    def expire(self, as_of: date) -> list[Card]:
        """Apply every deadline due by ``as_of``; the cards that ended.  Idempotent."""
        ended = []
        for due in self.due(as_of):
            with write_transaction(self.engine) as conn:
                card = self._load(conn, due.card_id, lock=True)
                after, events = machine.lapse(card, as_of, self.rules)
                if events:
                    self._save(conn, after, events)
                    ended.append(after)
        return ended

    # -- internals -------------------------------------------------------------

    @contextmanager
    def _writing(self, conn: Connection | None) -> Iterator[Connection]:
        """The caller's connection (its transaction decides), or a new write transaction."""
        if conn is not None:
            yield conn
        else:
            with write_transaction(self.engine) as own:
                yield own

    @contextmanager
    def _reading(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as own:
                yield own

    def _run(
        self,
        card_id: str,
        on: date,
        step: Step,
        *,
        pin: tuple[PinKind, str] | None = None,
        conn: Connection | None = None,
        if_live: bool = False,
    ) -> Card:
        """Run ``step`` after the deadlines; ``if_live``: a card a deadline ended is left so.

        The registry-driven commands pass ``if_live``: a 死亡 recorded after the card's
        validity ran out must not be refused (MYN-010) — that would abort the registry's
        notification — the card simply stays ended by its own deadline.
        """
        error: JichiError | None = None
        with self._writing(conn) as conn:
            card = self._load(conn, card_id, lock=True)
            card, events = machine.lapse(card, on, self.rules)
            if if_live and not card.live:
                self._save(conn, card, events)
                return card
            try:
                if pin is not None:
                    card, ok = machine.use_pin(card, pin[0], pin[1], on)
                    if not ok:
                        raise machine.pin_error(card, pin[0])
                card, more = step(card)
                events = events + more
            except JichiError as refused:
                error = refused
            self._save(conn, card, events)
        if error is not None:
            raise error
        return card

    def _refuse_if_live(self, conn: Connection, person_id: str) -> None:
        rows = conn.execute(
            sa.select(mynumber_card.c.card_id, mynumber_card.c.state).where(
                mynumber_card.c.lg_code == self.lg_code,
                mynumber_card.c.person_id == person_id,
            )
        )
        for row in rows:
            if CardState(row.state) in machine.LIVE:
                raise JichiError(CARD_ALREADY_HELD, field="person_id", card_id=row.card_id)

    def _load(self, conn: Connection, card_id: str, *, lock: bool) -> Card:
        query = sa.select(mynumber_card.c.data).where(
            mynumber_card.c.lg_code == self.lg_code, mynumber_card.c.card_id == card_id
        )
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise JichiError(CARD_NOT_FOUND, field="card_id", card_id=card_id)
        return decode(row.data)

    def _save(
        self, conn: Connection, card: Card, events: list[Event], *, new: bool = False
    ) -> None:
        values = {
            "person_id": card.person_id,
            "state": card.state.value,
            "lapses_on": machine.lapses_on(card, self.rules),
            "data": encode(card),
            "updated_at": datetime.now(UTC),
        }
        if new:
            conn.execute(
                sa.insert(mynumber_card).values(
                    lg_code=self.lg_code, card_id=card.card_id, version=1, **values
                )
            )
        else:
            conn.execute(
                sa.update(mynumber_card)
                .where(
                    mynumber_card.c.lg_code == self.lg_code,
                    mynumber_card.c.card_id == card.card_id,
                )
                .values(version=mynumber_card.c.version + 1, **values)
            )
        emit(conn, self.lg_code, events, self.listeners)
        self._audit(conn, card, events)

    def _audit(self, conn: Connection, card: Card, events: list[Event]) -> None:
        """One audit entry per event when the store was built with an actor and a key.

        The counter's composition root builds a store per request with the acting staff
        member (or ``system:…`` for the scheduler), so every change to a card shows on
        the holder's own audit page.  The detail names the topic and day, never a PIN.
        """
        if self.actor is None or self.audit_key is None or not events:
            return
        entries = [
            audit.AuditEntry(
                lg_code=self.lg_code,
                actor=self.actor.staff_id,
                actor_role=self.actor.role,
                action=event.topic,
                subject_person_id=card.person_id,
                detail={"card_id": card.card_id, "on": event.occurred_on.isoformat()},
            )
            for event in events
        ]
        audit.append_many(conn, entries, self.audit_key)


def expire_due(
    engine: Engine,
    lg_code: str,
    as_of: date,
    *,
    rules: CardRules | None = None,
    actor: Actor | None = None,
    audit_key: AuditKey | None = None,
    listeners: Sequence[Listener] = (),
) -> list[Card]:
    """For the server's scheduler: run the day's card deadlines of one municipality."""
    store = CardStore(
        engine, lg_code, rules=rules, actor=actor, audit_key=audit_key, listeners=listeners
    )
    return store.expire(as_of)

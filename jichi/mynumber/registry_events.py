"""The registry's events drive the card where the law says so (facts mynumber.md §2.1, §2.3).

:func:`make_registry_listener` is passed by the composition root (web app, CLI, network
node) to ``Registry(listeners=[…])`` next to the JPKI revocation listener.  It runs on
the registry's connection, inside the transaction that records the 住民票 change:

* 死亡 (a removal by ``death``): the person's live card ends on the day of death
  (the card's own lapse rule on death is UNCONFIRMED; modelled as that day);
* 国外転出 (a removal by ``move_out_abroad``): the card ends on the departure date
  unless it is 国外継続利用 — which must therefore be done at the counter before the
  国外転出届 is recorded (facts §2.1: requested before the day of departure);
* 転入 from another municipality (a new record by ``move_in`` with a 住民票コード): the
  holder's live card at the old municipality follows them — its row now belongs to the
  new municipality and the new record (:meth:`CardStore.follow_move_in`), so the new
  counter does 継続利用, PIN resets and suspensions and the old one no longer can.  The
  old record is found by the 住民票コード through the registry's ``person_leaving``.
  Only where both municipalities share a database (a demo, one database per group of
  municipalities); across databases the card's row does not travel yet.

The card's own events then reach the card store's listeners (the JPKI card listener
revokes the remaining certificates) on the same connection, so one commit holds the
removal, the card's end and the revocations; any failure rolls all of them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from jichi.mynumber.card_store import CardStore
from jichi.mynumber.holders import leaving_holder
from jichi.mynumber.outbox import Listener
from jichi.mynumber.validity import CardRules
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.service import EventListener


def make_registry_listener(
    *, card_listeners: Sequence[Listener] = (), rules: CardRules | None = None
) -> EventListener:
    """A registry listener ending cards on 死亡 and 国外転出 (card events: ``card_listeners``)."""

    def on_registry_event(conn: Connection, event: Any) -> None:
        if event.kind == EventKind.RECORDED and event.reason == NotificationKind.MOVE_IN:
            _follow(conn, event)
            return
        if event.kind != EventKind.REMOVED:
            return
        if event.reason not in (NotificationKind.DEATH, NotificationKind.MOVE_OUT_ABROAD):
            return
        cards = CardStore(conn.engine, event.lg_code, rules=rules, listeners=card_listeners)
        if event.reason == NotificationKind.DEATH:
            cards.person_died(event.person_id, event.effective_date, conn=conn)
        else:
            cards.person_moved_abroad(event.person_id, event.effective_date, conn=conn)

    def _follow(conn: Connection, event: Any) -> None:
        code = str(event.changes.get("resident_code") or "")
        previous = event.changes.get("previous_address") or {}
        from_lg = str(previous.get("lg_code") or "")
        if not code or not from_lg or from_lg == event.lg_code:
            return
        from_person = leaving_holder(conn, from_lg, code)
        if from_person is None:
            return
        cards = CardStore(conn.engine, event.lg_code, rules=rules, listeners=card_listeners)
        cards.follow_move_in(
            from_lg,
            from_person,
            event.person_id,
            event.effective_date,
            event.notified_date,
            conn=conn,
        )

    return on_registry_event

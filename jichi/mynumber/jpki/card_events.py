"""The card's events revoke its certificates, inside the card's own transaction.

:func:`make_card_listener` is what the composition root passes to
``CardStore(listeners=[…])``.  :func:`jichi.mynumber.outbox.emit` calls it on the
connection that writes the card change, so a 一時停止 and the revocation of both
certificates commit together: an OCSP answer never shows ``good`` for a suspended
card, and a revocation that fails rolls the card change back (facts mynumber.md §2.3).

* 一時停止 (``mynumber.card.suspended``): both certificates, ground ``suspended``
  (RFC 5280 keyCompromise: the chip, and its keys, are out of the holder's hands).
  certificateHold is *not* used, because 一時停止解除 does not bring them back.
* ended (``mynumber.card.ended``): every good certificate of the holder — 死亡 as
  ``death``, 再交付 as ``superseded``, 返納 / 有効期間満了 / 期限徒過 / 国外転出 as
  ``card_ended``; the last three are cessationOfOperation.
* 一時停止解除 (``mynumber.card.resumed``): nothing; certificates must be issued anew.
* the card followed its holder (``mynumber.card.move``, ``step=followed``): the good
  certificates move with it to the new record and municipality (not revoked: the
  利用者証明用 certificate survives a move, and the 署名用 one was revoked by the 転出).
* 国外継続利用: nothing here — the registry's 国外転出 event revokes the 署名用
  certificate through :func:`jichi.mynumber.jpki.revocation.make_listener`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.mynumber import events as ev
from jichi.mynumber.events import Event
from jichi.mynumber.jpki import store
from jichi.mynumber.jpki.revocation import Ground, revoke_person
from jichi.mynumber.outbox import Listener
from jichi.mynumber.tables import mynumber_card

#: The card's end reasons (``jichi.mynumber.card.EndReason`` values) and their grounds.
END_GROUNDS: dict[str, Ground] = {
    "death": Ground.DEATH,
    "reissued": Ground.SUPERSEDED,
}


def ground_for_card(event: Event) -> Ground | None:
    """The revocation ground a card event gives, or None when certificates stay."""
    if event.topic == ev.CARD_SUSPENDED:
        return Ground.SUSPENDED
    if event.topic == ev.CARD_ENDED:
        return END_GROUNDS.get(str(event.detail.get("reason")), Ground.CARD_ENDED)
    return None


def make_card_listener(clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Listener:
    """The card-store listener: revoke the holder's certificates on a suspension or end."""

    def on_card_event(conn: Connection, event: Event) -> None:
        if event.topic == ev.CARD_MOVE and event.detail.get("step") == "followed":
            _follow(conn, event)
            return
        ground = ground_for_card(event)
        if ground is None or event.person_id is None:
            return
        revoke_person(conn, event.person_id, ground, at=clock(), event_id=None)

    return on_card_event


def _follow(conn: Connection, event: Event) -> None:
    """The card row has already moved (same transaction): its certificates follow it."""
    if event.person_id is None or event.card_id is None:
        return
    lg_code = conn.execute(
        sa.select(mynumber_card.c.lg_code).where(mynumber_card.c.card_id == event.card_id)
    ).scalar_one()
    store.follow_holder(conn, str(event.detail["from_person_id"]), event.person_id, lg_code)

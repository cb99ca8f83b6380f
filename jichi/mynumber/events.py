"""Domain events of My Number: what other parts must hear, written with the change.

Every event is stored in ``mynumber_event`` in the transaction that caused it (the
outbox: the relay carries it to other processes) and handed to the in-process
listeners the composition root registers on the store (``listeners=``), inside the
same transaction, so a listener's writes (the JPKI side revoking certificates on
:data:`CARD_SUSPENDED`) commit or fail together with the card's change.

Who listens (documented in ``docs/guide/mynumber.md``):

* :data:`CARD_SUSPENDED` — ``jichi.mynumber.jpki.card_events``: revoke both
  certificates now (一時停止: 公的個人認証法 第10条の届出);
* :data:`CARD_ENDED` — ``jpki.card_events``: revoke every certificate of the holder;
* :data:`CARD_ABROAD_CONTINUED` — nobody yet: the registry's 国外転出 event revokes the
  署名用 certificate; 国外転出者向け certificates are not built; the 利用者証明用 stays;
* :data:`CARD_RESUMED` — nobody: certificates stay revoked and must be issued anew;
* :data:`NUMBER_CHANGED` — every holder of the old number: the 住所地市町村 (records
  the new number, registry event ``individual_number``), the card (a card showing the
  old number must be reissued) and the 情報提供ネットワーク (the 機関別符号 stay).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

CARD_APPLIED = "mynumber.card.applied"
CARD_ISSUED = "mynumber.card.issued"
CARD_DELIVERED = "mynumber.card.delivered"
CARD_SUSPENDED = "mynumber.card.suspended"
CARD_RESUMED = "mynumber.card.resumed"
CARD_ENDED = "mynumber.card.ended"
CARD_ABROAD_CONTINUED = "mynumber.card.abroad_continued"
CARD_MOVE = "mynumber.card.move"
CARD_VALIDITY_CHANGED = "mynumber.card.validity_changed"
CARD_PIN = "mynumber.card.pin"
NUMBER_ISSUED = "mynumber.number.issued"
NUMBER_CHANGED = "mynumber.number.changed"

ALL_CERTIFICATES = ("signature", "user_authentication")


@dataclass(frozen=True)
class Event:
    """One fact: its topic, the card and person (if any), its day, and plain details.

    ``detail`` never holds an individual number or a PIN in clear; a number change
    carries blind indexes and the encrypted new number.
    """

    topic: str
    occurred_on: date
    card_id: str | None = None
    person_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"person_id": self.person_id, **self.detail}

"""A card to and from the JSON kept in ``mynumber_card.data`` (dates as ISO text).

Kept apart from :mod:`jichi.mynumber.card` so the state machine stays free of storage
concerns; ``decode(encode(card)) == card`` is a tested property.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jichi.mynumber.card import Card, CardState, EndReason, MoveClock
from jichi.mynumber.pins import PinKind, PinRecord
from jichi.mynumber.validity import Holder

FORMAT = 1


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _p(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def encode(card: Card) -> dict[str, Any]:
    h = card.holder
    m = card.move
    return {
        "format": FORMAT,
        "card_id": card.card_id,
        "person_id": card.person_id,
        "holder": {
            "date_of_birth": h.date_of_birth.isoformat(),
            "foreign": h.foreign,
            "residence_status": h.residence_status,
            "stay_expires_on": _d(h.stay_expires_on),
        },
        "applied_on": card.applied_on.isoformat(),
        "state": card.state.value,
        "issued_on": _d(card.issued_on),
        "delivered_on": _d(card.delivered_on),
        "valid_until": _d(card.valid_until),
        "cap": _d(card.cap),
        "identity_check": card.identity_check,
        "pins": {
            kind.value: {"salt": r.salt, "digest": r.digest, "failures": r.failures}
            for kind, r in card.pins.items()
        },
        "suspended_from": card.suspended_from.value if card.suspended_from else None,
        "move": None
        if m is None
        else {
            "planned_move_out_on": m.planned_move_out_on.isoformat(),
            "moved_in_on": _d(m.moved_in_on),
            "move_in_notified_on": _d(m.move_in_notified_on),
        },
        "departure_on": _d(card.departure_on),
        "ended_on": _d(card.ended_on),
        "end_reason": card.end_reason.value if card.end_reason else None,
        "replaces": card.replaces,
    }


def decode(data: dict[str, Any]) -> Card:
    h = data["holder"]
    m = data.get("move")
    birth = date.fromisoformat(h["date_of_birth"])
    applied = date.fromisoformat(data["applied_on"])
    return Card(
        card_id=data["card_id"],
        person_id=data["person_id"],
        holder=Holder(birth, h["foreign"], h["residence_status"], _p(h["stay_expires_on"])),
        applied_on=applied,
        state=CardState(data["state"]),
        issued_on=_p(data["issued_on"]),
        delivered_on=_p(data["delivered_on"]),
        valid_until=_p(data["valid_until"]),
        cap=_p(data["cap"]),
        identity_check=data["identity_check"],
        pins={
            PinKind(kind): PinRecord(r["salt"], r["digest"], r["failures"])
            for kind, r in data["pins"].items()
        },
        suspended_from=CardState(data["suspended_from"]) if data["suspended_from"] else None,
        move=None
        if m is None
        else MoveClock(
            date.fromisoformat(m["planned_move_out_on"]),
            _p(m["moved_in_on"]),
            _p(m["move_in_notified_on"]),
        ),
        departure_on=_p(data["departure_on"]),
        ended_on=_p(data["ended_on"]),
        end_reason=EndReason(data["end_reason"]) if data["end_reason"] else None,
        replaces=data["replaces"],
    )

"""Revocation: its grounds, their RFC 5280 reason codes, and the registry-event listener.

公的個人認証法第12条 makes J-LIS revoke a 署名用 certificate when a basic-four item changes
or the 住民票 is removed (転出, 死亡, 職権消除); the 利用者証明用 certificate survives
those.  :func:`on_registry_event` is wired into the registry by the composition root and
runs inside the transaction that records the event, so the event and the revocation
commit together — an OCSP answer can never see one without the other (ADR 0011).

The mapping of grounds to RFC 5280 ``CRLReason`` codes is jichi's (J-LIS's own mapping is
UNCONFIRMED); it is one table, :data:`REASON_CODES`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from cryptography import x509

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki import store
from jichi.registry.events import EventKind, NotificationKind
from jichi.registry.service import EventListener


class Ground(StrEnum):
    """Why a certificate was revoked (the law's grounds, in jichi's words)."""

    BASIC_FOUR_CHANGED = "basic_four_changed"  # 第12条1号: 氏名・生年月日・性別・住所
    MOVE_OUT = "move_out"  # 第12条2号: 転出 (removal by move)
    DEATH = "death"  # 第12条2号: 死亡
    REMOVAL = "removal"  # 第12条2号: 職権消除 and other removals
    HOLDER_REQUEST = "holder_request"  # 第9条: the holder asks
    KEY_COMPROMISE = "key_compromise"  # 第10条: card lost, stolen or key exposed
    RECORDING_ERROR = "recording_error"  # 第13条: J-LIS finds its own error
    CA_COMPROMISE = "ca_compromise"  # 第14条
    SUPERSEDED = "superseded"  # renewal replaced it
    SUSPENDED = "suspended"  # 一時停止 of the card
    CARD_ENDED = "card_ended"  # the card ended: 返納, 有効期間満了, 期限徒過, 国外転出


REASON_CODES: dict[Ground, x509.ReasonFlags] = {
    Ground.BASIC_FOUR_CHANGED: x509.ReasonFlags.affiliation_changed,  # 3
    Ground.MOVE_OUT: x509.ReasonFlags.affiliation_changed,  # 3
    Ground.DEATH: x509.ReasonFlags.cessation_of_operation,  # 5
    Ground.REMOVAL: x509.ReasonFlags.cessation_of_operation,  # 5
    Ground.HOLDER_REQUEST: x509.ReasonFlags.unspecified,  # 0
    Ground.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,  # 1
    Ground.RECORDING_ERROR: x509.ReasonFlags.privilege_withdrawn,  # 9
    Ground.CA_COMPROMISE: x509.ReasonFlags.ca_compromise,  # 2
    Ground.SUPERSEDED: x509.ReasonFlags.superseded,  # 4
    Ground.SUSPENDED: x509.ReasonFlags.key_compromise,  # 1: the card's chip is out of reach
    Ground.CARD_ENDED: x509.ReasonFlags.cessation_of_operation,  # 5: the card no longer works
}
#: RFC 5280 §5.3.1 numeric codes.
CODE_OF: dict[x509.ReasonFlags, int] = {
    x509.ReasonFlags.unspecified: 0,
    x509.ReasonFlags.key_compromise: 1,
    x509.ReasonFlags.ca_compromise: 2,
    x509.ReasonFlags.affiliation_changed: 3,
    x509.ReasonFlags.superseded: 4,
    x509.ReasonFlags.cessation_of_operation: 5,
    x509.ReasonFlags.certificate_hold: 6,
    x509.ReasonFlags.remove_from_crl: 8,
    x509.ReasonFlags.privilege_withdrawn: 9,
    x509.ReasonFlags.aa_compromise: 10,
}
FLAG_OF = {code: flag for flag, code in CODE_OF.items()}
REASON_JA = {
    0: "本人の申請等",
    1: "鍵の危殆化・カードの紛失等",
    2: "認証局の危殆化",
    3: "基本4情報の変更・転出",
    4: "更新",
    5: "死亡・住民票の消除",
    6: "一時保留",
    9: "記録の誤り",
}
#: The basic four as the registry's ``changes`` names them (法7条 1–3号 and 7号).
BASIC_FOUR = frozenset({"name", "date_of_birth", "sex", "address"})
REMOVAL_GROUNDS = {
    NotificationKind.MOVE_OUT: Ground.MOVE_OUT,
    NotificationKind.MOVE_OUT_ABROAD: Ground.MOVE_OUT,
    NotificationKind.MOVE_OUT_CONFIRMED: Ground.MOVE_OUT,
    NotificationKind.DEATH: Ground.DEATH,
    NotificationKind.EX_OFFICIO_REMOVAL: Ground.REMOVAL,
}


def ground_for(event: Any) -> Ground | None:
    """The 第12条 ground an event gives, or None when the signing certificate survives it."""
    if event.kind == EventKind.REMOVED:
        return REMOVAL_GROUNDS.get(event.reason, Ground.REMOVAL)
    if event.kind == EventKind.CHANGED and BASIC_FOUR & set(event.changes):
        return Ground.BASIC_FOUR_CHANGED
    return None


def revoke(
    conn: sa.Connection,
    serial: str,
    ground: Ground,
    *,
    at: datetime | None = None,
    event_id: str | None = None,
) -> None:
    """Revoke one certificate in the caller's transaction (typed error if not revocable)."""
    row = store.get(conn, serial)
    if row is None:
        raise JichiError(e.CERTIFICATE_NOT_FOUND, field="serial", serial=serial)
    code = CODE_OF[REASON_CODES[ground]]
    if not store.mark_revoked(
        conn, serial, at=at or datetime.now(UTC), reason=code, ground=ground, event_id=event_id
    ):
        raise JichiError(e.ALREADY_REVOKED, field="serial", serial=serial)


def make_listener(clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> EventListener:
    """The registry listener: revoke the person's 署名用 certificates on a 第12条 event."""

    def on_registry_event(conn: sa.Connection, event: Any) -> None:
        ground = ground_for(event)
        if ground is None:
            return
        now = clock()
        for row in store.current_for(conn, event.person_id, "sign"):
            store.mark_revoked(
                conn,
                row.serial,
                at=now,
                reason=CODE_OF[REASON_CODES[ground]],
                ground=ground,
                event_id=event.event_id,
            )

    return on_registry_event


def revoke_person(
    conn: sa.Connection,
    person_id: str,
    ground: Ground,
    *,
    profiles: tuple[str, ...] = ("sign", "auth"),
    at: datetime | None = None,
    event_id: str | None = None,
) -> list[str]:
    """Revoke every good certificate of a person (a card 一時停止, loss or 返納); the serials.

    The entry point for card events (``jichi.mynumber.events``): the composition root
    subscribes it in the transaction that records the card event, as for registry events.
    """
    when = at or datetime.now(UTC)
    done: list[str] = []
    for profile in profiles:
        for row in store.current_for(conn, person_id, profile):
            code = CODE_OF[REASON_CODES[ground]]
            if store.mark_revoked(
                conn, row.serial, at=when, reason=code, ground=ground, event_id=event_id
            ):
                done.append(row.serial)
    return done

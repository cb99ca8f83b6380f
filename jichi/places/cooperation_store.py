"""Wide-area arrangements in the database (migration 0061) and from the operator's JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.places.cooperation import (
    BAD_ARRANGEMENT,
    Arrangement,
    ArrangementKind,
    Membership,
    check,
    entrusted_to,
)
from jichi.places.tables import cooperation, cooperation_member


def from_json(data: dict[str, Any]) -> Arrangement:
    """One arrangement from the operator's file (see docs/guide/places.md); COOP-002 if bad."""
    name = str(data.get("name", ""))
    try:
        return check(
            Arrangement(
                arrangement_id=str(data["id"]),
                kind=ArrangementKind(data["kind"]),
                name=name,
                valid_from=date.fromisoformat(data["valid_from"]),
                valid_to=date.fromisoformat(data["valid_to"]) if data.get("valid_to") else None,
                members=tuple(
                    Membership(
                        lg_code=str(m["lg_code"]),
                        role=str(m.get("role", "member")),
                        valid_from=date.fromisoformat(m.get("valid_from") or data["valid_from"]),
                        valid_to=date.fromisoformat(m["valid_to"]) if m.get("valid_to") else None,
                    )
                    for m in data.get("members", [])
                ),
                services=tuple(str(s) for s in data.get("services", [])),
                rules_of=str(data.get("rules_of", "entrusting")),
                basis=str(data.get("basis", "")),
            )
        )
    except (KeyError, ValueError, TypeError) as error:
        raise JichiError(
            BAD_ARRANGEMENT,
            field="arrangement",
            name=name,
            reason=f"項目が足りないか形式が違います（{error}）",
            reason_en=f"a missing or malformed item ({error})",
        ) from None


def save(conn: Connection, arrangement: Arrangement, *, at: datetime) -> None:
    """Insert or replace one arrangement (its members too) in the caller's transaction."""
    key = arrangement.arrangement_id
    conn.execute(cooperation_member.delete().where(cooperation_member.c.arrangement_id == key))
    conn.execute(cooperation.delete().where(cooperation.c.arrangement_id == key))
    conn.execute(
        cooperation.insert().values(
            arrangement_id=key,
            kind=arrangement.kind.value,
            name=arrangement.name,
            valid_from=arrangement.valid_from,
            valid_to=arrangement.valid_to,
            services=list(arrangement.services),
            rules_of=arrangement.rules_of,
            basis=arrangement.basis,
            recorded_at=at,
        )
    )
    if arrangement.members:
        conn.execute(
            cooperation_member.insert(),
            [
                {
                    "arrangement_id": key,
                    "lg_code": m.lg_code,
                    "role": m.role,
                    "valid_from": m.valid_from,
                    "valid_to": m.valid_to,
                }
                for m in arrangement.members
            ],
        )


def load(conn: Connection) -> list[Arrangement]:
    members: dict[str, list[Membership]] = {}
    for row in conn.execute(sa.select(cooperation_member).order_by(cooperation_member.c.lg_code)):
        members.setdefault(row.arrangement_id, []).append(
            Membership(row.lg_code, row.role, row.valid_from, row.valid_to)
        )
    return [
        Arrangement(
            arrangement_id=row.arrangement_id,
            kind=ArrangementKind(row.kind),
            name=row.name,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            members=tuple(members.get(row.arrangement_id, ())),
            services=tuple(row.services),
            rules_of=row.rules_of,
            basis=row.basis,
        )
        for row in conn.execute(sa.select(cooperation).order_by(cooperation.c.arrangement_id))
    ]


def is_entrusted_counter(conn: Connection, lg_code: str, on: date, services: list[str]) -> bool:
    """Whether ``lg_code`` is an entrusted member of a 委託 in force on ``on`` naming one of
    ``services`` (the counter's menu shows 「事務の委託」 only then)."""
    return bool(entrusted_to(load(conn), lg_code, on, services))

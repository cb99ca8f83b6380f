"""広域交付, step 2 — **A**, the holding municipality, answers B's request (住基法12条の4).

In the inbox transaction: the requester and each person named are found (name as written
and date of birth, and the 住民票コード when given), checked to be current residents of one
household, and each person printed passes the support-measure rule (U9: a person under a
DV等支援措置 obtains copies only in person at the 住所地, so a remote copy is refused
whoever asks).  Every check and every person provided or refused is audited; the answer
carries only the items the copy prints, or a refusal and its typed reason.  The request,
the answer's arrival and the issue at B's counter are in
:mod:`jichi.network.flows.remote_copy`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.network.flows.dispatch import NodeContext, handles
from jichi.network.flows.remote_copy import (
    SENT_ALWAYS,
    Identity,
    Refusal,
    RemoteCopyDraft,
    check_law,
)
from jichi.network.messages import Envelope
from jichi.registry import repository as repo
from jichi.registry.model import ResidentRecord
from jichi.registry.protection import measures_covering
from jichi.registry.restrictions import Requester, restrictions_of
from jichi.registry.service import order_members
from jichi.registry.state import OutboxMessage
from jichi.registry.tables import resident

# -- A: the holding municipality answers ------------------------------------------------------


class _Refused(Exception):
    def __init__(self, reason: Refusal, person_id: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.person_id = person_id


@handles("remote_copy_request")
def on_remote_copy_request(node: NodeContext, conn: Connection, env: Envelope) -> None:
    p = env.payload
    request_id = str(p.get("request_id", ""))
    now = node.clock()

    def reply(**payload: Any) -> None:
        message = OutboxMessage(
            topic=f"municipality.{env.sender}.remote_copy_data",
            ordering_key=request_id or env.message_id,
            payload={"request_id": request_id, "lg_code": node.lg_code} | payload,
        )
        repo.insert_outbox(conn, node.lg_code, [message], now)

    base = {"to": env.sender, "request_id": request_id, "requested_by": p.get("requested_by")}
    try:
        try:
            draft = RemoteCopyDraft.model_validate(p.get("draft"))
            if draft.holder_lg_code != node.lg_code:
                raise _Refused(Refusal.BAD_REQUEST)
            check_law(draft, node.settings.remote_copy_items)
        except ValidationError as bad:
            raise _Refused(Refusal.BAD_REQUEST) from bad
        except JichiError as refused:
            raise _Refused(Refusal.NOT_ALLOWED) from refused
        subjects, head = _resolve(conn, node.lg_code, draft)
        _gate(node, conn, [*subjects, *([head] if head else [])], draft, base)
    except _Refused as refused:
        why, why_en = refused.reason.text
        node.registry.audit(
            conn,
            node.system,
            action="network.remote_copy.refuse",
            subject_person_id=refused.person_id,
            at=now,
            detail=base | {"reason": refused.reason.value},
        )
        reply(status="refused", reason=refused.reason.value, why=why, why_en=why_en)
        return
    items = set(draft.items)
    for person in subjects:
        node.registry.audit(
            conn,
            node.system,
            action="network.remote_copy.provide",
            subject_person_id=person.person_id,
            at=now,
            detail=base | {"items": sorted(items)},
        )
    head_name = None
    if head is not None and head.person_id not in {s.person_id for s in subjects}:
        head_name = head.name.model_dump(mode="json")
        node.registry.audit(
            conn,
            node.system,
            action="network.remote_copy.provide",
            subject_person_id=head.person_id,
            at=now,
            detail=base | {"items": ["head_name"]},
        )
    reply(
        status="provided",
        kind=draft.kind.value,
        whole_household=draft.whole_household,
        items=sorted(items),
        head_name=head_name,
        persons=[items_of(r, items) for r in subjects],
    )


def _match(conn: Connection, lg_code: str, who: Identity) -> ResidentRecord:
    ids = conn.execute(
        sa.select(resident.c.person_id).where(
            resident.c.lg_code == lg_code, resident.c.date_of_birth == who.date_of_birth
        )
    ).scalars()
    found = [
        r
        for r in repo.load_records(conn, set(ids)).values()
        if who.matches(r.name.text(), r.date_of_birth, r.resident_code)
    ]
    current = [r for r in found if r.is_active]
    if len(current) == 1:
        return current[0]
    if len(current) > 1:
        raise _Refused(Refusal.AMBIGUOUS)
    if found:
        raise _Refused(Refusal.REMOVED, found[0].person_id)
    raise _Refused(Refusal.NOT_FOUND)


def _resolve(
    conn: Connection, lg_code: str, draft: RemoteCopyDraft
) -> tuple[list[ResidentRecord], ResidentRecord | None]:
    """The persons to print, in print order, and the 世帯主 when 続柄 was asked for."""
    requester = _match(conn, lg_code, draft.requester)
    ids = conn.execute(
        sa.select(resident.c.person_id).where(
            resident.c.lg_code == lg_code,
            resident.c.household_id == requester.household_id,
            resident.c.status == "active",
        )
    ).scalars()
    members = list(repo.load_records(conn, set(ids)).values())
    if draft.whole_household:
        subjects = members
    else:
        subjects = []
        for who in draft.named:
            found = _match(conn, lg_code, who)
            if found.household_id != requester.household_id:
                raise _Refused(Refusal.NOT_SAME_HOUSEHOLD, found.person_id)
            if found.person_id not in {s.person_id for s in subjects}:
                subjects.append(found)
    subjects = order_members(subjects) if len(subjects) > 1 else subjects
    head = None
    if "relationship" in draft.items:
        head = next((m for m in members if m.is_head), None)
    return subjects, head


def _gate(
    node: NodeContext,
    conn: Connection,
    persons: list[ResidentRecord],
    draft: RemoteCopyDraft,
    base: dict[str, Any],
) -> None:
    """The support-measure rule for every person printed; each check audited (U9).

    A person under a support measure obtains copies only in person at the 住所地
    (notifications.md §11.3), so a remote copy is refused whoever asks.  A household
    member the measure covers (issue 9) is refused when the requester is the measure's
    other party, recognised by the folded name (and the date of birth given).
    """
    today = node.today()
    refused: ResidentRecord | None = None
    asking = Requester(draft.requester_type, draft.requester.name, draft.requester.date_of_birth)
    covering = measures_covering(conn, node.lg_code, persons)
    for person in persons:
        found = restrictions_of(person, covering.get(person.person_id, []), today)
        own = any(m.person_id == person.person_id for m in found.measures)
        named = any(asking.is_named_in(p) for m in found.measures for p in m.other_parties)
        blocked = own or named
        node.registry.audit(
            conn,
            node.system,
            action="restriction.refused" if blocked else "restriction.granted",
            subject_person_id=person.person_id,
            detail=base
            | {
                "channel": "remote_copy",
                "requester_type": draft.requester_type.value,
                "outcome": "refused" if blocked else "granted",
                "restrictions": sorted(k.value for k in found.kinds),
            }
            | ({"code": "RES-002"} if named else {}),
        )
        if blocked and refused is None:
            refused = person
    if refused is not None:
        raise _Refused(Refusal.SUPPORT_MEASURE, refused.person_id)


def items_of(record: ResidentRecord, items: set[str]) -> dict[str, Any]:
    """Only what the copy prints (法12条の4): never 本籍・筆頭者, 個人番号, 9–12号, 14号."""
    data: dict[str, Any] = record.model_dump(mode="json", include=SENT_ALWAYS)
    if "previous_address" in items and record.previous_address is not None:
        data["previous_address"] = record.previous_address.model_dump(mode="json")
    if "relationship" in items:
        data["relationship"] = record.relationship
    if "resident_code" in items:
        data["resident_code"] = record.resident_code
    if record.foreign is not None:
        # Being a foreign resident decides how the copy is printed (西暦, the labels);
        # the 30条の45 items themselves only when asked for.
        data["foreign"] = (
            record.foreign.model_dump(mode="json")
            if "foreign_items" in items
            else {"nationality": ""}
        )
    return data | {"their_person_id": record.person_id}

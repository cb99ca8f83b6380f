"""広域交付 (住基法12条の4): a 住民票の写し of one municipality's resident, issued at another's.

The person (or a member of the same household) asks at municipality B's counter for
the copy of a record municipality A holds.  Sources: ``shared/docs/facts/
certificates.md`` §1.6, ``standards.md`` §3, ``notifications.md`` §11, ``users.md`` U9.

1. **B, the counter** — :func:`request_remote_copy`: only 本人 or 同一世帯 may ask
   (NOD-018); 本籍・筆頭者 are never printed on a 広域交付 copy, 個人番号 is not sent
   over the network and the 異動履歴 is not offered (NOD-019); only the two layouts of
   the 住民票の写し (NOD-027); not for B's own residents (NOD-020).  B checked the
   requester's identity document; the request is stored *pending* (NOD-021) and
   ``municipality.<A>.remote_copy_request`` goes out in the same transaction, audited.
2. **A** — :func:`jichi.network.flows.remote_copy_answer.on_remote_copy_request`, in the
   inbox transaction: finds the
   requester and each person named (name as written and date of birth, and the 住民票
   コード when given), checks they are current residents of one household, and passes
   each person printed through the support-measure rule: a person under a DV等支援措置
   obtains copies only in person at the 住所地, so a remote copy is **refused** whoever
   asks (U9: a refusal, not a warning, and no override over the network).  A removed
   record (除票) is refused too: the 除票の写し is not offered remotely here.  A audits
   every check and every person provided or refused, and answers
   ``municipality.<B>.remote_copy_data`` with **only** the items the copy prints — never
   本籍・筆頭者, 個人番号, 選挙・国保・年金 and the other 9–12号・14号 items, and 世帯主・
   続柄 or 住民票コード only when asked for — or with a refusal and its typed reason.
3. **B** — :func:`on_remote_copy_data`: a refusal settles the request (NOD-017 with A's
   reason); the items are kept (status ``ready``) only if they name exactly the persons
   asked for, else the request fails (NOD-023) and nothing is ever printed.  A second
   delivery of the answer changes nothing.
4. **B, the counter** — :func:`jichi.network.flows.remote_copy_issue.issue_remote_copy`
   renders, numbers, charges and audits the copy (its own module).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.kernel.inputs import no_individual_number
from jichi.network.flows import errors as e
from jichi.network.flows.dispatch import NodeContext, handles
from jichi.network.flows.tables import remote_copy
from jichi.network.flows.tasks import TaskKind, open_task
from jichi.network.messages import Envelope
from jichi.places.catalog import default_catalog
from jichi.registry import errors as re
from jichi.registry import repository as repo
from jichi.registry.certificates import (
    CertificateKind,
)
from jichi.registry.certificates import errors as ce
from jichi.registry.model import ResidentRecord
from jichi.registry.restrictions import RequesterType
from jichi.registry.state import OutboxMessage
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction

KINDS = (CertificateKind.RECORD_COPY_HOUSEHOLD, CertificateKind.RECORD_COPY_PERSONAL)
ALLOWED_REQUESTERS = {RequesterType.SELF, RequesterType.SAME_HOUSEHOLD}
REQUESTER_LABELS = {
    RequesterType.PROXY: ("代理人", "a proxy"),
    RequesterType.THIRD_PARTY: ("第三者", "a third party"),
    RequesterType.PROFESSIONAL: ("職務上請求", "a professional"),
}
# What the law or jichi never puts on a remote copy, and why (NOD-019).
NEVER = {
    "honseki": (
        "本籍・筆頭者",
        "honseki and family-register head",
        "住民基本台帳法12条の4により記載しません",
        "the Act (art. 12-4) leaves them out",
    ),
    "individual_number": (
        "個人番号",
        "individual number",
        "個人番号はネットワークで送りません。住所地で請求してください",
        "individual numbers never travel over the network; ask at the municipality of residence",
    ),
    "history": (
        "異動履歴",
        "history of changes",
        "広域交付では扱いません",
        "not offered on a remote copy",
    ),
}
ITEM_LABELS = {
    "relationship": ("世帯主・続柄", "head of household and relationship"),
    "resident_code": ("住民票コード", "resident code"),
    "previous_address": ("転入前住所", "previous address"),
    "foreign_items": ("外国人住民の記載事項", "foreign-resident items"),
}
SENT_ALWAYS = {
    "name",
    "former_surname",
    "alias",
    "date_of_birth",
    "sex",
    "address",
    "resident_since",
    "address_since",
    "moved_in_on",
}


class Status(StrEnum):
    PENDING = "pending"  # waiting for the 住所地's answer (NOD-021)
    READY = "ready"  # the items arrived: the copy can be issued
    ISSUED = "issued"  # printed (a retry gives the same certificate)
    REFUSED = "refused"  # the 住所地 refused, with its reason (NOD-017)
    FAILED = "failed"  # the answer did not match the request (NOD-023): nothing printed

    @property
    def label_ja(self) -> str:
        return {
            "pending": "住所地の返事待ち",
            "ready": "発行できます",
            "issued": "発行済み",
            "refused": "住所地が拒否",
            "failed": "不一致のため中止",
        }[self.value]


class Refusal(StrEnum):
    """Why the 住所地 refused: a typed reason, with its text in both languages."""

    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    REMOVED = "removed"
    NOT_SAME_HOUSEHOLD = "not_same_household"
    SUPPORT_MEASURE = "support_measure"
    NOT_ALLOWED = "not_allowed"
    BAD_REQUEST = "bad_request"

    @property
    def text(self) -> tuple[str, str]:
        return _REFUSALS[self]


_REFUSALS: dict[Refusal, tuple[str, str]] = {
    Refusal.NOT_FOUND: (
        "請求者または対象者に当たる住民票がありません",
        "no record matches the requester or a person named",
    ),
    Refusal.AMBIGUOUS: (
        "同じ氏名・生年月日の住民票が複数あります。住民票コードを添えて請求してください",
        "several records match; ask again with the resident code",
    ),
    Refusal.REMOVED: (
        "除票の方の写しは広域交付できません。住所地で請求してください",
        "the record is removed; a removed-record copy is not issued remotely",
    ),
    Refusal.NOT_SAME_HOUSEHOLD: (
        "対象者が請求者と同じ世帯ではありません",
        "a person named is not in the requester's household",
    ),
    Refusal.SUPPORT_MEASURE: (
        "支援措置の対象の方が含まれるため広域交付できません。住所地の窓口でご相談ください",
        "a person is under a support measure: copies only in person at the municipality of "
        "residence",
    ),
    Refusal.NOT_ALLOWED: (
        "本人・同一世帯以外の請求、または記載できない事項の請求です",
        "the requester or an item asked for is not allowed on a remote copy",
    ),
    Refusal.BAD_REQUEST: ("請求の内容を読み取れません", "the request could not be read"),
}

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(pattern=r"^(\d{11})?$")]


class Identity(BaseModel):
    """A person as the identity document (or the requester) states them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name  # 氏名 as written; spaces between family and given name do not matter
    date_of_birth: date
    resident_code: Code = ""

    def key(self) -> str:
        return name_key(self.name)

    def matches(self, name: str, date_of_birth: date, code: str) -> bool:
        return (
            name_key(name) == self.key()
            and date_of_birth == self.date_of_birth
            and (not self.resident_code or code == self.resident_code)
        )


class RemoteCopyDraft(BaseModel):
    """What B's counter asks for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    holder_lg_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
    kind: CertificateKind = CertificateKind.RECORD_COPY_HOUSEHOLD
    requester_type: RequesterType = RequesterType.SELF
    requester: Identity
    id_document: Annotated[  # 本人確認書類
        str,
        StringConstraints(min_length=1, max_length=100),
        no_individual_number("id_document"),
    ]
    subjects: list[Identity] = Field(default_factory=list, max_length=20)  # none: the requester
    whole_household: bool = False
    items: list[str] = Field(default_factory=lambda: ["previous_address"], max_length=10)

    @property
    def named(self) -> list[Identity]:
        return self.subjects or [self.requester]


@dataclass(frozen=True)
class RemoteCopy:
    request_id: str
    holder_lg_code: str
    status: Status
    code: str
    refusal: str
    reason_ja: str
    reason_en: str
    certificate_serial: str | None
    draft: RemoteCopyDraft


def name_key(text: str) -> str:
    """The name without its spaces (half- or full-width); nothing else is folded."""
    return "".join(text.split())


# -- B: the counter takes the request ---------------------------------------------------------


def check_draft(draft: RemoteCopyDraft, lg_code: str, allowed: frozenset[str]) -> None:
    """The law's limits, checked by the issuing municipality ``lg_code`` before anything
    is written or sent, and again by the holder (typed errors)."""
    if draft.holder_lg_code == lg_code:
        raise JichiError(e.REMOTE_COPY_HERE, field="holder_lg_code", lg=lg_code)
    check_law(draft, allowed)


def check_law(draft: RemoteCopyDraft, allowed: frozenset[str]) -> None:
    if draft.requester_type not in ALLOWED_REQUESTERS:
        who, who_en = REQUESTER_LABELS[draft.requester_type]
        raise JichiError(
            e.REMOTE_COPY_REQUESTER, field="requester_type", requester=who, requester_en=who_en
        )
    if draft.kind not in KINDS:
        raise JichiError(
            e.REMOTE_COPY_KIND, field="kind", kind=draft.kind.value, kind_ja=draft.kind.label_ja
        )
    if draft.kind.personal and (draft.whole_household or len(draft.named) != 1):
        raise JichiError(
            ce.ONE_PERSON_ONLY,
            field="subjects",
            kind=draft.kind.value,
            kind_ja=draft.kind.label_ja,
        )
    for item in draft.items:
        if item in NEVER:
            label, label_en, why, why_en = NEVER[item]
        elif item not in allowed or item not in ITEM_LABELS:
            label, label_en = ITEM_LABELS.get(item, (item, item))
            why, why_en = (
                "この市区町村の設定で広域交付に含めない事項です",
                "not allowed by settings",
            )
        else:
            continue
        raise JichiError(
            e.REMOTE_COPY_ITEM,
            field=f"items.{item}",
            item=label,
            item_en=label_en,
            why=why,
            why_en=why_en,
        )


def request_remote_copy(node: NodeContext, draft: RemoteCopyDraft, clerk: Actor) -> RemoteCopy:
    """Take the request at B's counter: pending (NOD-021) and sent to A, one transaction."""
    if clerk.lg_code != node.lg_code:
        raise JichiError(re.WRONG_TENANT, field="actor", lg_code=node.lg_code)
    check_draft(draft, node.lg_code, node.settings.remote_copy_items)
    default_catalog().get(draft.holder_lg_code)  # an unknown municipality fails here
    request_id = str(uuid.uuid4())
    waiting = JichiError(e.WAITING_FOR_REMOTE_COPY_DATA, holder=draft.holder_lg_code)
    now = node.clock()
    with write_transaction(node.engine) as conn:
        conn.execute(
            remote_copy.insert().values(
                request_id=request_id,
                lg_code=node.lg_code,
                holder_lg_code=draft.holder_lg_code,
                draft=draft.model_dump(mode="json"),
                status=Status.PENDING.value,
                code=waiting.code,
                refusal="",
                reason_ja=waiting.message_ja,
                reason_en=waiting.message_en,
                data=None,
                requested_by=clerk.staff_id,
                requested_at=now,
                updated_at=now,
            )
        )
        message = OutboxMessage(
            topic=f"municipality.{draft.holder_lg_code}.remote_copy_request",
            ordering_key=request_id,
            payload={
                "request_id": request_id,
                "lg_code": node.lg_code,
                "requested_by": clerk.staff_id,
                "draft": draft.model_dump(mode="json"),
            },
        )
        repo.insert_outbox(conn, node.lg_code, [message], now)
        node.registry.audit(
            conn,
            clerk,
            action="network.remote_copy.request",
            at=now,
            detail={
                "request_id": request_id,
                "holder": draft.holder_lg_code,
                "kind": draft.kind.value,
                "requester_type": draft.requester_type.value,
                "id_document": draft.id_document,
                "items": draft.items,
            },
        )
    return get_remote_copy(node, request_id)


# -- B: the answer arrives --------------------------------------------------------------------


@handles("remote_copy_data")
def on_remote_copy_data(node: NodeContext, conn: Connection, env: Envelope) -> None:
    p = env.payload
    request_id = str(p.get("request_id", ""))
    row = conn.execute(
        sa.select(remote_copy).where(
            remote_copy.c.request_id == request_id, remote_copy.c.lg_code == node.lg_code
        )
    ).first()
    if row is None or row.holder_lg_code != env.sender:
        open_task(
            conn,
            lg_code=node.lg_code,
            kind=TaskKind.NOT_APPLIED,
            subject_key=env.message_id,
            reason=JichiError(
                e.NOT_APPLIED,
                what="広域交付の返事",
                what_en="remote copy answer",
                code="-",
                detail="請求が見つかりません",
                detail_en="no such remote copy request",
            ),
            now=node.clock(),
            detail={"topic": env.topic, "sender": env.sender, "request_id": request_id},
        )
        return
    if row.status != Status.PENDING.value:
        return  # a second delivery of the answer: settled already
    draft = RemoteCopyDraft.model_validate(row.draft)
    if p.get("status") != "provided":
        try:
            reason = Refusal(str(p.get("reason", "")))
        except ValueError:
            reason = Refusal.BAD_REQUEST
        why = str(p.get("why") or reason.text[0])
        why_en = str(p.get("why_en") or reason.text[1])
        error = JichiError(e.REMOTE_ISSUANCE_REFUSED, from_lg=env.sender, why=why, why_en=why_en)
        _settle(
            node,
            conn,
            request_id,
            Status.REFUSED,
            error,
            reason.value,
            {"why": why, "why_en": why_en},
        )
        return
    try:
        records = answer_records(p, request_id, env.sender)
        mismatch = _mismatch(draft, p, records)
    except (ValidationError, KeyError, TypeError, ValueError):
        mismatch = ("返事の形式が正しくありません", "the answer is malformed")
    if mismatch is not None:
        detail, detail_en = mismatch
        error = JichiError(
            e.REMOTE_COPY_MISMATCH, holder=env.sender, detail=detail, detail_en=detail_en
        )
        _settle(
            node,
            conn,
            request_id,
            Status.FAILED,
            error,
            "",
            {"detail": detail, "detail_en": detail_en},
        )
        return
    data = {k: p.get(k) for k in ("kind", "whole_household", "items", "head_name", "persons")}
    _settle(node, conn, request_id, Status.READY, None, "", data)


def answer_records(p: dict[str, Any], request_id: str, holder: str) -> list[ResidentRecord]:
    persons = p["persons"]
    if not isinstance(persons, list) or not persons:
        raise ValueError("no persons")
    household = f"remote:{request_id}"
    records = []
    for data in persons:
        fields = {k: v for k, v in data.items() if k != "their_person_id"}
        records.append(
            ResidentRecord.model_validate(
                {
                    "relationship": "",
                    **fields,
                    "person_id": str(data["their_person_id"]),
                    "lg_code": holder,
                    "household_id": household,
                }
            )
        )
    return records


def _mismatch(
    draft: RemoteCopyDraft, p: dict[str, Any], records: list[ResidentRecord]
) -> tuple[str, str] | None:
    """The answer must name exactly the persons asked for: nobody else is printed."""
    if p.get("kind") != draft.kind.value or bool(p.get("whole_household")) != draft.whole_household:
        return "証明書の種類が請求と違います", "the kind differs from the request"
    if set(p.get("items") or []) != set(draft.items):
        return "記載事項が請求と違います", "the items differ from the request"
    if set(p.get("items") or []) & set(NEVER) or any(
        r.honseki or r.family_register_head or r.has_individual_number for r in records
    ):
        return "記載できない事項が含まれています", "items a remote copy never carries were sent"
    if len({r.person_id for r in records}) != len(records):
        return "同じ方が重複しています", "a person appears twice"
    wanted = draft.named if not draft.whole_household else [draft.requester]

    def hit(who: Identity) -> int:
        return sum(who.matches(r.name.text(), r.date_of_birth, r.resident_code) for r in records)

    for who in wanted:
        if hit(who) != 1:
            return f"{who.name}さんが含まれていません", "a person asked for is missing"
    if not draft.whole_household and len(records) != len(wanted):
        return "請求していない方が含まれています", "persons not asked for were sent"
    return None


def _settle(
    node: NodeContext,
    conn: Connection,
    request_id: str,
    status: Status,
    reason: JichiError | None,
    refusal: str,
    data: dict[str, Any],
) -> None:
    now = node.clock()
    conn.execute(
        remote_copy.update()
        .where(remote_copy.c.request_id == request_id, remote_copy.c.lg_code == node.lg_code)
        .values(
            status=status.value,
            code=reason.code if reason else "",
            refusal=refusal,
            reason_ja=reason.message_ja if reason else "",
            reason_en=reason.message_en if reason else "",
            data=data,
            updated_at=now,
        )
    )
    node.registry.audit(
        conn,
        node.system,
        action="network.remote_copy.answer",
        at=now,
        detail={"request_id": request_id, "status": status.value, "refusal": refusal},
    )


# -- reading --------------------------------------------------------------------------------


def get_remote_copy(node: NodeContext, request_id: str) -> RemoteCopy:
    with node.engine.connect() as conn:
        row = conn.execute(
            sa.select(remote_copy).where(
                remote_copy.c.request_id == request_id, remote_copy.c.lg_code == node.lg_code
            )
        ).first()
    if row is None:
        raise JichiError(e.REMOTE_COPY_NOT_FOUND, field="request_id", request_id=request_id)
    return _remote_copy(row)


def list_remote_copies(
    conn: Connection, lg_code: str, statuses: tuple[Status, ...] = ()
) -> list[RemoteCopy]:
    query = sa.select(remote_copy).where(remote_copy.c.lg_code == lg_code)
    if statuses:
        query = query.where(remote_copy.c.status.in_([s.value for s in statuses]))
    rows = conn.execute(query.order_by(remote_copy.c.requested_at)).all()
    return [_remote_copy(r) for r in rows]


def _remote_copy(row: Any) -> RemoteCopy:
    return RemoteCopy(
        request_id=row.request_id,
        holder_lg_code=row.holder_lg_code,
        status=Status(row.status),
        code=row.code,
        refusal=row.refusal,
        reason_ja=row.reason_ja,
        reason_en=row.reason_en,
        certificate_serial=row.certificate_serial,
        draft=RemoteCopyDraft.model_validate(row.draft),
    )

"""突合 (reconciliation): does the network agree with itself?

Given the center's database and every node's, check that

* every living person — by 住民票コード, or by person id for someone without one — is
  current (``active``) in **exactly one** municipality's registry: nobody is doubled,
  nobody is lost;
* a municipality where a person is still active is not older than a stay recorded
  elsewhere (a stale record: a 転出 that was never filed, unless a task says so);
* every planned 転出 inside the network is confirmed (転出確定), or cleanly pending with
  a reason: a pending card move-in, an open node task, or a move-in still inside its
  window (the resident has not come to the new counter yet);
* the center's identity info (本人確認情報) agrees with the municipality that holds the
  person: the holder, the status, and the basic four (氏名・生年月日・性別・住所).

The work is split in two: :func:`load_node` / :func:`load_center` read what is needed
(read-only, no audit: the check reads no person's record for a purpose, and it reports
identifiers and item names only, never a name or an address), and :func:`reconcile`, a
pure function of those rows, returns the :class:`Report` — typed, listable findings,
what is pending and why, and figures.

Messages still in an outbox (not sent yet) explain a difference as *in flight*, not as
a mismatch.  Messages sent but not yet applied cannot be seen from the databases, so
run the check when the network is quiet (``jichi network demo`` waits for that).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.network.center.tables import center_identity
from jichi.network.flows.residence_check import months_later
from jichi.network.flows.tables import node_task, pending_move_in
from jichi.network.tables import inbox
from jichi.registry.model import RemovalReason, ResidentRecord
from jichi.registry.tables import outbox, resident

IDENTITY_TOPIC = "center.identity"


# -- what the check reads --------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    """The parts of one 住民票 (current or 除票) the check compares."""

    lg_code: str
    person_id: str
    resident_code: str
    active: bool
    removal_reason: str | None
    resident_since: date
    removed_on: date | None
    planned_move_out: date | None
    destination_lg_code: str
    destination_abroad: bool
    confirmed: bool
    name: str
    date_of_birth: date
    sex: str
    address: str

    @classmethod
    def of(cls, record: ResidentRecord) -> PersonRow:
        dest = record.move_out_destination
        return cls(
            lg_code=record.lg_code,
            person_id=record.person_id,
            resident_code=record.resident_code,
            active=record.is_active,
            removal_reason=record.removal_reason.value if record.removal_reason else None,
            resident_since=record.resident_since,
            removed_on=record.removed_on,
            planned_move_out=record.planned_move_out,
            destination_lg_code=dest.lg_code if dest else "",
            destination_abroad=bool(dest and dest.abroad),
            confirmed=record.move_out_confirmed,
            name=record.name.text(),
            date_of_birth=record.date_of_birth,
            sex=record.sex.value,
            address=record.address.text(),
        )

    @property
    def key(self) -> str:
        """Who this is across the network: the code, else the node's own person id."""
        return self.resident_code or f"{self.lg_code}:{self.person_id}"

    @property
    def stay(self) -> tuple[date, bool, date]:
        """Orders a person's records as the center's holding does: the latest stay."""
        return (self.resident_since, self.active, self.removed_on or date.max)


@dataclass(frozen=True)
class PendingMoveInRow:
    request_id: str
    lg_code: str
    from_lg_code: str
    resident_code: str
    status: str
    code: str
    reason_ja: str
    reason_en: str


@dataclass(frozen=True)
class TaskRow:
    lg_code: str
    kind: str
    person_id: str | None
    code: str
    reason_ja: str
    reason_en: str


@dataclass(frozen=True)
class NodeState:
    """One municipality's database, as far as the check needs it."""

    lg_code: str
    persons: tuple[PersonRow, ...]
    pending_move_ins: tuple[PendingMoveInRow, ...] = ()
    open_tasks: tuple[TaskRow, ...] = ()
    unsent: tuple[tuple[str, str], ...] = ()  # (topic, ordering key) of unsent outbox rows
    parked: int = 0  # inbox messages waiting for their predecessor


@dataclass(frozen=True)
class CenterRow:
    resident_code: str
    lg_code: str
    person_id: str
    status: str
    name: str
    date_of_birth: date
    sex: str
    address: str


def load_node(engine: Engine, lg_code: str) -> NodeState:
    with engine.connect() as conn:
        return read_node(conn, lg_code)


def read_node(conn: Connection, lg_code: str) -> NodeState:
    rows = conn.execute(sa.select(resident.c.record).where(resident.c.lg_code == lg_code))
    persons = tuple(PersonRow.of(ResidentRecord.model_validate(r.record)) for r in rows)
    p = pending_move_in.c
    moves = conn.execute(
        sa.select(
            p.request_id,
            p.from_lg_code,
            p.resident_code,
            p.status,
            p.code,
            p.reason_ja,
            p.reason_en,
        ).where(p.lg_code == lg_code, p.status != "registered")
    ).all()
    t = node_task.c
    tasks = conn.execute(
        sa.select(t.kind, t.person_id, t.code, t.reason_ja, t.reason_en).where(
            t.lg_code == lg_code, t.closed_at.is_(None)
        )
    ).all()
    unsent = conn.execute(
        sa.select(outbox.c.topic, outbox.c.ordering_key).where(outbox.c.sent_at.is_(None))
    ).all()
    parked = conn.execute(
        sa.select(sa.func.count()).select_from(inbox).where(inbox.c.applied_at.is_(None))
    ).scalar_one()
    return NodeState(
        lg_code=lg_code,
        persons=persons,
        pending_move_ins=tuple(
            PendingMoveInRow(
                m.request_id,
                lg_code,
                m.from_lg_code,
                m.resident_code,
                m.status,
                m.code,
                m.reason_ja,
                m.reason_en,
            )
            for m in moves
        ),
        open_tasks=tuple(
            TaskRow(lg_code, r.kind, r.person_id, r.code, r.reason_ja, r.reason_en) for r in tasks
        ),
        unsent=tuple((r.topic, r.ordering_key) for r in unsent),
        parked=int(parked),
    )


def load_center(engine: Engine) -> tuple[CenterRow, ...]:
    c = center_identity.c
    query = sa.select(
        c.resident_code, c.lg_code, c.person_id, c.status, c.name, c.date_of_birth, c.sex, c.address
    )
    with engine.connect() as conn:
        return tuple(CenterRow(*row) for row in conn.execute(query))


# -- what the check reports ----------------------------------------------------------------


class FindingKind(StrEnum):
    DOUBLED = "doubled"  # active in two municipalities (or twice in one)
    STALE_ACTIVE = "stale_active"  # active where an older stay is, though they moved on
    LOST = "lost"  # living, active nowhere, and no reason why
    UNCONFIRMED_MOVE_OUT = "unconfirmed_move_out"  # moved in elsewhere, 転出 not confirmed
    CENTER_MISSING = "center_missing"  # a node has the code, the center does not
    CENTER_HOLDER = "center_holder"  # the center names another municipality
    CENTER_STATUS = "center_status"  # active / removed differ
    CENTER_ITEMS = "center_items"  # the basic four differ
    CENTER_UNKNOWN = "center_unknown"  # the center says a node holds someone it has not

    @property
    def label_ja(self) -> str:
        return _LABELS[self]


_LABELS = {
    FindingKind.DOUBLED: "二重に住民",
    FindingKind.STALE_ACTIVE: "古い住民票が有効のまま",
    FindingKind.LOST: "どこにも住民でない（理由なし）",
    FindingKind.UNCONFIRMED_MOVE_OUT: "転入済みなのに転出未確定",
    FindingKind.CENTER_MISSING: "センターに本人確認情報なし",
    FindingKind.CENTER_HOLDER: "センターの住所地が違う",
    FindingKind.CENTER_STATUS: "センターの状態が違う",
    FindingKind.CENTER_ITEMS: "センターの基本4情報が違う",
    FindingKind.CENTER_UNKNOWN: "センターにだけある住民",
}


@dataclass(frozen=True)
class Finding:
    """One mismatch.  ``subject`` is a resident code or ``lg_code:person_id``; no names."""

    kind: FindingKind
    subject: str
    lg_codes: tuple[str, ...]
    detail: str


class PendingKind(StrEnum):
    CARD_MOVE_IN = "card_move_in"  # pending_move_in not registered (its own reason)
    TASK = "task"  # an open node task about the person
    AWAITING_MOVE_IN = "awaiting_move_in"  # moved out, the 転入 not filed yet (in window)
    IN_FLIGHT = "in_flight"  # an unsent outbox message explains a difference


@dataclass(frozen=True)
class Pending:
    kind: PendingKind
    subject: str
    lg_code: str
    code: str
    reason_ja: str
    reason_en: str


@dataclass
class NodeFigures:
    active: int = 0
    removed: int = 0
    unsent: int = 0
    parked: int = 0
    open_tasks: int = 0
    pending_move_ins: int = 0


@dataclass
class Figures:
    persons: int = 0  # distinct people the nodes know
    living: int = 0  # active somewhere, or on their way between two municipalities
    abroad: int = 0
    deceased: int = 0
    removed_ex_officio: int = 0
    left_network: int = 0  # moved out to a municipality outside the check
    moves_complete: int = 0  # person-moves out of a node, 転出確定
    moves_pending: int = 0  # person-moves out of a node, not confirmed (with a reason)
    center_rows: int = 0
    center_checked: int = 0
    nodes: dict[str, NodeFigures] = field(default_factory=dict)


@dataclass
class Report:
    figures: Figures
    findings: list[Finding]
    pending: list[Pending]
    center_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.findings

    def counts(self) -> Counter[str]:
        return Counter(f.kind.value for f in self.findings)


# -- the check (pure) ------------------------------------------------------------------------


def reconcile(
    nodes: Sequence[NodeState],
    center: Sequence[CenterRow] | None,
    *,
    today: date,
    residence_check_months: int = 6,
) -> Report:
    """Compare the nodes with each other and with the center (``None``: skip the center)."""
    figures = Figures()
    findings: list[Finding] = []
    pending: list[Pending] = []
    checked = {n.lg_code for n in nodes}
    by_key: dict[str, list[PersonRow]] = {}
    for node in nodes:
        figures.nodes[node.lg_code] = NodeFigures(
            active=sum(p.active for p in node.persons),
            removed=sum(not p.active for p in node.persons),
            unsent=len(node.unsent),
            parked=node.parked,
            open_tasks=len(node.open_tasks),
            pending_move_ins=len(node.pending_move_ins),
        )
        for person in node.persons:
            by_key.setdefault(person.key, []).append(person)
    tasks = _tasks_by_person(nodes)
    moves_in = _pending_by_code(nodes)
    unsent = {(n.lg_code, topic, key) for n in nodes for topic, key in n.unsent}
    for move in moves_in.values():
        pending.append(
            Pending(
                PendingKind.CARD_MOVE_IN,
                move.resident_code,
                move.lg_code,
                move.code,
                move.reason_ja,
                move.reason_en,
            )
        )
    for task_rows in tasks.values():
        for task in task_rows:
            pending.append(
                Pending(
                    PendingKind.TASK,
                    f"{task.lg_code}:{task.person_id}",
                    task.lg_code,
                    task.code,
                    task.reason_ja,
                    task.reason_en,
                )
            )

    holders: dict[str, PersonRow] = {}
    figures.persons = len(by_key)
    for key, rows in sorted(by_key.items()):
        active = [r for r in rows if r.active]
        latest = max(rows, key=lambda r: r.stay)
        if len(active) > 1:
            findings.append(
                Finding(
                    FindingKind.DOUBLED,
                    key,
                    tuple(sorted(r.lg_code for r in active)),
                    f"active in {len(active)} records",
                )
            )
            figures.living += 1
        elif active:
            holders[key] = active[0]
            figures.living += 1
            newest = max(rows, key=lambda r: r.resident_since)
            if newest.resident_since > active[0].resident_since and not tasks.get(
                (active[0].lg_code, active[0].person_id)
            ):
                findings.append(
                    Finding(
                        FindingKind.STALE_ACTIVE,
                        key,
                        (active[0].lg_code, newest.lg_code),
                        f"active since {active[0].resident_since}, "
                        f"a later stay began {newest.resident_since}",
                    )
                )
        else:
            holders[key] = latest
            _removed(
                latest,
                checked,
                figures,
                findings,
                pending,
                tasks=tasks,
                moves_in=moves_in,
                today=today,
                residence_check_months=residence_check_months,
            )
        for row in rows:
            if row.removal_reason != RemovalReason.MOVE_OUT.value:
                continue
            if row.destination_lg_code and row.destination_lg_code not in checked:
                continue
            if row.confirmed:
                figures.moves_complete += 1
                continue
            figures.moves_pending += 1
            later = [a for a in active if a.resident_since >= row.resident_since]
            if not later:
                continue  # still on the way: judged with the person above
            after = [r for r in rows if r.resident_since > row.resident_since]
            reason = _why_unconfirmed(row, [*later, *after], tasks, unsent)
            if reason is not None:
                pending.append(reason)
            else:
                findings.append(
                    Finding(
                        FindingKind.UNCONFIRMED_MOVE_OUT,
                        key,
                        (row.lg_code, later[0].lg_code),
                        f"moved in at {later[0].lg_code}, the move-out at {row.lg_code} "
                        "is not confirmed and no task says why",
                    )
                )

    if center is not None:
        _check_center(center, holders, checked, by_key, unsent, figures, findings, pending)
    return Report(figures, findings, pending, center_checked=center is not None)


def _tasks_by_person(nodes: Iterable[NodeState]) -> dict[tuple[str, str], list[TaskRow]]:
    out: dict[tuple[str, str], list[TaskRow]] = {}
    for node in nodes:
        for task in node.open_tasks:
            if task.person_id:
                out.setdefault((task.lg_code, task.person_id), []).append(task)
    return out


def _pending_by_code(nodes: Iterable[NodeState]) -> dict[str, PendingMoveInRow]:
    out: dict[str, PendingMoveInRow] = {}
    for node in nodes:
        for move in node.pending_move_ins:
            out[move.resident_code] = move
    return out


def _removed(
    latest: PersonRow,
    checked: set[str],
    figures: Figures,
    findings: list[Finding],
    pending: list[Pending],
    *,
    tasks: Mapping[tuple[str, str], list[TaskRow]],
    moves_in: Mapping[str, PendingMoveInRow],
    today: date,
    residence_check_months: int,
) -> None:
    """A person active nowhere: dead, abroad, removed, or on the way — else lost."""
    reason = latest.removal_reason
    if reason == RemovalReason.DEATH.value:
        figures.deceased += 1
        return
    if reason == RemovalReason.MOVE_ABROAD.value or latest.destination_abroad:
        figures.abroad += 1
        return
    if reason == RemovalReason.EX_OFFICIO.value:
        figures.removed_ex_officio += 1
        return
    if latest.destination_lg_code and latest.destination_lg_code not in checked:
        figures.left_network += 1
        return
    figures.living += 1
    key = latest.key
    if latest.confirmed:
        findings.append(
            Finding(
                FindingKind.LOST,
                key,
                (latest.lg_code, latest.destination_lg_code),
                f"move-out confirmed toward {latest.destination_lg_code}, "
                "but no municipality has the person",
            )
        )
        return
    if latest.resident_code and latest.resident_code in moves_in:
        return  # the pending card move-in is listed with its reason
    if tasks.get((latest.lg_code, latest.person_id)):
        return  # the open task is listed with its reason
    planned = latest.planned_move_out or latest.removed_on or today
    if today <= months_later(planned, residence_check_months):
        pending.append(
            Pending(
                PendingKind.AWAITING_MOVE_IN,
                key,
                latest.lg_code,
                "-",
                f"転出予定日 {planned} から転入の届出待ち（{latest.destination_lg_code}）",
                f"moved out on {planned}; the move-in at {latest.destination_lg_code} "
                "is not filed yet",
            )
        )
        return
    findings.append(
        Finding(
            FindingKind.LOST,
            key,
            (latest.lg_code,),
            f"moved out on {planned}, never moved in, and no residence-check task",
        )
    )


def _why_unconfirmed(
    row: PersonRow,
    later_stays: Sequence[PersonRow],
    tasks: Mapping[tuple[str, str], list[TaskRow]],
    unsent: set[tuple[str, str, str]],
) -> Pending | None:
    """A task, or a 転入通知 still in an outbox, that explains an unconfirmed move-out.

    The notice is sent by the municipality of the *next* stay, which is not always where
    the person lives now: someone who moves A → B → A while the transport is down is
    active at A again, and the notice confirming A's first move-out waits in B's outbox.
    So every later stay is a possible sender.
    """
    for task in tasks.get((row.lg_code, row.person_id), []):
        return Pending(
            PendingKind.TASK, row.key, row.lg_code, task.code, task.reason_ja, task.reason_en
        )
    topic = f"municipality.{row.lg_code}.move_in_notice"
    for stay in later_stays:
        if (stay.lg_code, topic, stay.resident_code or stay.person_id) in unsent:
            return Pending(
                PendingKind.IN_FLIGHT,
                row.key,
                stay.lg_code,
                "-",
                "転入通知が未送信",
                "the move-in notice is not sent yet",
            )
    return None


def _check_center(
    center: Sequence[CenterRow],
    holders: Mapping[str, PersonRow],
    checked: set[str],
    by_key: Mapping[str, list[PersonRow]],
    unsent: set[tuple[str, str, str]],
    figures: Figures,
    findings: list[Finding],
    pending: list[Pending],
) -> None:
    rows = {row.resident_code: row for row in center}
    figures.center_rows = len(rows)

    def in_flight(holder: PersonRow) -> bool:
        return any(
            (r.lg_code, IDENTITY_TOPIC, holder.resident_code) in unsent
            for r in by_key.get(holder.resident_code, [])
        )

    for key, holder in sorted(holders.items()):
        if not holder.resident_code:
            continue  # the center files nobody without a code
        figures.center_checked += 1
        got = rows.get(key)
        problems: list[tuple[FindingKind, tuple[str, ...], str]] = []
        if got is None:
            problems.append(
                (FindingKind.CENTER_MISSING, (holder.lg_code,), "no identity info at the center")
            )
        elif got.lg_code != holder.lg_code:
            problems.append(
                (
                    FindingKind.CENTER_HOLDER,
                    (holder.lg_code, got.lg_code),
                    f"held by {holder.lg_code}, the center says {got.lg_code}",
                )
            )
        else:
            status = "active" if holder.active else "removed"
            if got.status != status:
                problems.append(
                    (
                        FindingKind.CENTER_STATUS,
                        (holder.lg_code,),
                        f"{status} at {holder.lg_code}, {got.status} at the center",
                    )
                )
            items = [
                name
                for name, mine, theirs in (
                    ("name", holder.name, got.name),
                    ("date_of_birth", holder.date_of_birth, got.date_of_birth),
                    ("sex", holder.sex, got.sex),
                    ("address", holder.address, got.address),
                )
                if mine != theirs
            ]
            if items:
                problems.append(
                    (FindingKind.CENTER_ITEMS, (holder.lg_code,), "differ: " + ", ".join(items))
                )
        if not problems:
            continue
        if in_flight(holder):
            pending.append(
                Pending(
                    PendingKind.IN_FLIGHT,
                    key,
                    holder.lg_code,
                    "-",
                    "本人確認情報の更新が未送信",
                    "an identity update is not sent yet",
                )
            )
            continue
        findings.extend(Finding(kind, key, lgs, detail) for kind, lgs, detail in problems)

    for code, row in sorted(rows.items()):
        if row.lg_code in checked and code not in holders and code not in by_key:
            findings.append(
                Finding(
                    FindingKind.CENTER_UNKNOWN,
                    code,
                    (row.lg_code,),
                    f"the center says {row.lg_code} holds the person ({row.status}); "
                    f"{row.lg_code} has no record",
                )
            )

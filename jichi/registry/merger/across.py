"""A merger across node databases: copy, merge, verify, retire — committed all or nothing.

When a party's registry lives on another node (its own database, jichi/network/node.py),
:func:`merge_across` opens one transaction on the target (the successor's database) and
one on each source, and in them:

1. reads the party's rows on its source (refusing unsent messages or a retired code; on
   PostgreSQL the party's records are locked until the end);
2. copies them into the target (:mod:`jichi.registry.merger.transfer`);
3. runs the single-database merger's own checks and writes on the target
   (:func:`load_plan`, :func:`write_plan`: every 職権 event, the addresses, households,
   support measures, staff, the places data, the 本人確認情報 for the center, the audit);
4. verifies every person, source against target (count + per-person digest of the
   history and of the current record the merger makes of it) — MRG-015 otherwise;
5. retires each source: its code is recorded as merged on the date in the source's places
   data (so the old node answers PLC-010 and refuses a second merger), its staff accounts
   are closed and their tokens revoked (nobody can write there any more), and one audit
   entry there says where the records went;
6. commits the target, then each source.

Any failure before step 6 rolls every database back: both old registries stay as they
were.  The dry run is the same transactions, rolled back, with the report.  Between the
target's commit and a source's (a crash in that instant) the merger is done and the source
is not yet closed; a second run then refuses the copy (MRG-014) — the operator closes the
source by hand (docs/guide/places.md).  ``checkpoint`` is called after each record is
written and ``stage`` after each step with the target's connection; the tests use them to
kill the merger halfway and to tamper with a copy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction

from jichi.kernel.clock import Clock, jst_date, system_clock
from jichi.kernel.errors import Collector, JichiError
from jichi.places.change_store import load_changes, record_change
from jichi.places.changes import LocalChange
from jichi.registry.merger import errors as e
from jichi.registry.merger.execute import MergerReport, load_plan, write_plan
from jichi.registry.merger.plan import MergerPlan
from jichi.registry.merger.transfer import PartyRows, Verification, copy_party, read_party, verify
from jichi.security import audit
from jichi.security.actor import Actor, Role
from jichi.security.crypto import FieldCipher
from jichi.security.staff import api_token, require_role, staff

RETIRED = "registry.municipal_merger.retired"
STAGES = ("read", "copied", "written", "verified", "retired")


@dataclass
class AcrossReport:
    """The single-database report, what was copied from each node, and the verification."""

    merger: MergerReport
    copied: dict[str, dict[str, int]] = field(default_factory=dict)  # code → table → rows
    verification: Verification | None = None
    retired: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.merger.as_dict(),
            "copied": self.copied,
            "verified": self.verification.persons if self.verification else {},
            "digests": self.verification.digest if self.verification else {},
            "retired": self.retired,
        }


@contextmanager
def _open(engine: Engine) -> Iterator[tuple[Connection, RootTransaction]]:
    """A writing transaction the caller commits; anything else rolls it back."""
    with engine.connect() as conn:
        conn.info["begin_immediate"] = True
        transaction = conn.begin()
        try:
            yield conn, transaction
        finally:
            if transaction.is_active:
                transaction.rollback()
            conn.info.pop("begin_immediate", None)


def merge_across(
    target: Engine,
    sources: Mapping[str, Engine],
    plan: MergerPlan,
    actor: Actor,
    cipher: FieldCipher,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    checkpoint: Callable[[int], None] | None = None,
    stage: Callable[[str, Connection], None] | None = None,
    source_ciphers: Mapping[str, FieldCipher] | None = None,
) -> AcrossReport:
    """Carry out ``plan`` with the registries of ``sources`` (party code → its node's
    engine) moved into ``target``; a :class:`JichiError` means no database changed.

    ``cipher`` is the target's; ``source_ciphers`` (party code → its node's cipher) when a
    source node has keys of its own: its 個人番号 are re-sealed under the target's keys and
    its closing audit entry is chained with its own key.
    """
    keys = dict(source_ciphers or {})
    require_role(actor, "places.merge", Role.SUPERVISOR, Role.ADMIN)
    same = {code for code, engine in sources.items() if engine.url == target.url}
    strangers = sorted((set(sources) - set(plan.moving)) | same)
    if strangers:
        raise JichiError(e.NOT_A_MOVING_PARTY, field="sources", code="・".join(strangers))
    now = (clock or system_clock())()
    today = jst_date(now)
    change_id = str(uuid.uuid4())
    nodes: dict[int, tuple[Engine, list[str]]] = {}
    for code, engine in sorted(sources.items()):
        nodes.setdefault(id(engine), (engine, []))[1].append(code)
    with ExitStack() as stack:
        here, here_tx = stack.enter_context(_open(target))
        opened = [(stack.enter_context(_open(engine)), codes) for engine, codes in nodes.values()]
        parties = _read(opened)
        _step(stage, "read", here)
        report = AcrossReport(MergerReport(change_id, "", plan.effective_date, "", "", []))
        for party in parties:
            copy_party(here, party, keys.get(party.lg_code, cipher), cipher)
            report.copied[party.lg_code] = party.counts()
        _step(stage, "copied", here)
        loaded = load_plan(here, plan, actor, today, change_id)
        report.merger = loaded.report
        write_plan(here, plan, actor, cipher, now, loaded, checkpoint)
        _step(stage, "written", here)
        report.verification = verify(here, parties, change_id, today)
        _step(stage, "verified", here)
        change = LocalChange(
            change_id, plan.kind, plan.effective_date, plan.successor, plan.parties
        )
        for (conn, _tx), codes in opened:
            _retire(conn, change, codes, report, actor, keys.get(codes[0], cipher), now)
        _step(stage, "retired", here)
        report.merger.executed = not dry_run
        if dry_run:
            return report  # leaving the block rolls every transaction back
        here_tx.commit()
        for (_conn, tx), codes in opened:
            tx.commit()
            report.retired.extend(codes)
        return report


def _read(opened: list[tuple[tuple[Connection, RootTransaction], list[str]]]) -> list[PartyRows]:
    """Every source party's rows; every source's refusal at once."""
    collector = Collector()
    parties: list[PartyRows] = []
    for (conn, _tx), codes in opened:
        for code in codes:
            try:
                parties.append(read_party(conn, code))
            except JichiError as error:
                collector.add(error)
    collector.raise_if_any()
    return parties


def _step(stage: Callable[[str, Connection], None] | None, name: str, conn: Connection) -> None:
    if stage is not None:
        stage(name, conn)


def _retire(
    conn: Connection,
    change: LocalChange,
    codes: list[str],
    report: AcrossReport,
    actor: Actor,
    cipher: FieldCipher,
    now: datetime,
) -> None:
    """Close the source node's parties (the caller's source transaction): the merger in
    its places data, its staff closed and their tokens revoked, one audit entry each."""
    summary = report.merger.as_dict()
    record_change(
        conn, change, at=now, by=actor.staff_id, summary=summary, earlier=load_changes(conn)
    )
    closing = staff.c.lg_code.in_(codes)
    moving = [row.staff_id for row in conn.execute(staff.select().where(closing))]
    conn.execute(staff.update().where(closing).values(active=False))
    if moving:
        conn.execute(
            api_token.update()
            .where(api_token.c.staff_id.in_(moving), api_token.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    verified = report.verification
    audit.append_many(
        conn,
        [
            audit.AuditEntry(
                lg_code=code,
                at=now,
                actor=actor.staff_id,
                actor_role=actor.role,
                action=RETIRED,
                subject_person_id=None,
                purpose=None,
                detail={
                    "change_id": change.change_id,
                    "successor": change.successor.code,
                    "persons": verified.persons.get(code, 0) if verified else 0,
                    "digest": verified.digest.get(code, "") if verified else "",
                },
            )
            for code in codes
        ],
        cipher.audit_key,
    )

"""手数料: a municipality's fee per certificate kind, and the exemptions with their reason.

The amounts are set by each municipality's 手数料条例, not by national law, so jichi
ships none as fact: ``data/fees_example.json`` is an **example** table for the demo
(marked so on every page that shows it), and a municipality's own amounts are stored
in ``fee_schedule`` by its supervisor (the 手数料 page or ``jichi counter fees set``).
A kind with no stored amount uses the example.  Exemptions (免除) are recorded with
their reason; 「公用」 is the one the standard names (spec 5.7), the others depend on
the ordinance and 「その他」 must state its ground.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.kernel.errors import JichiError
from jichi.kernel.text import normalize_width
from jichi.registry.certificates.model import CertificateKind
from jichi.registry.counter_day import errors as e
from jichi.registry.counter_day.reception import check_allowed
from jichi.registry.counter_day.tables import fee_schedule
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.keys import AuditKey
from jichi.security.policy import require
from jichi.store.engine import write_transaction

MAX_FEE = 100_000
MAX_COPIES = 20

EXEMPTIONS: dict[str, str] = {
    "official_use": "公用（官公署の職務上の請求）",
    "public_assistance": "生活保護等の申請に用いるもの（条例による）",
    "pension": "年金・恩給等の請求に用いるもの（条例による）",
    "other": "その他（条例の根拠を記録）",
}
"""Exemption reasons (kind → label).  Which apply is each ordinance's choice."""


def example_fees() -> dict[CertificateKind, int]:
    """The demo's example amounts (not any municipality's real ones)."""
    data = json.loads(
        (files("jichi.registry.counter_day") / "data" / "fees_example.json").read_text()
    )
    return {CertificateKind(k): int(v) for k, v in data["fees"].items()}


@dataclass(frozen=True)
class FeeTable:
    """Yen per 通 by kind; ``example`` says which amounts are still the demo's."""

    fees: dict[CertificateKind, int]
    example: frozenset[CertificateKind]

    def fee(self, kind: CertificateKind) -> int:
        return self.fees[kind]


@dataclass(frozen=True)
class Quote:
    """What one line of a request costs: 通数 × the fee, or 0 with its exemption."""

    kind: CertificateKind
    copies: int
    unit_yen: int
    exemption: str
    exemption_note: str

    @property
    def total_yen(self) -> int:
        return 0 if self.exemption else self.unit_yen * self.copies


def check_exemption(exemption: str, note: str) -> None:
    if exemption and exemption not in EXEMPTIONS:
        raise JichiError(e.BAD_EXEMPTION, field="exemption")
    if exemption == "other" and not note.strip():
        raise JichiError(e.EXEMPTION_NOTE_REQUIRED, field="exemption_note")


def quote(
    table: FeeTable, kind: CertificateKind, copies: int, exemption: str = "", note: str = ""
) -> Quote:
    """The fee of ``copies`` 通 of ``kind`` (pure)."""
    if not 1 <= copies <= MAX_COPIES:
        raise JichiError(e.BAD_COPIES, field="copies")
    check_exemption(exemption, note)
    return Quote(kind, copies, table.fee(kind), exemption, note.strip())


def fee_table(conn: Connection, lg_code: str) -> FeeTable:
    """The municipality's table: its stored amounts over the example ones."""
    fees = example_fees()
    stored = conn.execute(
        sa.select(fee_schedule.c.kind, fee_schedule.c.fee_yen).where(
            fee_schedule.c.lg_code == lg_code
        )
    ).all()
    own = set()
    for row in stored:
        try:
            kind = CertificateKind(row.kind)
        except ValueError:
            continue
        fees[kind] = int(row.fee_yen)
        own.add(kind)
    return FeeTable(fees, frozenset(k for k in fees if k not in own))


def set_fee(
    engine: Engine,
    lg_code: str,
    kind: CertificateKind,
    fee_yen: int,
    actor: Actor,
    at: datetime,
    key: AuditKey,
) -> None:
    """Store the municipality's own amount for ``kind`` (supervisor; audited)."""
    require(actor, "fee.set")
    check_allowed(actor, lg_code)
    if not 0 <= fee_yen <= MAX_FEE:
        raise _bad_fee(kind)
    with write_transaction(engine) as conn:
        where = (fee_schedule.c.lg_code == lg_code) & (fee_schedule.c.kind == kind.value)
        before = conn.execute(sa.select(fee_schedule.c.fee_yen).where(where)).scalar()
        if before is None:
            conn.execute(
                fee_schedule.insert().values(
                    lg_code=lg_code,
                    kind=kind.value,
                    fee_yen=fee_yen,
                    updated_at=at,
                    updated_by=actor.staff_id,
                )
            )
        else:
            conn.execute(
                fee_schedule.update()
                .where(where)
                .values(fee_yen=fee_yen, updated_at=at, updated_by=actor.staff_id)
            )
        audit.append(
            conn,
            audit.AuditEntry(
                lg_code=lg_code,
                at=at,
                actor=actor.staff_id,
                actor_role=actor.role,
                action="fee.set",
                detail={"kind": kind.value, "before": before, "after": fee_yen},
            ),
            key,
        )


def _bad_fee(kind: CertificateKind) -> JichiError:
    return JichiError(e.BAD_FEE, field=f"fee.{kind.value}", kind=kind.label_ja, kind_en=kind.value)


def parse_fee(kind: CertificateKind, text: str) -> int:
    """A fee typed on the page or the CLI: whole yen, full-width digits allowed."""
    raw = normalize_width(text).replace(",", "").replace("円", "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) > MAX_FEE:
        raise _bad_fee(kind)
    return int(raw)

"""A merger as a plan: what every record, household and town becomes (pure, no database).

The operator supplies the parties, the day, the successor and a mapping of 町字 (CSV,
``lg_code,town,new_town``; towns not in it keep their names).  :func:`person_change` says
what one record becomes: the successor's code, and — for a current record — its address
rewritten to the successor's name with the 町字 renamed.  住民票コード, 住民となった年月日,
住所を定めた年月日 and the whole history stay (facts §1.3: no 転出/転入 happens, the
municipality rewrites addresses by 職権).  A 除票 keeps the address it had when it was
removed: it is a record of the old municipality and prints under its name.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jichi.kernel.errors import Collector, JichiError
from jichi.places.changes import MergerKind
from jichi.places.model import LocalGovernment
from jichi.registry.merger import errors as e
from jichi.registry.model import Address, ResidentRecord

MAPPING_HEADER = ("lg_code", "town", "new_town")


@dataclass(frozen=True)
class TownRename:
    """One line of the operator's mapping: the 町字 ``town`` of ``lg_code`` becomes ``new_town``."""

    lg_code: str
    town: str
    new_town: str
    line: int = 0


@dataclass(frozen=True)
class MergerPlan:
    """What the operator asks for.  ``parties`` are all 合併関係市町村 (for a 編入, the
    absorbing one too); ``successor`` is the 合併市町村 as it will be listed."""

    kind: MergerKind
    effective_date: date
    successor: LocalGovernment
    parties: tuple[str, ...]
    renames: tuple[TownRename, ...] = ()
    basis: str = ""  # the 告示 the merger rests on, cited by every 職権 event

    @property
    def moving(self) -> tuple[str, ...]:
        """The parties whose records change code (all but the successor's own code)."""
        return tuple(c for c in self.parties if c != self.successor.code)

    def rename_map(self) -> dict[tuple[str, str], str]:
        return {(r.lg_code, r.town): r.new_town for r in self.renames}


@dataclass(frozen=True)
class PersonChange:
    """One record's 職権 change: the items written by the merger's event."""

    person_id: str
    from_lg_code: str
    active: bool
    before: str  # the address as written before (for the dry-run report)
    after: str
    changes: dict[str, Any] = field(default_factory=dict)


def parse_mapping(text: str) -> list[TownRename]:
    """The operator's CSV (UTF-8, a BOM allowed, header optional); MRG-006/010 for bad lines,
    all of them at once."""
    collector = Collector()
    renames: list[TownRename] = []
    seen: set[tuple[str, str]] = set()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for line, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (line == 1 and tuple(cells[:3]) == MAPPING_HEADER):
            continue
        if len(cells) != 3 or not all(cells):
            collector.add(JichiError(e.RENAME_MALFORMED, field="mapping", line=line))
            continue
        code, town, new_town = cells
        if (code, town) in seen:
            collector.add(
                JichiError(e.DUPLICATE_RENAME, field="mapping", line=line, code=code, town=town)
            )
            continue
        seen.add((code, town))
        renames.append(TownRename(code, town, new_town, line))
    collector.raise_if_any()
    return renames


def rewrite_address(address: Address, plan: MergerPlan, from_lg_code: str) -> Address:
    """The address in the successor: its prefecture, name and code; the 町字 renamed."""
    if address.abroad or address.lg_code != from_lg_code:
        return address
    town = plan.rename_map().get((from_lg_code, address.town), address.town)
    return address.model_copy(
        update={
            "prefecture": plan.successor.prefecture,
            "municipality": plan.successor.name,
            "lg_code": plan.successor.code,
            "town": town,
        }
    )


def person_change(record: ResidentRecord, plan: MergerPlan) -> PersonChange:
    """What the merger writes on one record (current or 除票)."""
    changes: dict[str, Any] = {"lg_code": plan.successor.code}
    after = record.address
    if record.is_active:
        after = rewrite_address(record.address, plan, record.lg_code)
        changes["address"] = after.model_dump(mode="json")
    return PersonChange(
        person_id=record.person_id,
        from_lg_code=record.lg_code,
        active=record.is_active,
        before=record.address.text(),
        after=after.text(),
        changes=changes,
    )


def check_renames(plan: MergerPlan, towns: dict[str, set[str]]) -> list[JichiError]:
    """The mapping against the parties and their residents' towns (``towns[code]``), and
    the towns that would exist twice after the merger (MRG-005/011/007)."""
    found: list[JichiError] = []
    for r in plan.renames:
        if r.lg_code not in plan.parties:
            found.append(
                JichiError(e.RENAME_NOT_A_PARTY, field="mapping", line=r.line, code=r.lg_code)
            )
        elif r.town not in towns.get(r.lg_code, set()):
            found.append(
                JichiError(
                    e.UNKNOWN_TOWN, field="mapping", line=r.line, code=r.lg_code, town=r.town
                )
            )
    renamed = plan.rename_map()
    after: dict[str, set[str]] = defaultdict(set)
    for code, names in towns.items():
        for town in names:
            if town:
                after[renamed.get((code, town), town)].add(code)
    for town, codes in sorted(after.items()):
        if len(codes) > 1:
            found.append(
                JichiError(e.TOWN_CLASH, field="mapping", town=town, codes="・".join(sorted(codes)))
            )
    return found


def towns_of(records: Iterable[ResidentRecord]) -> dict[str, set[str]]:
    """The 町字 of the current residents' addresses, by municipality."""
    found: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record.is_active and not record.address.abroad:
            found[record.lg_code].add(record.address.town)
    return dict(found)

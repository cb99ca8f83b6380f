"""Filing the demo notifications through the registry, one by one (:func:`populate`).

A rejected command is a bug in the generator: it is counted in :class:`DemoSummary`,
never hidden.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError

from jichi.kernel.errors import JichiError
from jichi.registry.demo.notifications import generate
from jichi.registry.demo.people import JST
from jichi.registry.service import Applied, Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor


@dataclass
class DemoSummary:
    """What :func:`populate` did."""

    lg_code: str
    households: int = 0  # active households at the end
    residents: int = 0  # active residents at the end
    foreign_residents: int = 0
    notifications: Counter[str] = field(default_factory=Counter)  # kind → accepted
    rejections: list[str] = field(default_factory=list)  # a generator bug each
    seconds: float = 0.0

    @property
    def events(self) -> int:
        """Notifications after the move-ins (出生・死亡・転居・転出 …)."""
        return sum(n for kind, n in self.notifications.items() if kind != "move_in")

    def line(self) -> str:
        labels = {
            "birth": "出生",
            "death": "死亡",
            "relocation": "転居",
            "move_out": "転出",
            "confirm_move_out": "転出確定",
        }
        detail = "、".join(
            f"{labels.get(kind, kind)} {n}"
            for kind, n in self.notifications.items()
            if kind != "move_in"
        )
        text = (
            f"世帯 {self.households}・住民 {self.residents}人"
            f"（うち外国人住民 {self.foreign_residents}人）"
            f"・転入 {self.notifications['move_in']}件のあとの異動 {self.events}件"
            + (f"（{detail}）" if detail else "")
            + f"・{self.seconds:.1f}秒"
        )
        if self.rejections:
            text += f"・却下 {len(self.rejections)}件"
        return text


_ID_FIELDS = ("person_id", "new_head_id", "remaining_head_id")
_HOUSEHOLD_FIELDS = ("household_id", "join_household_id", "into_household_id")


def _resolve(data: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The command with placeholders replaced by registry ids (KeyError if one is unknown)."""
    out = dict(data)
    for name in (*_ID_FIELDS, *_HOUSEHOLD_FIELDS):
        if isinstance(out.get(name), str) and out[name].startswith("@"):
            out[name] = ids[out[name]]
    if "person_ids" in out:
        out["person_ids"] = [ids[p] for p in out["person_ids"]]
    if "relationships" in out:
        out["relationships"] = {ids[k]: v for k, v in out["relationships"].items()}
    return out


def populate(
    registry: Registry,
    actor: Actor,
    residents: int = 200,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    *,
    resident_codes: Callable[[], str] | None = None,
) -> DemoSummary:
    """File the demo notifications through ``registry``; ``progress(done, total)`` after each."""
    started = time.perf_counter()
    today = registry.clock().astimezone(JST).date()
    commands = list(
        generate(registry.lg_code, residents, seed, today=today, resident_codes=resident_codes)
    )
    summary = DemoSummary(registry.lg_code)
    ids: dict[str, str] = {}
    for done, data in enumerate(commands, start=1):
        kind = data["kind"]
        try:
            applied = registry.apply(registry.parse(_resolve(data, ids)), actor)
        except KeyError as missing:
            summary.rejections.append(f"{kind}: depends on a rejected notification ({missing})")
        except (JichiError, ValidationError) as error:
            summary.rejections.append(f"{kind}: {error}")
        else:
            summary.notifications[kind] += 1
            _remember(data, applied, ids)
        if progress is not None:
            progress(done, len(commands))
    _count(registry, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _remember(data: dict[str, Any], applied: Applied, ids: dict[str, str]) -> None:
    if data["kind"] == "move_in":
        person_ids = applied.result["person_ids"]
        for person, person_id in zip(data["persons"], person_ids, strict=True):
            ids["@" + person["ref"]] = person_id
        ids["@" + data["persons"][0]["ref"].split(".")[0]] = applied.result["household_id"]
    elif data["kind"] == "birth":
        ids["@" + data["child"]["ref"]] = applied.result["person_ids"][0]


def _count(registry: Registry, summary: DemoSummary) -> None:
    """Households and residents as the registry now has them (counts only; nothing read
    about any one person, so no audit entry)."""
    query = sa.select(resident.c.household_id, resident.c.record).where(
        resident.c.lg_code == registry.lg_code, resident.c.status == "active"
    )
    with registry.engine.connect() as conn:
        rows = conn.execute(query).all()
    summary.residents = len(rows)
    summary.households = len({row.household_id for row in rows})
    summary.foreign_residents = sum(
        1 for row in rows if (row.record if isinstance(row.record, dict) else {}).get("foreign")
    )

"""A 新設 or 編入 merger carried out on live registries (issue 15 item 2; ADR 0027)."""

from jichi.registry.merger.across import AcrossReport, merge_across
from jichi.registry.merger.execute import MergerReport, dry_run, execute
from jichi.registry.merger.plan import MergerPlan, TownRename, parse_mapping

__all__ = [
    "AcrossReport",
    "MergerPlan",
    "MergerReport",
    "TownRename",
    "dry_run",
    "execute",
    "merge_across",
    "parse_mapping",
]

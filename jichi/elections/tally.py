"""A counting station's tally (開票区の集計) and its four-eyes reconciliation.

A tally is entered twice, by two different staff members, and counts only when both
entries agree line by line: the same staff id twice is refused (ELE-022), and a
mismatch lists every differing line (ELE-023), so nobody has to hunt for it.

Lines are candidates' clear votes (本条の適用なくして有効な票), 按分 groups (the written
name, its count and the candidates sharing it) and invalid ballots by category.  The
categories are a configurable list; the default follows 公選法68条 as listed in the
facts (§3.1), plus 白票 as its own line because many EMBs report it apart (in law a
blank ballot falls under 「候補者の何人を記載したかを確認し難いもの」).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jichi.elections.apportion import AmbiguousGroup
from jichi.elections.errors import (
    BAD_COUNT,
    SAME_STAFF,
    TALLY_MISMATCH,
    UNKNOWN_CANDIDATE,
    UNKNOWN_CATEGORY,
    raise_all,
)
from jichi.kernel.errors import JichiError

__all__ = [
    "DEFAULT_INVALID_CATEGORIES",
    "Difference",
    "Tally",
    "TallyMismatch",
    "check_tally",
    "differences",
    "reconcile",
]

DEFAULT_INVALID_CATEGORIES: dict[str, str] = {
    "unofficial_paper": "所定の用紙を用いないもの",
    "not_a_candidate": "候補者でない者の氏名を記載したもの",
    "multiple_names": "2人以上の候補者の氏名を記載したもの",
    "ineligible": "被選挙権のない候補者の氏名を記載したもの",
    "extraneous_writing": "他事記載",
    "not_handwritten": "自書しないもの",
    "unidentifiable": "候補者の何人を記載したかを確認し難いもの",
    "blank": "白票",
}


@dataclass(frozen=True)
class Tally:
    """One entry of one 開票区's count."""

    votes: Mapping[str, int]  # candidate id → clear votes
    invalid: Mapping[str, int] = field(default_factory=dict)  # category → ballots
    ambiguous: tuple[AmbiguousGroup, ...] = ()
    # 比例代表: ballots naming a party (政党等の名称), party → ballots.  A party's total is
    # these plus (参院) its candidates' personal votes: :mod:`jichi.elections.pr_seats`.
    party_votes: Mapping[str, int] = field(default_factory=dict)

    def lines(self) -> dict[str, str]:
        """Every line as text, keyed so that two entries compare line by line."""
        out = {f"candidate:{k}": str(v) for k, v in self.votes.items()}
        out.update({f"invalid:{k}": str(v) for k, v in self.invalid.items()})
        out.update({f"party:{k}": str(v) for k, v in self.party_votes.items()})
        for g in self.ambiguous:
            out[f"ambiguous:{g.written}"] = f"{g.count} ({'/'.join(sorted(g.shared_by))})"
        return out

    def to_json(self) -> str:
        extra = {"party_votes": dict(sorted(self.party_votes.items()))} if self.party_votes else {}
        return json.dumps(
            {
                **extra,
                "votes": dict(sorted(self.votes.items())),
                "invalid": dict(sorted(self.invalid.items())),
                "ambiguous": [
                    {"written": g.written, "count": g.count, "shared_by": list(g.shared_by)}
                    for g in self.ambiguous
                ],
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Tally:
        data = json.loads(text)
        return cls(
            votes=data["votes"],
            invalid=data["invalid"],
            ambiguous=tuple(
                AmbiguousGroup(g["written"], g["count"], tuple(g["shared_by"]))
                for g in data["ambiguous"]
            ),
            party_votes=data.get("party_votes", {}),
        )


@dataclass(frozen=True)
class Difference:
    line: str
    first: str | None  # None: the line is missing from that entry
    second: str | None


class TallyMismatch(JichiError):
    """ELE-023 with the differing lines as values, for a form to highlight them."""

    def __init__(self, diff: list[Difference]) -> None:
        shown = "; ".join(f"{d.line}: {d.first} ≠ {d.second}" for d in diff)
        super().__init__(TALLY_MISMATCH, field="lines", count=len(diff), lines=shown)
        self.differences = diff


def differences(first: Tally, second: Tally) -> list[Difference]:
    """Every line on which the two entries differ, in line order (a zero is not absent)."""
    a, b = first.lines(), second.lines()
    return [
        Difference(line, a.get(line), b.get(line))
        for line in sorted(a.keys() | b.keys())
        if a.get(line) != b.get(line)
    ]


def check_tally(
    tally: Tally,
    candidates: Sequence[str],
    categories: Mapping[str, str] = DEFAULT_INVALID_CATEGORIES,
    parties: Sequence[str] = (),
) -> Tally:
    """Every problem of one entry at once: unknown candidates, parties or categories, bad
    counts.  Party-name ballots are only for the ``parties`` of a 比例代表 election."""
    errors: list[JichiError] = []
    known = set(candidates)
    for party, n in tally.party_votes.items():
        if party not in parties:
            errors.append(JichiError(UNKNOWN_CANDIDATE, field=f"party_votes.{party}", name=party))
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            errors.append(JichiError(BAD_COUNT, field=f"party_votes.{party}", value=n))
    for cid, n in tally.votes.items():
        if cid not in known:
            errors.append(JichiError(UNKNOWN_CANDIDATE, field=f"votes.{cid}", name=cid))
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            errors.append(JichiError(BAD_COUNT, field=f"votes.{cid}", value=n))
    for code, n in tally.invalid.items():
        if code not in categories:
            errors.append(JichiError(UNKNOWN_CATEGORY, field=f"invalid.{code}", value=code))
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            errors.append(JichiError(BAD_COUNT, field=f"invalid.{code}", value=n))
    for i, g in enumerate(tally.ambiguous):
        for name in g.shared_by:
            if name not in known:
                errors.append(
                    JichiError(UNKNOWN_CANDIDATE, field=f"ambiguous[{i}].shared_by", name=name)
                )
    raise_all(errors)
    return tally


def reconcile(first: Tally, first_staff: str, second: Tally, second_staff: str) -> Tally:
    """The agreed tally, or ELE-022 (same staff) / ELE-023 (the differing lines)."""
    if first_staff == second_staff:
        raise JichiError(SAME_STAFF, field="staff_id", staff_id=second_staff)
    diff = differences(first, second)
    if diff:
        raise TallyMismatch(diff)
    return first

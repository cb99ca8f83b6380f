"""The printing order of a 世帯連記式 copy (標準仕様書 5.2): four ranks by 続柄.

Split from :mod:`jichi.registry.relationship` (the vocabulary and its checks), which this
reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from jichi.registry.relationship import (
    PARENTS,
    SIBLINGS,
    SPOUSES,
    Relationship,
    Step,
)

__all__ = ["Member", "order_members", "rank"]


# --- printing order (世帯連記式, spec 5.2) -----------------------------------------------

_GRANDPARENTS = frozenset((a, b) for a in PARENTS for b in PARENTS)


def _rank3_group(steps: tuple[Step, ...]) -> int | None:
    """3-1 父母, 3-2 兄弟姉妹, 3-3 祖父母; None for any other path."""
    if len(steps) == 1 and steps[0] in PARENTS:
        return 1
    if len(steps) == 1 and steps[0] in SIBLINGS:
        return 2
    if steps in _GRANDPARENTS:
        return 3
    return None


def rank(rel: Relationship) -> int:
    """The 順位 of a 続柄 on its own (1–4); :func:`order_members` may move a family head.

    1. 世帯主, the spouse (（未届） too: 準婚), the head's 子.
    2. a child's family: 子の妻, 子の夫, 子の子 and any path from 子 through 子/妻/夫 only
       (子の子の子, 子の子の妻, 子の妻の子), and 子（子の夫）/子（子の妻）.
    3. 父母, 兄弟姉妹, 祖父母 (父の父 …).
    4. every other relative — the spouse's side (妻の父, 夫の兄 …), 妻の子/夫の子 (a spouse's
       child the head has not adopted is the spouse's relative, not 世帯主の子), 父の兄,
       兄の子 … — then 縁故者, then 同居人.
    """
    if rel.kind != "kin":
        return 4
    steps = rel.steps
    if not steps or rel.is_spouse:
        return 1
    if rel.spouse_of_child is not None:
        return 2
    if steps == (Step.CHILD,):
        return 1
    if steps[0] is Step.CHILD and all(s is Step.CHILD or s in SPOUSES for s in steps):
        return 2
    if _rank3_group(steps) is not None:
        return 3
    return 4


@dataclass(frozen=True)
class Member:
    """What the order needs to know about one member of the household.

    ``via`` names the member whose family this one belongs to (a 子の妻's or 子の子's
    child of the head; a 兄の子's 兄), so that each family prints together.  Without it a
    rank-2 member cannot be placed in a particular child's family (see
    :func:`order_members`).  ``family_register_head`` puts the 筆頭者 first among
    parents and grandparents.
    """

    id: str
    relationship: Relationship
    birth_date: date
    addressee_number: str | int
    family_register_head: bool = False
    via: str | None = None


def _addressee_key(number: str | int) -> tuple[int, int, str]:
    """Numeric 宛名番号 compare as numbers (9 before 10); others after, as text."""
    if isinstance(number, int):
        return (0, number, "")
    text = number.strip()
    if text.isascii() and text.isdigit():
        return (0, int(text), text)
    return (1, 0, text)


def _age_key(m: Member) -> tuple[date, tuple[int, int, str], str]:
    """Birth date, then 宛名番号, then the id so that the order never depends on input order."""
    return (m.birth_date, _addressee_key(m.addressee_number), m.id)


def _family_key(m: Member) -> tuple[object, ...]:
    """Inside a family: by generation (older first), blood before spouse, then age."""
    rel = m.relationship
    spouse_last = rel.spouse_of_child is not None or bool(rel.steps and rel.steps[-1] in SPOUSES)
    return (rel.kind != "kin", -(rel.generation or 0), spouse_last, _age_key(m))


def _relatives_key(m: Member, group: int | None) -> tuple[object, ...]:
    """父母 / 兄弟姉妹 / 祖父母 groups, the 筆頭者 first among (grand)parents, then age."""
    head_first = group in (1, 3) and not m.family_register_head
    return (group if group is not None else 4, head_first, _age_key(m))


_KIND_ORDER = {"kin": 0, "enko": 1, "dokyo": 2}


def _via_chain(m: Member, by_id: Mapping[str, Member]) -> list[Member]:
    chain: list[Member] = []
    seen = {m.id}
    current = m
    while current.via is not None:
        target = by_id.get(current.via)
        if target is None:
            raise ValueError(f"member {current.id} has via={current.via!r}, not in the household")
        if target.id in seen:
            raise ValueError(f"the via links from member {m.id} form a cycle")
        seen.add(target.id)
        chain.append(target)
        current = target
    return chain


def _anchors(members: Iterable[Member], by_id: Mapping[str, Member]) -> dict[str, str]:
    """Member id → the id of the member heading its family (spec 5.2 第２順位・第４順位)."""
    anchor_of: dict[str, str] = {}
    for m in members:
        if m.via is None:
            continue
        base = rank(m.relationship)
        chain = _via_chain(m, by_id)
        if base == 2:
            child = next((c for c in chain if c.relationship == _CHILD), None)
            if child is not None:
                anchor_of[m.id] = child.id
        elif base == 4:
            # Walk up through relatives' families; a rank-3 relative always heads its own.
            last = None
            for c in chain:
                target_rank = rank(c.relationship)
                if target_rank < 3:
                    break
                last = c
                if target_rank == 3:
                    break
            if last is not None:
                anchor_of[m.id] = last.id
    return anchor_of


_CHILD = Relationship((Step.CHILD,))


def order_members(members: Sequence[Member]) -> list[Member]:
    """The order of members on a 世帯連記式 copy, by the four ranks of spec 5.2.

    * Rank 1: 世帯主 → spouse → children (birth date, then 宛名番号).
    * Rank 2: each child heading a family here (some member's ``via`` leads to them), in
      the child's birth order; the child, then their family by generation (the spouse, then
      their children by birth).  Rank-2 members whose ``via`` leads to no 子 (or who have
      none) follow all the families, by generation and birth: without ``via`` jichi cannot
      know whose family a 子の妻 is, and it does not guess.
    * Rank 3: 父母 (the 筆頭者 first, else birth), 兄弟姉妹 (birth), 祖父母 (筆頭者 first).
    * Rank 4: relatives (the spouse's 父母, 兄弟姉妹, 祖父母 grouped as in rank 3, then the
      others, by birth), 縁故者, 同居人; then the families of relatives and 縁故者 (a rank-3
      or rank-4 member whom some rank-4 member's ``via`` reaches), by the family head's
      generation, birth and 宛名番号, each family ordered as in rank 2.

    The result depends only on the members, never on the order they are passed in: every
    tie ends at the member id.  Raises ``ValueError`` for duplicate ids and for ``via``
    links that leave the household or form a cycle.  Someone who joins an existing
    household is printed last unless the mayor re-sorts (spec 5.2); keeping that stored
    order is the caller's job — this function gives the standard order.
    """
    by_id: dict[str, Member] = {}
    for m in members:
        if m.id in by_id:
            raise ValueError(f"member id {m.id} appears twice")
        by_id[m.id] = m
    anchor_of = _anchors(members, by_id)
    family_heads = set(anchor_of.values())
    family: dict[str, list[Member]] = {}
    for member_id, head_id in anchor_of.items():
        family.setdefault(head_id, []).append(by_id[member_id])

    def block(head: Member) -> list[Member]:
        return [head, *sorted(family[head.id], key=_family_key)]

    rank1: list[Member] = []
    rank2_heads: list[Member] = []
    rank2_loose: list[Member] = []
    rank3: list[Member] = []
    rank4_single: list[Member] = []
    rank4_heads: list[Member] = []
    for m in members:
        base = rank(m.relationship)
        if m.id in anchor_of:
            continue
        if m.id in family_heads:
            (rank2_heads if base <= 2 else rank4_heads).append(m)
        elif base == 1:
            rank1.append(m)
        elif base == 2:
            rank2_loose.append(m)
        elif base == 3:
            rank3.append(m)
        else:
            rank4_single.append(m)

    def rank1_key(m: Member) -> tuple[object, ...]:
        rel = m.relationship
        return (0 if rel.is_head else 1 if rel.is_spouse else 2, _age_key(m))

    def rank4_key(m: Member) -> tuple[object, ...]:
        rel = m.relationship
        group = None
        if rel.kind == "kin" and rel.steps[0] in SPOUSES:
            group = _rank3_group(rel.steps[1:])
        return (_KIND_ORDER[rel.kind], *_relatives_key(m, group))

    def rank4_head_key(m: Member) -> tuple[object, ...]:
        rel = m.relationship
        return (_KIND_ORDER[rel.kind], -(rel.generation or 0), _age_key(m))

    ordered = sorted(rank1, key=rank1_key)
    for head in sorted(rank2_heads, key=_age_key):
        ordered += block(head)
    ordered += sorted(rank2_loose, key=_family_key)
    ordered += sorted(rank3, key=lambda m: _relatives_key(m, _rank3_group(m.relationship.steps)))
    ordered += sorted(rank4_single, key=rank4_key)
    for head in sorted(rank4_heads, key=rank4_head_key):
        ordered += block(head)
    return ordered

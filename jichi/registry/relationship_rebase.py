"""A new 世帯主: every member's 続柄 recomputed from the old paths (the spec's design note).

When the head changes, every 続柄 changes, and the facts say never to re-key them by hand.
Path algebra derives the ones that are certain; the others come back as ``None`` so the
clerk confirms them.  Split from :mod:`jichi.registry.relationship` (the vocabulary and
its checks), which this reads.
"""

from __future__ import annotations

from collections.abc import Mapping

from jichi.kernel.errors import JichiError
from jichi.registry.relationship import (
    HEAD,
    NEW_HEAD_NOT_MEMBER,
    PARENTS,
    SPOUSES,
    Relationship,
    Sex,
    Step,
    check_household,
    from_links,
)

__all__ = ["rebase"]


# --- a new head ------------------------------------------------------------------------

_Link = tuple[Step, bool]
_BY_SEX = {
    "parent": (Step.FATHER, Step.MOTHER),
    "spouse": (Step.HUSBAND, Step.WIFE),
    "elder": (Step.ELDER_BROTHER, Step.ELDER_SISTER),
    "younger": (Step.YOUNGER_BROTHER, Step.YOUNGER_SISTER),
}
_MALE_WORDS = frozenset({Step.FATHER, Step.HUSBAND, Step.ELDER_BROTHER, Step.YOUNGER_BROTHER})


def _category(step: Step) -> str:
    if step is Step.CHILD:
        return "child"
    if step in PARENTS:
        return "parent"
    if step in SPOUSES:
        return "spouse"
    return "sibling"


# (how the old head is related to the first person on the new head's path,
#  how the member is related to the old head) → the joined path is the 続柄, with no
#  higher-ranked form a clerk would use instead.  Every pair not listed has a common
#  higher-ranked form (夫の子 is usually 子; 父の妻 usually 母; 兄の父 usually 父 …).
_CERTAIN_JOINS = frozenset(
    {
        ("spouse", "parent"),  # 夫の父
        ("spouse", "sibling"),  # 夫の兄
        ("child", "child"),  # 子の子
        ("child", "spouse"),  # 子の妻
        ("parent", "parent"),  # 父の父
        ("parent", "sibling"),  # 父の兄
        ("sibling", "child"),  # 弟の子
        ("sibling", "spouse"),  # 弟の妻
    }
)


def _sex(value: str | None) -> Sex | None:
    return None if value is None else Sex(value)


def _inverse(path: Relationship, old_head_sex: Sex | None) -> tuple[_Link, ...] | None:
    """The old head's path as seen from the member at ``path``, or None if a sex is unknown.

    Each step reverses to a word chosen by the sex of the person it leads back to: the old
    head's (from ``sex_of``) or an intermediate person's, read off the word that reached
    them (父 is male …).  Only 子 says nothing about sex, so a path through a child the
    household does not name (子の子 → ?の父/母) cannot be reversed with certainty.
    """
    steps = (Step.CHILD,) if path.spouse_of_child is not None else path.steps
    links = path._links() if path.spouse_of_child is None else ((Step.CHILD, False),)
    reversed_links: list[_Link] = []
    for i in range(len(steps), 0, -1):
        step, unregistered = links[i - 1]
        before = steps[i - 2] if i >= 2 else None
        if before is None:
            sex = old_head_sex
        elif before is Step.CHILD:
            sex = None
        else:
            sex = Sex.MALE if before in _MALE_WORDS else Sex.FEMALE
        if step in PARENTS:
            reversed_links.append((Step.CHILD, False))
            continue
        if sex is None:
            return None
        pick = 0 if sex is Sex.MALE else 1
        if step is Step.CHILD:
            word = _BY_SEX["parent"][pick]
        elif step in SPOUSES:
            word = _BY_SEX["spouse"][pick]
        elif step in (Step.ELDER_BROTHER, Step.ELDER_SISTER):
            word = _BY_SEX["younger"][pick]
        else:
            word = _BY_SEX["elder"][pick]
        reversed_links.append((word, unregistered))
    return tuple(reversed_links)


def rebase(
    relationships: Mapping[str, Relationship],
    new_head_id: str,
    *,
    sex_of: Mapping[str, str],
) -> dict[str, Relationship | None]:
    """Every member's 続柄 to a new 世帯主, or ``None`` where it is not certain.

    ``sex_of`` maps member ids to :class:`Sex` (or ``jichi.registry.model.Sex``, which has
    the same values); a missing id is an unknown sex.  The caller asks the clerk to confirm
    each ``None``.  Derivations (see ``docs/guide/relationship.md`` for the table):

    * the new head → 世帯主; the old head → the new head's path reversed (妻 → 夫, 子 → 父 or
      母 by the old head's sex, 父 → 子, 兄 → 弟 or 妹 …), or None if a sex is unknown;
    * a member whose path starts with the new head's path, when that path names one person
      (only 妻/夫/父/母 words, and only one member has it): the rest of the path (the old
      head's 妻の父 becomes the new head's 父);
    * otherwise the reversed path joined to the member's path, when the join is in the
      certain table (the old head's 父 becomes 夫の父 of the old 妻); deeper than four
      words it is 縁故者;
    * None for everything else, notably the old head's 子 seen from the old 妻 (a child or a
      step-child, 夫の子), and every 縁故者, 同居人 and 子（子の夫/妻）.

    "Certain" assumes no adoption or marriage between members beyond what the paths record
    (the old 妻 was not also adopted by the old head's 父); such cases are rare and the clerk
    confirms the whole list anyway.
    """
    check_household(relationships)
    if new_head_id not in relationships:
        raise JichiError(NEW_HEAD_NOT_MEMBER, field="new_head_id", new_head_id=new_head_id)
    new = relationships[new_head_id]
    if new.is_head:
        return dict(relationships)
    old_head_id = next(k for k, r in relationships.items() if r.is_head)
    reversed_path = _inverse(new, _sex(sex_of.get(old_head_id))) if new.kind == "kin" else None
    prefix = new._links()
    names_one_person = (
        new.kind == "kin"
        and new.spouse_of_child is None
        and all(s in SPOUSES | PARENTS for s in new.steps)
        and sum(1 for r in relationships.values() if r == new) == 1
    )
    result: dict[str, Relationship | None] = {}
    for member_id, rel in relationships.items():
        if member_id == new_head_id:
            result[member_id] = HEAD
        elif member_id == old_head_id:
            result[member_id] = None if reversed_path is None else from_links(reversed_path)
        elif rel.kind != "kin" or rel.spouse_of_child is not None:
            result[member_id] = None
        else:
            links = rel._links()
            if names_one_person and links[: len(prefix)] == prefix:
                result[member_id] = from_links(links[len(prefix) :])
            elif (
                reversed_path is not None
                and (
                    _category(reversed_path[-1][0]),
                    _category(links[0][0]),
                )
                in _CERTAIN_JOINS
            ):
                result[member_id] = from_links(reversed_path + links)
            else:
                result[member_id] = None
    return result

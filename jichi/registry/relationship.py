"""続柄 (relationship to the household head) as a path from the head.

The 住民票 records each member's 続柄 **as seen from the 世帯主** (住民基本台帳法7条4号),
and the standard specification (標準仕様書 1.1.11) allows exactly this vocabulary:

* 世帯主;
* 夫, 妻, 夫（未届）, 妻（未届）, 子, 子（子の夫）, 子（子の妻）, 父, 母, 兄, 姉, 弟, 妹;
* those words joined with 「の」, up to four of them (「子の子の子の子」): the spec counts a
  「世代」 mechanically as the number of words joined.  Anything further is 縁故者;
* 縁故者 and 同居人.

So jichi stores a 続柄 as a structured path (:class:`Relationship`) and renders the text
from it, rather than storing free text.  Three things follow that free text cannot give:

1. **Validation at the counter**: 孫, 祖父, おじ … are refused with the form to write instead
   (REL-003), because the spec forbids them and a clerk who has typed 孫 for twenty years
   needs to be told 「子の子」, not just "invalid".
2. **Recomputing on a change of head** (:func:`rebase`): when the 世帯主 changes, every
   member's 続柄 changes, and the facts' design note says never to re-key them by hand.
   Path algebra derives the ones that are certain; the others come back as ``None`` so the
   clerk confirms them.
3. **The printing order** of a 世帯連記式 copy (:func:`rank`, :func:`order_members`), which
   the spec (5.2) fixes in four ranks defined by these relationships.

Sources, and which rules are interpretations, are in ``docs/guide/relationship.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from jichi.kernel.errors import JichiError, define

__all__ = [
    "DOKYO",
    "EMPTY",
    "ENKO",
    "FORBIDDEN_WORD",
    "HEAD",
    "MAX_STEPS",
    "NEW_HEAD_NOT_MEMBER",
    "NO_HEAD",
    "SEVERAL_HEADS",
    "SEVERAL_SPOUSES",
    "SPOUSE_OF_SPOUSE",
    "STANDALONE_WORD",
    "TOO_DEEP",
    "UNKNOWN_WORD",
    "UNREGISTERED_NOT_SPOUSE",
    "Kind",
    "Member",
    "Relationship",
    "Sex",
    "Step",
    "check_household",
    "order_members",
    "rank",
    "rebase",
]

MAX_STEPS = 4
"""「４世代（※）まで「の」でつなげたもの」: 子の子の子の子 (four words) is the deepest form."""

# --- error kinds -----------------------------------------------------------------------

UNKNOWN_WORD = define(
    "REL-001",
    "続柄「{text}」の{position}番目の語「{part}」は使えません。"
    "子・妻・夫・父・母・兄・姉・弟・妹を「の」でつないで入力してください"
    "（世帯主・縁故者・同居人はそのまま入力します）。",
    "word {position} of the relationship is not an allowed word; join child, wife, husband,"
    " father, mother, elder/younger brother or sister with 'no', or write head, enko or dokyo",
    params=("text", "part", "position"),
)
TOO_DEEP = define(
    "REL-002",
    "続柄「{text}」は{steps}世代です。「の」でつなげるのは{max_steps}世代まで"
    "（例：子の子の子の子）で、それより遠い関係は「縁故者」と記載します。",
    "the relationship joins {steps} words with 'no'; at most {max_steps} are allowed and a more"
    " distant relation is recorded as enko",
    params=("text", "steps", "max_steps"),
)
FORBIDDEN_WORD = define(
    "REL-003",
    "「{word}」は住民票の続柄には使えません。{suggestion}",
    "word {position} ({word_en}) is not a relationship the resident record uses; {suggestion_en}",
    params=("word", "suggestion", "position", "word_en", "suggestion_en"),
)
UNREGISTERED_NOT_SPOUSE = define(
    "REL-004",
    "「（未届）」は妻・夫にだけ付けられます（続柄「{text}」の{position}番目の語）。",
    "the unregistered (mitodoke) mark may only follow wife or husband (word {position})",
    params=("text", "position"),
)
SPOUSE_OF_SPOUSE = define(
    "REL-005",
    "続柄「{text}」は成り立ちません。配偶者の配偶者（「{pair}」）はその人自身"
    "（例：妻の夫は世帯主）を指すため、続柄として記載できません。",
    "words {position} and {next_position} name the spouse of a spouse, which is the person"
    " themself: not a relationship",
    params=("text", "pair", "position", "next_position"),
)
EMPTY = define(
    "REL-006",
    "続柄が入力されていません。",
    "the relationship is empty",
)
STANDALONE_WORD = define(
    "REL-007",
    "「{word}」は単独で使う続柄です。他の語と「の」でつなげることはできません（続柄「{text}」）。",
    "word {position} stands alone (head, enko, dokyo or child-and-spouse-of-child) and cannot"
    " be joined with 'no'",
    params=("word", "text", "position"),
)
NO_HEAD = define(
    "REL-010",
    "この世帯には世帯主がいません。世帯員のうち一人の続柄を「世帯主」としてください。",
    "the household has no head",
)
SEVERAL_HEADS = define(
    "REL-011",
    "この世帯には世帯主が{count}人います。世帯主は一つの世帯に一人です。",
    "the household has {count} heads; exactly one is allowed",
    params=("count",),
)
SEVERAL_SPOUSES = define(
    "REL-012",
    "世帯主の配偶者（妻・夫。未届を含みます）が{count}人います。一人までです。"
    "続柄を確認してください。",
    "the head has {count} spouses (registered or unregistered); at most one is allowed",
    params=("count",),
)
NEW_HEAD_NOT_MEMBER = define(
    "REL-013",
    "新しい世帯主に指定された方はこの世帯の世帯員ではありません。",
    "the new head {new_head_id} is not a member of this household",
    params=("new_head_id",),
)

# --- the vocabulary --------------------------------------------------------------------


class Step(StrEnum):
    """One word of a path: "the ``step`` of the person before".

    There is deliberately no step for adoption: since 1995-03-01 every child of the head,
    born in or out of wedlock or adopted, is written 子.
    """

    CHILD = "子"
    WIFE = "妻"
    HUSBAND = "夫"
    FATHER = "父"
    MOTHER = "母"
    ELDER_BROTHER = "兄"
    ELDER_SISTER = "姉"
    YOUNGER_BROTHER = "弟"
    YOUNGER_SISTER = "妹"


class Sex(StrEnum):
    """The two values of 性別; same values as ``jichi.registry.model.Sex``."""

    MALE = "male"
    FEMALE = "female"


Kind = Literal["kin", "enko", "dokyo"]
"""kin: a path from the head (empty = the head); enko: 縁故者; dokyo: 同居人."""

_STEP_WORDS = frozenset(s.value for s in Step)
_SPOUSES = frozenset({Step.WIFE, Step.HUSBAND})
_PARENTS = frozenset({Step.FATHER, Step.MOTHER})
_SIBLINGS = frozenset(
    {Step.ELDER_BROTHER, Step.ELDER_SISTER, Step.YOUNGER_BROTHER, Step.YOUNGER_SISTER}
)
_HEAD_TEXT = "世帯主"
_HEAD_ALIASES = frozenset({_HEAD_TEXT, "本人"})  # 本人: what some municipalities print
_ENKO_TEXT = "縁故者"
_DOKYO_TEXT = "同居人"
_UNREGISTERED = "（未届）"
_ADOPTED_IN_LAW = {"子（子の夫）": Step.HUSBAND, "子（子の妻）": Step.WIFE}
_STANDALONE = _HEAD_ALIASES | {_ENKO_TEXT, _DOKYO_TEXT} | set(_ADOPTED_IN_LAW)


@dataclass(frozen=True)
class _Forbidden:
    """A word the spec (or the 1995 reform) rules out, and what to write instead."""

    word_en: str
    options: tuple[str, ...]  # replacements for the word inside the path
    suggestion_en: str
    advice_ja: str = ""


_CHILD_WORD = _Forbidden(
    "a child by birth order or adoption",
    ("子",),
    "every child of the head, adopted or not, is written ko (child) since 1995-03-01",
    "平成7年3月1日から、世帯主の子は実子・養子を問わずすべて「子」と記載します。",
)
_UNCLE = _Forbidden(
    "uncle (oji)",
    ("父の兄", "父の弟", "母の兄", "母の弟"),
    "write the path through the parent, e.g. elder brother of father (chichi no ani)",
)
_AUNT = _Forbidden(
    "aunt (oba)",
    ("父の姉", "父の妹", "母の姉", "母の妹"),
    "write the path through the parent, e.g. elder sister of father (chichi no ane)",
)
_NEPHEW = ("兄の子", "弟の子", "姉の子", "妹の子")

_FORBIDDEN: dict[str, _Forbidden] = {
    "孫": _Forbidden("grandchild (mago)", ("子の子",), "write child of child (ko no ko)"),
    "曾孫": _Forbidden("great-grandchild", ("子の子の子",), "write ko no ko no ko"),
    "曽孫": _Forbidden("great-grandchild", ("子の子の子",), "write ko no ko no ko"),
    "ひ孫": _Forbidden("great-grandchild", ("子の子の子",), "write ko no ko no ko"),
    "祖父": _Forbidden(
        "grandfather (sofu)", ("父の父", "母の父"), "write father of father or of mother"
    ),
    "祖母": _Forbidden(
        "grandmother (sobo)", ("父の母", "母の母"), "write mother of father or of mother"
    ),
    "おじ": _UNCLE,
    "伯父": _UNCLE,
    "叔父": _UNCLE,
    "おば": _AUNT,
    "伯母": _AUNT,
    "叔母": _AUNT,
    "甥": _Forbidden("nephew (oi)", _NEPHEW, "write child of a sibling, e.g. ani no ko"),
    "姪": _Forbidden("niece (mei)", _NEPHEW, "write child of a sibling, e.g. ani no ko"),
    "家事使用人": _Forbidden(
        "domestic servant (kaji shiyonin)",
        (),
        "record a member who is not a relative as dokyo (lodger)",
        "世帯主の親族でない方は「同居人」と入力してください。",
    ),
    "準世帯主": _Forbidden(
        "deputy head (jun-setainushi)",
        (),
        "a household has one head only; record the relationship to the head instead",
        "世帯主は一つの世帯に一人です。世帯主との関係（妻、子など）を入力してください。",
    ),
    **{
        word: _CHILD_WORD
        for word in (
            "長男",
            "長女",
            "次男",
            "二男",
            "次女",
            "二女",
            "三男",
            "三女",
            "養子",
            "養女",
            "息子",
            "娘",
            "実子",
            "嫡出子",
        )
    },
    "義父": _Forbidden(
        "father-in-law or step-father",
        ("妻の父", "夫の父", "母の夫"),
        "write the path, e.g. father of wife (tsuma no chichi)",
    ),
    "義母": _Forbidden(
        "mother-in-law or step-mother",
        ("妻の母", "夫の母", "父の妻"),
        "write the path, e.g. mother of wife (tsuma no haha)",
    ),
    "嫁": _Forbidden("daughter-in-law (yome)", ("子の妻",), "write wife of child (ko no tsuma)"),
    "婿": _Forbidden("son-in-law (muko)", ("子の夫",), "write husband of child (ko no otto)"),
    "配偶者": _Forbidden("spouse (haigusha)", ("妻", "夫"), "write wife or husband"),
    "兄弟": _Forbidden("brothers (kyodai)", ("兄", "弟"), "write elder or younger brother"),
    "姉妹": _Forbidden("sisters (shimai)", ("姉", "妹"), "write elder or younger sister"),
    "内妻": _Forbidden("common-law wife", ("妻（未届）",), "write wife with the unregistered mark"),
    "内夫": _Forbidden(
        "common-law husband", ("夫（未届）",), "write husband with the unregistered mark"
    ),
}
# Whole texts that contain 「の」 themselves, so they must be looked up before splitting.
_FORBIDDEN_PHRASES: dict[str, _Forbidden] = {
    "内縁の妻": _FORBIDDEN["内妻"],
    "内縁の夫": _FORBIDDEN["内夫"],
}


def _normalise(text: str) -> str:
    """Drop every space (full-width too) and write brackets full-width, as the record does."""
    joined = "".join(text.split())
    return joined.replace("(", "（").replace(")", "）").replace("（未届け）", _UNREGISTERED)


def _split_words(text: str) -> list[str]:
    """Split at 「の」 outside brackets, so 子（子の夫）の子 is two words, not three."""
    parts: list[str] = []
    current, depth = "", 0
    for char in text:
        if char == "の" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += (char == "（") - (char == "）")
        current += char
    return [*parts, current]


def _or_list(options: Sequence[str]) -> str:
    quoted = [f"「{o}」" for o in options]
    return quoted[0] if len(quoted) == 1 else "".join(quoted[:-1]) + "または" + quoted[-1]


# --- the value -------------------------------------------------------------------------


@dataclass(frozen=True)
class Relationship:
    """A member's 続柄: the path of :class:`Step` words from the 世帯主 to the member.

    * ``steps`` — empty for the head; ``(子, 子)`` is 子の子.
    * ``unregistered_at`` — 0-based positions of 妻/夫 steps carrying （未届）.  It is a
      position, not a flag on the whole value, because the spec lets （未届） appear inside
      a path: 子の夫（未届） (a child's unmarried partner) and 妻（未届）の子 are allowed.
      :attr:`unregistered` answers the common question "is there a （未届） anywhere".
    * ``kind`` — ``"enko"`` (縁故者) and ``"dokyo"`` (同居人) are terminal: no path.
    * ``spouse_of_child`` — 夫 or 妻 for the spec's 子（子の夫） / 子（子の妻）: the head's
      adopted child who is also married to another child of the head (婿養子 / 嫁養子).
      This reading is jichi's interpretation; the sources do not define it.

    Construction enforces the rules (REL-001, 002, 004, 005, 007), so a ``Relationship``
    read back from the database or built from JSON is as valid as one parsed at the counter.
    """

    steps: tuple[Step, ...] = ()
    unregistered_at: tuple[int, ...] = ()
    kind: Kind = "kin"
    spouse_of_child: Step | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("kin", "enko", "dokyo"):
            raise ValueError(f"unknown kind of relationship {self.kind!r}")
        text = "の".join(str(s) for s in self.steps)
        steps: list[Step] = []
        for position, step in enumerate(self.steps, start=1):
            try:
                steps.append(Step(step))
            except ValueError:
                raise JichiError(
                    UNKNOWN_WORD, field="relationship", text=text, part=step, position=position
                ) from None
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "unregistered_at", tuple(sorted(set(self.unregistered_at))))
        if self.kind != "kin" and (self.steps or self.unregistered_at or self.spouse_of_child):
            raise ValueError(f"a {self.kind} relationship has no path")
        for index in self.unregistered_at:
            if not 0 <= index < len(self.steps) or self.steps[index] not in _SPOUSES:
                raise JichiError(
                    UNREGISTERED_NOT_SPOUSE, field="relationship", text=text, position=index + 1
                )
        if self.spouse_of_child is not None:
            if self.spouse_of_child not in _SPOUSES:
                raise ValueError("spouse_of_child is 夫 or 妻")
            if self.steps != (Step.CHILD,) or self.unregistered_at:
                raise JichiError(
                    STANDALONE_WORD,
                    field="relationship",
                    word="子（子の" + self.spouse_of_child + "）",
                    text=text,
                    position=1,
                )
        _check_path(self.steps, text, "relationship", deep_ok=False)

    # -- reading and writing the text ---------------------------------------------------

    @classmethod
    def parse(
        cls, text: str, *, deep_as_enko: bool = False, field: str = "relationship"
    ) -> Relationship:
        """Read a 続柄 as a clerk or an old system writes it.

        Accepts 本人 for 世帯主, half-width brackets (妻(未届)) and stray spaces.  With
        ``deep_as_enko`` a path of more than four words becomes 縁故者, as the spec
        requires for a record; without it such a path is refused (REL-002), because at the
        counter a five-word path is more often a typing slip than a distant relative.
        """
        s = _normalise(text)
        if not s:
            raise JichiError(EMPTY, field=field)
        if s in _HEAD_ALIASES:
            return HEAD
        if s == _ENKO_TEXT:
            return ENKO
        if s == _DOKYO_TEXT:
            return DOKYO
        if s in _ADOPTED_IN_LAW:
            return cls((Step.CHILD,), spouse_of_child=_ADOPTED_IN_LAW[s])
        if s in _FORBIDDEN_PHRASES:
            raise _forbidden(s, [s], 0, _FORBIDDEN_PHRASES[s], field)
        parts = _split_words(s)
        steps: list[Step] = []
        unregistered: list[int] = []
        for index, part in enumerate(parts):
            word, marked = part, False
            if part.endswith(_UNREGISTERED) and part != _UNREGISTERED:
                word, marked = part.removesuffix(_UNREGISTERED), True
            if word in _STEP_WORDS:
                step = Step(word)
            elif word in _STANDALONE:
                raise JichiError(
                    STANDALONE_WORD, field=field, word=word, text=s, position=index + 1
                )
            elif word in _FORBIDDEN:
                raise _forbidden(word, parts, index, _FORBIDDEN[word], field)
            else:
                raise JichiError(UNKNOWN_WORD, field=field, text=s, part=part, position=index + 1)
            if marked and step not in _SPOUSES:
                raise JichiError(UNREGISTERED_NOT_SPOUSE, field=field, text=s, position=index + 1)
            steps.append(step)
            if marked:
                unregistered.append(index)
        if len(steps) > MAX_STEPS and deep_as_enko:
            _check_path(tuple(steps), s, field, deep_ok=True)  # still refuse 妻の妻 inside
            return ENKO
        try:
            return cls(tuple(steps), tuple(unregistered))
        except JichiError as error:
            error.field = field
            raise

    def render(self) -> str:
        """The text the registry writes: 世帯主, 子の子 (never 孫), 妻（未届） …"""
        if self.kind == "enko":
            return _ENKO_TEXT
        if self.kind == "dokyo":
            return _DOKYO_TEXT
        if not self.steps:
            return _HEAD_TEXT
        if self.spouse_of_child is not None:
            return f"子（子の{self.spouse_of_child}）"
        return "の".join(
            step + (_UNREGISTERED if index in self.unregistered_at else "")
            for index, step in enumerate(self.steps)
        )

    def __str__(self) -> str:
        return self.render()

    # -- questions the rest of jichi asks ----------------------------------------------

    @property
    def is_head(self) -> bool:
        return self.kind == "kin" and not self.steps

    @property
    def is_spouse(self) -> bool:
        """The head's 妻 or 夫, registered or （未届）."""
        return self.kind == "kin" and len(self.steps) == 1 and self.steps[0] in _SPOUSES

    @property
    def unregistered(self) -> bool:
        """True when the path carries （未届） anywhere (for 妻（未届）: the whole value)."""
        return bool(self.unregistered_at)

    @property
    def generation(self) -> int | None:
        """Generations above (+) or below (−) the head; ``None`` for 縁故者 and 同居人."""
        if self.kind != "kin":
            return None
        return sum(1 if s in _PARENTS else -1 if s is Step.CHILD else 0 for s in self.steps)

    def _links(self) -> tuple[tuple[Step, bool], ...]:
        return tuple((s, i in self.unregistered_at) for i, s in enumerate(self.steps))


def _check_path(steps: tuple[Step, ...], text: str, field: str, *, deep_ok: bool) -> None:
    """REL-005 (a spouse's spouse is the person themself) and REL-002 (more than four words)."""
    for index in range(len(steps) - 1):
        if steps[index] in _SPOUSES and steps[index + 1] in _SPOUSES:
            raise JichiError(
                SPOUSE_OF_SPOUSE,
                field=field,
                text=text,
                pair=steps[index] + "の" + steps[index + 1],
                position=index + 1,
                next_position=index + 2,
            )
    if len(steps) > MAX_STEPS and not deep_ok:
        raise JichiError(TOO_DEEP, field=field, text=text, steps=len(steps), max_steps=MAX_STEPS)


def _forbidden(
    word: str, parts: Sequence[str], index: int, rule: _Forbidden, field: str
) -> JichiError:
    """REL-003 with the replacement spelled out in the clerk's own path (妻の祖父 → 妻の父の父)."""
    if rule.options:
        candidates = [
            "の".join([*parts[:index], option, *parts[index + 1 :]]) for option in rule.options
        ]
        suggestion = _or_list(candidates) + "と入力してください。" + rule.advice_ja
    else:
        suggestion = rule.advice_ja
    return JichiError(
        FORBIDDEN_WORD,
        field=field,
        word=word,
        suggestion=suggestion,
        position=index + 1,
        word_en=rule.word_en,
        suggestion_en=rule.suggestion_en,
    )


HEAD = Relationship()
ENKO = Relationship(kind="enko")
DOKYO = Relationship(kind="dokyo")


def _from_links(links: Sequence[tuple[Step, bool]]) -> Relationship:
    """A derived path; deeper than four words it is 縁故者, as the spec says."""
    if len(links) > MAX_STEPS:
        return ENKO
    return Relationship(tuple(s for s, _ in links), tuple(i for i, (_, u) in enumerate(links) if u))


# --- the household ---------------------------------------------------------------------


def check_household(relationships: Mapping[str, Relationship]) -> None:
    """Exactly one 世帯主 and at most one spouse of the head (妻/夫, with or without （未届）).

    Japan has no plural marriage, and a spouse and an unregistered partner at once would make
    「妻」 in 妻の父 ambiguous; :func:`rebase` relies on this uniqueness.
    """
    heads = sum(1 for r in relationships.values() if r.is_head)
    if heads == 0:
        raise JichiError(NO_HEAD, field="relationships")
    if heads > 1:
        raise JichiError(SEVERAL_HEADS, field="relationships", count=heads)
    spouses = sum(1 for r in relationships.values() if r.is_spouse)
    if spouses > 1:
        raise JichiError(SEVERAL_SPOUSES, field="relationships", count=spouses)


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
    if step in _PARENTS:
        return "parent"
    if step in _SPOUSES:
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
        if step in _PARENTS:
            reversed_links.append((Step.CHILD, False))
            continue
        if sex is None:
            return None
        pick = 0 if sex is Sex.MALE else 1
        if step is Step.CHILD:
            word = _BY_SEX["parent"][pick]
        elif step in _SPOUSES:
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
        and all(s in _SPOUSES | _PARENTS for s in new.steps)
        and sum(1 for r in relationships.values() if r == new) == 1
    )
    result: dict[str, Relationship | None] = {}
    for member_id, rel in relationships.items():
        if member_id == new_head_id:
            result[member_id] = HEAD
        elif member_id == old_head_id:
            result[member_id] = None if reversed_path is None else _from_links(reversed_path)
        elif rel.kind != "kin" or rel.spouse_of_child is not None:
            result[member_id] = None
        else:
            links = rel._links()
            if names_one_person and links[: len(prefix)] == prefix:
                result[member_id] = _from_links(links[len(prefix) :])
            elif (
                reversed_path is not None
                and (
                    _category(reversed_path[-1][0]),
                    _category(links[0][0]),
                )
                in _CERTAIN_JOINS
            ):
                result[member_id] = _from_links(reversed_path + links)
            else:
                result[member_id] = None
    return result


# --- printing order (世帯連記式, spec 5.2) -----------------------------------------------

_GRANDPARENTS = frozenset((a, b) for a in _PARENTS for b in _PARENTS)


def _rank3_group(steps: tuple[Step, ...]) -> int | None:
    """3-1 父母, 3-2 兄弟姉妹, 3-3 祖父母; None for any other path."""
    if len(steps) == 1 and steps[0] in _PARENTS:
        return 1
    if len(steps) == 1 and steps[0] in _SIBLINGS:
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
    if steps[0] is Step.CHILD and all(s is Step.CHILD or s in _SPOUSES for s in steps):
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
    spouse_last = rel.spouse_of_child is not None or bool(rel.steps and rel.steps[-1] in _SPOUSES)
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
        if rel.kind == "kin" and rel.steps[0] in _SPOUSES:
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

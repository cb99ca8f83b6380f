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
2. **Recomputing on a change of head** (:mod:`jichi.registry.relationship_rebase`): when
   the 世帯主 changes, every member's 続柄 changes, and the facts' design note says never
   to re-key them by hand. Path algebra derives the ones that are certain; the others come
   back as ``None`` so the clerk confirms them.
3. **The printing order** of a 世帯連記式 copy (:mod:`jichi.registry.relationship_order`), which
   the spec (5.2) fixes in four ranks defined by these relationships.

Sources, and which rules are interpretations, are in ``docs/guide/relationship.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    "PARENTS",
    "SEVERAL_HEADS",
    "SEVERAL_SPOUSES",
    "SIBLINGS",
    "SPOUSES",
    "SPOUSE_OF_SPOUSE",
    "STANDALONE_WORD",
    "TOO_DEEP",
    "UNKNOWN_WORD",
    "UNREGISTERED_NOT_SPOUSE",
    "Kind",
    "Relationship",
    "Sex",
    "Step",
    "check_household",
    "from_links",
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
SPOUSES = frozenset({Step.WIFE, Step.HUSBAND})
PARENTS = frozenset({Step.FATHER, Step.MOTHER})
SIBLINGS = frozenset(
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
            if not 0 <= index < len(self.steps) or self.steps[index] not in SPOUSES:
                raise JichiError(
                    UNREGISTERED_NOT_SPOUSE, field="relationship", text=text, position=index + 1
                )
        if self.spouse_of_child is not None:
            if self.spouse_of_child not in SPOUSES:
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
            if marked and step not in SPOUSES:
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
        return self.kind == "kin" and len(self.steps) == 1 and self.steps[0] in SPOUSES

    @property
    def unregistered(self) -> bool:
        """True when the path carries （未届） anywhere (for 妻（未届）: the whole value)."""
        return bool(self.unregistered_at)

    @property
    def generation(self) -> int | None:
        """Generations above (+) or below (−) the head; ``None`` for 縁故者 and 同居人."""
        if self.kind != "kin":
            return None
        return sum(1 if s in PARENTS else -1 if s is Step.CHILD else 0 for s in self.steps)

    def _links(self) -> tuple[tuple[Step, bool], ...]:
        return tuple((s, i in self.unregistered_at) for i, s in enumerate(self.steps))


def _check_path(steps: tuple[Step, ...], text: str, field: str, *, deep_ok: bool) -> None:
    """REL-005 (a spouse's spouse is the person themself) and REL-002 (more than four words)."""
    for index in range(len(steps) - 1):
        if steps[index] in SPOUSES and steps[index + 1] in SPOUSES:
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


def from_links(links: Sequence[tuple[Step, bool]]) -> Relationship:
    """A derived path; deeper than four words it is 縁故者, as the spec says."""
    if len(links) > MAX_STEPS:
        return ENKO
    return Relationship(tuple(s for s, _ in links), tuple(i for i, (_, u) in enumerate(links) if u))


# --- the household ---------------------------------------------------------------------


def check_household(relationships: Mapping[str, Relationship]) -> None:
    """Exactly one 世帯主 and at most one spouse of the head (妻/夫, with or without （未届）).

    Japan has no plural marriage, and a spouse and an unregistered partner at once would make
    「妻」 in 妻の父 ambiguous; ``relationship_rebase.rebase`` relies on this uniqueness.
    """
    heads = sum(1 for r in relationships.values() if r.is_head)
    if heads == 0:
        raise JichiError(NO_HEAD, field="relationships")
    if heads > 1:
        raise JichiError(SEVERAL_HEADS, field="relationships", count=heads)
    spouses = sum(1 for r in relationships.values() if r.is_spouse)
    if spouses > 1:
        raise JichiError(SEVERAL_SPOUSES, field="relationships", count=spouses)

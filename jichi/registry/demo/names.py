"""Demo names and their readings, and the foreign residents' nationalities.

Japanese names come from the ``japanese-personal-name-dataset`` package (MIT): surnames
weighted by their estimated population, given names with every attested kanji spelling;
foreign residents' names from the small lists here.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from jichi.kernel.errors import JichiError
from jichi.kernel.text import hiragana_to_katakana, validate_name_kana

# --- names -------------------------------------------------------------------------


@dataclass(frozen=True)
class _GivenName:
    reading: str  # katakana
    spellings: tuple[str, ...]  # the most plausible spellings, best first
    weights: tuple[float, ...]


class _Names:
    """Japanese surnames and given names with their readings (japanese-personal-name-dataset).

    Surnames come with their estimated population and are drawn in proportion to it.  For
    given names the dataset lists, per reading, every kanji spelling attested for it, with no
    frequencies, and many readings and spellings are rare (ひろし has 313 spellings).  So:

    * readings are those of the package's curated popular list (``opti``) and those with at
      least 15 attested spellings (a rough sign of a common name);
    * names follow the fashion of the birth year in a crude way: 〜子・〜代・〜恵 for women
      and 〜夫・〜郎・〜三 for men mostly before 1990, hardly ever for children born since;
    * a reading's spellings are ranked by how well each kanji's share of the reading agrees
      with the rest of the dataset (弘 starts many names read ひろ…, 太 very few), and one of
      the best three is drawn, so ひろし is 宏史 or 弘, hardly ever 太.

    Every reading is the dataset's own, so a name and its reading always belong together.
    """

    MIN_SPELLINGS = 15
    OLD_ENDINGS: ClassVar[dict[str, tuple[str, ...]]] = {
        "female": ("こ", "よ", "え", "ゑ"),
        "male": ("お", "ろう", "ぞう", "じ", "きち", "さく", "べえ", "へい", "いち"),
    }

    def __init__(self) -> None:
        from japanese_personal_name_dataset import load_dataset

        man, woman, last = load_dataset(kind="org", include_last_names=True)
        popular_man, popular_woman = load_dataset(kind="opti")
        surnames = [
            (kanji, hiragana_to_katakana(entry["reading"]), entry["count"])
            for kanji, entry in last.items()
        ]
        self.surnames = [(k, r) for k, r, _ in surnames if _valid_kana(r)]
        self.surname_weights = list(_cumulative([c for _, r, c in surnames if _valid_kana(r)]))
        self._starts: Counter[tuple[str, str]] = Counter()
        self._ends: Counter[tuple[str, str]] = Counter()
        for names in (man, woman):
            for reading, entry in names.items():
                for spelling in entry["kanji"]:
                    for size in range(1, min(len(reading), 4) + 1):
                        self._starts[(spelling[0], reading[:size])] += 1
                        self._ends[(spelling[-1], reading[-size:])] += 1
        # sex → old-fashioned? → [(reading, spellings)]
        self.given: dict[str, dict[bool, list[tuple[str, list[str]]]]] = {}
        for sex, names, popular in (("male", man, popular_man), ("female", woman, popular_woman)):
            pools: dict[bool, list[tuple[str, list[str]]]] = {True: [], False: []}
            for reading, entry in names.items():
                common = reading in popular or len(entry["kanji"]) >= self.MIN_SPELLINGS
                if common and _valid_kana(hiragana_to_katakana(reading)):
                    old = reading.endswith(self.OLD_ENDINGS[sex])
                    pools[old].append((reading, list(entry["kanji"])))
            self.given[sex] = pools
        self._ranked: dict[tuple[str, str], _GivenName] = {}

    def surname(self, rng: random.Random) -> tuple[str, str]:
        return rng.choices(self.surnames, cum_weights=self.surname_weights)[0]

    def given_name(self, rng: random.Random, sex: str, born: int) -> tuple[str, str]:
        """(kanji, katakana reading) for someone born in the year ``born``."""
        if sex == "female":
            old_share = 0.8 if born < 1960 else 0.5 if born < 1985 else 0.1 if born < 2000 else 0
        else:
            old_share = 0.6 if born < 1960 else 0.3 if born < 1990 else 0.05 if born < 2000 else 0
        pools = self.given[sex]
        reading, spellings = rng.choice(pools[rng.random() < old_share] or pools[False])
        name = self._rank(sex, reading, spellings)
        return rng.choices(name.spellings, name.weights)[0], name.reading

    def _rank(self, sex: str, reading: str, spellings: list[str]) -> _GivenName:
        key = (sex, reading)
        if key not in self._ranked:
            scored = sorted(
                ((self._score(s, reading), s) for s in spellings if len(s) <= len(reading)),
                key=lambda pair: -pair[0],
            )[:3]
            if not scored or scored[0][0] <= 0:
                scored = [(1.0, spellings[0])]
            self._ranked[key] = _GivenName(
                hiragana_to_katakana(reading),
                tuple(s for _, s in scored),
                tuple(max(score, 0.01) for score, _ in scored),
            )
        return self._ranked[key]

    def _score(self, spelling: str, reading: str) -> float:
        """How well the kanji split the reading: the weakest kanji's support, best split."""
        if len(spelling) == 1:
            return 0.6 * self._starts[(spelling, reading[: min(2, len(reading))])]
        best = 0
        for split in _splits(reading, len(spelling)):
            support = []
            for index, (char, part) in enumerate(zip(spelling, split, strict=True)):
                if index == 0:
                    support.append(self._starts[(char, part)])
                elif index == len(spelling) - 1:
                    support.append(self._ends[(char, part)])
                else:
                    support.append(max(self._starts[(char, part)], self._ends[(char, part)]))
            best = max(best, min(support))
        return best * 0.25 ** max(0, len(spelling) - 2)


_SMALL = frozenset("ゃゅょぁぃぅぇぉっゎー")


def _splits(reading: str, parts: int) -> Iterator[tuple[str, ...]]:
    """Ways to cut a reading into ``parts`` non-empty pieces, none starting with a small kana."""
    if parts == 1:
        yield (reading,)
        return
    for cut in range(1, len(reading) - parts + 2):
        if reading[cut] in _SMALL:
            continue
        for rest in _splits(reading[cut:], parts - 1):
            yield (reading[:cut], *rest)


def _valid_kana(reading: str) -> bool:
    try:
        return validate_name_kana(reading) == reading
    except JichiError:
        return False


def _cumulative(weights: Sequence[int]) -> Iterator[int]:
    total = 0
    for weight in weights:
        total += max(weight, 1)
        yield total


@functools.cache
def _names() -> _Names:
    return _Names()


# Foreign residents: names as on the residence card (Latin letters; 漢字 where the card may
# carry them), with the katakana reading a counter would write.  Wives keep their own
# surname where their country's custom is to (China, Korea, Vietnam).
_Name = tuple[str, str, str]  # written, katakana, Latin


@dataclass(frozen=True)
class _Nationality:
    name: str  # 国籍・地域 as recorded
    weight: float  # share among foreign residents in Japan (出入国在留管理庁, 2023, rounded)
    surnames: tuple[_Name, ...]
    male: tuple[_Name, ...]
    female: tuple[_Name, ...]
    keeps_surname: bool
    statuses: tuple[tuple[str, float], ...]  # 在留資格 of a person who comes alone


_NATIONALITIES: tuple[_Nationality, ...] = (
    _Nationality(
        "中国",
        0.24,
        (
            ("王", "ワン", "WANG"),
            ("李", "リ", "LI"),
            ("張", "チャン", "ZHANG"),
            ("劉", "リュウ", "LIU"),
            ("陳", "チェン", "CHEN"),
            ("楊", "ヤン", "YANG"),
            ("趙", "チャオ", "ZHAO"),
            ("周", "ジョウ", "ZHOU"),
        ),
        (
            ("偉", "ウェイ", "WEI"),
            ("浩", "ハオ", "HAO"),
            ("磊", "レイ", "LEI"),
            ("明", "ミン", "MING"),
            ("傑", "ジエ", "JIE"),
            ("宇航", "ユーハン", "YUHANG"),
        ),
        (
            ("芳", "ファン", "FANG"),
            ("静", "ジン", "JING"),
            ("敏", "ミン", "MIN"),
            ("麗", "リー", "LI"),
            ("婷", "ティン", "TING"),
            ("雪梅", "シュエメイ", "XUEMEI"),
        ),
        True,
        (("技術・人文知識・国際業務", 0.4), ("留学", 0.35), ("永住者", 0.25)),
    ),
    _Nationality(
        "ベトナム",
        0.16,
        (
            ("NGUYEN", "グエン", "NGUYEN"),
            ("TRAN", "チャン", "TRAN"),
            ("LE", "レー", "LE"),
            ("PHAM", "ファム", "PHAM"),
            ("HOANG", "ホアン", "HOANG"),
            ("VU", "ヴー", "VU"),
            ("DO", "ドー", "DO"),
        ),
        (
            ("VAN HUNG", "ヴァン・フン", "VAN HUNG"),
            ("VAN NAM", "ヴァン・ナム", "VAN NAM"),
            ("DUC ANH", "ドゥック・アイン", "DUC ANH"),
            ("MINH TUAN", "ミン・トゥアン", "MINH TUAN"),
            ("QUANG HUY", "クアン・フイ", "QUANG HUY"),
        ),
        (
            ("THI HOA", "ティ・ホア", "THI HOA"),
            ("THI LAN", "ティ・ラン", "THI LAN"),
            ("THI HUONG", "ティ・フオン", "THI HUONG"),
            ("THU TRANG", "トゥー・チャン", "THU TRANG"),
            ("NGOC ANH", "ゴック・アイン", "NGOC ANH"),
        ),
        True,
        (("技能実習", 0.5), ("技術・人文知識・国際業務", 0.25), ("留学", 0.25)),
    ),
    _Nationality(
        "韓国",
        0.13,
        (
            ("金", "キム", "KIM"),
            ("李", "イ", "LEE"),
            ("朴", "パク", "PARK"),
            ("崔", "チェ", "CHOI"),
            ("鄭", "チョン", "JUNG"),
            ("姜", "カン", "KANG"),
        ),
        (
            ("民俊", "ミンジュン", "MINJUN"),
            ("志勲", "ジフン", "JIHOON"),
            ("成浩", "ソンホ", "SUNGHO"),
            ("英哲", "ヨンチョル", "YOUNGCHUL"),
            ("東秀", "ドンス", "DONGSOO"),
        ),
        (
            ("秀珍", "スジン", "SUJIN"),
            ("美英", "ミヨン", "MIYOUNG"),
            ("恩恵", "ウネ", "EUNHYE"),
            ("智恩", "ジウン", "JIEUN"),
            ("順子", "スンジャ", "SOONJA"),
        ),
        True,
        (("特別永住者", 0.6), ("技術・人文知識・国際業務", 0.25), ("留学", 0.15)),
    ),
    _Nationality(
        "フィリピン",
        0.09,
        (
            ("SANTOS", "サントス", "SANTOS"),
            ("REYES", "レイエス", "REYES"),
            ("CRUZ", "クルス", "CRUZ"),
            ("BAUTISTA", "バウティスタ", "BAUTISTA"),
            ("GARCIA", "ガルシア", "GARCIA"),
            ("MENDOZA", "メンドーサ", "MENDOZA"),
        ),
        (
            ("JOHN PAUL", "ジョン・ポール", "JOHN PAUL"),
            ("MARK", "マーク", "MARK"),
            ("JOSE", "ホセ", "JOSE"),
            ("RAMON", "ラモン", "RAMON"),
        ),
        (
            ("MARIA CRISTINA", "マリア・クリスティーナ", "MARIA CRISTINA"),
            ("JOY", "ジョイ", "JOY"),
            ("ANGELICA", "アンジェリカ", "ANGELICA"),
            ("MARICEL", "マリセル", "MARICEL"),
            ("ROSALIE", "ロザリー", "ROSALIE"),
        ),
        False,
        (("永住者", 0.5), ("技能実習", 0.5)),
    ),
    _Nationality(
        "ブラジル",
        0.06,
        (
            ("SILVA", "シルバ", "SILVA"),
            ("OLIVEIRA", "オリベイラ", "OLIVEIRA"),
            ("SOUZA", "ソウザ", "SOUZA"),
            ("PEREIRA", "ペレイラ", "PEREIRA"),
            ("COSTA", "コスタ", "COSTA"),
            ("NAKAMURA", "ナカムラ", "NAKAMURA"),
        ),
        (
            ("LUCAS", "ルーカス", "LUCAS"),
            ("GABRIEL", "ガブリエル", "GABRIEL"),
            ("RAFAEL", "ラファエル", "RAFAEL"),
            ("PEDRO", "ペドロ", "PEDRO"),
            ("MARCOS", "マルコス", "MARCOS"),
        ),
        (
            ("ANA", "アナ", "ANA"),
            ("JULIANA", "ジュリアナ", "JULIANA"),
            ("FERNANDA", "フェルナンダ", "FERNANDA"),
            ("MARIANA", "マリアナ", "MARIANA"),
            ("CAMILA", "カミラ", "CAMILA"),
        ),
        False,
        (("永住者", 1.0),),
    ),
    _Nationality(
        "ネパール",
        0.05,
        (
            ("GURUNG", "グルン", "GURUNG"),
            ("THAPA", "タパ", "THAPA"),
            ("SHRESTHA", "シュレスタ", "SHRESTHA"),
            ("TAMANG", "タマン", "TAMANG"),
            ("RAI", "ライ", "RAI"),
        ),
        (
            ("RAM BAHADUR", "ラム・バハドゥル", "RAM BAHADUR"),
            ("BIKASH", "ビカス", "BIKASH"),
            ("SURESH", "スレス", "SURESH"),
            ("ANIL", "アニル", "ANIL"),
        ),
        (
            ("SITA", "シタ", "SITA"),
            ("ANJALI", "アンジャリ", "ANJALI"),
            ("SARITA", "サリタ", "SARITA"),
            ("PUJA", "プジャ", "PUJA"),
        ),
        False,
        (("留学", 0.5), ("技術・人文知識・国際業務", 0.5)),
    ),
)

# 在留資格 → (在留期間 choices, ages of a person who holds it alone)
_STAYS: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {
    "技能実習": (("1年", "2年"), (19, 35)),
    "留学": (("1年3月", "2年", "2年3月"), (18, 30)),
    "技術・人文知識・国際業務": (("1年", "3年", "5年"), (22, 45)),
    "家族滞在": (("1年", "3年", "5年"), (0, 60)),
    "永住者": (("",), (25, 80)),
    "特別永住者": (("",), (30, 95)),
}

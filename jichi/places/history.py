"""Places in time: which municipality held a code on a given day, and what it was called.

The bundled change history (``municipality_code_changes_1970-2024.csv``, e-Stat「廃置分合等情報」
as parsed by jpcity) lists every code change from 1970-04-20 to 2024-01-01, one row per
(old → new) pair, but no list of the municipalities as they were in 1970.  The bundled
総務省 list is the state after the last change, so the past is rebuilt by replaying the
history *backwards* from it: undoing a day's rows ends the periods that began that day and
brings back the codes they replaced.  Everything is derived from the two shipped files;
nothing about a particular date or count is written into the code.

A :class:`Period` is one code under one name and kind, valid from ``valid_from`` (inclusive)
to ``valid_to`` (exclusive; ``None`` = still valid).  A change takes effect on its date: on
2005-04-01 (串本町の新設) the new code answers and the old ones do not.  Periods that began
before the history (``valid_from is None``) are known from 1970-04-20 on; earlier days are
refused (PLC-011) rather than answered from a list that may already be wrong.

Edges link periods through every 新設合併, 編入合併, 市制施行, 名称変更, 政令指定都市施行, 分割,
分離 and 区の再編.  A 編入 leaves the absorbing municipality's period running (its code and
legal identity continue); a 新設 ends every party's period, even the one whose code and name
the new municipality reuses, because the new one is a new legal person.  Rows about 郡 and
支庁 (郡の廃止, 郡の新設, renamed 振興局) name no municipality and are skipped.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable

from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import hiragana_to_katakana
from jichi.places.catalog import (
    MUNICIPALITY,
    Catalog,
    CatalogDataError,
    default_catalog,
    name_key,
    normalize_code,
    parse_kind,
    reading_key,
)
from jichi.places.model import Kind, LocalGovernment

NOT_ON_DATE = define(
    "PLC-010",
    "{on}には団体コード{code}の団体はありません。",
    "no local government had the code {code} on {on}",
    http_status=404,
    params=("code", "on"),
)
BEFORE_HISTORY = define(
    "PLC-011",
    "{on}の団体は分かりません。同梱の変更履歴は{start}からです。",
    "the bundled change history starts on {start}; {on} is before it",
    params=("on", "start"),
)

HISTORY_FILE = "municipality_code_changes_1970-2024.csv"

# Rows that bring codes into the list without a predecessor (no ``from``).
_ARRIVALS = frozenset({"区の新設|郡の新設", "沖縄返還", "北方領土"})
# Rows after which the ``from`` municipality carries on (only part of it moves).
_FROM_CONTINUES = frozenset({"分離"})
# Rows after which the ``to`` municipality carries on (it absorbs the ``from``).
_TO_CONTINUES = frozenset({"編入合併"})


@dataclass(frozen=True)
class Period:
    """One code under one name and kind, valid from ``valid_from`` until ``valid_to``.

    ``place`` has the same shape as the current catalogue's entries, so a period prints
    with the same JSON as today's list.  ``valid_from`` is ``None`` for a period already
    running when the history starts; ``valid_to`` is the first day it no longer holds
    (``None``: it still does).
    """

    place: LocalGovernment
    valid_from: date | None
    valid_to: date | None
    number: int = field(compare=False, default=0)

    @property
    def code(self) -> str:
        return self.place.code

    def holds_on(self, on: date) -> bool:
        """True if this period is the one in force on ``on``."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on < self.valid_to
        )


@dataclass(frozen=True)
class Change:
    """One edge of the graph: ``before`` became (part of) ``after`` on ``on`` by ``kind``."""

    on: date
    kind: str
    before: Period
    after: Period
    event: str


@dataclass(frozen=True)
class Counts:
    """How many there were on one day: 市町村 (the published headline figure) and 特別区."""

    on: date
    municipalities: int
    special_wards: int

    @property
    def with_special_wards(self) -> int:
        """市区町村: 市町村 plus Tokyo's 特別区 (1,741 today)."""
        return self.municipalities + self.special_wards


def default_history() -> History:
    """The history of the bundled data, built on the first call and shared after."""
    return _default_history()


@functools.cache
def _default_history() -> History:
    return History(catalog=default_catalog())


class History:
    """Every period of every code from 1970-04-20 to the catalogue's date, and their edges."""

    def __init__(
        self,
        source: str | os.PathLike[str] | Traversable | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        if source is None:
            source = resources.files("jichi.places") / "data" / HISTORY_FILE
        if isinstance(source, (str, os.PathLike)):
            with open(source, encoding="utf-8", newline="") as handle:
                text = handle.read()
        else:
            text = source.read_text(encoding="utf-8")
        self.catalog = catalog if catalog is not None else default_catalog()
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows:
            raise CatalogDataError(f"{HISTORY_FILE} is empty")
        self.start: date = min(date.fromisoformat(r["date"]) for r in rows)
        self.end: date = max(date.fromisoformat(r["date"]) for r in rows)
        periods, changes = _replay(rows, self.catalog)
        self._periods: tuple[Period, ...] = tuple(periods)
        self._by_code: dict[str, list[Period]] = defaultdict(list)
        for period in periods:
            self._by_code[period.code].append(period)
        for code_periods in self._by_code.values():
            code_periods.sort(key=_start_key)
        self._before: dict[int, list[Change]] = defaultdict(list)
        self._after: dict[int, list[Change]] = defaultdict(list)
        for change in changes:
            self._before[change.after.number].append(change)
            self._after[change.before.number].append(change)
        self._change_dates: tuple[date, ...] = tuple(
            sorted(
                {p.valid_from for p in periods if p.valid_from is not None}
                | {p.valid_to for p in periods if p.valid_to is not None}
            )
        )

    def __iter__(self) -> Iterator[Period]:
        return iter(self._periods)

    def periods_of(self, code: str) -> list[Period]:
        """Every period of one code, oldest first (several if it was renamed or reused)."""
        return list(self._by_code.get(normalize_code(code), ()))

    def as_of(self, code: str, on: date) -> Period:
        """The period holding ``code`` on ``on``; PLC-010 (404) if none, PLC-011 if too early."""
        self._check_date(on)
        normalized = normalize_code(code)
        for period in self._by_code.get(normalized, ()):
            if period.holds_on(on):
                return period
        raise JichiError(NOT_ON_DATE, field="code", code=normalized, on=on.isoformat())

    def list_as_of(
        self,
        on: date,
        prefecture: str | int | None = None,
        kind: Kind | str | None = None,
    ) -> list[LocalGovernment]:
        """The local governments on ``on``, filtered as :meth:`Catalog.list` filters today's."""
        self._check_date(on)
        selected = [p.place for p in self._periods if p.holds_on(on)]
        if prefecture is not None:
            code = self.catalog.get_prefecture(prefecture).prefecture_code
            selected = [lg for lg in selected if lg.prefecture_code == code]
        if kind is not None:
            wanted = parse_kind(kind)
            if wanted == MUNICIPALITY:
                selected = [lg for lg in selected if lg.is_municipality]
            else:
                selected = [lg for lg in selected if lg.kind is wanted]
        return sorted(selected, key=lambda lg: lg.code)

    def search(self, text: str, among: Iterable[LocalGovernment]) -> list[LocalGovernment]:
        """Those of ``among`` whose name contains ``text`` or whose reading starts with it.

        The past's names are matched as :meth:`Catalog.search` matches today's (widths,
        hiragana/katakana and small kana folded), so ``?q=`` means the same with ``as_of``.
        """
        name = name_key(text)
        reading = reading_key(text)
        if not name:
            return []
        return [
            lg
            for lg in among
            if name in name_key(lg.name) or reading_key(lg.reading).startswith(reading)
        ]

    def predecessors(self, period: Period) -> list[Change]:
        """The changes that made ``period`` (what it came from), in code order."""
        return sorted(self._before.get(period.number, ()), key=lambda c: c.before.code)

    def successors(self, period: Period) -> list[Change]:
        """The changes that ended or split ``period`` (what it went into)."""
        return sorted(self._after.get(period.number, ()), key=lambda c: c.after.code)

    def lineage(self, period: Period, *, forward: bool) -> list[Period]:
        """Every period reachable through successors (``forward``) or predecessors, in order
        of the graph walk (nearest first), without ``period`` itself."""
        seen = {period.number}
        found: list[Period] = []
        frontier = [period]
        while frontier:
            nxt: list[Period] = []
            for current in frontier:
                edges = self.successors(current) if forward else self.predecessors(current)
                for change in edges:
                    other = change.after if forward else change.before
                    if other.number not in seen:
                        seen.add(other.number)
                        found.append(other)
                        nxt.append(other)
            frontier = nxt
        return found

    def count(self, on: date) -> Counts:
        """市町村 and 特別区 on ``on`` (北方領土の6村 are listed but, as published, not counted)."""
        self._check_date(on)
        municipalities = special_wards = 0
        for period in self._periods:
            if period.holds_on(on) and period.place.is_municipality:
                if period.place.kind is Kind.SPECIAL_WARD:
                    special_wards += 1
                else:
                    municipalities += 1
        return Counts(on, municipalities, special_wards)

    def counts_over_time(self) -> list[Counts]:
        """The counts on the first day of the history and on every day something changed."""
        days = sorted({self.start, *self._change_dates})
        # One pass per day would be 2,000 × 5,000; sweep start/end events instead.
        delta: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        base = [0, 0]
        for period in self._periods:
            if not period.place.is_municipality:
                continue
            slot = 1 if period.place.kind is Kind.SPECIAL_WARD else 0
            if period.valid_from is None or period.valid_from <= self.start:
                base[slot] += 1
            else:
                delta[period.valid_from][slot] += 1
            if period.valid_to is not None:
                if period.valid_to <= self.start:
                    base[slot] -= 1
                else:
                    delta[period.valid_to][slot] -= 1
        counts: list[Counts] = []
        running = list(base)
        for day in days:
            if day != self.start:
                running[0] += delta[day][0]
                running[1] += delta[day][1]
            counts.append(Counts(day, running[0], running[1]))
        return counts

    def change_dates(self) -> tuple[date, ...]:
        """Every day on which at least one municipal code or name changed."""
        return self._change_dates

    def _check_date(self, on: date) -> None:
        if on < self.start:
            raise JichiError(
                BEFORE_HISTORY, field="as_of", on=on.isoformat(), start=self.start.isoformat()
            )


def _start_key(period: Period) -> date:
    return period.valid_from or date.min


# --------------------------------------------------------------------- the replay


@dataclass
class _Open:
    """A period being built: known end, start found when its creating row is undone."""

    place: LocalGovernment
    valid_to: date | None
    number: int
    valid_from: date | None = None


def _replay(rows: list[dict[str, str]], catalog: Catalog) -> tuple[list[Period], list[Change]]:
    """Undo the history day by day, newest first, starting from the catalogue's list."""
    counter = iter(range(1, 1_000_000))
    alive: dict[str, _Open] = {}
    for lg in catalog:
        if not lg.is_prefecture:
            alive[lg.code] = _Open(lg, None, next(counter))
    closed: list[_Open] = []
    edges: list[tuple[date, str, _Open, _Open, str]] = []
    by_day: dict[date, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if _names_a_municipality(row):
            by_day[date.fromisoformat(row["date"])].append(row)
    for day in sorted(by_day, reverse=True):
        for step in reversed(_steps(by_day[day])):
            _undo(day, step, alive, closed, edges, counter, catalog)
    opened = closed + list(alive.values())
    periods = {o.number: _freeze(o) for o in opened}
    # The file repeats some rows (上九一色村 → 甲府市, 2006-03-01, twice): one edge each.
    unique = {(day, kind, b.number, a.number): event for day, kind, b, a, event in edges}
    changes = [
        Change(day, kind, periods[before], periods[after], event)
        for (day, kind, before, after), event in unique.items()
    ]
    prefectures = _prefecture_periods(catalog, list(periods.values()), counter)
    return [*periods.values(), *prefectures], changes


def _names_a_municipality(row: dict[str, str]) -> bool:
    """False for rows about 郡 and 支庁 only (郡の廃止, 郡の新設, renamed 振興局)."""
    if row["type"] == "郡の廃止":
        return False
    return bool(row["to_name"] or row["from_name"])


def _has_before(row: dict[str, str]) -> bool:
    """Whether a row names the municipality it came from.

    Arrivals have none.  jpcity parses one 郡の区域変更 (鳳至郡 → 鳳珠郡, 2005-03-01) as a cross
    product that includes the 郡 itself as a ``from`` and pairs 穴水町 with 門前町; a change
    of 郡 never renames, so only same-name pairs are edges (docs/guide/places.md).
    """
    if row["type"] in _ARRIVALS or not row["from_name"]:
        return False
    return row["type"] != "郡の区域変更" or row["from_name"] == row["to_name"]


def _steps(rows: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """A day's rows in the order they took effect.

    Usually all at once; but a day may absorb a village into a town and then make the
    town a city (鹿島町 → 鹿嶋市, 1995-09-01), or rename a town and then make it a city
    (三好町 → みよし町 → みよし市, 2010-01-04).  A row whose ``from`` is another row's new
    ``to`` comes after it (a row keeping its code, 神川町 → 神川町, depends on nothing).
    """
    remaining = list(rows)
    steps: list[list[dict[str, str]]] = []
    while remaining:
        first = [
            r
            for r in remaining
            if not r["from_code"]
            or r["from_code"] == r["to_code"]
            or not any(s is not r and s["to_code"] == r["from_code"] for s in remaining)
        ]
        if not first:  # a cycle would be a data error; take the rest together
            first = remaining
        steps.append(first)
        remaining = [r for r in remaining if r not in first]
    return steps


def _undo(
    day: date,
    rows: list[dict[str, str]],
    alive: dict[str, _Open],
    closed: list[_Open],
    edges: list[tuple[date, str, _Open, _Open, str]],
    counter: Iterator[int],
    catalog: Catalog,
) -> None:
    """Undo one step of one day: end what began, bring back what ended."""
    afters: list[tuple[dict[str, str], _Open]] = []
    began: set[str] = set()
    for row in rows:
        code = row["to_code"]
        after = alive.get(code)
        if after is None:
            raise CatalogDataError(
                f"{HISTORY_FILE}: {day} {row['type']} makes {code}, unknown after that day"
            )
        afters.append((row, after))
        if row["type"] not in _TO_CONTINUES:
            began.add(code)
    for code in began:
        opened = alive.pop(code)
        opened.valid_from = day
        closed.append(opened)
    for row, after in afters:
        if not _has_before(row):
            continue
        code = row["from_code"]
        if row["type"] in _FROM_CONTINUES:
            before = alive[code]
        elif code in alive and alive[code].valid_to == day:
            before = alive[code]  # two rows from one code on one day (上九一色村, 分割)
        else:
            if code in alive:
                raise CatalogDataError(f"{HISTORY_FILE}: {day} ends {code}, which runs on")
            before = _Open(_place_before(row, alive, catalog), day, next(counter))
            alive[code] = before
        edges.append((day, row["type"], before, after, row["event"]))


def _place_before(
    row: dict[str, str], alive: dict[str, _Open], catalog: Catalog
) -> LocalGovernment:
    """The ``from`` side of a row as a catalogue entry (kind from its name and code)."""
    code = row["from_code"]
    name = row["from_name"]
    district = row["from_district"]
    prefecture = catalog.get_prefecture(code[:2])
    kind = _kind_of(code, name, district)
    parent = prefecture.code
    if kind is Kind.DESIGNATED_CITY_WARD:
        city = next(
            (
                o
                for o in alive.values()
                if o.place.kind is Kind.DESIGNATED_CITY
                and o.place.name == district
                and o.place.prefecture_code == code[:2]
            ),
            None,
        )
        parent = city.place.code if city is not None else prefecture.code
        name = district + name
    reading = hiragana_to_katakana(row["from_kana"])
    return LocalGovernment(
        code=code,
        prefecture_code=code[:2],
        prefecture=prefecture.prefecture,
        name=name,
        name_kana=reading,
        reading=reading,
        kind=kind,
        parent_code=parent,
    )


def _kind_of(code: str, name: str, district: str) -> Kind:
    """A historical entry's kind: 行政区 and 指定都市 by code, the rest by the name's end."""
    if name.endswith("区"):
        if code.startswith("13") and code[2] == "1":
            return Kind.SPECIAL_WARD
        return Kind.DESIGNATED_CITY_WARD
    if name.endswith("市"):
        return Kind.DESIGNATED_CITY if code[2] == "1" and code[4] == "0" else Kind.CITY
    if name.endswith("町"):
        return Kind.TOWN
    if name.endswith("村"):
        return Kind.VILLAGE
    raise CatalogDataError(f"{HISTORY_FILE}: cannot tell the kind of {code} {name!r}")


def _freeze(opened: _Open) -> Period:
    return Period(opened.place, opened.valid_from, opened.valid_to, opened.number)


def _prefecture_periods(
    catalog: Catalog, periods: list[Period], counter: Iterator[int]
) -> list[Period]:
    """Prefectures, valid from the day their first municipality is (沖縄県: its return)."""
    earliest: dict[str, date] = {}
    for period in periods:
        code = period.place.prefecture_code
        start = period.valid_from or date.min
        earliest[code] = min(start, earliest.get(code, date.max))
    return [
        Period(lg, _or_none(earliest.get(lg.prefecture_code, date.min)), None, next(counter))
        for lg in catalog.list(kind=Kind.PREFECTURE)
    ]


def _or_none(day: date) -> date | None:
    return None if day == date.min else day


__all__ = [
    "BEFORE_HISTORY",
    "NOT_ON_DATE",
    "Change",
    "Counts",
    "History",
    "Period",
    "default_history",
]

"""The catalogue of local governments, loaded from the bundled 総務省 list.

``default_catalog()`` loads ``data/local_government_codes.csv`` once per process, on first
use (nothing happens at import time).  Loading checks the data it ships: every code's check
digit and the published counts (47 prefectures, 1,741 市区町村, 171 行政区, 6 北方領土の村,
1,965 codes), so a damaged package fails loudly instead of answering wrongly.

Look-ups accept what people type: codes with or without the check digit, full-width digits
and hyphens; names with or without the prefecture (「府中市」 is two places); readings in
hiragana or katakana of either width.  The source writes some readings without small kana
(行田市 ｷﾞﾖｳﾀﾞｼ) and most with them, so readings are compared with small kana folded to large.
"""

from __future__ import annotations

import builtins
import csv
import functools
import io
import os
from collections import Counter
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable

from jichi.kernel.errors import JichiError, define
from jichi.kernel.identifiers import IdKind, normalize_digits, validate, with_check_digit
from jichi.kernel.text import hiragana_to_katakana, normalize_width, to_fullwidth_katakana
from jichi.places.model import Kind, LocalGovernment

UNKNOWN_CODE = define(
    "PLC-001",
    "地方公共団体コード{code}の団体は見つかりません。",
    "no local government has the code {code}",
    http_status=404,
    params=("code",),
)
UNKNOWN_PREFECTURE = define(
    "PLC-002",
    "都道府県「{prefecture}」が見つかりません。2桁の都道府県コードか名前で指定してください。",
    "unknown prefecture {prefecture!r}; give its 2-digit code or its name",
    params=("prefecture",),
)
UNKNOWN_KIND = define(
    "PLC-003",
    "団体の種類「{kind}」は扱えません（{allowed}）。",
    "unknown kind of local government {kind!r}; expected one of {allowed}",
    params=("kind", "allowed"),
)

MUNICIPALITY = "municipality"
"""The ``kind`` filter meaning the 1,741 市区町村 (see :attr:`LocalGovernment.is_municipality`)."""

EXPECTED_COUNTS: dict[str, int] = {
    "prefecture": 47,
    "municipality": 1741,
    "designated_city_ward": 171,
    "northern_territories": 6,
    "total": 1965,
}

DATA_FILE = "local_government_codes.csv"
_COLUMNS = (
    "code",
    "prefecture_code",
    "prefecture",
    "name",
    "prefecture_kana",
    "name_kana",
    "kind",
    "parent_code",
    "northern_territories",
)


class CatalogDataError(RuntimeError):
    """The bundled data is damaged: a packaging bug, not a user's mistake."""


def default_catalog() -> Catalog:
    """The catalogue of the bundled data, loaded on the first call and shared after."""
    return _default_catalog()


@functools.cache
def _default_catalog() -> Catalog:
    return Catalog()


class Catalog:
    """Every local government in the bundled list, in code order."""

    def __init__(self, source: str | os.PathLike[str] | Traversable | None = None) -> None:
        if source is None:
            source = resources.files("jichi.places") / "data" / DATA_FILE
        if isinstance(source, (str, os.PathLike)):
            with open(source, encoding="utf-8", newline="") as handle:
                text = handle.read()
        else:
            text = source.read_text(encoding="utf-8")
        entries = sorted(_parse(text), key=lambda lg: lg.code)
        self._entries: tuple[LocalGovernment, ...] = tuple(entries)
        self._by_code: dict[str, LocalGovernment] = {lg.code: lg for lg in entries}
        if len(self._by_code) != len(entries):
            duplicates = [c for c, n in Counter(lg.code for lg in entries).items() if n > 1]
            raise CatalogDataError(f"duplicate codes in {DATA_FILE}: {duplicates[:5]}")
        _check(entries, self._by_code)
        self._prefectures: dict[str, LocalGovernment] = {
            lg.prefecture_code: lg for lg in entries if lg.kind is Kind.PREFECTURE
        }
        self._children: dict[str, builtins.list[LocalGovernment]] = {}
        for lg in entries:
            if lg.parent_code is not None:
                self._children.setdefault(lg.parent_code, []).append(lg)
        self._by_name: dict[str, builtins.list[LocalGovernment]] = {}
        for lg in entries:
            keys = {_name_key(lg.name), _name_key(lg.display_name)}
            for key in keys:
                self._by_name.setdefault(key, []).append(lg)
        # Search keys, computed once: name, reading, and for a ward the reading after its city.
        self._search_keys: builtins.list[tuple[LocalGovernment, str, tuple[str, ...]]] = []
        for lg in entries:
            readings = [_reading_key(lg.reading)]
            if lg.kind is Kind.DESIGNATED_CITY_WARD and lg.parent_code is not None:
                city = _reading_key(self._by_code[lg.parent_code].reading)
                if readings[0].startswith(city):
                    readings.append(readings[0][len(city) :])
            self._search_keys.append((lg, _name_key(lg.name), tuple(readings)))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[LocalGovernment]:
        return iter(self._entries)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def get(self, code: str) -> LocalGovernment:
        """The local government with this code.

        Accepts the 6-digit code, or the 5-digit code without its check digit, with
        full-width digits, spaces or hyphens.  A malformed code raises the identifier
        error of :func:`jichi.kernel.identifiers.validate` (ID-00x); a well-formed code
        that names nothing raises PLC-001 (HTTP 404).
        """
        normalized = normalize_code(code)
        try:
            return self._by_code[normalized]
        except KeyError:
            raise JichiError(UNKNOWN_CODE, field="code", code=normalized) from None

    def get_prefecture(self, value: str | int) -> LocalGovernment:
        """A prefecture by its 2-digit code (``13``, ``１３``, ``1``), 6-digit code or name.

        Names may omit 都・府・県 (``東京``, ``大阪``); anything else raises PLC-002.
        """
        text = _name_key(str(value))
        digits = normalize_digits(text)
        if digits.isascii() and digits.isdigit():
            if len(digits) <= 2 and (found := self._prefectures.get(digits.zfill(2))):
                return found
            if len(digits) == 6 and (lg := self._by_code.get(digits)) and lg.is_prefecture:
                return lg
        for prefecture in self._prefectures.values():
            name = prefecture.prefecture
            if text in (name, name if name == "北海道" else name[:-1]):
                return prefecture
        raise JichiError(UNKNOWN_PREFECTURE, field="prefecture", prefecture=str(value))

    def prefecture_of(self, lg: LocalGovernment | str) -> LocalGovernment:
        """The prefecture a local government lies in (a prefecture is its own)."""
        lg = self._resolve(lg)
        return self._prefectures[lg.prefecture_code]

    def parent_of(self, lg: LocalGovernment | str) -> LocalGovernment | None:
        """A ward's designated city, a municipality's prefecture; None for a prefecture."""
        lg = self._resolve(lg)
        return None if lg.parent_code is None else self._by_code[lg.parent_code]

    def children(self, lg: LocalGovernment | str) -> builtins.list[LocalGovernment]:
        """Direct children: a prefecture's municipalities, a designated city's wards."""
        lg = self._resolve(lg)
        return builtins.list(self._children.get(lg.code, ()))

    def find_by_name(self, text: str) -> builtins.list[LocalGovernment]:
        """Every local government whose name is exactly ``text``, with or without prefecture.

        ``府中市`` gives 東京都府中市 and 広島県府中市; ``東京都府中市`` gives one.  Wards are
        named with their city (``札幌市中央区``).  Spaces are ignored and ヶ equals ケ.
        """
        return builtins.list(self._by_name.get(_name_key(text), ()))

    def search(self, text: str) -> builtins.list[LocalGovernment]:
        """Local governments whose name contains ``text`` or whose reading starts with it.

        A name may be preceded by its prefecture (``東京都府中``).  Readings may be typed in
        hiragana or in full- or half-width katakana; small kana match large ones.  A ward is
        also found by the reading of its own part (``ちゅうおうく``).  Results are in code
        order; an empty query finds nothing.
        """
        name = _name_key(text)
        reading = _reading_key(text)
        if not name:
            return []
        scoped: tuple[str, str] | None = None
        for prefecture in self._prefectures.values():
            if name.startswith(prefecture.prefecture) and len(name) > len(prefecture.prefecture):
                scoped = (prefecture.prefecture_code, name[len(prefecture.prefecture) :])
                break
        found = []
        for lg, name_key, readings in self._search_keys:
            if (
                name in name_key
                or any(r.startswith(reading) for r in readings)
                or (
                    scoped is not None
                    and lg.prefecture_code == scoped[0]
                    and not lg.is_prefecture
                    and scoped[1] in name_key
                )
            ):
                found.append(lg)
        return found

    def list(
        self,
        prefecture: str | int | None = None,
        kind: Kind | str | None = None,
    ) -> builtins.list[LocalGovernment]:
        """Local governments in code order, optionally of one prefecture and one kind.

        ``kind`` is a :class:`Kind` (or its value) or ``"municipality"`` for the 1,741
        市区町村.  ``Kind.VILLAGE`` includes the 6 北方領土 villages; ``"municipality"`` does not.
        """
        selected: tuple[LocalGovernment, ...] | builtins.list[LocalGovernment] = self._entries
        if prefecture is not None:
            code = self.get_prefecture(prefecture).prefecture_code
            selected = [lg for lg in selected if lg.prefecture_code == code]
        if kind is not None:
            wanted = parse_kind(kind)
            if wanted == MUNICIPALITY:
                selected = [lg for lg in selected if lg.is_municipality]
            else:
                selected = [lg for lg in selected if lg.kind is wanted]
        return builtins.list(selected)

    def _resolve(self, lg: LocalGovernment | str) -> LocalGovernment:
        return lg if isinstance(lg, LocalGovernment) else self.get(lg)


def normalize_code(value: str) -> str:
    """A 6-digit code from what was typed: 5 digits get their check digit; else validate."""
    digits = normalize_digits(value)
    if len(digits) == 5 and digits.isascii() and digits.isdigit():
        return with_check_digit(IdKind.LG_CODE, digits)
    return validate(IdKind.LG_CODE, value, field="code").value


def parse_kind(value: Kind | str) -> Kind | str:
    """A :class:`Kind`, or ``MUNICIPALITY``; anything else raises PLC-003."""
    if isinstance(value, Kind):
        return value
    text = value.strip().lower().replace("-", "_")
    if text == MUNICIPALITY:
        return MUNICIPALITY
    try:
        return Kind(text)
    except ValueError:
        allowed = ", ".join([MUNICIPALITY, *(k.value for k in Kind)])
        raise JichiError(UNKNOWN_KIND, field="kind", kind=value, allowed=allowed) from None


# ----------------------------------------------------------------- loading and checks


def _parse(text: str) -> Iterator[LocalGovernment]:
    reader = csv.DictReader(io.StringIO(text))
    missing = set(_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise CatalogDataError(f"{DATA_FILE} lacks columns {sorted(missing)}")
    for line, row in enumerate(reader, start=2):
        try:
            kind = Kind(row["kind"])
        except ValueError:
            raise CatalogDataError(f"{DATA_FILE}:{line}: unknown kind {row['kind']!r}") from None
        is_prefecture = kind is Kind.PREFECTURE
        kana = row["prefecture_kana"] if is_prefecture else row["name_kana"]
        yield LocalGovernment(
            code=row["code"],
            prefecture_code=row["prefecture_code"],
            prefecture=row["prefecture"],
            name=row["prefecture"] if is_prefecture else row["name"],
            name_kana=kana,
            reading=to_fullwidth_katakana(kana),
            kind=kind,
            parent_code=row["parent_code"] or None,
            northern_territories=row["northern_territories"] == "1",
        )


def _check(entries: builtins.list[LocalGovernment], by_code: dict[str, LocalGovernment]) -> None:
    """Raise :class:`CatalogDataError` unless the data is what 総務省 published."""
    for lg in entries:
        try:
            valid = validate(IdKind.LG_CODE, lg.code).value == lg.code
        except JichiError as error:
            raise CatalogDataError(f"{DATA_FILE}: code {lg.code!r}: {error.message_en}") from None
        if not valid:
            raise CatalogDataError(f"{DATA_FILE}: code {lg.code!r} is not 6 ASCII digits")
        if lg.code[:2] != lg.prefecture_code or not lg.name or not lg.reading:
            raise CatalogDataError(f"{DATA_FILE}: row {lg.code} is incomplete or inconsistent")
        parent = by_code.get(lg.parent_code) if lg.parent_code else None
        expected_parent = {
            Kind.PREFECTURE: None,
            Kind.DESIGNATED_CITY_WARD: Kind.DESIGNATED_CITY,
        }.get(lg.kind, Kind.PREFECTURE)
        if (parent.kind if parent else None) is not expected_parent or (
            parent is not None and parent.prefecture_code != lg.prefecture_code
        ):
            raise CatalogDataError(f"{DATA_FILE}: row {lg.code} has a wrong parent")
    counts = {
        "prefecture": sum(lg.is_prefecture for lg in entries),
        "municipality": sum(lg.is_municipality for lg in entries),
        "designated_city_ward": sum(lg.kind is Kind.DESIGNATED_CITY_WARD for lg in entries),
        "northern_territories": sum(lg.northern_territories for lg in entries),
        "total": len(entries),
    }
    if counts != EXPECTED_COUNTS:
        raise CatalogDataError(f"{DATA_FILE}: counts {counts}, expected {EXPECTED_COUNTS}")


# ------------------------------------------------------------------------ kana and keys

_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")


def _name_key(text: str) -> str:
    """A name as compared: widths normalised, no spaces, ヶ written ケ."""
    folded = normalize_width(text).replace("ヶ", "ケ")
    return "".join(c for c in folded if not c.isspace())


def _reading_key(text: str) -> str:
    """A reading as compared: full-width katakana, small kana folded to large, no spaces."""
    return hiragana_to_katakana(_name_key(text)).translate(_SMALL_TO_LARGE)


# Shared with jichi.places.history, which searches the past's names the same way.
name_key = _name_key
reading_key = _reading_key

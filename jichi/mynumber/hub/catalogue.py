"""The catalogue: agencies, their 事務 and the data items each may request or provide.

Which 事務 may ask which item from whom is set by 主務省令 (番号法19条8号 and its
別表); the full list is **UNCONFIRMED** here, so it is data, not code: a JSON file
(``jichi/mynumber/hub/data/catalogue.json`` is a small illustrative one, marked so)
loaded with ``jichi hub catalogue load FILE`` and replaced by loading another.  The
hub checks every request against the loaded catalogue only.

Shape (every id a short ASCII slug, every name Japanese)::

    {"version": "...", "source": "...",
     "items":    [{"id": "...", "name": "..."}],
     "agencies": [{"id": "...", "name": "...", "provides": ["item", ...],
                   "lg_code": "112011"}],   # lg_code: municipalities only
     "affairs":  [{"id": "...", "name": "...", "requester": "agency", "ground": "...",
                   "requests": [{"item": "...", "provider": "agency",
                                 "withhold": false}]}]}

``withhold`` marks exchanges whose record is 不開示 (番号法23条2項, 個人情報保護法78条)
by default; a requester may also mark a single exchange.  Every problem of a file is
reported at once (HUB-001 per problem).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jichi.kernel.errors import Collector, JichiError
from jichi.mynumber.hub import errors as e

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class DataItem:
    item_id: str
    name: str


@dataclass(frozen=True)
class Agency:
    """An 情報照会者 and/or 情報提供者 (a ministry, a municipality, a pension office …)."""

    agency_id: str
    name: str
    provides: frozenset[str]
    lg_code: str | None = None  # a municipality: its 団体内統合宛名 side issues request numbers


@dataclass(frozen=True)
class Permission:
    """One line of the 別表: this 事務 may ask ``item_id`` from ``provider_id``."""

    item_id: str
    provider_id: str
    withhold: bool = False


@dataclass(frozen=True)
class Affair:
    """A 事務 (e.g. 国民年金保険料の免除審査) and the one agency that requests for it."""

    affair_id: str
    name: str
    requester_id: str
    ground: str
    permissions: tuple[Permission, ...]

    def permission(self, item_id: str, provider_id: str) -> Permission | None:
        for p in self.permissions:
            if p.item_id == item_id and p.provider_id == provider_id:
                return p
        return None


@dataclass(frozen=True)
class Catalogue:
    version: str
    source: str
    items: Mapping[str, DataItem]
    agencies: Mapping[str, Agency]
    affairs: Mapping[str, Affair]

    def agency(self, agency_id: str) -> Agency:
        found = self.agencies.get(agency_id)
        if found is None:
            raise JichiError(e.UNKNOWN_AGENCY, field="agency_id", agency_id=agency_id[:64])
        return found

    def affair(self, affair_id: str) -> Affair:
        found = self.affairs.get(affair_id)
        if found is None:
            raise JichiError(e.UNKNOWN_AFFAIR, field="affair", affair_id=affair_id[:64])
        return found

    def to_document(self) -> dict[str, Any]:
        """The JSON document this catalogue was parsed from (stored by the hub)."""
        return {
            "version": self.version,
            "source": self.source,
            "items": [{"id": i.item_id, "name": i.name} for i in self.items.values()],
            "agencies": [
                {"id": a.agency_id, "name": a.name, "provides": sorted(a.provides)}
                | ({"lg_code": a.lg_code} if a.lg_code else {})
                for a in self.agencies.values()
            ],
            "affairs": [
                {
                    "id": f.affair_id,
                    "name": f.name,
                    "requester": f.requester_id,
                    "ground": f.ground,
                    "requests": [
                        {"item": p.item_id, "provider": p.provider_id, "withhold": p.withhold}
                        for p in f.permissions
                    ],
                }
                for f in self.affairs.values()
            ],
        }


def _bad(where: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(e.BAD_CATALOGUE, field=where, where=where, reason=reason, reason_en=reason_en)


def _text(entry: Mapping[str, Any], key: str, where: str, *, slug: bool = False) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _bad(f"{where}.{key}", "1〜200文字の文字列が必要です", "a string of 1-200 chars")
    if slug and not _SLUG.match(value):
        raise _bad(f"{where}.{key}", "英小文字・数字・-_. の識別子", "a lower-case ASCII slug")
    return value.strip()


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if not isinstance(value, list):
        raise _bad(key, "配列が必要です", "an array is required")
    return value


def parse(document: Any) -> Catalogue:
    """A catalogue from its JSON document, or every problem in it at once."""
    if not isinstance(document, dict):
        raise _bad("document", "JSON オブジェクトが必要です", "a JSON object is required")
    problems = Collector()
    version = source = ""
    with problems.check():
        version = _text(document, "version", "document")
    with problems.check():
        source = _text(document, "source", "document")
    items: dict[str, DataItem] = {}
    agencies: dict[str, Agency] = {}
    affairs: dict[str, Affair] = {}
    raw: dict[str, list[Any]] = {}
    for key in ("items", "agencies", "affairs"):
        with problems.check():
            raw[key] = _list(document, key)
    for n, entry in enumerate(raw.get("items", [])):
        with problems.check():
            where = f"items[{n}]"
            if not isinstance(entry, dict):
                raise _bad(where, "オブジェクトが必要です", "an object is required")
            item = DataItem(_text(entry, "id", where, slug=True), _text(entry, "name", where))
            if item.item_id in items:
                raise _bad(where, f"ID {item.item_id} が重複しています", "duplicate id")
            items[item.item_id] = item
    for n, entry in enumerate(raw.get("agencies", [])):
        with problems.check():
            agency = _agency(entry, f"agencies[{n}]", items)
            if agency.agency_id in agencies:
                raise _bad(f"agencies[{n}]", "ID が重複しています", "duplicate id")
            agencies[agency.agency_id] = agency
    for n, entry in enumerate(raw.get("affairs", [])):
        with problems.check():
            affair = _affair(entry, f"affairs[{n}]", items, agencies, problems)
            if affair.affair_id in affairs:
                raise _bad(f"affairs[{n}]", "ID が重複しています", "duplicate id")
            affairs[affair.affair_id] = affair
    problems.raise_if_any()
    return Catalogue(version, source, items, agencies, affairs)


def _agency(entry: Any, where: str, items: Mapping[str, DataItem]) -> Agency:
    if not isinstance(entry, dict):
        raise _bad(where, "オブジェクトが必要です", "an object is required")
    provides = entry.get("provides", [])
    if not isinstance(provides, list) or not all(isinstance(i, str) for i in provides):
        raise _bad(f"{where}.provides", "項目 ID の配列が必要です", "an array of item ids")
    unknown = [i for i in provides if i not in items]
    if unknown:
        raise _bad(f"{where}.provides", f"未定義の項目 {unknown[0]}", "an undefined item")
    lg_code = entry.get("lg_code")
    if lg_code is not None and not (
        isinstance(lg_code, str) and len(lg_code) == 6 and lg_code.isdigit()
    ):
        raise _bad(f"{where}.lg_code", "6桁の団体コード", "a 6-digit municipality code")
    return Agency(
        _text(entry, "id", where, slug=True),
        _text(entry, "name", where),
        frozenset(provides),
        lg_code,
    )


def _affair(
    entry: Any,
    where: str,
    items: Mapping[str, DataItem],
    agencies: Mapping[str, Agency],
    problems: Collector,
) -> Affair:
    if not isinstance(entry, dict):
        raise _bad(where, "オブジェクトが必要です", "an object is required")
    requester = _text(entry, "requester", where, slug=True)
    if requester not in agencies:
        raise _bad(f"{where}.requester", f"未定義の機関 {requester}", "an undefined agency")
    requests = entry.get("requests")
    if not isinstance(requests, list) or not requests:
        raise _bad(f"{where}.requests", "照会できる項目が1つ以上必要です", "one request or more")
    permissions: list[Permission] = []
    for n, line in enumerate(requests):
        with problems.check():
            here = f"{where}.requests[{n}]"
            if not isinstance(line, dict):
                raise _bad(here, "オブジェクトが必要です", "an object is required")
            item, provider = _text(line, "item", here), _text(line, "provider", here)
            withhold = line.get("withhold", False)
            if provider not in agencies:
                raise _bad(f"{here}.provider", f"未定義の機関 {provider}", "an undefined agency")
            if item not in agencies[provider].provides:
                raise _bad(f"{here}.item", f"{provider} は {item} を提供しません", "not provided")
            if not isinstance(withhold, bool):
                raise _bad(f"{here}.withhold", "true か false", "true or false")
            permissions.append(Permission(item, provider, withhold))
    return Affair(
        _text(entry, "id", where, slug=True),
        _text(entry, "name", where),
        requester,
        _text(entry, "ground", where),
        tuple(permissions),
    )


def read(path: Path) -> Catalogue:
    """Parse a catalogue file (HUB-002 if it cannot be read as JSON)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        reason = type(error).__name__
        raise JichiError(
            e.UNREADABLE_CATALOGUE, field="file", path=str(path), reason=reason
        ) from None
    return parse(document)


ILLUSTRATIVE = Path(__file__).parent / "data" / "catalogue.json"
"""The bundled catalogue: illustrative only, not the 主務省令's list (see data/SOURCE.md)."""

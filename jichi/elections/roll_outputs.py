"""What a built roll gives out: 抄本 (extract) lines, counts, and the diff of two builds.

Pure over :mod:`jichi.elections.roll_build` values and the registry's particulars;
the reads of persons are audited by :mod:`jichi.elections.inspection`, not here.

* 抄本: the live and marked entries of one district in 選挙人番号 order — number, name,
  reading, sex, date of birth, address, and 「表示」 for a marked entry.
* Counts: live and marked entries by district, sex and age band (age on a day, by the
  Age Calculation Act: :func:`jichi.kernel.age.age_at_end_of`).  Bands are a parameter;
  the default is 18–19, then tens, then 80 and over.
* Diff (A → B): ``added`` (on B's roll, absent or struck in A), ``marked`` (live in A,
  marked in B), ``struck`` (on A's roll, struck in B), ``district_changed``; each with
  the reasons the entry records and the article that applied.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jichi.elections.errors import NOT_ENCODABLE
from jichi.elections.roll_build import LIVE, MARKED, STRUCK, Build, BuildEntry
from jichi.elections.sources import ElectorParticulars
from jichi.kernel.age import age_at_end_of
from jichi.kernel.errors import JichiError

__all__ = [
    "DEFAULT_BANDS",
    "RULES",
    "Change",
    "ExtractLine",
    "counts",
    "diff",
    "diff_csv",
    "encode_csv",
    "extract_csv",
    "extract_lines",
]

DEFAULT_BANDS: tuple[int, ...] = (18, 20, 30, 40, 50, 60, 70, 80)
"""Lower bounds of the age bands (the last is open): 18–19, 20–29, … 80以上."""

RULES: dict[str, str] = {
    "periodic": "公職選挙法21条1項・22条1項（定時登録）",
    "election": "公職選挙法21条1項・22条3項（選挙時登録）",
    "moved_out": "公職選挙法27条1項（転出の表示）／21条2項・27条2項",
    "disenfranchised": "公職選挙法27条1項（選挙権を有しなくなった表示）",
    "dead": "公職選挙法28条1号（死亡）",
    "nationality_lost": "公職選挙法28条1号（日本の国籍の喪失）",
    "not_japanese": "公職選挙法28条1号（日本の国籍の喪失）",
    "moved_out_four_months": "公職選挙法28条2号（転出後4箇月経過）",
    "registered_elsewhere": "公職選挙法28条3号（登録の際に登録されるべきでなかった／二重登録）",
}
"""The article behind each recorded reason (SECONDARY wording, facts §1.4)."""

SEX_LABEL = {"male": "男", "female": "女"}


@dataclass(frozen=True)
class ExtractLine:
    district: str
    number: int
    person_id: str
    name: str
    kana: str
    sex: str
    date_of_birth: date | None
    address: str
    marked: bool


def extract_lines(
    b: Build,
    people: Mapping[str, ElectorParticulars],
    district: str | None,
    *,
    hide_restricted: bool = False,
) -> list[ExtractLine]:
    """The 抄本 lines of ``district`` (every district when ``None``) in number order.

    ``hide_restricted`` leaves out persons under a 支援措置: whether a 抄本 shown for
    閲覧 must leave them out is UNCONFIRMED, so the caller decides (the numbers of the
    others do not change).
    """
    lines = []
    for e in b.entries:
        if e.status == STRUCK or e.number is None or e.district is None:
            continue
        if district is not None and e.district != district:
            continue
        p = people.get(e.person_id)
        if hide_restricted and p is not None and p.restricted:
            continue
        address = "".join(x for x in ((p.town, p.block) if p else ()) if x)
        if p and p.building:
            address = f"{address}　{p.building}"
        lines.append(
            ExtractLine(
                district=e.district,
                number=e.number,
                person_id=e.person_id,
                name=p.name if p else "",
                kana=p.kana if p else "",
                sex=SEX_LABEL.get(e.sex or "", e.sex or ""),
                date_of_birth=e.date_of_birth,
                address=address,
                marked=e.status == MARKED,
            )
        )
    return sorted(lines, key=lambda x: (x.district, x.number))


def encode_csv(rows: Sequence[Mapping[str, Any]], fields: Sequence[str], encoding: str) -> bytes:
    """CSV (CRLF) in UTF-8 or CP932; a character CP932 cannot hold is ELE-026, never "?"."""
    cp932 = encoding.lower().replace("-", "").replace("_", "") in ("cp932", "shiftjis", "sjis")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\r\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        text_row = {k: "" if v is None else str(v) for k, v in row.items()}
        if cp932:
            for key, value in text_row.items():
                for char in value:
                    try:
                        char.encode("cp932")
                    except UnicodeEncodeError:
                        raise JichiError(
                            NOT_ENCODABLE, field=f"lines[{i}].{key}", char=char
                        ) from None
        writer.writerow(text_row)
    return buffer.getvalue().encode("cp932" if cp932 else "utf-8")


EXTRACT_FIELDS = ("district", "number", "name", "kana", "sex", "date_of_birth", "address", "mark")


def extract_csv(lines: Iterable[ExtractLine], encoding: str = "utf-8") -> bytes:
    rows = [
        {
            "district": x.district,
            "number": x.number,
            "name": x.name,
            "kana": x.kana,
            "sex": x.sex,
            "date_of_birth": x.date_of_birth.isoformat() if x.date_of_birth else "",
            "address": x.address,
            "mark": "表示" if x.marked else "",
        }
        for x in lines
    ]
    return encode_csv(rows, EXTRACT_FIELDS, encoding)


def band_label(age: int, bands: Sequence[int]) -> str | None:
    """「20-29」 style label of ``age``, the last band 「80-」; ``None`` under the first."""
    for i, low in enumerate(bands):
        high = bands[i + 1] if i + 1 < len(bands) else None
        if age >= low and (high is None or age < high):
            return f"{low}-{high - 1}" if high is not None else f"{low}-"
    return None


def counts(
    b: Build, *, on: date | None = None, bands: Sequence[int] = DEFAULT_BANDS
) -> list[dict[str, Any]]:
    """Entries on the roll by district, sex and age band on ``on`` (default the build date).

    Only numbers, never names: rows are ``{district, sex, age_band, count}``; a total per
    district comes under ``sex`` and ``age_band`` 「計」.
    """
    day = on or b.as_of
    table: dict[tuple[str, str, str], int] = {}
    for e in b.entries:
        if e.status == STRUCK:
            continue
        district = e.district or "（投票区なし）"
        age = age_at_end_of(e.date_of_birth, day) if e.date_of_birth else None
        band = (band_label(age, bands) if age is not None else None) or "（不明）"
        sex = e.sex or "（不明）"
        for key in ((district, sex, band), (district, "計", "計")):
            table[key] = table.get(key, 0) + 1
    return [
        {"district": d, "sex": s, "age_band": a, "count": n}
        for (d, s, a), n in sorted(table.items())
    ]


@dataclass(frozen=True)
class Change:
    person_id: str
    change: str  # added | marked | struck | district_changed
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    district_before: str | None
    district_after: str | None
    number_after: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "change": self.change,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
            "district_before": self.district_before,
            "district_after": self.district_after,
            "number_after": self.number_after,
        }


def _reasons(entry: BuildEntry) -> tuple[str, ...]:
    if not entry.reason:
        return ()
    if entry.status == LIVE:  # "periodic:2026-09-01"
        return (entry.reason.split(":", 1)[0],)
    return tuple(r for r in entry.reason.split(",") if r)


def _change(kind: str, before: BuildEntry | None, after: BuildEntry) -> Change:
    reasons = _reasons(after)
    return Change(
        person_id=after.person_id,
        change=kind,
        reasons=reasons,
        rules=tuple(RULES.get(r, r) for r in reasons),
        district_before=before.district if before else None,
        district_after=after.district,
        number_after=after.number,
    )


def diff(a: Build, b: Build) -> list[Change]:
    """What changed from build ``a`` to build ``b``, by person id."""
    before = {e.person_id: e for e in a.entries}
    out = []
    for e in sorted(b.entries, key=lambda x: x.person_id):
        old = before.get(e.person_id)
        was_on = old is not None and old.status != STRUCK
        if e.status == STRUCK:
            if was_on:
                out.append(_change("struck", old, e))
        elif not was_on:
            out.append(_change("added", old, e))
        elif e.status == MARKED and old is not None and old.status == LIVE:
            out.append(_change("marked", old, e))
        elif old is not None and old.district != e.district:
            out.append(_change("district_changed", old, e))
    return out


DIFF_FIELDS = (
    "person_id",
    "change",
    "reasons",
    "rules",
    "district_before",
    "district_after",
    "number_after",
)


def diff_csv(changes: Iterable[Change], encoding: str = "utf-8") -> bytes:
    rows = []
    for c in changes:
        row = c.to_dict()
        row["reasons"] = ";".join(c.reasons)
        row["rules"] = ";".join(c.rules)
        rows.append(row)
    return encode_csv(rows, DIFF_FIELDS, encoding)

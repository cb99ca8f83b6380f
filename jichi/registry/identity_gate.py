"""The identity gate (U5): a number is attached only when the basic four match.

Japan linked 8,000+ health-insurance records to the wrong person by matching on name and
birth date, or by row position.  Here the claimed name, date of birth, sex and address
must each equal the record after folding (variant kanji, widths, address notation);
name and birth date alone never link, and twins with one name and birthday stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from jichi.kernel.address import fold_address
from jichi.kernel.text import name_search_key, reading_search_key
from jichi.registry.model import ResidentRecord, Sex

ITEMS_JA = {"name": "氏名", "date_of_birth": "生年月日", "sex": "性別", "address": "住所"}


@dataclass(frozen=True)
class BasicFour:
    name: str  # 氏名 as written on the notice (spaces ignored)
    date_of_birth: date
    sex: Sex | None  # None only where the 事務 holds no sex (basic three)
    address: str  # 住所 as one line


def mismatches(record: ResidentRecord, claimed: BasicFour) -> list[str]:
    """The items that differ (empty: the gate opens)."""
    wrong: list[str] = []
    recorded_name = record.name.family + record.name.given
    if name_search_key(recorded_name) != name_search_key(claimed.name) and reading_search_key(
        record.name.family_kana + record.name.given_kana
    ) != reading_search_key(claimed.name):
        wrong.append("name")
    if record.date_of_birth != claimed.date_of_birth:
        wrong.append("date_of_birth")
    if claimed.sex is not None and record.sex is not claimed.sex:
        wrong.append("sex")
    if not same_address(record, claimed.address):
        wrong.append("address")
    return wrong


def same_address(record: ResidentRecord, claimed: str) -> bool:
    """The claimed one-line address is the record's, after folding the notation.

    都道府県 and 市区町村 may be left out (the municipality is this one); the 方書
    (building) may be left out or given, and when given it must be the recorded one.  The
    counter's hint for 個人番号の記載 says exactly this (``person_form.html``).
    """
    address = record.address
    local = address.town + address.block
    forms = {
        fold_address(address.prefecture + address.municipality + local),
        fold_address(address.municipality + local),
        fold_address(local),
    }
    key = fold_address(claimed)
    if key in forms:
        return True
    building = fold_address(address.building) if address.building else ""
    if not building or not key.endswith(building):
        return False
    return key[: -len(building)].rstrip("-") in forms  # 3号コーポ folds to 3-コ-ポ

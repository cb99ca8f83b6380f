"""The CSV layout of ``jichi registry import`` / ``export``: one row per person.

One list, :data:`COLUMNS`, says for every column its header name, its Japanese label,
how a cell is read (:class:`Kind`), whether it is required and where it goes (``target``:
a path into :class:`~jichi.registry.model.ResidentRecord`, a projection column, or the
import archive).  ``jichi.registry.bulk`` reads and writes cells from this list only, and
``docs/guide/import-export.md`` documents it column by column (a test checks that the page
lists exactly these columns), so the code and the page cannot drift apart.

Any header that is not in this list is *archived*: kept per person, unchanged, and written
back out by the export — never dropped (users.md U12).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    """How a cell is read on import and written on export."""

    TEXT = "text"  # exactly as written (variation selectors kept)
    KANA = "kana"  # 振り仮名: hiragana/half-width accepted, stored as full-width katakana
    DATE = "date"  # ISO 8601 or 和暦 (jichi.kernel.era.parse_date); written as ISO
    BOOL = "bool"  # 1/0, true/false, はい/いいえ, 有/無; written as 1/0
    SEX = "sex"  # 男/女, male/female, 1/2; written as male/female
    STATUS = "status"  # active/removed (現存/消除); written as active/removed
    REMOVAL_REASON = "removal_reason"  # move_out, move_abroad, death, ex_officio (or 転出 …)
    UUID = "uuid"  # jichi's own ids (written by an export)
    RESIDENT_CODE = "resident_code"  # 11 digits, format only
    INDIVIDUAL_NUMBER = "individual_number"  # 12 digits with check digit; stored encrypted
    LIST = "list"  # several values separated by ';' ('\\;' and '\\\\' escape)


@dataclass(frozen=True)
class Column:
    name: str
    label_ja: str
    kind: Kind
    target: str  # record.<path> | resident.<column> | archive.<field> | household.<…>
    required: bool = False
    note_ja: str = ""

    @cached_property
    def record_path(self) -> tuple[str, ...] | None:
        """The path into the ResidentRecord JSON, for columns that map there."""
        if not self.target.startswith("record."):
            return None
        return tuple(self.target.removeprefix("record.").split("."))


def _name_columns(prefix: str, label: str, target: str, *, required: bool) -> list[Column]:
    return [
        Column(f"{prefix}family_name", f"{label}氏", Kind.TEXT, f"{target}.family", required),
        Column(f"{prefix}given_name", f"{label}名", Kind.TEXT, f"{target}.given"),
        Column(
            f"{prefix}family_name_kana", f"{label}氏の振り仮名", Kind.KANA, f"{target}.family_kana"
        ),
        Column(
            f"{prefix}given_name_kana", f"{label}名の振り仮名", Kind.KANA, f"{target}.given_kana"
        ),
        Column(f"{prefix}latin_name", f"{label}ローマ字表記", Kind.TEXT, f"{target}.latin"),
    ]


def _address_columns(prefix: str, label: str, target: str) -> list[Column]:
    return [
        Column(f"{prefix}prefecture", f"{label}都道府県", Kind.TEXT, f"{target}.prefecture"),
        Column(f"{prefix}municipality", f"{label}市区町村", Kind.TEXT, f"{target}.municipality"),
        Column(f"{prefix}town", f"{label}町字", Kind.TEXT, f"{target}.town"),
        Column(f"{prefix}block", f"{label}番地", Kind.TEXT, f"{target}.block"),
        Column(f"{prefix}building", f"{label}方書", Kind.TEXT, f"{target}.building"),
        Column(f"{prefix}postal_code", f"{label}郵便番号", Kind.TEXT, f"{target}.postal_code"),
        Column(f"{prefix}lg_code", f"{label}地方公共団体コード", Kind.TEXT, f"{target}.lg_code"),
        Column(f"{prefix}abroad", f"{label}国外", Kind.BOOL, f"{target}.abroad"),
    ]


COLUMNS: tuple[Column, ...] = (
    # -- who, and which household ------------------------------------------------------
    Column(
        "source_id",
        "移行元の個人ID",
        Kind.TEXT,
        "archive.source_id",
        note_ja="person_id が空なら必須。person_id = uuid5(名前空間, 団体コード + 移行元ID)",
    ),
    Column(
        "person_id",
        "個人ID（jichi）",
        Kind.UUID,
        "record.person_id",
        note_ja="空なら source_id から決定的に生成",
    ),
    Column(
        "household_source_id",
        "移行元の世帯ID",
        Kind.TEXT,
        "archive.household_source_id",
        note_ja="household_id が空なら必須",
    ),
    Column(
        "household_id",
        "世帯ID（jichi）",
        Kind.UUID,
        "record.household_id",
        note_ja="空なら household_source_id から決定的に生成",
    ),
    Column("relationship", "続柄", Kind.TEXT, "record.relationship", required=True),
    Column("status", "住民票の状態（現存・消除）", Kind.STATUS, "record.status"),
    # -- names ------------------------------------------------------------------------
    *_name_columns("", "", "record.name", required=True),
    *_name_columns("former_", "旧氏：", "record.former_surname", required=False),
    *_name_columns("alias_", "通称：", "record.alias", required=False),
    Column(
        "legacy_code", "外字：移行元の文字コード", Kind.LIST, "record.legacy_characters.legacy_code"
    ),
    Column(
        "legacy_identified_as",
        "外字：同定した文字",
        Kind.LIST,
        "record.legacy_characters.identified_as",
    ),
    Column(
        "legacy_identified_by",
        "外字：同定した者",
        Kind.LIST,
        "record.legacy_characters.identified_by",
    ),
    # -- the basic items --------------------------------------------------------------
    Column("date_of_birth", "生年月日", Kind.DATE, "record.date_of_birth", required=True),
    Column("sex", "性別", Kind.SEX, "record.sex", required=True),
    Column("honseki", "本籍", Kind.TEXT, "record.honseki"),
    Column("family_register_head", "筆頭者", Kind.TEXT, "record.family_register_head"),
    Column("resident_since", "住民となった年月日", Kind.DATE, "record.resident_since", True),
    Column("address_since", "住所を定めた年月日", Kind.DATE, "record.address_since", True),
    Column("moved_in_on", "転入の届出の年月日", Kind.DATE, "record.moved_in_on"),
    *_address_columns("address_", "住所：", "record.address"),
    *_address_columns("previous_address_", "従前の住所：", "record.previous_address"),
    # -- numbers ----------------------------------------------------------------------
    Column("resident_code", "住民票コード", Kind.RESIDENT_CODE, "record.resident_code"),
    Column(
        "individual_number",
        "個人番号",
        Kind.INDIVIDUAL_NUMBER,
        "resident.individual_number_enc",
        note_ja="暗号化して保存。record.has_individual_number はこの列の有無",
    ),
    Column("voter_registered", "選挙人名簿への登録", Kind.BOOL, "record.voter_registered"),
    # -- qualifications ---------------------------------------------------------------
    Column(
        "national_health_insurance",
        "国民健康保険の被保険者",
        Kind.BOOL,
        "record.qualifications.national_health_insurance",
    ),
    Column(
        "late_elderly_medical",
        "後期高齢者医療の被保険者",
        Kind.BOOL,
        "record.qualifications.late_elderly_medical",
    ),
    Column(
        "long_term_care",
        "介護保険の被保険者",
        Kind.BOOL,
        "record.qualifications.long_term_care",
    ),
    Column(
        "national_pension",
        "国民年金の被保険者の種別",
        Kind.TEXT,
        "record.qualifications.national_pension",
    ),
    Column(
        "child_allowance", "児童手当の受給資格", Kind.BOOL, "record.qualifications.child_allowance"
    ),
    # -- foreign residents (法30条の45) ------------------------------------------------
    Column("nationality", "国籍・地域", Kind.TEXT, "record.foreign.nationality"),
    Column("foreign_category", "30条の45区分", Kind.TEXT, "record.foreign.category"),
    Column("status_of_residence", "在留資格", Kind.TEXT, "record.foreign.status_of_residence"),
    Column("period_of_stay", "在留期間", Kind.TEXT, "record.foreign.period_of_stay"),
    Column("period_expires", "在留期間の満了の日", Kind.DATE, "record.foreign.period_expires"),
    Column(
        "residence_card_number",
        "在留カード等の番号",
        Kind.TEXT,
        "record.foreign.residence_card_number",
    ),
    # -- move-out, removal ------------------------------------------------------------
    Column("planned_move_out", "転出予定日", Kind.DATE, "record.planned_move_out"),
    *_address_columns("move_out_destination_", "転出先：", "record.move_out_destination"),
    Column("move_out_confirmed", "転出確定", Kind.BOOL, "record.move_out_confirmed"),
    Column("removed_on", "消除の年月日", Kind.DATE, "record.removed_on"),
    Column("removal_reason", "消除の事由", Kind.REMOVAL_REASON, "record.removal_reason"),
    Column("deceased_on", "死亡の年月日", Kind.DATE, "record.deceased_on"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

# Sub-objects of the record that are absent (None) when every column of theirs is empty.
OPTIONAL_GROUPS: tuple[str, ...] = (
    "former_surname",
    "alias",
    "previous_address",
    "move_out_destination",
    "foreign",
)

# Headers that must be present (a column that may be empty in a row must still exist).
REQUIRED_HEADERS: tuple[str, ...] = tuple(
    c.name
    for c in COLUMNS
    if c.required and c.record_path and c.record_path[0] not in OPTIONAL_GROUPS
)

if len(BY_NAME) != len(COLUMNS):  # pragma: no cover - a programming error
    raise RuntimeError("duplicate column name in the import layout")

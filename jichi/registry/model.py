"""The 住民票 (ResidentRecord) and its parts, as immutable values.

A record is never edited in place: an event carries the changed items and the
projection is the fold of a person's events (``projection.replay``).  So the model
is a plain Pydantic value that can be rebuilt from JSON at any point in history.
Names keep their exact code points (variation selectors included); search uses the
folded keys from ``jichi.kernel.text`` and never rewrites the name.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ShortText = Annotated[str, StringConstraints(max_length=200)]


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label_ja(self) -> str:
        return "男" if self is Sex.MALE else "女"


class Status(StrEnum):
    """Whether the record is current, or a 除票 (RemovedRecord)."""

    ACTIVE = "active"
    REMOVED = "removed"


class RemovalReason(StrEnum):
    MOVE_OUT = "move_out"  # 転出
    MOVE_ABROAD = "move_abroad"  # 国外転出
    DEATH = "death"  # 死亡
    EX_OFFICIO = "ex_officio"  # 職権消除

    @property
    def label_ja(self) -> str:
        return {
            "move_out": "転出",
            "move_abroad": "国外転出",
            "death": "死亡",
            "ex_officio": "職権消除",
        }[self.value]


class Address(BaseModel):
    """A structured address; ``abroad`` marks a place outside Japan (country in town)."""

    model_config = ConfigDict(frozen=True)

    prefecture: ShortText = ""
    municipality: ShortText = ""
    town: ShortText = ""  # 町字
    block: ShortText = ""  # 番地
    building: ShortText = ""  # 方書
    postal_code: Annotated[str, StringConstraints(pattern=r"^(\d{3}-?\d{4})?$")] = ""
    lg_code: Annotated[str, StringConstraints(pattern=r"^(\d{6})?$")] = ""
    abroad: bool = False

    def text(self) -> str:
        parts = [self.prefecture, self.municipality, self.town, self.block]
        main = "".join(p for p in parts if p)
        return f"{main}　{self.building}" if self.building else main

    def same_place(self, other: Address) -> bool:
        """Same dwelling ignoring the postal code (two households can share one)."""
        return (self.lg_code, self.town, self.block, self.building) == (
            other.lg_code,
            other.town,
            other.block,
            other.building,
        )


class PersonName(BaseModel):
    """氏名 and its reading (法7条一号; 振り仮名 an item since 2025-05-26)."""

    model_config = ConfigDict(frozen=True)

    family: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    given: Annotated[str, StringConstraints(max_length=100)] = ""
    family_kana: Annotated[str, StringConstraints(max_length=100)] = ""
    given_kana: Annotated[str, StringConstraints(max_length=100)] = ""
    latin: Annotated[str, StringConstraints(max_length=200)] = ""  # foreign residents

    def text(self) -> str:
        return f"{self.family}　{self.given}" if self.given else self.family

    def kana(self) -> str:
        return "　".join(p for p in (self.family_kana, self.given_kana) if p)


class LegacyCharacter(BaseModel):
    """A 外字 from a previous vendor's system: its code and who identified it (文字同定)."""

    model_config = ConfigDict(frozen=True)

    legacy_code: ShortText
    identified_as: ShortText  # the Unicode (MJ) character chosen
    identified_by: ShortText


class ForeignResidentItems(BaseModel):
    """The 法30条の45 items of a 外国人住民."""

    model_config = ConfigDict(frozen=True)

    nationality: ShortText  # 国籍・地域
    category: ShortText = ""  # 30条の45 区分 (中長期在留者, 特別永住者 …)
    status_of_residence: ShortText = ""  # 在留資格
    period_of_stay: ShortText = ""  # 在留期間
    period_expires: date | None = None  # 在留期間の満了の日
    residence_card_number: Annotated[
        str, StringConstraints(pattern=r"^([A-Z]{2}\d{8}[A-Z]{2})?$")
    ] = ""


class Qualifications(BaseModel):
    """Insurance, pension and child-allowance items of 法7条 (十〜十一の二)."""

    model_config = ConfigDict(frozen=True)

    national_health_insurance: bool = False
    late_elderly_medical: bool = False
    long_term_care: bool = False
    national_pension: ShortText = ""  # 種別 (第1号 …)
    child_allowance: bool = False


class ResidentRecord(BaseModel):
    """One person's 住民票 in one municipality (法7条; foreign items 法30条の45)."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    lg_code: str
    status: Status = Status.ACTIVE
    name: PersonName
    former_surname: PersonName | None = None  # 旧氏 (on request)
    alias: PersonName | None = None  # 通称 (foreign residents)
    legacy_characters: tuple[LegacyCharacter, ...] = ()
    date_of_birth: date
    sex: Sex
    household_id: str
    relationship: ShortText  # 続柄 as written (世帯主, 妻, 子 …)
    honseki: ShortText = ""  # 本籍 (empty for foreign residents)
    family_register_head: ShortText = ""  # 筆頭者
    resident_since: date  # 住民となった年月日
    address: Address
    address_since: date  # 住所を定めた年月日
    moved_in_on: date | None = None  # 転入の届出日 (法7条八号)
    previous_address: Address | None = None  # 従前の住所
    resident_code: Annotated[str, StringConstraints(pattern=r"^(\d{11})?$")] = ""
    has_individual_number: bool = False  # the number itself lives encrypted elsewhere
    voter_registered: bool = False
    qualifications: Qualifications = Field(default_factory=Qualifications)
    foreign: ForeignResidentItems | None = None
    planned_move_out: date | None = None
    move_out_destination: Address | None = None
    move_out_confirmed: bool = False  # 転出先 予定 → 確定 (転入通知を受けた)
    removed_on: date | None = None
    removal_reason: RemovalReason | None = None
    deceased_on: date | None = None

    @property
    def is_active(self) -> bool:
        return self.status is Status.ACTIVE

    @property
    def moving_out(self) -> bool:
        """Removed by a domestic 転出, or still a resident with one filed for a later day
        (a 転出予定 that the new municipality's 転入通知 may confirm early)."""
        if self.removal_reason is RemovalReason.MOVE_OUT:
            return True
        destination = self.move_out_destination
        return bool(
            self.is_active and self.planned_move_out and destination and not destination.abroad
        )

    @property
    def is_head(self) -> bool:
        return self.relationship == "世帯主"

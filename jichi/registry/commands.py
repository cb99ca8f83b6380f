"""Notifications (届出) and ex-officio acts (職権) as validated commands.

These are the request's shape only (types, lengths, formats).  Whether the law
allows the change is decided in ``rules`` and ``decide`` against the current state.
The same models are the JSON API's request bodies and the lines of a JSON-lines
file applied by ``jichi registry apply``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jichi.kernel.inputs import no_individual_number
from jichi.registry.model import (
    Address,
    ForeignResidentItems,
    PersonName,
    Qualifications,
    Sex,
)

PersonId = Annotated[str, StringConstraints(min_length=1, max_length=36)]
RelationshipText = Annotated[str, StringConstraints(min_length=1, max_length=40)]
DistinctReason = Annotated[str, StringConstraints(max_length=500)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    notified_date: date | None = None  # 届出日; today when omitted
    expected_versions: dict[str, int] = Field(
        default_factory=dict, max_length=30
    )  # household → version
    note: Annotated[str, StringConstraints(max_length=1000), no_individual_number("note")] = ""


class NewPerson(BaseModel):
    """A person who becomes a resident (転入・出生・職権記載)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: Annotated[str, StringConstraints(max_length=36)] = ""  # how relationships refer to them
    name: PersonName
    date_of_birth: date
    sex: Sex
    relationship: RelationshipText
    honseki: Annotated[str, StringConstraints(max_length=200)] = ""
    family_register_head: Annotated[str, StringConstraints(max_length=100)] = ""
    resident_code: Annotated[str, StringConstraints(pattern=r"^(\d{11})?$")] = ""
    individual_number: Annotated[str, StringConstraints(pattern=r"^(\d{12})?$")] = ""
    foreign: ForeignResidentItems | None = None
    qualifications: Qualifications = Field(default_factory=Qualifications)
    former_surname: PersonName | None = None
    alias: PersonName | None = None


class MoveIn(_Command):
    """転入届 (法22条) — from another municipality or from abroad."""

    kind: Literal["move_in"] = "move_in"
    effective_date: date  # 転入をした日
    address: Address
    previous_address: Address  # 従前の住所
    persons: Annotated[list[NewPerson], Field(min_length=1, max_length=30)]
    join_household_id: PersonId | None = None  # join an existing household here
    move_out_certificate_from: Annotated[str, StringConstraints(pattern=r"^(\d{6})?$")] = ""
    # 「別人として記録」: why a person with the name and birth date of a current resident
    # is another person; audited.  Empty: a likely duplicate is refused (REG-061).
    distinct_person_reason: DistinctReason = ""


class MoveOut(_Command):
    """転出届 (法24条): filed in advance with the planned date; abroad is removed at once."""

    kind: Literal["move_out"] = "move_out"
    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=30)]
    planned_date: date
    destination: Address
    new_head_id: PersonId | None = None  # when the head leaves and others stay
    relationships: dict[PersonId, RelationshipText] = Field(default_factory=dict, max_length=30)


class ConfirmMoveOut(_Command):
    """転出確定: the new municipality's 転入通知 arrived (令13条); the record becomes a 除票."""

    kind: Literal["confirm_move_out"] = "confirm_move_out"
    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=30)]
    moved_on: date | None = None  # the 転入日 reported by the new municipality
    new_address: Address | None = None


class CancelMoveOut(_Command):
    """転出取消: the planned move did not happen."""

    kind: Literal["cancel_move_out"] = "cancel_move_out"
    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=30)]


class Relocation(_Command):
    """転居届 (法23条): a new address inside this municipality."""

    kind: Literal["relocation"] = "relocation"
    effective_date: date
    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=30)]
    address: Address
    join_household_id: PersonId | None = None  # else: the movers form / keep their household
    new_head_id: PersonId | None = None
    relationships: dict[PersonId, RelationshipText] = Field(default_factory=dict, max_length=30)
    remaining_head_id: PersonId | None = None  # when the head moves and others stay


class Birth(_Command):
    """出生 — recorded ex officio on the 出生届 (戸籍法49条; 令12条2項1号)."""

    kind: Literal["birth"] = "birth"
    household_id: PersonId
    child: NewPerson


class Death(_Command):
    """死亡 — the record is removed ex officio on the 死亡届 (戸籍法86条)."""

    kind: Literal["death"] = "death"
    person_id: PersonId
    effective_date: date  # date of death
    new_head_id: PersonId | None = None
    relationships: dict[PersonId, RelationshipText] = Field(default_factory=dict, max_length=30)


class HouseholdSplit(_Command):
    """世帯分離 (法25条): some members form a new household at the same address."""

    kind: Literal["household_split"] = "household_split"
    effective_date: date
    household_id: PersonId
    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=30)]
    new_head_id: PersonId
    relationships: dict[PersonId, RelationshipText] = Field(default_factory=dict, max_length=30)
    remaining_head_id: PersonId | None = None  # when the head is among those who leave


class HouseholdMerge(_Command):
    """世帯合併 (法25条): one household joins another at the same address."""

    kind: Literal["household_merge"] = "household_merge"
    effective_date: date
    household_id: PersonId  # the one that disappears
    into_household_id: PersonId
    relationships: Annotated[dict[PersonId, RelationshipText], Field(max_length=30)]


class HeadChange(_Command):
    """世帯主変更 (法25条)."""

    kind: Literal["head_change"] = "head_change"
    effective_date: date
    household_id: PersonId
    new_head_id: PersonId
    relationships: Annotated[dict[PersonId, RelationshipText], Field(max_length=30)]


class HouseholdComposition(_Command):
    """世帯構成変更: members move between households at the same address (法25条)."""

    kind: Literal["household_composition"] = "household_composition"
    effective_date: date
    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=30)]
    into_household_id: PersonId
    relationships: Annotated[dict[PersonId, RelationshipText], Field(max_length=30)]
    remaining_head_id: PersonId | None = None


class FamilyRegisterChange(_Command):
    """婚姻・離婚・養子縁組・転籍・氏の変更 → 氏名・本籍・筆頭者・続柄 rewritten ex officio."""

    kind: Literal["family_register_change"] = "family_register_change"
    effective_date: date
    person_id: PersonId
    event: Annotated[str, StringConstraints(min_length=1, max_length=40)]  # 婚姻, 離婚, …
    name: PersonName | None = None
    honseki: Annotated[str, StringConstraints(max_length=200)] | None = None
    family_register_head: Annotated[str, StringConstraints(max_length=100)] | None = None
    relationship: RelationshipText | None = None


class Correction(_Command):
    """職権修正: fixes items of a record; points at the event it corrects."""

    kind: Literal["correction"] = "correction"
    person_id: PersonId
    corrects_event_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    name: PersonName | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    honseki: Annotated[str, StringConstraints(max_length=200)] | None = None
    family_register_head: Annotated[str, StringConstraints(max_length=100)] | None = None
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class RecordingCorrection(_Command):
    """記録の訂正: a recording made in error undone by new events (never by deleting).

    Every person the recorded notification touched gets an event that puts their
    record back as it was before it; the 職員 who recorded it, or a 係長, may ask.
    """

    kind: Literal["recording_correction"] = "recording_correction"
    notification_id: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=500), no_individual_number("reason")
    ]


class ExOfficioRemoval(_Command):
    """職権消除 (令12条1項), e.g. after a 実態調査 finds nobody lives there."""

    kind: Literal["ex_officio_removal"] = "ex_officio_removal"
    person_id: PersonId
    effective_date: date
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Restoration(_Command):
    """回復: a record removed in error becomes current again (keeps its history)."""

    kind: Literal["restoration"] = "restoration"
    person_id: PersonId
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class ForeignResidentChange(_Command):
    """在留資格・在留期間・在留カード番号等の変更 (法30条の50: notified by 入管, recorded 職権)."""

    kind: Literal["foreign_resident_change"] = "foreign_resident_change"
    person_id: PersonId
    effective_date: date
    foreign: ForeignResidentItems


class FormerSurname(_Command):
    """旧氏の記載・削除 (令30条の13 等, since 2019-11-05): Japanese residents only."""

    kind: Literal["former_surname"] = "former_surname"
    person_id: PersonId
    action: Literal["record", "delete"]
    family: Annotated[str, StringConstraints(max_length=100)] = ""
    family_kana: Annotated[str, StringConstraints(max_length=100)] = ""


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    document: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Alias(_Command):
    """通称の記載・削除 (令30条の26): foreign residents only; one alias; proof of use."""

    kind: Literal["alias"] = "alias"
    person_id: PersonId
    action: Literal["record", "delete"]
    alias: PersonName | None = None
    evidence: list[Evidence] = Field(default_factory=list, max_length=10)
    exception: Literal["child_of_alias_holder", "nikkei_name", "spouse_surname"] | None = None


class ExOfficioRecord(_Command):
    """職権記載 (令12条1項): a resident found living here without a notification."""

    kind: Literal["ex_officio_record"] = "ex_officio_record"
    effective_date: date
    address: Address
    previous_address: Address | None = None
    persons: Annotated[list[NewPerson], Field(min_length=1, max_length=30)]
    join_household_id: PersonId | None = None
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    distinct_person_reason: DistinctReason = ""  # as on MoveIn


class AttachIndividualNumber(_Command):
    """個人番号の記載: only through the identity gate (basic four must match, U5)."""

    kind: Literal["attach_individual_number"] = "attach_individual_number"
    person_id: PersonId
    individual_number: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    date_of_birth: date
    sex: Sex | None = None
    without_sex: bool = False  # the basic three, where the source holds no sex
    address: Annotated[str, StringConstraints(min_length=1, max_length=300)]


Notification = Annotated[
    MoveIn
    | MoveOut
    | ConfirmMoveOut
    | CancelMoveOut
    | Relocation
    | Birth
    | Death
    | HouseholdSplit
    | HouseholdMerge
    | HeadChange
    | HouseholdComposition
    | FamilyRegisterChange
    | Correction
    | RecordingCorrection
    | ExOfficioRemoval
    | Restoration
    | AttachIndividualNumber
    | ForeignResidentChange
    | FormerSurname
    | Alias
    | ExOfficioRecord,
    Field(discriminator="kind"),
]

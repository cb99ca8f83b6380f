"""住民基本台帳 over HTTP: notifications, records, history, search, households."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from jichi.kernel.errors import NOT_FOUND, JichiError
from jichi.kernel.inputs import no_individual_number
from jichi.registry import commands as c
from jichi.registry.errors import HOUSEHOLD_NOT_FOUND
from jichi.registry.model import ResidentRecord
from jichi.registry.protection import Protection
from jichi.registry.queries import SearchQuery
from jichi.registry.restrictions import OtherParty, SupportMeasure
from jichi.registry.service import Registry
from jichi.security.policy import require, require_notification
from jichi.web.auth import CurrentActor

router = APIRouter(prefix="/api/registry", tags=["registry"])


class AppliedOut(BaseModel):
    notification_id: str
    kind: str
    late: bool
    flags: list[str]
    person_ids: list[str]
    result: dict[str, Any]
    replayed: bool


class ItemChangeOut(BaseModel):
    label: str
    before: str
    after: str


class PersonChangeOut(BaseModel):
    person_id: str
    name: str
    action: str
    items: list[ItemChangeOut]
    household_id: str
    relationship: str
    address: str


class ReviewOut(BaseModel):
    """What a notification would change (``dry_run``): every check run, nothing recorded."""

    kind: str
    reason: str
    reason_ja: str
    effective_date: date
    notified_date: date
    late: bool
    flags: list[str]
    persons: list[PersonChangeOut]
    distinct: list[str]


class EventOut(BaseModel):
    event_id: str
    notification_id: str
    kind: str
    reason: str
    reason_ja: str
    effective_date: date
    notified_date: date
    recorded_at: datetime
    recorded_by: str
    changes: dict[str, Any]
    corrects: str | None
    late: bool


class SearchIn(BaseModel):
    name: Annotated[str | None, Field(max_length=100)] = None
    kana: Annotated[str | None, Field(max_length=100)] = None
    date_of_birth: date | None = None
    address: Annotated[str | None, Field(max_length=200)] = None
    resident_code: Annotated[str | None, Field(pattern=r"^\d{11}$")] = None
    household_id: Annotated[str | None, Field(max_length=36)] = None
    include_removed: StrictBool = False  # 0 or "yes" is not a boolean
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: Annotated[str | None, Field(max_length=500)] = None

    @field_validator("date_of_birth", mode="before")
    @classmethod
    def _date_is_text(cls, value: Any) -> Any:
        """An ISO date string, as the schema says (Pydantic would take 0 for 1970-01-01)."""
        if value is not None and not isinstance(value, str | date):
            raise ValueError("date_of_birth must be an ISO date string")
        return value


class SearchOut(BaseModel):
    records: list[ResidentRecord]
    next_cursor: str | None


class HouseholdOut(BaseModel):
    household_id: str
    version: int
    members: list[ResidentRecord]


def registry_of(request: Request) -> Registry:
    registry: Registry | None = request.app.state.registry
    if registry is None:
        raise JichiError(NOT_FOUND, field="municipality", what="この団体の住民基本台帳")
    return registry


@router.post("/notifications", response_model=AppliedOut, status_code=201)
def file_notification(
    request: Request,
    actor: CurrentActor,
    notification: Annotated[c.Notification, Body()],
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> AppliedOut:
    """届出・職権の記録。Idempotency-Key を付けた再送は二重に記録されません。"""
    require_notification(actor, notification.kind)
    applied = registry_of(request).apply(notification, actor, idempotency_key=idempotency_key)
    return AppliedOut(**applied.__dict__)


@router.post("/notifications/preview", response_model=ReviewOut)
def preview_notification(
    request: Request, actor: CurrentActor, notification: Annotated[c.Notification, Body()]
) -> ReviewOut:
    """届出の確認（dry run）: 記録すると何が変わるか。すべての検査を行い、何も記録しません。"""
    require_notification(actor, notification.kind)
    shown = registry_of(request).preview(notification, actor)
    return ReviewOut(
        kind=shown.kind,
        reason=shown.reason.value,
        reason_ja=shown.reason.label_ja,
        effective_date=shown.effective_date,
        notified_date=shown.notified_date,
        late=shown.late,
        flags=shown.flags,
        persons=[
            PersonChangeOut(
                person_id=p.person_id,
                name=p.name,
                action=p.action,
                items=[
                    ItemChangeOut(label=i.label, before=i.before, after=i.after) for i in p.items
                ],
                household_id=p.household_id,
                relationship=p.relationship,
                address=p.address,
            )
            for p in shown.persons
        ],
        distinct=shown.distinct,
    )


# Before /residents/{person_id}: "search" is not a person id (405 answers name POST).
@router.post("/residents/search", response_model=SearchOut)
def search_residents(request: Request, actor: CurrentActor, body: SearchIn) -> SearchOut:
    """検索（POST: 検索条件を URL に残さないため）。"""
    require(actor, "resident.search")
    page = registry_of(request).search(SearchQuery(**body.model_dump()), actor)
    return SearchOut(records=page.records, next_cursor=page.next_cursor)


@router.get("/residents/{person_id}", response_model=ResidentRecord)
def show_resident(
    request: Request,
    actor: CurrentActor,
    person_id: str,
    as_of: Annotated[date | None, Query(description="異動日基準（この日現在）")] = None,
    recorded_by: Annotated[datetime | None, Query(description="この時点で記録済みの内容")] = None,
) -> ResidentRecord:
    """照会。利用目的を記録するときは POST …/read を使います（URL に個人の文を残さないため）。"""
    require(actor, "resident.read")
    return registry_of(request).read_record(person_id, actor, as_of=as_of, recorded_by=recorded_by)


class ReadIn(BaseModel):
    """A read with its purpose: in the body, because URLs end up in proxy and access logs."""

    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(default=None, description="異動日基準（この日現在）")
    recorded_by: datetime | None = Field(default=None, description="この時点で記録済みの内容")
    purpose: Annotated[str | None, Field(max_length=200), no_individual_number("purpose")] = None


@router.post("/residents/{person_id}/read", response_model=ResidentRecord)
def read_resident(
    request: Request, actor: CurrentActor, person_id: str, body: ReadIn
) -> ResidentRecord:
    """照会（利用目的つき）。POST: 利用目的を URL に残さないため。"""
    require(actor, "resident.read")
    return registry_of(request).read_record(
        person_id, actor, as_of=body.as_of, recorded_by=body.recorded_by, purpose=body.purpose
    )


@router.get("/residents/{person_id}/history", response_model=list[EventOut])
def resident_history(request: Request, actor: CurrentActor, person_id: str) -> list[EventOut]:
    require(actor, "resident.history")
    return [
        EventOut(
            event_id=ev.event_id,
            notification_id=ev.notification_id,
            kind=ev.kind.value,
            reason=ev.reason.value,
            reason_ja=ev.reason.label_ja,
            effective_date=ev.effective_date,
            notified_date=ev.notified_date,
            recorded_at=ev.recorded_at,
            recorded_by=ev.recorded_by,
            changes=ev.changes,
            corrects=ev.corrects,
            late=ev.late,
        )
        for ev in registry_of(request).history(person_id, actor)
    ]


@router.get("/households/{household_id}", response_model=HouseholdOut)
def show_household(
    request: Request, response: Response, actor: CurrentActor, household_id: str
) -> HouseholdOut:
    require(actor, "household.read")
    found = registry_of(request).household(household_id, actor)
    if found is None:
        raise JichiError(HOUSEHOLD_NOT_FOUND, field="household_id", household_id=household_id)
    version, members = found
    response.headers["ETag"] = f'"{version}"'
    return HouseholdOut(household_id=household_id, version=version, members=members)


class OtherPartyIn(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    date_of_birth: date | None = None
    person_id: Annotated[str | None, Field(max_length=36)] = None
    # The other party's address as the 申出 states it: the counter recognises them by it.
    address: Annotated[str, Field(max_length=300)] = ""


class SupportMeasureIn(BaseModel):
    other_parties: Annotated[list[OtherPartyIn], Field(min_length=1, max_length=10)]
    starts_on: date | None = None
    basis: Annotated[str, Field(min_length=1, max_length=500)]
    # Household members the measure also covers; omitted: the household at the address.
    members: Annotated[list[Annotated[str, Field(max_length=36)]] | None, Field(max_length=20)] = (
        None
    )


class SupportMeasureOut(BaseModel):
    measure_id: str
    person_id: str
    starts_on: date
    ends_on: date
    ended_on: date | None
    version: int
    members: list[str] | None = None  # None: every member of the household at the address


class VersionIn(BaseModel):
    expected_version: Annotated[int, Field(ge=1)]


class RestrictionsOut(BaseModel):
    kinds: list[str]
    measures: list[SupportMeasureOut]


def _measure_out(m: SupportMeasure) -> SupportMeasureOut:
    return SupportMeasureOut(
        measure_id=m.measure_id,
        person_id=m.person_id,
        starts_on=m.starts_on,
        ends_on=m.ends_on,
        ended_on=m.ended_on,
        version=m.version,
        members=list(m.members) if m.members is not None else None,
    )


@router.post(
    "/residents/{person_id}/support-measures", response_model=SupportMeasureOut, status_code=201
)
def register_support_measure(
    request: Request, actor: CurrentActor, person_id: str, body: SupportMeasureIn
) -> SupportMeasureOut:
    """支援措置の申出を記録します（1年間、延長は申出による）。"""
    require(actor, "support_measure.register")
    parties = [
        OtherParty(p.name, p.date_of_birth, p.person_id, p.address) for p in body.other_parties
    ]
    measure = Protection(registry_of(request)).register(
        person_id,
        parties,
        actor,
        starts_on=body.starts_on,
        basis=body.basis,
        members=body.members,
    )
    return _measure_out(measure)


@router.post("/support-measures/{measure_id}/renew", response_model=SupportMeasureOut)
def renew_support_measure(
    request: Request, actor: CurrentActor, measure_id: str, body: VersionIn
) -> SupportMeasureOut:
    require(actor, "support_measure.renew")
    protection = Protection(registry_of(request))
    return _measure_out(protection.renew(measure_id, body.expected_version, actor))


@router.post("/support-measures/{measure_id}/end", status_code=204)
def end_support_measure(
    request: Request, actor: CurrentActor, measure_id: str, body: VersionIn
) -> Response:
    require(actor, "support_measure.end")
    Protection(registry_of(request)).end(measure_id, body.expected_version, actor)
    return Response(status_code=204)


@router.get("/residents/{person_id}/restrictions", response_model=RestrictionsOut)
def show_restrictions(request: Request, actor: CurrentActor, person_id: str) -> RestrictionsOut:
    """この住民に今日かかっている制限（支援措置・死亡・消除）。"""
    require(actor, "restriction.read")
    found = Protection(registry_of(request)).restrictions(person_id, actor=actor)
    return RestrictionsOut(
        kinds=sorted(k.value for k in found.kinds),
        measures=[_measure_out(m) for m in found.measures],
    )

"""届出の入力画面: one form per notification, posting to the same ``Registry.apply``.

転入 starts from nothing (a family of up to ``MAX_PERSONS`` rows, with the card reader);
the others start from a household (転居・転出・世帯分離・世帯主変更・出生・死亡) and carry
the household's version, so a clerk who saw an older state gets 409 REG-006 with the
fresh data rather than overwriting a colleague's work.  Every rejection is shown next
to the input its ``field`` names, and listed at the top of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response, UploadFile

from jichi.kernel.clock import today as clock_today
from jichi.kernel.errors import JichiError
from jichi.registry.errors import HOUSEHOLD_NOT_FOUND
from jichi.registry.model import ResidentRecord
from jichi.registry.queries import SearchQuery
from jichi.security.actor import Actor, Role
from jichi.security.policy import SUPERVISOR_KINDS, notification_roles
from jichi.web.pages import card as card_reader
from jichi.web.pages import confirm
from jichi.web.pages import pending as p
from jichi.web.pages.common import (
    KeptForm,
    Page,
    PageRoute,
    counter_page,
    refusals,
)
from jichi.web.pages.counter_day import attach_person, reception_of
from jichi.web.pages.forms import (
    decode,
    fill_place,
    nested_only,
    values_of,
)

router = APIRouter(route_class=PageRoute)

MAX_PERSONS = 8
CARD_LIMIT = 64_000  # bytes read from a card file
PERSON_ITEMS = (
    "name.family",
    "name.given",
    "name.family_kana",
    "name.given_kana",
    "date_of_birth",
    "sex",
    "relationship",
    "honseki",
    "family_register_head",
    "resident_code",  # 転入: from the 転出証明書 (the form shows it for persons only)
)
ADDRESS_ITEMS = ("prefecture", "municipality", "town", "block", "building", "postal_code")


@dataclass(frozen=True)
class Kind:
    """A notification form: its title, legal basis, the inputs it shows and who may file."""

    kind: str
    title: str
    basis: str
    fields: tuple[str, ...]

    @property
    def supervisor(self) -> bool:
        """Shown to and filed by 係長 (supervisor) and admin only: decided by the policy."""
        return self.kind in SUPERVISOR_KINDS

    @property
    def allowed(self) -> tuple[Role, ...]:
        return notification_roles(self.kind)


HOUSEHOLD_KINDS = {
    k.kind: k
    for k in (
        Kind(
            "relocation",
            "転居届",
            "住民基本台帳法23条",
            (
                "effective_date",
                "notified_date",
                "person_ids",
                "address",
                "new_head_id",
                "remaining_head_id",
                "relationships",
            ),
        ),
        Kind(
            "move_out",
            "転出届",
            "住民基本台帳法24条",
            (
                "planned_date",
                "notified_date",
                "person_ids",
                "destination",
                "new_head_id",
                "relationships",
            ),
        ),
        Kind(
            "household_split",
            "世帯分離届",
            "住民基本台帳法25条",
            (
                "effective_date",
                "notified_date",
                "person_ids",
                "new_head_id",
                "remaining_head_id",
                "relationships",
            ),
        ),
        Kind(
            "head_change",
            "世帯主変更届",
            "住民基本台帳法25条",
            ("effective_date", "notified_date", "new_head_id", "relationships"),
        ),
        Kind(
            "household_merge",
            "世帯合併届",
            "住民基本台帳法25条",
            ("effective_date", "notified_date", "into_household_id", "relationships"),
        ),
        Kind(
            "household_composition",
            "世帯構成変更届",
            "住民基本台帳法25条",
            (
                "effective_date",
                "notified_date",
                "person_ids",
                "into_household_id",
                "remaining_head_id",
                "relationships",
            ),
        ),
        Kind(
            "birth",
            "出生（職権記載）",
            "戸籍法49条・住民基本台帳法施行令12条",
            ("notified_date", "child"),
        ),
        Kind(
            "death",
            "死亡（職権消除）",
            "戸籍法86条・住民基本台帳法施行令12条",
            ("effective_date", "notified_date", "person_id", "new_head_id", "relationships"),
        ),
    )
}


def input_names(
    fields: tuple[str, ...], members: list[ResidentRecord], persons: int = 0
) -> list[str]:
    """Every input a form shows, in page order (errors are placed against these)."""
    names: list[str] = []
    for f in fields:
        if f in {"address", "destination", "previous_address"}:
            names += [f"{f}.{item}" for item in ADDRESS_ITEMS]
        elif f == "child":
            names += [f"child.{item}" for item in PERSON_ITEMS]
        elif f == "persons":
            names += [f"persons.{i}.{item}" for i in range(persons) for item in PERSON_ITEMS]
        elif f == "relationships":
            names += [f"relationships.{m.person_id}" for m in members]
        else:
            names.append(f)
    return names


def today() -> date:
    """Today in Japan (the 届出日 a form starts with)."""

    return clock_today()


def _here(page: Page, prefix: str) -> dict[str, str]:
    municipality = page.request.app.state.municipality
    if municipality is None:
        return {}
    return {
        f"{prefix}.prefecture": municipality.prefecture,
        f"{prefix}.municipality": municipality.name,
    }


# -- 転入 ------------------------------------------------------------------------------


FAMILY_KINDS = {  # the forms that start from nothing: a family of up to MAX_PERSONS rows
    "move_in": Kind(
        "move_in",
        "転入届",
        "住民基本台帳法22条。転入した日から14日以内に届け出ます（期間を過ぎても受け付け、期間経過として記録します）",
        (
            "effective_date",
            "notified_date",
            "address",
            "previous_address",
            "persons",
            "distinct_person_reason",
        ),
    ),
    "ex_officio_record": Kind(
        "ex_officio_record",
        "職権記載",
        "住民基本台帳法施行令12条1項。届出がないまま住んでいることを確認した方を、職権で記載します",
        (
            "effective_date",
            "notified_date",
            "address",
            "previous_address",
            "persons",
            "reason",
            "distinct_person_reason",
        ),
    ),
}


@router.get("/notifications/{kind}")
def family_form(request: Request, kind: str, reception_id: str = "") -> Response:
    page = counter_page(request)
    spec = _family_spec(kind)
    page.require(kind, *spec.allowed)
    values = {"notified_date": today().isoformat(), **_here(page, "address")}
    if reception_id:  # opened from the queue: the 受付 this 転入 belongs to
        values["reception_id"] = reception_id[:36]
    return _render_move_in(page, values, {}, persons=3, spec=spec)


@router.post("/notifications/{kind}")
def family_notification(request: Request, kind: str, form: KeptForm) -> Response:
    page = counter_page(request, form)
    spec = _family_spec(kind)
    actor = page.require(kind, *spec.allowed)
    values = values_of(form)
    action = confirm.action_of(values)
    if action in {"record", "revise"}:
        pending = p.unseal(page, actor, values.get(p.FIELD))
        values = pending.values
    persons = _rows(values.get("person_rows"))
    names = input_names(spec.fields, [], persons)
    if action == "revise":
        return _render_move_in(page, values, {}, persons=persons, spec=spec)
    if action == "record":
        done = confirm.record(page, actor, pending, names)
        if done.ok:
            applied = done.data["applied"]
            visit = attach_person(page, values.get("reception_id"), applied.person_ids)
            query = f"?reception_id={visit}" if visit else ""
            return page.redirect(f"/counter/recorded/{applied.notification_id}{query}")
        return _render_move_in(
            page, values, done.errors, persons=persons, spec=spec, status_code=422
        )
    if action == "add_person":
        return _render_move_in(page, values, {}, persons=min(MAX_PERSONS, persons + 1), spec=spec)
    if action == "card" and kind == "move_in":
        upload = form.get("card_file")
        if isinstance(upload, UploadFile) and upload.filename:
            values["card"] = upload.file.read(CARD_LIMIT).decode("utf-8", errors="replace")
        return _card(page, values, persons)
    outcome = decode(values, fields=spec.fields)
    outcome.errors = {**refusals(page.request), **outcome.errors}  # check_form\'s, at inputs
    nested_only(outcome, "address", "previous_address")
    data = outcome.data
    data["kind"] = kind
    municipality = page.request.app.state.municipality
    data.setdefault("address", {})["lg_code"] = municipality.code if municipality else ""
    fill_place(data, "previous_address", outcome)
    result = confirm.review(page, actor, data, names, confirm.placed(outcome.errors, names))
    if not result.ok:
        return _render_move_in(
            page,
            values,
            result.errors,
            persons=persons,
            spec=spec,
            status_code=409 if result.data.get("duplicate") else 422,
            duplicate=bool(result.data.get("duplicate")),
        )
    return confirm.confirm_page(page, actor, spec.title, result, values, back=spec.title)


def _rows(submitted: Any) -> int:
    """How many person rows the form shows: 1..MAX_PERSONS, 3 when not a plain number."""
    text = str(submitted or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 2):
        return 3
    return min(MAX_PERSONS, max(1, int(text)))


def _family_spec(kind: str) -> Kind:
    spec = FAMILY_KINDS.get(kind)
    if spec is None:
        from jichi.kernel.errors import NOT_FOUND

        raise JichiError(NOT_FOUND, field="kind", what="この届出の画面")
    return spec


def _card(page: Page, values: dict[str, Any], persons: int) -> Response:
    """カード読み取り: fill the chosen person's row and 従前の住所 from the card."""
    text = str(values.get("card", "")).strip()
    target = str(values.get("card_person", "0"))
    index = int(target) if target in {str(i) for i in range(persons)} else 0
    try:
        data = card_reader.read_card(text)
        filled = card_reader.person_values(data, f"persons.{index}")
        if data.get("address") and not values.get("previous_address.town"):
            filled.update(card_reader.address_values(str(data["address"]), "previous_address"))
    except JichiError as error:
        return _render_move_in(
            page, values, {"card": error.message_ja}, persons=persons, status_code=422
        )
    merged = {**values, **filled, "card": ""}
    notice = f"{index + 1}人目の方の欄にカードの内容を入力しました。内容を確認してください。"
    return _render_move_in(
        page, merged, {}, persons=persons, notice=notice, focus=f"persons.{index}.name.family"
    )


def _render_move_in(
    page: Page,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    persons: int,
    spec: Kind | None = None,
    status_code: int = 200,
    notice: str = "",
    focus: str = "",
    duplicate: bool = False,
) -> Response:
    return page.render(
        "counter/move_in.html",
        reception=reception_of(page, values.get("reception_id")),
        duplicate=duplicate or bool(values.get("distinct_person_reason")),
        status_code=status_code,
        spec=spec or FAMILY_KINDS["move_in"],
        values=values,
        errors=errors,
        persons=persons,
        notice=notice,
        focus=focus,
        card_options=[(str(i), f"{i + 1}人目の方") for i in range(persons)],
    )


# -- household-based notifications ------------------------------------------------------


def _household(page: Page, actor: Actor, household_id: str) -> tuple[int, list[ResidentRecord]]:
    found = page.registry.household(household_id, actor)
    if found is None:
        raise JichiError(HOUSEHOLD_NOT_FOUND, field="household_id", household_id=household_id)
    return found


@router.get("/households/{household_id}/{kind}")
def household_form(request: Request, household_id: str, kind: str) -> Response:
    page = counter_page(request)
    spec = _spec(kind)
    actor = page.require(kind, *spec.allowed)
    version, members = _household(page, actor, household_id)
    values: dict[str, Any] = {"notified_date": today().isoformat(), **_here(page, "address")}
    return _render_household(page, spec, household_id, version, members, values, {})


@router.post("/households/{household_id}/{kind}")
def household_notification(
    request: Request, household_id: str, kind: str, form: KeptForm
) -> Response:
    page = counter_page(request, form)
    spec = _spec(kind)
    actor = page.require(kind, *spec.allowed)
    values = values_of(form)
    action = confirm.action_of(values)
    version, members = _household(page, actor, household_id)
    names = input_names(spec.fields, members)
    if action in {"record", "revise"}:
        pending = p.unseal(page, actor, values.get(p.FIELD))
        values = pending.values
        if action == "revise":
            return _render_household(page, spec, household_id, version, members, values, {})
        done = confirm.record(page, actor, pending, names)
        if done.ok:
            return page.redirect(f"/counter/recorded/{done.data['applied'].notification_id}")
        return _refused(page, spec, household_id, actor, values, done.errors, done.data)
    outcome = decode(values, fields=spec.fields)
    outcome.errors = {**refusals(page.request), **outcome.errors}  # check_form\'s, at inputs
    nested_only(outcome, "address", "destination", "relationships", "child")
    data = outcome.data
    data["kind"] = kind
    if kind in {"household_split", "head_change", "birth", "household_merge"}:
        data["household_id"] = household_id
    if kind in {"household_merge", "household_composition"}:
        data.setdefault("relationships", {})  # each mover's is required: the registry says whose
    if "address" in data and page.request.app.state.municipality is not None:
        data["address"]["lg_code"] = page.request.app.state.municipality.code
    if kind == "move_out":
        if values.get("destination.abroad") == "on":
            data.setdefault("destination", {})["abroad"] = True
        else:
            fill_place(data, "destination", outcome)
    submitted_version = str(values.get("version", ""))
    if submitted_version.isascii() and submitted_version.isdigit() and len(submitted_version) < 10:
        data["expected_versions"] = {household_id: int(submitted_version)}
    result = confirm.review(page, actor, data, names, confirm.placed(outcome.errors, names))
    if result.ok:
        return confirm.confirm_page(page, actor, spec.title, result, values, back=spec.title)
    return _refused(page, spec, household_id, actor, values, result.errors, result.data)


def _refused(
    page: Page,
    spec: Kind,
    household_id: str,
    actor: Actor,
    values: dict[str, Any],
    errors: dict[str, str],
    data: dict[str, Any],
) -> Response:
    """The form again with the registry's errors; on a conflict, the colleague's data."""
    conflict = bool(data.get("conflict"))
    version, members = _household(page, actor, household_id)
    if conflict:  # show what the colleague recorded, keep what the clerk typed
        values["version"] = str(version)
    return _render_household(
        page,
        spec,
        household_id,
        version,
        members,
        values,
        errors,
        status_code=409 if conflict else 422,
        conflict=conflict,
    )


def _spec(kind: str) -> Kind:
    spec = HOUSEHOLD_KINDS.get(kind)
    if spec is None:
        from jichi.kernel.errors import NOT_FOUND

        raise JichiError(NOT_FOUND, field="kind", what="この届出の画面")
    return spec


def _render_household(
    page: Page,
    spec: Kind,
    household_id: str,
    version: int,
    members: list[ResidentRecord],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
    conflict: bool = False,
) -> Response:
    neighbours = []
    if "into_household_id" in spec.fields:
        neighbours = _neighbours(page, household_id, members)
    return page.render(
        "counter/household_form.html",
        status_code=status_code,
        spec=spec,
        household_id=household_id,
        household_version=version,
        members=members,
        member_options=[(m.person_id, f"{m.name.text()}（{m.relationship}）") for m in members],
        neighbours=neighbours,
        values=values,
        errors=errors,
        conflict=conflict,
    )


def _neighbours(
    page: Page, household_id: str, members: list[ResidentRecord]
) -> list[tuple[str, str]]:
    """Other households at the same dwelling, as (id, label): the audited address search.

    世帯合併 and 世帯構成変更 join one of these (the registry refuses any other).
    """
    if not members or page.actor is None:
        return []
    here = members[0].address
    key = f"{here.town}{here.block}{here.building}"
    if not key:
        return []
    found = page.registry.search(SearchQuery(address=key, limit=100), page.actor).records
    households: dict[str, list[ResidentRecord]] = {}
    for record in found:
        if record.household_id != household_id and record.address.same_place(here):
            households.setdefault(record.household_id, []).append(record)
    result = []
    for hid, people in households.items():
        head = next((p for p in people if p.is_head), people[0])
        result.append((hid, f"世帯主 {head.name.text()} の世帯（{len(people)}人）"))
    return sorted(result, key=lambda n: n[1])

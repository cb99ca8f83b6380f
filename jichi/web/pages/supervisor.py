"""責任者の画面: the audit log (newest first, by person) and the 職権修正 form.

The audit log is read as it is stored, for the supervisor's and the auditor's eyes;
reading it writes no entry of its own (as ``jichi audit`` on the command line).  A
correction is a ``correction`` command through ``Registry.apply`` like any notification,
so it is checked, recorded as an event that points at the one it corrects, and audited.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from jichi.registry.events import Event
from jichi.security.audit_reads import TenantAuditLog
from jichi.web.pages import audit_view as view
from jichi.web.pages import confirm
from jichi.web.pages import pending as p
from jichi.web.pages.common import (
    AUDIT_ROLES,
    SUPERVISOR_ROLES,
    KeptForm,
    PageRoute,
    counter_page,
    refusals,
    wareki,
)
from jichi.web.pages.forms import decode, place, values_of

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 100
CORRECTION_FIELDS = (
    "corrects_event_id",
    "name.family",
    "name.given",
    "name.family_kana",
    "name.given_kana",
    "date_of_birth",
    "sex",
    "honseki",
    "family_register_head",
    "reason",
)


@router.get("/audit")
def audit_page(
    request: Request,
    person_id: Annotated[str, Query(max_length=64)] = "",
    before: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    page = counter_page(request)
    viewer = page.require("audit.read", *AUDIT_ROLES)
    registry = page.registry
    log = TenantAuditLog(registry.lg_code)
    with registry.engine.connect() as conn:
        rows = log.rows(conn, person_id=person_id.strip(), before=before, limit=PAGE_SIZE + 1)
        staff = view.staff_names(conn, registry.lg_code, (r.actor for r in rows))
    rows_shown = rows[:PAGE_SIZE]
    allowed = view.may_see_names(viewer)
    subjects = [r.subject_person_id for r in rows_shown if r.subject_person_id]
    if person_id.strip():
        subjects.append(person_id.strip())
    names = registry.names(subjects, viewer, purpose="監査ログの表示") if allowed else {}
    entries = [_entry(row, staff, names, allowed) for row in rows_shown]
    older = rows[PAGE_SIZE - 1].seq if len(rows) > PAGE_SIZE else None
    filtered = view.whose(person_id.strip() or None, names, allowed=allowed)
    return page.render(
        "counter/audit.html",
        entries=entries,
        person_id=person_id,
        filtered=filtered,
        older=older,
    )


def _entry(row: Any, staff: dict[str, str], names: dict[str, str], allowed: bool) -> dict[str, Any]:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = {}
    shown = detail.get("shown") if isinstance(detail, dict) else None
    if isinstance(detail, dict) and isinstance(detail.get("results"), int):
        shown = [None] * detail["results"]  # one entry per person shown
    return {
        "seq": row.seq,
        "at": row.at,
        "actor": view.who(row.actor, staff),
        "actor_id": row.actor,
        "role": row.actor_role,
        "action": view.action_ja(row.action),
        "subject": view.whose(row.subject_person_id, names, allowed=allowed),
        "purpose": view.purpose_ja(row.purpose),
        "shown": len(shown) if isinstance(shown, list) else None,
    }


@router.get("/residents/{person_id}/correction")
def correction_form(request: Request, person_id: str) -> Response:
    page = counter_page(request)
    actor = page.require("correction", *SUPERVISOR_ROLES)
    record = page.registry.read_record(person_id, actor, purpose="職権修正")
    events = page.registry.history(person_id, actor)
    return page.render(
        "counter/correction.html",
        record=record,
        event_options=_event_options(events),
        values={},
        errors={},
    )


@router.post("/residents/{person_id}/correction")
def correction(request: Request, person_id: str, form: KeptForm) -> Response:
    page = counter_page(request, form)
    actor = page.require("correction", *SUPERVISOR_ROLES)
    values = values_of(form)
    names = list(CORRECTION_FIELDS)
    action = confirm.action_of(values)
    errors: dict[str, str] = {}
    if action in {"record", "revise"}:
        pending = p.unseal(page, actor, values.get(p.FIELD))
        values = pending.values
        if action == "record":
            done = confirm.record(page, actor, pending, names)
            if done.ok:
                return page.redirect(f"/counter/recorded/{done.data['applied'].notification_id}")
            errors = done.errors
    else:
        outcome = decode(values, fields=CORRECTION_FIELDS)
        outcome.errors = {**refusals(page.request), **outcome.errors}  # check_form\'s, at inputs
        errors = {place(k, names): v for k, v in outcome.errors.items()}
        if not errors:
            data = {**outcome.data, "kind": "correction", "person_id": person_id}
            result = confirm.review(page, actor, data, names)
            if result.ok:
                return confirm.confirm_page(
                    page, actor, "職権修正", result, values, back="職権修正"
                )
            errors = result.errors
    record = page.registry.read_record(person_id, actor, purpose="職権修正")
    events = page.registry.history(person_id, actor)
    return page.render(
        "counter/correction.html",
        status_code=422 if errors else 200,
        record=record,
        event_options=_event_options(events),
        values=values,
        errors=errors,
    )


def _event_options(events: list[Event]) -> list[tuple[str, str]]:
    return [
        (ev.event_id, f"{wareki(ev.effective_date)} {ev.reason.label_ja}（{ev.recorded_by}）")
        for ev in reversed(events)
    ]

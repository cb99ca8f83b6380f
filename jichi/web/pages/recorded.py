"""The result page of a recording, and 記録の訂正 (a mistaken recording undone).

After 「記録する」 every notification form lands here: what was recorded (the events,
the people as they now stand, their households) and the follow-up work
(:mod:`jichi.web.pages.follow_up`).  A recording made in error is undone from here by
a ``recording_correction`` — new events, never a deletion — with a reason, by the staff
member who recorded it or a 係長; it goes through the same 確認 step as every form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.registry.counter_day.reception import Reception
from jichi.registry.events import EventKind
from jichi.registry.review import Recording
from jichi.security.actor import Actor
from jichi.security.policy import STAFF_ROLES, SUPERVISOR_ROLES
from jichi.web.pages import confirm, person_forms
from jichi.web.pages import notifications as n
from jichi.web.pages import pending as p
from jichi.web.pages.common import KeptForm, Page, PageRoute, counter_page, refusals
from jichi.web.pages.counter_day import reception_of
from jichi.web.pages.follow_up import follow_up
from jichi.web.pages.forms import decode, place, values_of
from jichi.web.pages.protection_warning import warning

router = APIRouter(route_class=PageRoute)

TITLES = {
    "move_in": "転入届",
    "correction": "職権修正",
    "recording_correction": "記録の訂正",
    **{k: spec.title for k, spec in n.FAMILY_KINDS.items()},
    **{k: spec.title for k, spec in n.HOUSEHOLD_KINDS.items()},
    **{k: spec.title for k, spec in person_forms.PERSON_KINDS.items()},
}
EVENT_JA = {
    EventKind.RECORDED: "記載",
    EventKind.CHANGED: "変更",
    EventKind.REMOVED: "消除",
    EventKind.RESTORED: "回復",
}
FIELDS = ("reason",)


def may_correct(found: Recording, actor: Actor) -> bool:
    """The recorder or a 係長, while it is not corrected already."""
    if found.corrected_by is not None:
        return False
    return actor.role in SUPERVISOR_ROLES or found.recorded_by == actor.staff_id


@router.get("/recorded/{notification_id}")
def recorded(request: Request, notification_id: str, reception_id: str = "") -> Response:
    """The result page; ``?reception_id=`` (a 転入 taken at a 受付) carries the 窓口番号
    into the certificate links, so their fees go to that visit's 領収書."""
    page = counter_page(request)
    actor = page.require("resident.read", *STAFF_ROLES)
    found = page.registry.recording(notification_id, actor)
    return _render(page, actor, found, {}, {}, visit=reception_of(page, reception_id))


@router.post("/recorded/{notification_id}/correction")
def correct(request: Request, notification_id: str, form: KeptForm) -> Response:
    page = counter_page(request, form)
    actor = page.require("recording_correction", *STAFF_ROLES)
    values = values_of(form)
    names = list(FIELDS)
    action = confirm.action_of(values)
    if action in {"record", "revise"}:
        pending = p.unseal(page, actor, values.get(p.FIELD))
        values = pending.values
        if action == "record":
            done = confirm.record(page, actor, pending, names)
            if done.ok:
                return page.redirect(f"/counter/recorded/{done.data['applied'].notification_id}")
            found = page.registry.recording(notification_id, actor)
            return _render(page, actor, found, values, done.errors, status_code=422)
        found = page.registry.recording(notification_id, actor)
        return _render(page, actor, found, values, {})
    outcome = decode(values, fields=names)
    outcome.errors = {**refusals(page.request), **outcome.errors}  # check_form\'s, at inputs
    errors = {place(k, names): v for k, v in outcome.errors.items()}
    if not errors:
        data = {**outcome.data, "kind": "recording_correction", "notification_id": notification_id}
        result = confirm.review(page, actor, data, names)
        if result.ok:
            return confirm.confirm_page(
                page, actor, "記録の訂正", result, values, back="記録の訂正"
            )
        errors = result.errors
    found = page.registry.recording(notification_id, actor)
    return _render(page, actor, found, values, errors, status_code=422)


def _render(
    page: Page,
    actor: Actor,
    found: Recording,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
    visit: Reception | None = None,
) -> Response:
    protected, parties = warning(page, sorted(found.records))
    return page.render(
        "counter/recorded.html",
        status_code=status_code,
        found=found,
        title=TITLES.get(found.kind, "届出"),
        event_ja=EVENT_JA,
        follow=follow_up(found, visit.reception_id if visit else ""),
        visit=visit,
        may_correct=may_correct(found, actor),
        values=values,
        errors=errors,
        protected=protected,
        other_parties=parties,
    )

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
ACTION_JA = {
    "resident.read": "住民票の照会",
    "resident.history": "異動履歴の照会",
    "resident.search": "検索",
    "household.read": "世帯の照会",
    "resident_access.issue": "本人確認コードの発行",
    "resident_access.sign_in": "本人によるサインイン",
    "resident_access.view": "本人による閲覧",
    "notification.move_in": "転入の記録",
    "notification.move_out": "転出の記録",
    "notification.relocation": "転居の記録",
    "notification.birth": "出生の記録",
    "notification.death": "死亡の記録",
    "notification.household_split": "世帯分離の記録",
    "notification.head_change": "世帯主変更の記録",
    "notification.correction": "職権修正",
    "notification.ex_officio_removal": "職権消除",
    "notification.restoration": "回復",
    "notification.confirm_move_out": "転出確定",
    "notification.cancel_move_out": "転出取消",
    "notification.household_merge": "世帯合併の記録",
    "notification.household_composition": "世帯構成変更の記録",
    "notification.family_register_change": "戸籍の届出による記載の変更",
    "notification.foreign_resident_change": "外国人住民の記載事項の変更",
    "notification.former_surname": "旧氏の記載・削除",
    "notification.alias": "通称の記載・削除",
    "notification.attach_individual_number": "個人番号の記載",
    "notification.ex_officio_record": "職権記載",
    "notification.recording_correction": "記録の訂正",
    "notification.previewed": "届出の確認画面の表示",
    "notification.read": "記録の結果の表示",
    "certificate.issue": "証明書の発行",
    "certificate.replay": "証明書の再作成（同じ請求）",
    "restriction.read": "支援措置等の制限の確認",
    "registry.export": "住民データの一括出力（CSV）",
}
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


def action_ja(action: str) -> str:
    if action in ACTION_JA:
        return ACTION_JA[action]
    if action.startswith("notification."):
        return f"届出の記録（{action.removeprefix('notification.')}）"
    return action


@router.get("/audit")
def audit_page(
    request: Request,
    person_id: Annotated[str, Query(max_length=64)] = "",
    before: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    page = counter_page(request)
    page.require("audit.read", *AUDIT_ROLES)
    log = TenantAuditLog(page.registry.lg_code)
    with page.registry.engine.connect() as conn:
        rows = log.rows(conn, person_id=person_id.strip(), before=before, limit=PAGE_SIZE + 1)
    entries = [_entry(row) for row in rows[:PAGE_SIZE]]
    older = rows[PAGE_SIZE - 1].seq if len(rows) > PAGE_SIZE else None
    return page.render("counter/audit.html", entries=entries, person_id=person_id, older=older)


def _entry(row: Any) -> dict[str, Any]:
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
        "actor": row.actor,
        "role": row.actor_role,
        "action": action_ja(row.action),
        "person_id": row.subject_person_id,
        "purpose": row.purpose,
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

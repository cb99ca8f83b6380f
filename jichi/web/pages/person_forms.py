"""One person's notifications and ex-officio acts: the forms opened from a 住民票.

転出確定・転出取消 (a 除票 by 転出 still 予定), 戸籍の届出による記載の変更, 外国人住民の
記載事項の変更, 旧氏, 通称, 個人番号の記載, and the supervisor's 職権消除 and 回復.  Each is
one command through the same ``Registry.apply`` as the API, with the same role rule
(``correction``, ``ex_officio_removal`` and ``restoration`` are for 係長 and admin, as in
``jichi/web/routes/registry.py``).  Inputs are named by the command's own paths, so a
rejection's ``field`` names the input it belongs to.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.kernel.errors import NOT_FOUND, JichiError
from jichi.registry.model import RemovalReason, ResidentRecord
from jichi.security.actor import Actor, Role
from jichi.web.pages import confirm
from jichi.web.pages import pending as p
from jichi.web.pages.common import KeptForm, Page, PageRoute, counter_page, refusals
from jichi.web.pages.forms import decode, fill_place, nested_only, values_of
from jichi.web.pages.notifications import ADDRESS_ITEMS, Kind, today

router = APIRouter(route_class=PageRoute)

NAME_ITEMS = ("family", "given", "family_kana", "given_kana")
FOREIGN_ITEMS = (
    "nationality",
    "category",
    "status_of_residence",
    "period_of_stay",
    "period_expires",
    "residence_card_number",
)
EVIDENCE_ROWS = 3
FAMILY_REGISTER_EVENTS = (
    "婚姻",
    "離婚",
    "養子縁組",
    "養子離縁",
    "転籍",
    "氏の変更",
    "名の変更",
    "認知",
)
ALIAS_EXCEPTIONS = [
    ("", "なし（資料2点以上）"),
    ("child_of_alias_holder", "通称を持つ方の子"),
    ("nikkei_name", "日系の方の日本式氏名"),
    ("spouse_surname", "日本人配偶者の氏"),
]

PERSON_KINDS = {
    k.kind: k
    for k in (
        Kind(
            "confirm_move_out",
            "転出確定（転入通知の受理）",
            "住民基本台帳法9条1項・施行令13条。転入先の市区町村から転入通知が届いたら、転出を確定して除票にします",
            ("notified_date", "moved_on", "new_address", "note"),
        ),
        Kind(
            "cancel_move_out",
            "転出取消",
            "転出の予定が取りやめになったとき。住民票は転出前の状態に戻り、履歴は残ります",
            ("notified_date", "note"),
        ),
        Kind(
            "family_register_change",
            "戸籍の届出による記載の変更",
            "住民基本台帳法施行令12条2項1号（婚姻・離婚・養子縁組・転籍・氏の変更など）",
            (
                "effective_date",
                "notified_date",
                "event",
                "name",
                "honseki",
                "family_register_head",
                "relationship",
            ),
        ),
        Kind(
            "foreign_resident_change",
            "外国人住民の記載事項の変更",
            "住民基本台帳法30条の50（出入国在留管理庁からの通知による職権記載）",
            ("effective_date", "notified_date", "foreign"),
        ),
        Kind(
            "former_surname",
            "旧氏の記載・削除",
            "住民基本台帳法施行令30条の13（日本人住民のみ、旧氏は1つ）",
            ("notified_date", "action", "family", "family_kana"),
        ),
        Kind(
            "alias",
            "通称の記載・削除",
            "住民基本台帳法施行令30条の26（外国人住民のみ、通称は1つ）",
            ("notified_date", "action", "alias", "evidence", "exception"),
        ),
        Kind(
            "attach_individual_number",
            "個人番号の記載",
            "本人確認情報（氏名・生年月日・性別・住所。照合元に性別がなければ基本3情報）が"
            "すべて一致したときだけ記載します",
            (
                "notified_date",
                "individual_number",
                "name",
                "date_of_birth",
                "sex",
                "without_sex",
                "address",
            ),
        ),
        Kind(
            "ex_officio_removal",
            "職権消除",
            "住民基本台帳法施行令12条1項。実態調査で住んでいないことが確認できたとき",
            ("effective_date", "notified_date", "reason"),
        ),
        Kind(
            "restoration",
            "回復",
            "誤って消除した住民票を、履歴を残したまま現に住民である状態に戻します",
            ("notified_date", "reason"),
        ),
    )
}


def input_names(spec: Kind) -> list[str]:
    """Every input of the form, in page order (errors are placed against these)."""
    names: list[str] = []
    for f in spec.fields:
        if f == "new_address":
            names += [f"new_address.{item}" for item in ADDRESS_ITEMS]
        elif f == "name" and spec.kind == "family_register_change":
            names += [f"name.{item}" for item in NAME_ITEMS]
        elif f == "alias":
            names += [f"alias.{item}" for item in NAME_ITEMS]
        elif f == "foreign":
            names += [f"foreign.{item}" for item in FOREIGN_ITEMS]
        elif f == "evidence":
            for i in range(EVIDENCE_ROWS):
                names += [f"evidence.{i}.issuer", f"evidence.{i}.document"]
        else:
            names.append(f)
    return names


def available(record: ResidentRecord, actor: Actor | None) -> list[Kind]:
    """The forms that make sense for this record now, for this staff member."""
    if actor is None:
        return []
    supervisor = actor.role in (Role.SUPERVISOR, Role.ADMIN)
    kinds: list[str] = []
    if record.is_active:
        kinds.append("family_register_change")
        kinds += ["foreign_resident_change", "alias"] if record.foreign else ["former_surname"]
        if not record.has_individual_number:
            kinds.append("attach_individual_number")
        kinds.append("ex_officio_removal")
    else:
        if record.removal_reason is RemovalReason.MOVE_OUT and not record.move_out_confirmed:
            kinds += ["confirm_move_out", "cancel_move_out"]
        kinds.append("restoration")
    return [PERSON_KINDS[k] for k in kinds if supervisor or not PERSON_KINDS[k].supervisor]


def _spec(kind: str) -> Kind:
    spec = PERSON_KINDS.get(kind)
    if spec is None:
        raise JichiError(NOT_FOUND, field="kind", what="この届出の画面")
    return spec


def _initial(spec: Kind, record: ResidentRecord) -> dict[str, Any]:
    """What the form shows on opening: today as 届出日, and the items as they stand."""
    values: dict[str, Any] = {"notified_date": today().isoformat()}
    if spec.kind == "family_register_change":
        for item in NAME_ITEMS:
            values[f"name.{item}"] = getattr(record.name, item)
        values["honseki"] = record.honseki
        values["family_register_head"] = record.family_register_head
    elif spec.kind == "foreign_resident_change" and record.foreign is not None:
        for item in FOREIGN_ITEMS:
            value = getattr(record.foreign, item)
            values[f"foreign.{item}"] = value.isoformat() if hasattr(value, "isoformat") else value
    elif spec.kind in {"former_surname", "alias"}:
        values["action"] = "record"
    elif spec.kind == "attach_individual_number":
        values["address"] = ""
    return values


@router.get("/residents/{person_id}/{kind}")
def person_form(request: Request, person_id: str, kind: str) -> Response:
    page = counter_page(request)
    spec = _spec(kind)
    actor = page.require(kind, *spec.allowed)
    record = page.registry.read_record(person_id, actor, purpose=spec.title)
    return _render(page, spec, record, _initial(spec, record), {})


@router.post("/residents/{person_id}/{kind}")
def person_notification(request: Request, person_id: str, kind: str, form: KeptForm) -> Response:
    page = counter_page(request, form)
    spec = _spec(kind)
    actor = page.require(kind, *spec.allowed)
    values = values_of(form)
    record = page.registry.read_record(person_id, actor, purpose=spec.title)
    names = input_names(spec)
    action = confirm.action_of(values)
    if action in {"record", "revise"}:
        pending = p.unseal(page, actor, values.get(p.FIELD))
        values = pending.values
        if action == "revise":
            return _render(page, spec, record, values, {})
        done = confirm.record(page, actor, pending, names)
        if done.ok:
            return page.redirect(f"/counter/recorded/{done.data['applied'].notification_id}")
        return _render(page, spec, record, values, done.errors, status_code=422)
    outcome = decode(values, fields=names)
    outcome.errors = {**refusals(page.request), **outcome.errors}  # check_form\'s, at inputs
    nested_only(outcome, "new_address")
    data = _command(spec, record, outcome.data)
    if "new_address" in data:
        fill_place(data, "new_address", outcome)
    result = confirm.review(page, actor, data, names, confirm.placed(outcome.errors, names))
    if result.ok:
        return confirm.confirm_page(page, actor, spec.title, result, values, back=spec.title)
    return _render(page, spec, record, values, result.errors, status_code=422)


def _command(spec: Kind, record: ResidentRecord, data: dict[str, Any]) -> dict[str, Any]:
    """The command's data from the decoded inputs and the person the form is about."""
    data = {**data, "kind": spec.kind}
    if spec.kind in {"confirm_move_out", "cancel_move_out"}:
        data["person_ids"] = [record.person_id]
    else:
        data["person_id"] = record.person_id
    if spec.kind == "family_register_change":
        name = data.get("name")
        if isinstance(name, dict):
            current = record.name.model_dump(include=set(NAME_ITEMS))
            if {k: name.get(k, "") for k in NAME_ITEMS} == current:
                del data["name"]  # unchanged: not a change of name
        for item in ("honseki", "family_register_head"):
            if item in data and data[item] == getattr(record, item):
                del data[item]
    if spec.kind in {"former_surname", "alias"} and data.get("action") == "delete":
        for item in ("family", "family_kana", "alias", "evidence", "exception"):
            data.pop(item, None)
    if spec.kind == "alias" and isinstance(data.get("evidence"), list):
        data["evidence"] = [row for row in data["evidence"] if row]
    if spec.kind == "attach_individual_number":
        data["without_sex"] = data.get("without_sex") == "on"
    return data


def _render(
    page: Page,
    spec: Kind,
    record: ResidentRecord,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status_code: int = 200,
) -> Response:
    # The 個人番号 typed into 個人番号の記載 is never written back into a page: a refused
    # or revised form comes back with the input empty, and the clerk types it again
    # (a page is cached, printed and screenshotted; tests/integration/security scan).
    values = {k: v for k, v in values.items() if k != "individual_number"}
    return page.render(
        "counter/person_form.html",
        status_code=status_code,
        spec=spec,
        record=record,
        values=values,
        errors=errors,
        evidence_rows=EVIDENCE_ROWS,
        events=[(e, e) for e in FAMILY_REGISTER_EVENTS],
        exceptions=ALIAS_EXCEPTIONS,
    )

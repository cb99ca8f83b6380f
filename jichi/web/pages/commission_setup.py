"""選挙の登録: kind, district, seats, the 公示/告示 day and polling day, parties, candidates
and lists; then the election's page with its polling stations.

The form is parsed into :class:`jichi.elections.model.Election` and saved by
:func:`jichi.elections.election_store.save`, which validates every rule at once
(ELE-017): the page shows all the errors together, each under the input it concerns.
Candidates are typed one per line (``id,氏名,政党,名簿順位,重複,特定枠``) — a textarea a
keyboard user fills in without a row-adding script.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fastapi import APIRouter, Request, Response

from jichi.elections import election_store
from jichi.elections.errors import BAD_INPUT, raise_all
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.polling import StationKind, add_station, stations
from jichi.elections.progress import declaration
from jichi.elections.tickets import KIND_LABELS
from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction
from jichi.web.pages.commission_common import BASE, commission, election_of, field_errors
from jichi.web.pages.common import Form, Page, PageRoute
from jichi.web.pages.forms import values_of

router = APIRouter(route_class=PageRoute)

STATION_JA = {"day": "当日投票所", "early": "期日前投票所", "absentee": "不在者投票"}
FORM_FIELDS = ("election_id", "kind", "district", "seats", "announced_on", "polling_day")
# The columns' lengths (jichi.elections.tables): longer text is refused here, never a 500.
LENGTHS = {"district": 100, "party": 100, "candidate_id": 36, "name": 100,
           "station_id": 40, "polling_district": 40}  # fmt: skip


def _bad(field: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(BAD_INPUT, field=field, reason=reason, reason_en=reason_en)


def _int(text: str, field: str, errors: list[JichiError]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        errors.append(_bad(field, "半角数字で書いてください", "digits"))
        return None
    return int(text)


def _candidates(text: str, errors: list[JichiError]) -> tuple[Candidate, ...]:
    out = []
    lines = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    for i, row in enumerate(lines):
        where = f"candidates[{i}]"
        cells = [c.strip() for c in row] + [""] * 6
        if len(row) > 6 or not cells[0]:
            errors.append(_bad(where, "「ID,氏名,政党,順位,重複,特定枠」の形で書きます", "shape"))
            continue
        for item, text in (("candidate_id", cells[0]), ("name", cells[1]), ("party", cells[2])):
            if len(text) > LENGTHS[item]:
                errors.append(_bad(f"{where}.{item}", f"{LENGTHS[item]}文字までです", "too long"))
        out.append(
            Candidate(
                candidate_id=cells[0],
                name=cells[1],
                party=cells[2] or None,
                list_rank=_int(cells[3], f"{where}.list_rank", errors),
                dual=cells[4] in ("1", "重複", "yes", "on"),
                priority_order=_int(cells[5], f"{where}.priority_order", errors),
            )
        )
    return tuple(out)


def parse_election(values: dict[str, Any], lg_code: str) -> Election:
    """The election of the form; every shape problem and every rule at once."""
    errors: list[JichiError] = []
    missing = [f for f in FORM_FIELDS if not str(values.get(f, "")).strip()]
    errors += [_bad(f, "必須の項目です", "required") for f in missing]
    kinds = {k.value for k in ElectionType}
    kind = str(values.get("kind", ""))
    if kind and kind not in kinds:
        errors.append(_bad("kind", "選択肢から選んでください", "a listed kind"))
    dates = {}
    for name in ("announced_on", "polling_day"):
        if name not in missing:
            try:
                dates[name] = parse_date(str(values[name]), field=name)
            except JichiError as error:
                errors.append(error)
    seats = _int(str(values.get("seats", "")), "seats", errors)
    parties = tuple(p.strip() for p in str(values.get("parties", "")).splitlines() if p.strip())
    if any(len(p) > LENGTHS["party"] for p in parties):
        errors.append(_bad("parties", "政党名は100文字までです", "a party name is too long"))
    if len(str(values.get("district", "")).strip()) > LENGTHS["district"]:
        errors.append(_bad("district", "100文字までです", "too long"))
    candidates = _candidates(str(values.get("candidates", "")), errors)
    if errors:
        raise_all(errors)
    return Election(
        election_id=str(values["election_id"]).strip(),
        lg_code=lg_code,
        kind=ElectionType(kind),
        district=str(values["district"]).strip(),
        seats=seats if seats is not None else 0,
        announced_on=dates["announced_on"],
        polling_day=dates["polling_day"],
        by_election=values.get("by_election") == "on",
        parties=parties,
        candidates=candidates,
    )


LABELS = {
    "election_id": "選挙ID",
    "kind": "選挙の種類",
    "district": "選挙区",
    "seats": "定数",
    "announced_on": "公示日・告示日",
    "polling_day": "投票日",
    "parties": "政党",
    "candidates": "候補者",
}
ITEMS = {"name": "氏名", "party": "政党", "list_rank": "名簿順位", "dual": "重複",
         "priority_order": "特定枠"}  # fmt: skip
_ROW = re.compile(r"candidates\[(\d+)\](?:\.(\w+))?")


def _label(field: str) -> str:
    """The Japanese name of an input for a message (``candidates[2].party`` → 3行目の政党)."""
    row = _ROW.fullmatch(field)
    if row:
        item = ITEMS.get(row.group(2) or "", "")
        return f"候補者の{int(row.group(1)) + 1}行目{'の' + item if item else ''}"
    return LABELS.get(field, field)


def _grouped(error: JichiError) -> dict[str, str]:
    """Errors keyed by the input they belong to (``candidates[2].party`` → candidates),
    each message naming the input in Japanese rather than by its form name."""
    out: dict[str, str] = {}
    for field, message in field_errors(error).items():
        name = field.split("[", 1)[0].split(".", 1)[0]
        if name not in (*FORM_FIELDS, "parties", "candidates", "by_election"):
            name = "candidates"  # list checks name a party and rank: the candidates' lines
        message = message.replace(field, _label(field))
        out[name] = f"{out[name]} {message}" if name in out else message
    return out


def _kind_choices() -> list[tuple[str, str]]:
    return [("", "選択してください"), *((k.value, KIND_LABELS[k.value]) for k in ElectionType)]


@router.get("/new")
def new_election(request: Request) -> Response:
    page, _ = commission(request, "election.define")
    return page.render("commission/election_form.html", values={}, errors={}, kinds=_kind_choices())


@router.post("/new")
def create_election(request: Request, form: Form) -> Response:
    page, actor = commission(request, "election.define", form)
    values = values_of(form)
    try:
        e = parse_election(values, actor.lg_code)
        with write_transaction(page.registry.engine) as conn:
            election_store.save(conn, e)
    except JichiError as error:
        return page.render(
            "commission/election_form.html",
            status_code=422,
            values=values,
            errors=_grouped(error),
            kinds=_kind_choices(),
        )
    return page.redirect(f"{BASE}/{e.election_id}?created=1")


def _election_page(page: Page, actor: Actor, election_id: str, **extra: Any) -> Response:
    e = election_of(page, actor, election_id)
    with page.registry.engine.connect() as conn:
        rows = stations(conn, e.election_id)
        declared = declaration(conn, e.election_id)
    context: dict[str, Any] = {"values": {}, "errors": {}, "created": "", **extra}
    return page.render(
        "commission/election.html",
        status_code=422 if context["errors"] else 200,
        election=e,
        title=("補欠選挙 " if e.by_election else "") + KIND_LABELS[e.kind.value],
        stations=rows,
        station_ja=STATION_JA,
        declared=declared,
        **context,
    )


@router.get("/{election_id}")
def election_page(request: Request, election_id: str, created: str = "") -> Response:
    page, actor = commission(request, "election.results")
    return _election_page(page, actor, election_id, created=created)


@router.post("/{election_id}/stations")
def add_polling_station(request: Request, election_id: str, form: Form) -> Response:
    page, actor = commission(request, "election.define", form)
    e = election_of(page, actor, election_id)
    values = values_of(form)
    errors = {
        f: "必須の項目です。"
        for f in ("station_id", "name", "polling_district")
        if not str(values.get(f, "")).strip()
    }
    kind = str(values.get("kind", ""))
    if kind not in STATION_JA:
        errors["kind"] = "選択肢から選んでください。"
    for item in ("station_id", "name", "polling_district"):
        if len(str(values.get(item, "")).strip()) > LENGTHS[item]:
            errors[item] = f"{LENGTHS[item]}文字までです。"
    if not errors:
        try:
            with write_transaction(page.registry.engine) as conn:
                if any(s.station_id == values["station_id"] for s in stations(conn, e.election_id)):
                    raise _bad("station_id", "同じIDの投票所があります", "exists")
                add_station(
                    conn,
                    e.election_id,
                    str(values["station_id"]).strip(),
                    str(values["name"]).strip(),
                    StationKind(kind),
                    str(values["polling_district"]).strip(),
                )
        except JichiError as error:
            errors = field_errors(error)
        else:
            return page.redirect(f"{BASE}/{e.election_id}")
    return _election_page(page, actor, election_id, values=values, errors=errors)

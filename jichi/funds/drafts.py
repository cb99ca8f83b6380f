"""The accountant's draft 収支報告書, as typed on the step-by-step pages (issue 13 item 6).

A draft keeps every field as the text the accountant typed (``"1,600,000"``, ``"令和8年4月1日"``)
so a half-finished or mistyped value is shown back exactly, and only
:mod:`jichi.funds.draft_review` turns it into an :class:`~jichi.funds.reports.AnnualReport`.
The accountant never handles donor ids: a donation line carries the donor's kind, name,
address and occupation, and lines with the same kind, name and address (as typed) are one
donor, so the per-donor caps and thresholds add their gifts up (ADR 0033).

Shape (JSON)::

    {"fields": {"organization_name": "…", "income_total": "…", …},
     "lines": {"donations": [{"kind": "個人", "name": "…", "amount": "…", …}], …},
     "reviewed": false}

:func:`update` reads one step's form into the draft (a mapping of field names to strings,
so the web layer only passes the form on), :func:`add_line` / :func:`remove_line` edit the
lists, and :func:`from_report` starts a 訂正 from a filed version.  Pure: no I/O.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from jichi.funds.organizations import OrganizationKind
from jichi.funds.reports import AnnualReport, DonorKind, ExpenseCategory

#: The entry steps in order: (key, title).  ``confirm`` (確認) follows the last.
STEPS: tuple[tuple[str, str], ...] = (
    ("organization", "1. 政治団体と会計責任者"),
    ("income", "2. 収入"),
    ("donations", "3. 寄附"),
    ("tickets", "4. 政治資金パーティー"),
    ("expenditures", "5. 支出"),
    ("assets", "6. 資産等と翌年繰越"),
)
STEP_KEYS = tuple(key for key, _ in STEPS)

INCOME_PARTS = ("membership_fees", "donations", "business", "loans", "grants", "other", "total")

#: Scalar fields: name → (label, step, kind) where kind is text, amount, flag or choice.
FIELDS: dict[str, tuple[str, str, str]] = {
    "organization_name": ("政治団体の名称", "organization", "text"),
    "organization_kind": ("政治団体の区分", "organization", "choice"),
    "fund_management_body": ("資金管理団体である", "organization", "flag"),
    "diet_member_related": ("国会議員関係政治団体である", "organization", "flag"),
    "representative": ("代表者の氏名", "organization", "text"),
    "treasurer": ("会計責任者の氏名", "organization", "text"),
    "carried_over": ("前年からの繰越額（円）", "organization", "amount"),
    "income_membership_fees": ("党費・会費（円）", "income", "amount"),
    "income_donations": ("寄附（円）", "income", "amount"),
    "income_business": ("事業による収入（パーティーを含む）（円）", "income", "amount"),
    "income_loans": ("借入金（円）", "income", "amount"),
    "income_grants": ("本部・支部からの交付金（円）", "income", "amount"),
    "income_other": ("その他の収入（円）", "income", "amount"),
    "income_total": ("本年の収入額（合計）（円）", "income", "amount"),
    "expenditure_total": ("支出総額（円）", "expenditures", "amount"),
    "carried_forward": ("翌年への繰越額（円）", "assets", "amount"),
}

ANONYMOUS = "匿名"
DONOR_KINDS = tuple(k.value for k in DonorKind)
PAYER_KINDS = tuple(k.value for k in DonorKind)

#: The lists of lines: name → (step, title, columns (field, label, kind)).
LISTS: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {
    "donations": (
        "donations",
        "寄附",
        (
            ("kind", "寄附者の区分", "choice"),
            ("name", "寄附者の氏名・名称", "text"),
            ("address", "住所（団体は主たる事務所の所在地）", "text"),
            ("occupation", "職業（個人のみ）", "text"),
            ("corporate_number", "法人番号（法人のみ、任意）", "text"),
            ("amount", "金額（円）", "amount"),
            ("on", "年月日", "date"),
            ("foreign", "外国人・外国法人等である", "flag"),
            ("in_public", "街頭・公開の場で受けた（匿名のとき）", "flag"),
        ),
    ),
    "tickets": (
        "tickets",
        "パーティー対価の支払",
        (
            ("party", "パーティーの名称", "text"),
            ("party_date", "開催年月日", "date"),
            ("kind", "支払者の区分", "choice"),
            ("name", "支払者の氏名・名称", "text"),
            ("address", "住所", "text"),
            ("occupation", "職業（個人のみ）", "text"),
            ("amount", "金額（円）", "amount"),
            ("paid_on", "支払年月日", "date"),
            ("by_transfer", "口座振込で受けた", "flag"),
        ),
    ),
    "expenditures": (
        "expenditures",
        "支出",
        (
            ("category", "費目", "choice"),
            ("amount", "金額（円）", "amount"),
            ("on", "年月日", "date"),
            ("payee", "支出を受けた者", "text"),
            ("purpose", "目的", "text"),
        ),
    ),
    "assets": (
        "assets",
        "資産等",
        (("kind", "資産の区分・内容", "text"), ("amount", "金額（円）", "amount")),
    ),
    "debts": (
        "assets",
        "借入金等",
        (("kind", "借入先・内容", "text"), ("amount", "金額（円）", "amount")),
    ),
}

CHOICES: dict[str, tuple[str, ...]] = {
    "organization_kind": tuple(k.value for k in OrganizationKind),
    "donations.kind": (*DONOR_KINDS, ANONYMOUS),
    "tickets.kind": PAYER_KINDS,
    "expenditures.category": tuple(c.value for c in ExpenseCategory),
}

#: Lines per list on the pages; a longer report is filed as JSON or the software's XML.
MAX_LINES = 1000
MAX_TEXT = {"address": 300, "purpose": 300}
DEFAULT_TEXT = 200
_LINE_FIELD = re.compile(r"([a-z_]+)-([0-9]{1,4})-([a-z_]+)")

Draft = dict[str, Any]


def steps_of(name: str) -> tuple[str, ...]:
    """The scalar fields of one step, in page order."""
    return tuple(f for f, (_, step, _) in FIELDS.items() if step == name)


def lists_of(step: str) -> tuple[str, ...]:
    return tuple(name for name, (s, _, _) in LISTS.items() if s == step)


def blank(
    *,
    name: str = "",
    kind: str = OrganizationKind.OTHER.value,
    representative: str = "",
    treasurer: str = "",
) -> Draft:
    """An empty draft with the organisation as registered."""
    fields: dict[str, Any] = {f: False if k == "flag" else "" for f, (_, _, k) in FIELDS.items()}
    fields.update(
        organization_name=name,
        organization_kind=kind,
        representative=representative,
        treasurer=treasurer,
    )
    return {"fields": fields, "lines": {name: [] for name in LISTS}, "reviewed": False}


def empty_line(name: str) -> dict[str, Any]:
    line: dict[str, Any] = {f: False if k == "flag" else "" for f, _, k in LISTS[name][2]}
    if name == "donations":
        line["kind"] = DonorKind.INDIVIDUAL.value
    if name == "tickets":
        line["kind"] = DonorKind.INDIVIDUAL.value
        line["by_transfer"] = True
    return line


def _text(value: Any, field: str, label: str, most: int, errors: dict[str, str]) -> str | None:
    """The typed text, or None (with the error at its field) when it cannot be kept."""
    if not isinstance(value, str):
        return ""
    typed = str(value).strip()
    if any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 0x20 or ord(c) == 0x7F for c in typed):
        errors[field] = f"{label}に使えない文字（制御文字など）が含まれています。"
        return None
    if len(typed) > most:
        errors[field] = f"{label}は{most}文字以内で入力してください。"
        return None
    return typed


def _choice(value: Any, key: str, field: str, label: str, errors: dict[str, str]) -> str | None:
    if value in CHOICES[key]:
        return str(value)
    if value in (None, ""):
        return ""
    errors[field] = f"{label}は一覧から選んでください。"
    return None


def update(draft: Draft, step: str, form: Mapping[str, Any]) -> tuple[Draft, dict[str, str]]:
    """The draft with one step's fields as the form sent them, and the fields that could
    not be kept (control characters, too long, not one of the choices): those keep their
    previous value and their error is shown once, at the field."""
    new = copy.deepcopy(draft)
    errors: dict[str, str] = {}
    for name in steps_of(step):
        label, _, kind = FIELDS[name]
        raw = form.get(name)
        if kind == "flag":
            new["fields"][name] = raw is not None and raw != ""
            continue
        value = (
            _choice(raw, name, name, label, errors)
            if kind == "choice"
            else _text(raw, name, label, DEFAULT_TEXT, errors)
        )
        if value is not None:
            new["fields"][name] = value
    for name in lists_of(step):
        _, _, columns = LISTS[name]
        for n, line in enumerate(new["lines"][name]):
            for column, label, kind in columns:
                field = f"{name}-{n}-{column}"
                raw = form.get(field)
                if kind == "flag":
                    line[column] = raw is not None and raw != ""
                    continue
                value = (
                    _choice(raw, f"{name}.{column}", field, label, errors)
                    if kind == "choice"
                    else _text(raw, field, label, MAX_TEXT.get(column, DEFAULT_TEXT), errors)
                )
                if value is not None:
                    line[column] = value
    return new, errors


def add_line(draft: Draft, name: str) -> bool:
    """Append an empty line; False when the list is full (or not a list)."""
    if name not in LISTS or len(draft["lines"][name]) >= MAX_LINES:
        return False
    draft["lines"][name].append(empty_line(name))
    return True


def remove_line(draft: Draft, name: str, index: int) -> bool:
    if name not in LISTS or not 0 <= index < len(draft["lines"][name]):
        return False
    del draft["lines"][name][index]
    return True


def parse_action(action: Any) -> tuple[str, str, int]:
    """A submit button's value: ``next``, ``save``, ``add:LIST`` or ``remove:LIST:N``."""
    if not isinstance(action, str) or len(action) > 40:
        return "save", "", -1
    parts = action.split(":")
    if parts[0] == "add" and len(parts) == 2 and parts[1] in LISTS:
        return "add", parts[1], -1
    if parts[0] == "remove" and len(parts) == 3 and parts[1] in LISTS and parts[2].isdigit():
        return "remove", parts[1], int(parts[2][:5])
    if parts[0] in ("next", "save", "back"):
        return parts[0], "", -1
    return "save", "", -1


def is_draft(value: Any) -> bool:
    """Whether stored JSON has a draft's shape (a stored body is never trusted blindly)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("fields"), dict)
        and isinstance(value.get("lines"), dict)
        and all(isinstance(value["lines"].get(name), list) for name in LISTS)
    )


def _yen(n: int) -> str:
    return f"{n:,}"


def from_report(report: AnnualReport) -> Draft:
    """A draft holding a filed report, to correct it (訂正) on the pages.

    Donor details the pages do not show (the 21条の3 scale, 22条の5's listed-company
    exception, the recipient's own candidate) ride along in each line's ``extra`` so a
    correction never drops them.
    """
    draft = blank(
        name=report.organization_name,
        kind=report.organization_kind.value,
        representative=report.representative,
        treasurer=report.treasurer,
    )
    fields = draft["fields"]
    fields["fund_management_body"] = report.fund_management_body
    fields["diet_member_related"] = report.diet_member_related
    fields["carried_over"] = _yen(report.carried_over)
    for part in INCOME_PARTS:
        fields[f"income_{part}"] = _yen(getattr(report.income, part))
    fields["expenditure_total"] = _yen(report.expenditure_total)
    fields["carried_forward"] = _yen(report.carried_forward)
    donors = {d.donor_id: d for d in report.donors}

    def person(donor_id: str | None) -> dict[str, Any]:
        donor = donors.get(donor_id) if donor_id is not None else None
        if donor is None:
            return {"kind": ANONYMOUS if donor_id is None else "", "name": donor_id or ""}
        extra = {
            k: v
            for k, v in (
                ("scale", donor.scale),
                ("listed_five_years", donor.listed_five_years),
                ("is_recipients_candidate", donor.is_recipients_candidate),
            )
            if v
        }
        return {
            "kind": donor.kind.value,
            "name": donor.name,
            "address": donor.address,
            "occupation": donor.occupation,
            "corporate_number": donor.corporate_number or "",
            "foreign": donor.foreign,
            "extra": extra,
        }

    for gift in report.donations:
        line = {**empty_line("donations"), **person(gift.donor_id)}
        line.update(amount=_yen(gift.amount), on=gift.on.isoformat(), in_public=gift.in_public)
        draft["lines"]["donations"].append(line)
    for pay in report.ticket_payments:
        who = person(pay.payer_id)
        line = {**empty_line("tickets"), **{k: v for k, v in who.items() if k != "foreign"}}
        line.update(
            party=pay.party,
            party_date=pay.party_date.isoformat(),
            amount=_yen(pay.amount),
            paid_on=pay.paid_on.isoformat(),
            by_transfer=pay.by_transfer,
        )
        line.pop("corporate_number", None)
        draft["lines"]["tickets"].append(line)
    for spend in report.expenditures:
        draft["lines"]["expenditures"].append(
            {
                "category": spend.category.value,
                "amount": _yen(spend.amount),
                "on": spend.on.isoformat(),
                "payee": spend.payee,
                "purpose": spend.purpose,
                "extra": {"to_candidate": True} if spend.to_candidate else {},
            }
        )
    for name in ("assets", "debts"):
        for item in getattr(report, name):
            draft["lines"][name].append({"kind": item.kind, "amount": _yen(item.amount)})
    return draft


def line_field(name: str) -> tuple[str, int, str] | None:
    """``donations-3-amount`` as (list, index, column), or None."""
    match = _LINE_FIELD.fullmatch(name)
    if match is None or match.group(1) not in LISTS:
        return None
    return match.group(1), int(match.group(2)), match.group(3)

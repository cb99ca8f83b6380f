"""HTML forms ⇄ notification commands, and errors placed next to the right input.

Inputs are named by the command's own paths (``persons.0.name.family``,
``relationships.<person id>``), so a form decodes into the very JSON the API accepts and
an error's ``field`` names the input it belongs to.  Dates are typed as the counter types
them (``R8.11.20``, ``令和8年11月20日`` or ``2026-11-20``) and read by
:func:`jichi.kernel.era.parse_date`.  Blank inputs are left out, so optional items take
their defaults.  Nothing here decides what the law allows: that is ``Registry.apply``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from jichi.kernel.era import parse_date
from jichi.kernel.errors import INVALID_INPUT, JichiError, define
from jichi.kernel.inputs import check_date
from jichi.places.catalog import default_catalog

REQUIRED = define(
    "WEB-002",
    "{label}を入力してください。",
    "{label_en} is required",
    params=("label", "label_en"),
)
TOO_LONG = define(
    "WEB-003",
    "{label}は{max}文字以内で入力してください。",
    "{label_en} is longer than {max} characters",
    params=("label", "label_en", "max"),
)
UNKNOWN_PLACE = define(
    "WEB-004",
    "「{text}」という市区町村が見つかりません。都道府県と市区町村名を確認してください。",
    "no municipality named {text}",
    params=("text",),
)

LABELS = {
    "family": "氏",
    "given": "名",
    "family_kana": "氏（フリガナ）",
    "given_kana": "名（フリガナ）",
    "date_of_birth": "生年月日",
    "sex": "性別",
    "relationship": "続柄",
    "honseki": "本籍",
    "family_register_head": "筆頭者",
    "resident_code": "住民票コード",
    "prefecture": "都道府県",
    "municipality": "市区町村",
    "town": "町字",
    "block": "番地",
    "building": "方書",
    "postal_code": "郵便番号",
    "effective_date": "異動日",
    "notified_date": "届出日",
    "planned_date": "転出予定日",
    "person_ids": "対象となる方",
    "person_id": "対象となる方",
    "new_head_id": "新しい世帯主",
    "remaining_head_id": "残る世帯の世帯主",
    "relationships": "続柄",
    "corrects_event_id": "修正する異動",
    "reason": "理由",
    "persons": "届出の対象となる方",
    "name": "氏名",
    "address": "住所",
    "previous_address": "従前の住所",
    "destination": "転出先",
    "into_household_id": "移る先の世帯",
    "household_id": "世帯",
    "moved_on": "転入日",
    "new_address": "転入先の住所",
    "note": "メモ",
    "event": "戸籍の届出",
    "nationality": "国籍・地域",
    "category": "区分",
    "status_of_residence": "在留資格",
    "period_of_stay": "在留期間",
    "period_expires": "在留期間の満了の日",
    "residence_card_number": "在留カード等の番号",
    "foreign": "外国人住民の記載事項",
    "action": "申出の種類",
    "alias": "通称",
    "evidence": "資料",
    "issuer": "資料の発行元",
    "document": "資料",
    "exception": "例外",
    "individual_number": "個人番号",
    "without_sex": "性別なしの照合",
}
# The registry names some dates by what they are ("move-in date"); the form calls them
# all 異動日.
ALIASES = {
    "move-in_date": "effective_date",
    "relocation_date": "effective_date",
    "removal_date": "effective_date",
    "date_of_death": "effective_date",
    "notified_date": "notified_date",
    "expected_versions": "household_id",
}
DATE_KEYS = (
    "effective_date",
    "notified_date",
    "planned_date",
    "date_of_birth",
    "moved_on",
    "period_expires",
)
LIST_KEYS = ("person_ids",)
_INDEX = re.compile(r"^[0-9]+$")
MAX_ROWS = 20  # persons.N: the same bound as form_checks.MAX_ROWS


def label_of(path: str) -> str:
    parts = [p for p in path.split(".") if not _INDEX.match(p)]
    for part in reversed(parts):
        if part in LABELS:
            return LABELS[part]
    return path


@dataclass
class Outcome:
    """A decoded form: the command's data, or what is wrong with which input."""

    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def values_of(form: FormData | Mapping[str, Any]) -> dict[str, Any]:
    """The submitted values to show again in the form (lists for repeated keys)."""
    result: dict[str, Any] = {}
    if isinstance(form, FormData):
        for key in form:
            items = [v for v in form.getlist(key) if isinstance(v, str)]  # files apart
            if not items:
                continue
            result[key] = items if key in LIST_KEYS else items[-1]
    else:
        result.update(form)
    result.pop("csrf_token", None)
    return result


def decode(values: Mapping[str, Any], *, fields: Iterable[str]) -> Outcome:
    """Nested command data from flat inputs; only the names in ``fields`` (prefixes) count."""
    allowed = tuple(fields)
    outcome = Outcome()
    for key, raw in values.items():
        if not any(key == f or key.startswith(f + ".") for f in allowed):
            continue
        if isinstance(raw, list):
            value: Any = [v.strip() for v in raw if v.strip()]
            if not value:
                continue
        else:
            value = str(raw).strip()
            if value == "":
                continue
            if key.rsplit(".", 1)[-1] in DATE_KEYS:
                try:
                    value = check_date(parse_date(value[:40], field=key), field=key).isoformat()
                except JichiError as error:
                    outcome.errors[key] = error.message_ja
                    continue
        _put(outcome.data, key.split("."), value)
    return outcome


def _put(target: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``value`` at ``parts``; a name whose shape clashes with another's is skipped.

    :func:`jichi.web.pages.form_checks.check_form` already refuses such names for a page
    POST; this keeps ``decode`` safe for values from anywhere else (a card).
    """
    try:
        _put_unchecked(target, parts, value)
    except (TypeError, ValueError, IndexError, AttributeError):
        return


def _put_unchecked(target: dict[str, Any], parts: list[str], value: Any) -> None:
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        key: Any = int(part) if isinstance(node, list) else part
        if isinstance(node, list):
            if not (part.isascii() and part.isdigit()) or key >= MAX_ROWS:
                raise ValueError("row index out of range")
            while len(node) <= key:
                node.append(None)
        if last:
            node[key] = value
            return
        child = node[key] if isinstance(node, list) else node.get(key)
        if child is None:
            child = [] if following is not None and _INDEX.match(following) else {}
            node[key] = child
        node = child


def compact_lists(data: Any) -> Any:
    """Drop the gaps left by blank rows (a family form has spare person rows)."""
    if isinstance(data, dict):
        return {k: compact_lists(v) for k, v in data.items()}
    if isinstance(data, list):
        return [compact_lists(v) for v in data if v is not None]
    return data


def nested_only(outcome: Outcome, *keys: str) -> None:
    """Parts of a form rendered only as groups (``address.town`` …): a bare value sent for one
    (``address=x``) is an error at it and is dropped, so no handler builds on a string."""
    for key in keys:
        if key in outcome.data and not isinstance(outcome.data[key], dict):
            del outcome.data[key]
            outcome.errors[key] = JichiError(INVALID_INPUT, field=key).message_ja


def fill_place(data: dict[str, Any], key: str, outcome: Outcome) -> None:
    """Give an address typed by prefecture and municipality name its 団体コード."""
    address = data.get(key)
    if not isinstance(address, dict) or address.get("lg_code") or address.get("abroad"):
        return
    name = f"{address.get('prefecture', '')}{address.get('municipality', '')}"
    if not name:
        return
    found = [lg for lg in default_catalog().find_by_name(name) if not lg.is_prefecture]
    if len(found) == 1:
        address["lg_code"] = found[0].code
    else:
        outcome.errors[f"{key}.municipality"] = JichiError(UNKNOWN_PLACE, text=name).message_ja


def validation_errors(error: ValidationError, known: Iterable[str]) -> dict[str, str]:
    """Japanese messages for Pydantic's complaints, keyed by the input they concern."""
    names = list(known)
    placed: dict[str, str] = {}
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ())]
        if loc and loc[0] in KINDS:
            loc = loc[1:]
        path = ".".join(p for p in loc if p not in {"function-after", "str"})
        label = label_of(path)
        kind = item.get("type", "")
        if kind == "missing":
            message = JichiError(REQUIRED, label=label, label_en=path).message_ja
        elif kind == "string_too_long":
            limit = item.get("ctx", {}).get("max_length", "?")
            message = JichiError(TOO_LONG, label=label, label_en=path, max=limit).message_ja
        elif kind == "too_short" and path in {"persons", "person_ids"}:
            message = JichiError(REQUIRED, label=label, label_en=path).message_ja
        else:
            message = JichiError(INVALID_INPUT, field=label).message_ja
        placed.setdefault(place(path, names), message)
    return placed


KINDS = {  # every command's kind (Pydantic puts it first in an error's location)
    "move_in",
    "move_out",
    "confirm_move_out",
    "cancel_move_out",
    "relocation",
    "birth",
    "death",
    "household_split",
    "household_merge",
    "head_change",
    "household_composition",
    "family_register_change",
    "correction",
    "recording_correction",
    "ex_officio_removal",
    "restoration",
    "attach_individual_number",
    "foreign_resident_change",
    "former_surname",
    "alias",
    "ex_officio_record",
}


def place(error_field: str | None, known: Iterable[str]) -> str:
    """The input an error belongs to: itself, its alias, its first child or its parent."""
    names = list(known)
    if not error_field:
        return ""
    candidate = ALIASES.get(error_field, error_field)
    while candidate:
        if candidate in names:
            return candidate
        children = [n for n in names if n.startswith(candidate + ".")]
        if children:
            return children[0]
        candidate = candidate.rpartition(".")[0]
    return ""

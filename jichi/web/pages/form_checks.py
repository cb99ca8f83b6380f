"""Every page POST is checked here before any handler sees it: names, repeats, text.

The forms name their inputs by the command's own paths (``persons.0.name.family``), and
:func:`jichi.web.pages.forms.decode` builds nested data from them.  A name the pages never
render — ``a[b]``, ``persons.99999999.x``, ``address`` beside ``address.town``, the same
name twice — would otherwise reach that builder (a list of N allocated, a string indexed
like a dict: a 500).  So :func:`check_form` refuses such a form as a whole, with every
complaint at once, and the page shows them; the handlers only see forms of the shape
they render.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import FormData

from jichi.kernel.errors import JichiError, define
from jichi.kernel.inputs import (
    INDIVIDUAL_NUMBER_IN_TEXT,
    MAX_TEXT,
    check_text,
    contains_individual_number,
)
from jichi.web.pages.forms import MAX_ROWS  # persons.N: N below this

REPEATED_NAME = define(
    "WEB-020",
    "同じ項目（{name}）が二度以上送られました。画面を読み込み直してから入力してください。",
    "the input {name} was sent more than once",
    params=("name",),
)
MALFORMED_NAME = define(
    "WEB-021",
    "この画面にない項目（{name}）が送られました。画面を読み込み直してから入力してください。",
    "the input name {name} is not one the forms use",
    params=("name",),
)
FORM_REFUSED = define(
    "WEB-024",
    "送信された内容を受け付けられません（{count}件の問題があります）。",
    "the form was refused ({count} problems)",
    params=("count",),
)

MAX_DEPTH = 4  # persons.0.name.family
MAX_NAME = 120
MAX_FIELDS = 400  # what the longest form (a family of 8) sends, with room to spare
# Groups the pages render as numbered rows (``persons.0.name``, ``subjects.1.person_id``,
# ``evidence.2.issuer``); a number after any other name is not one a page renders.
ROW_LISTS = frozenset({"persons", "subjects", "evidence"})
# Inputs that are lists by design (checkboxes).
LIST_NAMES = frozenset({"person_ids", "items"})
# Free text a clerk types: an individual number must never be stored or logged there.
FREE_TEXT = frozenset({"note", "purpose", "basis", "reason", "memo", "id_document"})
# The pasted card-reader JSON may be longer than any other input.
LONG_TEXT = {"card": 64_000, "pending": 200_000}  # the sealed 確認 payload (pending.py)

_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}|[0-9A-Fa-f][0-9A-Za-z\-]{0,63}", re.ASCII)
_INDEX = re.compile(r"0|[1-9][0-9]?", re.ASCII)


class FormRefused(JichiError):
    """A form refused before its handler ran, with every problem keyed by input name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(FORM_REFUSED, field=next(iter(errors)), count=len(errors))
        self.errors = errors


def name_problem(name: str) -> str | None:
    """Why ``name`` is not an input name a page renders, or ``None`` if it may be."""
    if not name or len(name) > MAX_NAME or not name.isascii():
        return "malformed"
    parts = name.split(".")
    if len(parts) > MAX_DEPTH:
        return "malformed"
    for index, part in enumerate(parts):
        if part.isdigit():  # a row index: only after a ROW_LISTS name, N small
            if index == 0 or parts[index - 1] not in ROW_LISTS or not _INDEX.fullmatch(part):
                return "malformed"
            if int(part) >= MAX_ROWS:
                return "malformed"
        elif not _SEGMENT.fullmatch(part):
            return "malformed"
    return None


def check_form(form: FormData) -> dict[str, str]:
    """Every problem of a submitted form, keyed by the input it concerns (empty if none)."""
    errors: dict[str, str] = {}
    names = list(form.keys())
    if len(form.multi_items()) > MAX_FIELDS:
        errors["form"] = JichiError(MALFORMED_NAME, name=f"{MAX_FIELDS}件を超える項目").message_ja
        return errors
    for name in dict.fromkeys(names):
        label = shown(name)
        if name_problem(name) is not None:
            errors[label] = JichiError(MALFORMED_NAME, name=label).message_ja
            continue
        values = [v for v in form.getlist(name) if isinstance(v, str)]
        if len(form.getlist(name)) > 1 and name not in LIST_NAMES:
            errors[name] = JichiError(REPEATED_NAME, name=name).message_ja
            continue
        for value in values:
            problem = _value_problem(name, value)
            if problem is not None:
                errors[name] = problem
                break
    errors.update(_conflicts(n for n in names if n not in errors))
    return errors


def _value_problem(name: str, value: str) -> str | None:
    leaf = name.rsplit(".", 1)[-1]
    try:
        check_text(value, field=name, max_length=LONG_TEXT.get(name, MAX_TEXT))
    except JichiError as error:
        return error.message_ja
    if leaf in FREE_TEXT and contains_individual_number(value):
        return JichiError(
            INDIVIDUAL_NUMBER_IN_TEXT, field=name, label=name, label_en=name
        ).message_ja
    return None


def _conflicts(names: Iterable[str]) -> dict[str, str]:
    """A name that is also the parent of another (``address`` and ``address.town``)."""
    given = set(names)
    errors: dict[str, str] = {}
    for name in given:
        parent = name
        while "." in parent:
            parent = parent.rpartition(".")[0]
            if parent in given:
                errors[parent] = JichiError(MALFORMED_NAME, name=parent).message_ja
    return errors


def shown(name: str) -> str:
    """The name as it may be shown back (no control characters, bounded length)."""
    cleaned = "".join(
        c if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF else "?" for c in name
    )
    return cleaned[:MAX_NAME]

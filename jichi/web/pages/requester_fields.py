"""The requester's part of a counter form that finds a person elsewhere (広域交付, 事務の委託).

Both counters search another municipality's registry by what the requester showed —
氏名 and 生年月日 (and the 住民票コード if known) — and both need the clerk's tick that
the identity document was checked.  The inputs, their limits and their Japanese errors
are read here once, so the two forms say the same thing about the same mistake.
"""

from __future__ import annotations

from typing import Any

from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError, define
from jichi.kernel.identifiers import IdKind, validate
from jichi.web.pages.forms import REQUIRED, TOO_LONG

ID_NOT_CHECKED = define(
    "WEB-008",
    "本人確認書類で請求者を確認してから、確認した旨のチェックを付けてください。",
    "confirm the requester's identity document and tick the box",
)

NAME_LIMIT = 200
DOCUMENT_LIMIT = 100


def required(label: str, name: str) -> str:
    """The Japanese 「…を入力してください」 for an empty required input."""
    return JichiError(REQUIRED, label=label, label_en=name).message_ja


def identity(
    values: dict[str, Any], name: str, dob: str, code: str, errors: dict[str, str]
) -> dict[str, Any]:
    """氏名・生年月日 (required) and the 住民票コード (optional) of one person on the form.

    Returns what was read (``date_of_birth`` as ISO text); a problem goes to ``errors``
    under the input's name, so the caller can show every error at once.
    """
    who: dict[str, Any] = {"name": values.get(name, "")}
    if not who["name"]:
        errors[name] = required("氏名", name)
    elif len(who["name"]) > NAME_LIMIT:
        errors[name] = JichiError(TOO_LONG, label="氏名", label_en=name, max=NAME_LIMIT).message_ja
    if not values.get(dob):
        errors[dob] = required("生年月日", dob)
    else:
        try:
            who["date_of_birth"] = parse_date(values[dob], field=dob).isoformat()
        except JichiError as error:
            errors[dob] = error.message_ja
    if code and values.get(code):
        try:
            who["resident_code"] = validate(IdKind.RESIDENT_CODE, values[code], field=code).value
        except JichiError as error:
            errors[code] = error.message_ja
    return who


def id_checked(values: dict[str, Any], errors: dict[str, str]) -> None:
    """WEB-008 unless the clerk ticked 「本人確認書類で確認しました」."""
    if values.get("id_checked") != "on":
        errors["id_checked"] = JichiError(ID_NOT_CHECKED).message_ja

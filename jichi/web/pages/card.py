"""書かない窓口: read the card's identity data and fill the form so the clerk only confirms.

A real counter reads the マイナンバーカード's 券面事項入力補助 application (name, address,
date of birth, sex) with a card reader.  Until a reader driver exists the reader is
simulated: the clerk loads the JSON the reader would give (a file or pasted text):

    {"name": "山田　太郎", "name_kana": "ヤマダ　タロウ", "date_of_birth": "昭和55年4月2日",
     "sex": "男", "address": "東京都千代田区千代田1-1　パレス101"}

``name_kana`` is optional (cards carry the reading only since 2025-05-26).  The address on
the card is where the person lived, so for a 転入 it fills 従前の住所.  The individual
number is never read into the form: it is attached later through the identity gate.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jichi.kernel.era import parse_date
from jichi.kernel.errors import JichiError, define
from jichi.kernel.inputs import check_date
from jichi.places.catalog import default_catalog

CARD_UNREADABLE = define(
    "WEB-005",
    "カードの内容を読み取れません（{why}）。",
    "the card data cannot be read ({why_en})",
    params=("why", "why_en"),
)

_SPACE = re.compile(r"[\s\u3000]+")
_NUMBER_START = re.compile(r"[0-9０-９一二三四五六七八九十]")
# The longest municipality name with its prefecture (「鹿児島県いちき串木野市」, wards with
# their city) is far below this; looking up longer prefixes only costs time (32k characters
# made the splitter quadratic: about 150 s of CPU for one request).
MAX_PLACE_CHARS = 32
MAX_CARD_TEXT = 64_000
SEX = {"男": "male", "女": "female", "male": "male", "female": "female", "1": "male", "2": "female"}


def read_card(text: str) -> dict[str, Any]:
    """The card's items as a dict: a JSON object with at least the name and the birth date."""
    if len(text) > MAX_CARD_TEXT:
        raise JichiError(
            CARD_UNREADABLE, field="card", why="内容が長すぎます", why_en="longer than 64,000"
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise JichiError(
            CARD_UNREADABLE, field="card", why="JSON ではありません", why_en="not JSON"
        ) from None
    if not isinstance(data, dict) or not data.get("name") or not data.get("date_of_birth"):
        raise JichiError(
            CARD_UNREADABLE,
            field="card",
            why="氏名と生年月日が必要です",
            why_en="name and date_of_birth are required",
        )
    return data


def person_values(card: dict[str, Any], prefix: str) -> dict[str, str]:
    """Form values for one person (``persons.0``) from the card."""
    family, _, given = _SPACE.sub(" ", str(card["name"]).strip()).partition(" ")
    values = {f"{prefix}.name.family": family, f"{prefix}.name.given": given}
    kana = str(card.get("name_kana") or "").strip()
    if kana:
        family_kana, _, given_kana = _SPACE.sub(" ", kana).partition(" ")
        values[f"{prefix}.name.family_kana"] = family_kana
        values[f"{prefix}.name.given_kana"] = given_kana
    field = f"{prefix}.date_of_birth"
    born = check_date(parse_date(str(card["date_of_birth"])[:40], field=field), field=field)
    values[f"{prefix}.date_of_birth"] = born.isoformat()
    sex = SEX.get(str(card.get("sex", "")).strip())
    if sex:
        values[f"{prefix}.sex"] = sex
    return values


def place_prefix_ends(main: str) -> range:
    """Where a municipality name may end in an address, longest first: bounded work."""
    return range(min(len(main), MAX_PLACE_CHARS), 1, -1)


def address_values(text: str, prefix: str) -> dict[str, str]:
    """Split a card's address into the form's parts (prefecture, municipality, town …)."""
    address = text.strip()
    main, _, building = _SPACE.sub(" ", address).partition(" ")
    catalog = default_catalog()
    for end in place_prefix_ends(main):
        found = [lg for lg in catalog.find_by_name(main[:end]) if not lg.is_prefecture]
        if len(found) == 1:
            lg, rest = found[0], main[end:]
            number = _NUMBER_START.search(rest)
            town, block = (rest[: number.start()], rest[number.start() :]) if number else (rest, "")
            return {
                f"{prefix}.prefecture": lg.prefecture,
                f"{prefix}.municipality": lg.name,
                f"{prefix}.town": town,
                f"{prefix}.block": block,
                f"{prefix}.building": building,
            }
    return {f"{prefix}.town": main, f"{prefix}.building": building}

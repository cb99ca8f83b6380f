"""``jichi elections``: the seat allocation and 按分 contracts (docs/guide/elections.md).

Thin on purpose: read one JSON file, check its shape, call the pure rules in
``jichi.elections`` and print JSON.  Exit 0 with the result on stdout; on bad input
exit 2 with ``{"error": {code, message_ja, message_en, field}}`` on stdout and the
messages on stderr.  Numbers that can carry decimals travel as strings so no float
ever touches a vote.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

import typer

from jichi.cli.output import error_payload, print_json
from jichi.elections.apportion import (
    PLACES,
    AmbiguousGroup,
    ClearVotes,
    TruncationRule,
    apportion,
    decimal_string,
)
from jichi.elections.errors import (
    BAD_COUNT,
    BAD_INPUT,
    BAD_SEATS,
    DUPLICATE_NAME,
    NOT_A_NUMBER,
    UNREADABLE_FILE,
)
from jichi.elections.seats import Allocation, PartyList, dhondt
from jichi.kernel.errors import JichiError

app = typer.Typer(help="選挙: 議席の配分（ドント式）と按分", no_args_is_help=True)

EXIT_BAD_INPUT = 2
_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")

ALLOCATE_RULE = {
    "name": "dhondt",
    "text_ja": "ドント式（公職選挙法95条の2・95条の3）。"
    "名簿の当選可能者数（eligible）を超える議席は次に大きい他の名簿の商に移る。最後の議席を争う商が等しいときはくじ（lot）で決め、"
    "結果を記録して再計算する。",
    "text_en": "D'Hondt (Public Offices Election Act arts. 95-2, 95-3); a list never takes more "
    "seats than its eligible names, the seat passes to the next quotient of another list; "
    "equal quotients for the last seats are left to a recorded lot",
}


def _fail(error: JichiError) -> NoReturn:
    print_json({"error": error_payload(error)})
    typer.echo(f"{error.code}: {error.message_ja}", err=True)
    typer.echo(f"{error.code}: {error.message_en}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _bad(field: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(BAD_INPUT, field=field, reason=reason, reason_en=reason_en)


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise JichiError(UNREADABLE_FILE, path=str(path), reason=type(error).__name__) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad("(file)", f"JSON として読めません（{error.lineno}行目）", "not JSON") from None
    if not isinstance(data, dict):
        raise _bad("(file)", "JSON のオブジェクトではありません", "not a JSON object")
    return data


def _list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise _bad(f"{where}{key}", "配列で書いてください", "must be an array")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(where, "オブジェクトで書いてください", "must be an object")
    return value


def _name(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{where}.{key}", "名前を文字列で書いてください", "must be a non-empty string")
    return value


def _votes(value: Any, field: str) -> Fraction:
    """A decimal string (or an integer) read exactly; a JSON float is refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return Fraction(value.strip())
    raise JichiError(NOT_A_NUMBER, field=field, value=value)


def _integer(value: Any, field: str, kind: Any = BAD_COUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise JichiError(kind, field=field, value=value)
    return value


def exact_string(value: Fraction) -> str:
    """The exact value: a decimal when it terminates (327037.5), else ``p/q``.

    Both forms are read back exactly by ``fractions.Fraction(text)``.
    """
    d = value.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    if places == 0:
        return str(value.numerator)
    scaled = value.numerator * 10**places // value.denominator
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def _block_out(name: str, result: Allocation) -> dict[str, Any]:
    return {
        "name": name,
        "seats": result.seats,
        "order": [
            {
                "rank": s.rank,
                "party": s.party,
                "divisor": s.divisor,
                "quotient": exact_string(s.quotient),
            }
            for s in result.order
        ],
        "passed_on": [
            {"from": p.from_party, "to": p.to_party, "rank": p.rank} for p in result.passed_on
        ],
        "lot_needed": [
            {
                "rank": lot.rank,
                "quotient": exact_string(lot.quotient),
                "seats": lot.seats,
                "contenders": [{"party": c.party, "divisor": c.divisor} for c in lot.contenders],
            }
            for lot in result.lot_needed
        ],
    }


def _allocate(data: dict[str, Any]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for b, raw_block in enumerate(_list(data, "blocks", "")):
        where = f"blocks[{b}]"
        block = _object(raw_block, where)
        name = _name(block, "name", where)
        if any(b["name"] == name for b in blocks):
            raise JichiError(DUPLICATE_NAME, field="blocks", name=name)
        seats = _integer(block.get("seats"), f"{where}.seats", BAD_SEATS)
        parties = []
        for p, raw_party in enumerate(_list(block, "parties", f"{where}.")):
            at = f"{where}.parties[{p}]"
            party = _object(raw_party, at)
            cap = party.get("eligible")
            parties.append(
                PartyList(
                    _name(party, "name", at),
                    _votes(party.get("votes"), f"{at}.votes"),
                    None if cap is None else _integer(cap, f"{at}.eligible"),
                )
            )
        lot = block.get("lot")
        if lot is not None and (
            not isinstance(lot, list) or not all(isinstance(n, str) for n in lot)
        ):
            raise _bad(f"{where}.lot", "名簿の名前の配列で書いてください", "an array of list names")
        blocks.append(_block_out(name, dhondt(seats, parties, lot=lot, where=where)))
    return {"rule": ALLOCATE_RULE, "blocks": blocks}


def _apportion(data: dict[str, Any], rule: TruncationRule) -> dict[str, Any]:
    candidates = []
    for i, raw in enumerate(_list(data, "candidates", "")):
        at = f"candidates[{i}]"
        item = _object(raw, at)
        candidates.append(
            ClearVotes(
                _name(item, "name", at), _integer(item.get("clear_votes"), f"{at}.clear_votes")
            )
        )
    groups = []
    for i, raw in enumerate(_list(data, "ambiguous", "")):
        at = f"ambiguous[{i}]"
        item = _object(raw, at)
        shared = item.get("shared_by")
        if not isinstance(shared, list) or not all(isinstance(n, str) for n in shared):
            raise _bad(f"{at}.shared_by", "候補者名の配列で書いてください", "an array of names")
        groups.append(
            AmbiguousGroup(
                _name(item, "written", at),
                _integer(item.get("count"), f"{at}.count"),
                tuple(shared),
            )
        )
    result = apportion(candidates, groups)
    return {
        "rule": {
            "name": rule.value,
            "places": PLACES,
            "text_ja": "公職選挙法68条の2第4項: "
            "明確票（本条の適用なくして有効な得票）の割合で按分。"
            "各按分票は小数点以下第3位まで（第4位以下切り捨て）。"
            + (
                "合計は明確票と切り捨て後の按分票の和。"
                if rule is TruncationRule.PER_SHARE
                else "合計は正確な値を第3位まで切り捨てたもの。"
            ),
            "text_en": "Art. 68-2(4): split in proportion to clear votes; each share truncated "
            "to 3 decimals; "
            + (
                "total = clear votes + the truncated shares"
                if rule is TruncationRule.PER_SHARE
                else "total = the exact total truncated to 3 decimals"
            ),
        },
        "candidates": [
            {
                "name": c.name,
                "clear_votes": c.clear_votes,
                "apportioned": {w: decimal_string(v) for w, v in c.printed_shares().items()},
                "total": decimal_string(c.printed_total(rule)),
            }
            for c in result
        ],
    }


@app.command("allocate")
def allocate(
    file: Path = typer.Argument(..., help='{"blocks": [{"name", "seats", "parties": [...]}]}'),
) -> None:
    """ドント式で各ブロックの議席を配分します (exit 2: 入力の誤り)."""
    try:
        out = _allocate(_load(file))
    except JichiError as error:
        _fail(error)
    print_json(out)


@app.command("apportion")
def apportion_(
    file: Path = typer.Argument(..., help='{"candidates": [...], "ambiguous": [...]}'),
    total_rule: TruncationRule = typer.Option(
        TruncationRule.PER_SHARE.value,
        "--total-rule",
        help="per_share: 按分票ごとに切り捨てて合計 / exact_total: 正確な合計を切り捨て",
    ),
) -> None:
    """按分票（公職選挙法68条の2）を候補者に按分します (exit 2: 入力の誤り)."""
    try:
        out = _apportion(_load(file), total_rule)
    except JichiError as error:
        _fail(error)
    print_json(out)


# The database commands (define, station, tally, lot, results, declare, tickets, turnout).
from jichi.cli.elections_db import register as _register_db_commands  # noqa: E402

_register_db_commands(app)

# The 投票区 table and the roll's builds, extracts, counts and diff (authenticated).
from jichi.cli.elections_roll import register as _register_roll_commands  # noqa: E402

_register_roll_commands(app)

"""Why an election computation refuses its input (ELE-001..099).

Every refusal names the field, so the CLI can point at the line of the input file and
an operator can fix it; nothing is guessed (a zero base for 按分, say, goes to a human).
"""

from __future__ import annotations

from jichi.kernel.errors import JichiError, define

NOT_A_NUMBER = define(
    "ELE-001",
    "{field} の値「{value}」は数値として読めません。"
    '得票数は "694578.943" のような10進数の文字列で書いてください。',
    "{field}: {value} is not a decimal number; write votes as a decimal string such as 694578.943",
    params=("field", "value"),
)
NEGATIVE = define(
    "ELE-002",
    "{field} に負の数は使えません（{value}）。",
    "{field} must not be negative (got {value})",
    params=("field", "value"),
)
BAD_SEATS = define(
    "ELE-003",
    "{field} の議席数は1以上の整数で書いてください（{value}）。",
    "{field}: the number of seats must be an integer of at least 1 (got {value})",
    params=("field", "value"),
)
DUPLICATE_NAME = define(
    "ELE-004",
    "{field} に同じ名前「{name}」が2回以上あります。",
    "{field}: the name {name} appears more than once",
    params=("field", "name"),
)
BAD_COUNT = define(
    "ELE-005",
    "{field} は0以上の整数で書いてください（{value}）。",
    "{field} must be an integer of at least 0 (got {value})",
    params=("field", "value"),
)
BAD_INPUT = define(
    "ELE-006",
    "入力の {field} が正しくありません（{reason}）。",
    "input {field} is invalid ({reason_en})",
    params=("field", "reason", "reason_en"),
)
UNREADABLE_FILE = define(
    "ELE-007",
    "ファイル {path} を読めません（{reason}）。",
    "cannot read {path} ({reason})",
    params=("path", "reason"),
)
UNKNOWN_CANDIDATE = define(
    "ELE-010",
    "{field} の「{name}」は候補者の一覧にありません。",
    "{field}: {name} is not one of the candidates",
    params=("field", "name"),
)
NOT_AMBIGUOUS = define(
    "ELE-011",
    "{field}: 按分は2人以上の候補者に共通する氏名の票だけに行います（公職選挙法68条の2）。",
    "{field}: apportionment needs two or more candidates sharing the written name (Art. 68-2)",
    params=("field",),
)
ZERO_BASE = define(
    "ELE-012",
    "{field}: 按分の対象となる候補者の得票がすべて0のため、按分できません。"
    "選挙長の判断が必要です。",
    "{field}: every candidate sharing the name has 0 clear votes; "
    "apportionment needs a human decision",
    params=("field",),
)
BAD_LOT = define(
    "ELE-013",
    "{field}: くじの結果が同点の候補と合いません（{reason}）。",
    "{field}: the recorded lot does not match the tie ({reason_en})",
    params=("field", "reason", "reason_en"),
)
SHARED_RANK_NOT_DUAL = define(
    "ELE-014",
    "{field}: 同一順位にできるのは重複立候補者だけです（「{name}」、公職選挙法86条の2第6項）。",
    "{field}: only dual candidates may share a list rank ({name})",
    params=("field", "name"),
)
DATES_OUT_OF_ORDER = define(
    "ELE-015",
    "{field}: 日付の前後が正しくありません（{reason}）。",
    "{field}: dates out of order ({reason_en})",
    params=("field", "reason", "reason_en"),
)
NOT_PERIODIC_DATE = define(
    "ELE-016",
    "{field}: 定時登録の登録基準日は3月・6月・9月・12月の1日です（{value}、公職選挙法22条1項）。",
    "{field}: a periodic registration is as of 1 March, June, September or December ({value})",
    params=("field", "value"),
)


def unused_lot(field: str) -> JichiError:
    """A recorded lot with no tie to decide: refused rather than silently ignored."""
    return JichiError(
        BAD_LOT,
        field=field,
        reason="くじで決める同点がありません",
        reason_en="there is no tie for the lot to decide",
    )

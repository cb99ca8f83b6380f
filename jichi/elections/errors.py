"""Why an election computation refuses its input (ELE-001..099).

Every refusal names the field, so the CLI can point at the line of the input file and
an operator can fix it; nothing is guessed (a zero base for 按分, say, goes to a human).
"""

from __future__ import annotations

from typing import Any

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


ELECTION_INVALID = define(
    "ELE-017",
    "選挙の入力に{count}件の誤りがあります。各項目を確認してください。",
    "the election has {count} invalid fields",
    params=("count",),
)
UNKNOWN_ELECTION = define(
    "ELE-018",
    "選挙「{election_id}」は登録されていません。",
    "election {election_id} is not registered",
    http_status=404,
    params=("election_id",),
)
ALREADY_CHECKED_IN = define(
    "ELE-019",
    "この選挙人は{checked_in_at}に{station_id}で受付済みです（受付者 {clerk_id}）。"
    "二重投票になるため受け付けられません。",
    "the voter was already checked in at {station_id} at {checked_in_at} by {clerk_id}",
    http_status=409,
    params=("station_id", "checked_in_at", "clerk_id"),
)
UNKNOWN_STATION = define(
    "ELE-020",
    "投票所「{station_id}」はこの選挙に登録されていません。",
    "polling station {station_id} is not registered for this election",
    http_status=404,
    params=("station_id",),
)
OUT_OF_PERIOD = define(
    "ELE-021",
    "{field}: {on} は{what}の期間外です（{start}〜{end}）。",
    "{field}: {on} is outside the period for {what_en} ({start} to {end})",
    params=("field", "on", "what", "what_en", "start", "end"),
)
SAME_STAFF = define(
    "ELE-022",
    "{field}: 2回目の入力は1回目（{staff_id}）と別の職員が行ってください。",
    "{field}: the second entry must be made by another staff member than {staff_id}",
    params=("field", "staff_id"),
)
TALLY_MISMATCH = define(
    "ELE-023",
    "1回目と2回目の入力が{count}行で一致しません: {lines}",
    "the two entries differ on {count} lines: {lines}",
    http_status=409,
    params=("count", "lines"),
)
UNKNOWN_CATEGORY = define(
    "ELE-024",
    "{field}: 無効票の区分「{value}」は設定にありません。",
    "{field}: {value} is not a configured invalid-ballot category",
    params=("field", "value"),
)
ALREADY_RECONCILED = define(
    "ELE-025",
    "{field}: この開票区の集計は照合済みです。訂正は訂正の観測として記録してください。",
    "{field}: this counting district is already reconciled; record a correction instead",
    http_status=409,
    params=("field",),
)
NOT_ENCODABLE = define(
    "ELE-026",
    "{field}: 文字「{char}」はCP932（Excel用CSV）で表せません。UTF-8で出力してください。",
    "{field}: the character {char} has no CP932 code; export as UTF-8",
    params=("field", "char"),
)
BAD_TICKET_CODE = define(
    "ELE-027",
    "入場整理券のコードが正しくありません。名簿で本人を確認して受け付けてください。",
    "the admission ticket code does not verify; check the voter on the roll",
    params=(),
)
ALREADY_EXISTS = define(
    "ELE-028",
    "{field}: 「{value}」はすでに登録されています。",
    "{field}: {value} is already recorded",
    http_status=409,
    params=("field", "value"),
)

UNDER_AGE_EARLY = define(
    "ELE-029",
    "{field}: {on} の時点でまだ{age}歳に達していないため期日前投票はできません。"
    "投票日には投票できます（不在者投票も案内してください）。",
    "{field}: not yet {age} on {on}, so no early vote; the voter may vote on polling day "
    "or by absentee ballot",
    params=("field", "on", "age"),
)


class ElectionInvalid(JichiError):
    """Every error of one input at once (ELE-017), so a form shows all of them together."""

    def __init__(self, errors: list[JichiError]) -> None:
        super().__init__(ELECTION_INVALID, field=None, count=len(errors))
        self.errors = errors

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["errors"] = [e.to_dict() for e in self.errors]
        return body


def raise_all(errors: list[JichiError]) -> None:
    """Raise the one error, or all of them as ELE-017, or nothing."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ElectionInvalid(errors)


def unused_lot(field: str) -> JichiError:
    """A recorded lot with no tie to decide: refused rather than silently ignored."""
    return JichiError(
        BAD_LOT,
        field=field,
        reason="くじで決める同点がありません",
        reason_en="there is no tie for the lot to decide",
    )


# --- 投票区 table and roll outputs (ELE-030..) -------------------------------------
DISTRICT_ROW_INVALID = define(
    "ELE-030",
    "投票区表 {field}: {reason}",
    "polling district table {field}: {reason_en}",
    params=("field", "reason", "reason_en"),
)
DISTRICT_OVERLAP = define(
    "ELE-031",
    "投票区表の{row}行目と{other}行目の範囲が重なっています（{town} {span}）。"
    "一つの番地は一つの投票区にだけ属します。",
    "polling district rows {row} and {other} overlap ({town} {span}); an address belongs "
    "to one district only",
    params=("field", "row", "other", "town", "span"),
)
DISTRICT_GAP = define(
    "ELE-032",
    "投票区表の{row}行目と{other}行目の間に、"
    "どの投票区にも属さない番地があります（{town} {span}）。",
    "polling district rows {row} and {other} leave a gap ({town} {span})",
    params=("field", "row", "other", "town", "span"),
)
NO_DISTRICT = define(
    "ELE-033",
    "{field}: 住所「{town}{block}」はどの投票区にも属しません。投票区表を直してください。",
    "{field}: the address {town} {block} is in no polling district; fix the district table",
    params=("field", "town", "block"),
)
NO_ROLL_BUILD = define(
    "ELE-034",
    "名簿の調製「{value}」がありません。",
    "no roll build {value}",
    http_status=404,
    params=("field", "value"),
)
NOT_ON_ROLL = define(
    "ELE-035",
    "{field}: 選挙人「{voter_id}」は{as_of}調製の選挙人名簿に登録されていません（抹消を含む）。",
    "{field}: voter {voter_id} is not on the roll built on {as_of} (or was struck)",
    http_status=404,
    params=("field", "voter_id", "as_of"),
)
ALREADY_DECLARED = define(
    "ELE-036",
    "この選挙の結果は{declared_at}に確定済みです（{declared_by}）。",
    "the result of this election was declared final at {declared_at} by {declared_by}",
    http_status=409,
    params=("declared_at", "declared_by"),
)
NOT_READY_TO_DECLARE = define(
    "ELE-037",
    "確定できません: {reason}",
    "cannot declare the result final: {reason_en}",
    http_status=409,
    params=("reason", "reason_en"),
)
NO_DAY_STATION = define(
    "ELE-038",
    "投票区「{district}」の当日投票所が登録されていません。入場整理券に投票所を印刷できません。",
    "polling district {district} has no polling-day station to print on its tickets",
    http_status=409,
    params=("field", "district"),
)

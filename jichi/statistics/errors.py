"""Why a statistics request is refused (STA-001..099)."""

from __future__ import annotations

from jichi.kernel.errors import define

BAD_DATE = define(
    "STA-001",
    "{field} の日付「{value}」が正しくありません（YYYY-MM-DD で書いてください）。",
    "{field}: {value} is not a date (write YYYY-MM-DD)",
    params=("field", "value"),
)
UNKNOWN_MUNICIPALITY = define(
    "STA-002",
    "{field} の団体コード「{value}」の統計表がありません。",
    "{field}: no statistics table for the code {value}",
    http_status=404,
    params=("field", "value"),
)
NO_DISTRICTS = define(
    "STA-003",
    "投票区の対応表がないため、投票区別の集計はできません"
    "（--districts で町字と投票区の対応を指定してください）。",
    "no polling-district mapping: pass --districts with a town-to-district CSV",
    params=(),
)
BAD_PARAMETERS = define(
    "STA-004",
    "推計の前提値 {field} が正しくありません（{reason}）。",
    "projection parameter {field} is invalid ({reason_en})",
    params=("field", "reason", "reason_en"),
)
BAD_CHOICE = define(
    "STA-005",
    "{field} には {choices} のいずれかを指定してください（「{value}」）。",
    "{field} must be one of {choices} (got {value})",
    params=("field", "value", "choices"),
)
BAD_PERIOD = define(
    "STA-006",
    "{field} の期間が正しくありません（開始日 {since} が基準日 {on} より後です）。",
    "{field}: the period starts ({since}) after the base date ({on})",
    params=("field", "since", "on"),
)
BAD_THRESHOLD = define(
    "STA-007",
    "秘匿の閾値 {field} は1以上の整数で指定してください（「{value}」）。",
    "suppression threshold {field} must be an integer of at least 1 (got {value})",
    params=("field", "value"),
)

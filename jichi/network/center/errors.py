"""Why the center refuses an update, a request or a command (the CEN-xxx range).

No message names an individual number or echoes a personal value: an agency learns
which field is wrong, never the data of someone else.
"""

from __future__ import annotations

from jichi.kernel.errors import define

INVALID_IDENTITY = define(
    "CEN-001",
    "本人確認情報の更新の項目 {field} が正しくありません（{reason}）。",
    "identity update field {field} is invalid ({reason_en})",
    http_status=400,
    params=("field", "reason", "reason_en"),
)
UNAUTHENTICATED = define(
    "CEN-002",
    "機関の認証に失敗しました（トークンがない・誤り・失効）。",
    "agency authentication failed: missing, unknown or revoked token",
    http_status=401,
)
PURPOSE_NOT_PERMITTED = define(
    "CEN-003",
    "利用目的「{purpose}」はこの機関に認められていません。",
    "purpose {purpose!r} is not permitted for this agency",
    http_status=403,
    params=("purpose",),
)
TOO_MANY = define(
    "CEN-004",
    "一度に照会できるのは{maximum}件までです（{actual}件）。",
    "at most {maximum} items per request, got {actual}",
    http_status=413,
    params=("maximum", "actual"),
)
QUERY_SHAPE = define(
    "CEN-005",
    "住民票コード、または基本4情報（氏名・生年月日・性別・住所）のすべてを指定してください。",
    "give a resident code, or all of the basic four (name, date of birth, sex, address)",
    params=("field",),
)
COUNT_RANGE = define(
    "CEN-006",
    "割り当てる住民票コードの数は1〜{maximum}です（{actual}）。",
    "the number of codes to allocate must be 1 to {maximum}, got {actual}",
    params=("maximum", "actual"),
)
CODES_EXHAUSTED = define(
    "CEN-007",
    "未使用の住民票コードを確保できませんでした。時間をおいて再実行してください。",
    "could not find enough unused resident codes; try again",
    http_status=503,
)
UNKNOWN_AGENCY = define(
    "CEN-008",
    "機関「{agency_id}」は登録されていません。",
    "no agency {agency_id}",
    http_status=404,
    params=("agency_id",),
)
WRONG_KIND = define(
    "CEN-009",
    "この機能は{allowed}の利用者だけが使えます。",
    "only {allowed_en} accounts may use this endpoint",
    http_status=403,
    params=("allowed", "allowed_en"),
)
NOT_HELD = define(
    "CEN-010",
    "この住民票コードの方は貴団体の住民として記録されていません。",
    "no person with this resident code is held by your municipality",
    http_status=404,
    params=("field",),
)
INVALID_AGENCY = define(
    "CEN-011",
    "機関の登録内容 {field} が正しくありません（{reason}）。",
    "agency setting {field} is invalid ({reason_en})",
    params=("field", "reason", "reason_en"),
)
BATCH_FAILED = define(
    "CEN-012",
    "照会を処理できませんでした。記録もされていません。しばらくしてから再試行してください。",
    "the verification batch failed and nothing of it was logged; retry",
    http_status=503,
)

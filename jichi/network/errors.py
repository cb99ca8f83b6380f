"""Why the network refuses a message or cannot carry one."""

from __future__ import annotations

from jichi.kernel.errors import define

MALFORMED_MESSAGE = define(
    "NET-001",
    "受信したメッセージを読み取れません（JSON の形式ではありません）。",
    "a received message is not a JSON object",
    http_status=400,
)
INVALID_FIELD = define(
    "NET-002",
    "受信したメッセージの項目 {field} が正しくありません（{reason}）。",
    "message field {field} is invalid ({reason_en})",
    http_status=400,
    params=("field", "reason", "reason_en"),
)
TRANSPORT_UNAVAILABLE = define(
    "NET-003",
    "住基ネットの配信基盤に接続できません。送信は後で自動的に再試行されます。",
    "the message transport is unavailable ({detail}); sending will be retried",
    http_status=503,
    params=("detail",),
)

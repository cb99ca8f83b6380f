"""Why a My Number operation refuses (MYN-001..099).

No message ever carries an individual number, a resident code or a PIN: the fields
name *which* input is wrong (and a line number in a file), never its value.
"""

from __future__ import annotations

from jichi.kernel.errors import define

BAD_RESIDENT_CODE = define(
    "MYN-001",
    "{line} 行目の住民票コードが正しくありません（{reason}）。",
    "line {line}: the resident code is invalid ({reason_en})",
    params=("line", "reason", "reason_en"),
)
UNREADABLE_FILE = define(
    "MYN-003",
    "ファイル {path} を読めません（{reason}）。",
    "cannot read file {path} ({reason})",
    params=("path", "reason"),
)
NO_NUMBER = define(
    "MYN-004",
    "この住民票コードには個人番号が指定されていません。",
    "no individual number has been issued for this resident code",
    http_status=404,
)
BAD_CHANGE_ORIGIN = define(
    "MYN-005",
    "個人番号の変更の契機は request（本人の請求）または ex_officio（職権）です（{origin}）。",
    "the origin of a number change must be request or ex_officio (got {origin})",
    params=("origin",),
)
CHANGE_REASON_REQUIRED = define(
    "MYN-006",
    "個人番号の変更には、漏えいして不正に用いられるおそれがあると認める理由が必要です（番号法7条2項）。",
    "a number change needs the reason the number leaked and may be misused "
    "(My Number Act art. 7(2))",
)
NUMBER_KEY_INVALID = define(
    "MYN-007",
    "個人番号生成用の鍵（{source}）が正しくありません（32 バイト以上の base64url）。",
    "the number-generation key from {source} is invalid (base64url of at least 32 bytes)",
    params=("source",),
)
CANDIDATES_EXHAUSTED = define(
    "MYN-008",
    "個人番号の候補が衝突し続けました（{tries} 回）。鍵と発行済み番号表を確認してください。",
    "number candidates kept colliding ({tries} tries): check the key and the issued table",
    http_status=500,
    params=("tries",),
)
TRANSITION_REFUSED = define(
    "MYN-010",
    "カードが「{state}」の状態では「{command}」はできません。",
    "a card in state {state_en} does not allow {command_en}",
    http_status=409,
    params=("state", "state_en", "command", "command_en"),
)
COUNTER_ONLY = define(
    "MYN-011",
    "「{command}」は窓口でのみ行えます（本人確認のうえ）。",
    "{command_en} is done only at the counter, after an identity check",
    http_status=403,
    params=("command", "command_en"),
)
IDENTITY_CHECK_REQUIRED = define(
    "MYN-012",
    "交付・解除には本人確認の方法（{field}）の記録が必要です。",
    "handing over or resuming a card needs the identity check recorded ({field})",
    params=("field",),
)
DEADLINE_MISSED = define(
    "MYN-013",
    "期限（{deadline}）を過ぎています。カードは失効しました（{rule}）。",
    "the deadline {deadline} has passed; the card lapsed ({rule_en})",
    http_status=409,
    params=("deadline", "rule", "rule_en"),
)
NOT_FOR_FOREIGN_RESIDENT = define(
    "MYN-014",
    "国外継続利用は日本国籍の方のみです（外国人住民のカードは国外転出で失効します）。",
    "only nationals may keep the card abroad; a foreign resident's card ends on leaving",
)
TOO_LATE_FOR_ABROAD = define(
    "MYN-015",
    "国外継続利用の申請は出国の前日までです（出国予定日 {departure}）。",
    "the request to keep the card abroad must come before the departure day ({departure})",
    params=("departure",),
)
BAD_DATE_ORDER = define(
    "MYN-016",
    "{field} の日付が前後しています（{reason}）。",
    "{field}: the dates are out of order ({reason_en})",
    params=("field", "reason", "reason_en"),
)
NOT_LIMITED_STAY = define(
    "MYN-017",
    "有効期間変更・特例期間延長は在留期間のある外国人住民のカードだけです。",
    "validity change and the 2-month extension apply only to foreign residents with a limited stay",
)
PIN_FORMAT = define(
    "MYN-020",
    "{label} の暗証番号の形式が正しくありません（{rule}）。",
    "the {label_en} PIN has the wrong format ({rule_en})",
    params=("label", "label_en", "rule", "rule_en"),
)
PIN_WRONG = define(
    "MYN-021",
    "{label} の暗証番号が違います（残り {remaining} 回でロックされます）。",
    "wrong {label_en} PIN ({remaining} tries left before lock-out)",
    http_status=401,
    params=("label", "label_en", "remaining"),
)
PIN_LOCKED = define(
    "MYN-022",
    "{label} の暗証番号はロックされています。窓口で初期化してください。",
    "the {label_en} PIN is locked; it can be reset only at the counter",
    http_status=423,
    params=("label", "label_en"),
)
PINS_REQUIRED = define(
    "MYN-023",
    "交付には暗証番号 {missing} の設定が必要です。",
    "handing over the card needs the PINs {missing} to be set",
    params=("missing",),
)
CARD_NOT_FOUND = define(
    "MYN-030",
    "カード {card_id} はこの団体にありません。",
    "card {card_id} does not exist in this municipality",
    http_status=404,
    params=("card_id",),
)
CARD_ALREADY_HELD = define(
    "MYN-031",
    "この方には有効なカードがあります（{card_id}）。再交付を使ってください。",
    "this person already holds a live card ({card_id}); use reissue",
    http_status=409,
    params=("card_id",),
)
BAD_LG_CODE = define(
    "MYN-032",
    "団体コード {lg_code} が正しくありません。",
    "municipality code {lg_code} is invalid",
    params=("lg_code",),
)
NOT_ON_REGISTRY = define(
    "MYN-033",
    "この方の住民票が団体 {lg_code} にありません（カードは住民票のある市町村に申請します）。",
    "this person has no active record in municipality {lg_code}",
    http_status=404,
    params=("lg_code",),
)
SUSPEND_REASON_REQUIRED = define(
    "MYN-040",
    "一時停止の理由（紛失・盗難など）を選んでください。",
    "choose the reason for the suspension (loss, theft, ...)",
)
NUMBER_NOT_RECORDED = define(
    "MYN-041",
    "この方の個人番号は住民票に記載されていないため、通知書を作れません。",
    "no individual number is recorded for this person, so no notice can be made",
)

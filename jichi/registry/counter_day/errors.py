"""The counter day's rejections (CNT-): stable codes, Japanese for the clerk, the field."""

from __future__ import annotations

from jichi.kernel.errors import define

RECEPTION_NOT_FOUND = define(
    "CNT-001",
    "受付が見つかりません。",
    "reception not found",
    http_status=404,
)
BAD_PURPOSE = define(
    "CNT-002",
    "来庁の用件を選んでください。",
    "choose what the visitor came for",
)
BAD_TRANSITION = define(
    "CNT-003",
    "「{state_from}」から「{state_to}」へは進められません。",
    "a reception cannot move from {from_en} to {to_en}",
    http_status=409,
    params=("state_from", "state_to", "from_en", "to_en"),
)
STALE_RECEPTION = define(
    "CNT-004",
    "この受付は他の職員が先に更新しました。一覧を開き直してください。",
    "the reception was changed by someone else meanwhile; reload the queue",
    http_status=409,
)
BAD_FEE = define(
    "CNT-005",
    "手数料は0円以上100,000円以下の整数で入力してください（{kind}）。",
    "a fee must be a whole number of yen from 0 to 100000 ({kind_en})",
    params=("kind", "kind_en"),
)
BAD_EXEMPTION = define(
    "CNT-006",
    "免除の理由を選んでください。",
    "choose a known exemption reason",
)
EXEMPTION_NOTE_REQUIRED = define(
    "CNT-007",
    "「その他」の免除では、根拠（条例の条項など）を入力してください。",
    "an exemption of kind 'other' must state its ground",
)
NOTHING_TO_RECEIPT = define(
    "CNT-009",
    "領収書にする手数料がありません（発行済みで領収書を作っていない証明書を選んでください）。",
    "no charged certificate without a receipt was chosen",
)
RECEIPT_NOT_FOUND = define(
    "CNT-010",
    "領収書が見つかりません。",
    "receipt not found",
    http_status=404,
)
CERTIFICATE_UNKNOWN = define(
    "CNT-011",
    "発行番号「{serial}」の証明書はこの団体で発行されていません。",
    "no certificate {serial} was issued here",
    http_status=404,
    params=("serial",),
)
ALREADY_VOIDED = define(
    "CNT-012",
    "この証明書はすでに取り消されています。",
    "the certificate is already voided",
    http_status=409,
)
VOID_REASON_REQUIRED = define(
    "CNT-013",
    "取消の理由を入力してください。",
    "a void must state its reason",
)
BAD_DAY = define(
    "CNT-014",
    "日付は西暦の YYYY-MM-DD で入力してください。",
    "a day must be YYYY-MM-DD",
)
BAD_COPIES = define(
    "CNT-015",
    "通数は1から20までの整数で入力してください。",
    "copies must be a whole number from 1 to 20",
)

"""Why the resident's portal refuses (PTL-001..099).

Messages name the input that is wrong, never a PIN, a signature, a nonce or a number.
"""

from __future__ import annotations

from jichi.kernel.errors import define

CHALLENGE_UNKNOWN = define(
    "PTL-001",
    "ログイン用の確認文字列が正しくありません。ログイン画面を読み込み直してください。",
    "unknown login challenge: reload the login page",
    http_status=401,
)
CHALLENGE_EXPIRED = define(
    "PTL-002",
    "ログイン用の確認文字列の有効期限（{minutes}分）が切れました。ログイン画面を読み込み直してください。",
    "the login challenge expired ({minutes} minutes): reload the login page",
    http_status=401,
    params=("minutes",),
)
CHALLENGE_USED = define(
    "PTL-003",
    "このログイン用の確認文字列は使用済みです。ログイン画面を読み込み直してください。",
    "the login challenge was already used (replay refused)",
    http_status=401,
)
READER_OUTPUT = define(
    "PTL-004",
    "カードリーダーの読み取り結果の形式が正しくありません（{reason}）。",
    "the card reader's output is malformed ({reason_en})",
    params=("reason", "reason_en"),
)
CERTIFICATE_REFUSED = define(
    "PTL-005",
    "電子証明書を確認できませんでした（{reason}）。",
    "the certificate was refused ({reason_en})",
    http_status=401,
    params=("reason", "reason_en"),
)
NOT_A_RESIDENT_HERE = define(
    "PTL-006",
    "この電子証明書の方の住民票は、この市区町村にありません。",
    "the certificate's holder has no record in this municipality",
    http_status=403,
)
SIGNER_MISMATCH = define(
    "PTL-007",
    "署名した方とログインしている方が一致しません。",
    "the signer is not the signed-in resident",
    http_status=403,
)
BAD_DOCUMENT = define(
    "PTL-008",
    "署名された転出届を読み取れません（{reason}）。",
    "the signed move-out form cannot be read ({reason_en})",
    params=("reason", "reason_en"),
)
CARD_NOT_IN_USE = define(
    "PTL-009",
    "有効なマイナンバーカードがありません。",
    "no card in use",
    http_status=404,
)
NOT_A_HOUSEHOLD_MEMBER = define(
    "PTL-010",
    "一緒に転出できるのは同じ世帯の方だけです（{name}）。",
    "only members of the filer's household may move with them ({person_id})",
    http_status=422,
    params=("name", "person_id"),
)
VISIT_BEFORE_MOVE = define(
    "PTL-011",
    "来庁予定日は転出予定日以降の日にしてください（転出予定日 {planned}）。",
    "the planned visit must be on or after the planned move-out ({planned})",
    params=("planned",),
)
VISIT_TOO_LATE = define(
    "PTL-012",
    "来庁予定日は転出予定日から{days}日以内にしてください（転入届の特例の期限）。",
    "the planned visit must be within {days} days of the planned move-out",
    params=("days",),
)
DESTINATION_REQUIRED = define(
    "PTL-013",
    "転出先の市区町村を選んでください（{reason}）。",
    "choose the destination municipality ({reason_en})",
    params=("reason", "reason_en"),
)
NO_CERTIFICATE_ON_CHIP = define(
    "PTL-015",
    "カードに{purpose}電子証明書がありません。",
    "the card holds no {purpose_en} certificate",
    http_status=404,
    params=("purpose", "purpose_en"),
)
NO_RESIDENT_CODE = define(
    "PTL-016",
    "住民票コードが記載されていないため、オンラインでの転出（転入届の特例）はできません。窓口でお手続きください。",
    "no resident code on the record: the card move (online move-out) is not possible",
)
HUB_UNAVAILABLE = define(
    "PTL-017",
    "情報提供ネットワークシステムに接続できないため、やりとり履歴を表示できません。"
    "時間をおいて、もう一度お試しください。",
    "the exchange hub could not be reached (or its answer was unreadable)",
    http_status=503,
)
HUB_REFUSED = define(
    "PTL-018",
    "情報提供ネットワークシステムがやりとり履歴の照会を受け付けませんでした（{code}）。"
    "市区町村の窓口にお問い合わせください。",
    "the exchange hub refused the portal's history request (HTTP {status}, {code})",
    http_status=502,
    params=("status", "code"),
)

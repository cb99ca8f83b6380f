"""Why JPKI refuses something: issuance, token, status query or verification (JPKI-0xx)."""

from __future__ import annotations

from jichi.kernel.errors import define

UNDER_SIGNING_AGE = define(
    "JPKI-001",
    "署名用電子証明書は15歳未満の方には発行できません（{age}歳）。",
    "a signing certificate cannot be issued to a person under 15 (age {age})",
    params=("age",),
)
WRONG_PIN = define(
    "JPKI-002",
    "暗証番号が正しくありません。",
    "the token refused the PIN",
    http_status=401,
)
TOKEN_NOT_FOUND = define(
    "JPKI-003",
    "カード（トークン {label}）が見つかりません。",
    "no PKCS#11 token labelled {label}",
    http_status=404,
    params=("label",),
)
KEY_NOT_FOUND = define(
    "JPKI-004",
    "カードに{purpose}の鍵がありません。",
    "the token holds no {purpose} key",
    http_status=404,
    params=("purpose",),
)
UNKNOWN_VERIFIER = define(
    "JPKI-010",
    "登録されていない検証者です。失効情報は事前に届け出た検証者にのみ提供されます。",
    "unknown or inactive verifier: status is given to registered verifiers only",
    http_status=401,
)
BAD_OCSP_REQUEST = define(
    "JPKI-011",
    "OCSP要求を読み取れません。",
    "the OCSP request could not be parsed",
    http_status=400,
)
NOT_A_CERTIFICATE = define(
    "JPKI-020",
    "電子証明書を読み取れません（PEM または DER）。",
    "the certificate could not be parsed as PEM or DER",
)
UNTRUSTED_CHAIN = define(
    "JPKI-021",
    "電子証明書の発行者を信頼できる認証局までたどれません。",
    "the certificate does not chain to a trusted JPKI root ({reason})",
    params=("reason",),
)
NOT_YET_VALID = define(
    "JPKI-022",
    "電子証明書の有効期間がまだ始まっていません（{not_before}から）。",
    "the certificate is not valid before {not_before}",
    params=("not_before",),
)
EXPIRED = define(
    "JPKI-023",
    "電子証明書の有効期間が過ぎています（{not_after}まで）。",
    "the certificate expired at {not_after}",
    params=("not_after",),
)
REVOKED = define(
    "JPKI-024",
    "電子証明書は失効しています（{reason_ja}、{revoked_at}）。",
    "the certificate was revoked ({reason}) at {revoked_at}",
    params=("reason", "reason_ja", "revoked_at"),
)
STATUS_UNKNOWN = define(
    "JPKI-025",
    "電子証明書の失効情報を確認できません（{source}）。",
    "the certificate's status is unknown ({source})",
    params=("source",),
)
BAD_SIGNATURE = define(
    "JPKI-026",
    "署名を検証できません。署名対象のデータか署名が改ざんされています。",
    "the signature does not verify against the certificate's public key",
)
WRONG_PROFILE = define(
    "JPKI-027",
    "この用途には{expected}が必要です。",
    "this use needs a {expected_en} certificate",
    params=("expected", "expected_en"),
)
CA_NOT_INITIALISED = define(
    "JPKI-030",
    "認証局の鍵がありません（{directory}）。`jichi jpki init-ca` で作成してください。",
    "no CA keys in {directory}; run `jichi jpki init-ca`",
    http_status=503,
    params=("directory",),
)
CA_PASSPHRASE = define(
    "JPKI-031",
    "認証局の鍵を開けません（パスフレーズが違います）。",
    "the CA key could not be decrypted (wrong passphrase)",
    http_status=503,
)
CERTIFICATE_NOT_FOUND = define(
    "JPKI-032",
    "指定された電子証明書（{serial}）はありません。",
    "certificate {serial} does not exist",
    http_status=404,
    params=("serial",),
)
ALREADY_REVOKED = define(
    "JPKI-033",
    "電子証明書（{serial}）はすでに失効しています。",
    "certificate {serial} is already revoked",
    http_status=409,
    params=("serial",),
)
BAD_SIGNATURE_INPUT = define(
    "JPKI-034",
    "署名を確認するには署名対象のデータと署名の両方が必要です。",
    "both the payload and the signature are needed to check a signature",
)
NOT_ENABLED = define(
    "JPKI-035",
    "このサーバーでは公的個人認証（失効情報の提供・検証）を提供していません。",
    "JPKI (status and verification) is not enabled on this server",
    http_status=404,
)

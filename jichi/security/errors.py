"""The security package's error kinds (SEC-xxx).

None of these messages ever carries a secret, a ciphertext or a plaintext: only the names
of settings and files, so a message can be logged and shown without leaking what it is
about.  They are server-side faults (a key that is wrong, data that was altered, a caller
that tried to log a number), hence HTTP 500 rather than 422: the person at the counter
typed nothing wrong.
"""

from __future__ import annotations

from jichi.kernel.errors import define

DECRYPTION_FAILED = define(
    "SEC-001",
    "暗号化されたデータを復号できません。データが改ざんされたか、鍵または項目が異なります。"
    "システム管理者に連絡してください。",
    "an encrypted value cannot be decrypted: it was altered, or the key or the field differs",
    http_status=500,
)
NUMBER_IN_AUDIT_DETAIL = define(
    "SEC-002",
    "監査ログの詳細（{field}）に個人番号と思われる値が含まれているため、記録できません。",
    "the audit detail ({field}) contains what looks like an individual number; not recorded",
    http_status=500,
    params=("field",),
)
SECRET_KEY_INVALID = define(
    "SEC-003",
    "秘密鍵（{source}）が正しくありません。base64url 形式で 32 バイト以上の値を設定してください。",
    "the secret key from {source} is invalid: it must be base64url of at least 32 bytes",
    http_status=500,
    params=("source",),
)
SECRET_KEY_UNREADABLE = define(
    "SEC-004",
    "秘密鍵ファイル {path} を読み込めません（{reason}）。",
    "cannot read the secret key file {path} ({reason})",
    http_status=500,
    params=("path", "reason"),
)
SECRET_KEY_REQUIRED = define(
    "SEC-005",
    "サーバー型のデータベースでは秘密鍵を設定してください（環境変数 {env} または {env_file}）。"
    "鍵ファイルの自動作成は SQLite のデモ用です。",
    "a server database needs a configured secret key ({env} or {env_file}); "
    "the automatic key file is for SQLite demos only",
    http_status=500,
    params=("env", "env_file"),
)
AUDIT_ANCHOR_FILE_INVALID = define(
    "SEC-020",
    "監査ログのアンカーファイル {path} の {line} 行目を読み取れません（{reason}）。",
    "line {line} of the audit anchor file {path} cannot be read ({reason})",
    http_status=500,
    params=("path", "line", "reason"),
)
AUDIT_ANCHOR_FORGED = define(
    "SEC-021",
    "監査ログのアンカーファイル {path} の {line} 行目の認証符号が一致しません"
    "（アンカーが書き換えられたか、鍵が異なります）。",
    "line {line} of the audit anchor file {path} has a wrong MAC: it was altered, "
    "or the key differs",
    http_status=500,
    params=("path", "line"),
)
AUDIT_HEAD_UNAUTHENTICATED = define(
    "SEC-022",
    "監査ログの最新行（seq {seq}）の認証符号が正しくないため、アンカーを記録しません。"
    "`jichi audit verify` で確認してください。",
    "the newest audit row (seq {seq}) is not correctly authenticated, so no anchor is "
    "written: run `jichi audit verify`",
    http_status=500,
    params=("seq",),
)

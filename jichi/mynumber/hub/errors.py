"""Why the exchange hub refuses (HUB-001..099).

No message carries a resident code, a request number or an agency token: fields name
*which* input is wrong, never its value (a token is a person's pseudonym).
"""

from __future__ import annotations

from jichi.kernel.errors import define

BAD_CATALOGUE = define(
    "HUB-001",
    "カタログの {where} が正しくありません（{reason}）。",
    "catalogue: {where} is invalid ({reason_en})",
    params=("where", "reason", "reason_en"),
)
UNREADABLE_CATALOGUE = define(
    "HUB-002",
    "カタログのファイル {path} を読めません（{reason}）。",
    "cannot read the catalogue file {path} ({reason})",
    params=("path", "reason"),
)
NO_CATALOGUE = define(
    "HUB-003",
    "情報提供ネットワークシステムのカタログが読み込まれていません（jichi hub catalogue load）。",
    "no catalogue is loaded in the hub (jichi hub catalogue load)",
    http_status=409,
)
HUB_KEY_INVALID = define(
    "HUB-004",
    "情報提供ネットワークシステムの鍵（{source}）が正しくありません（32 バイト以上の base64url）。",
    "the hub key from {source} is invalid (base64url of at least 32 bytes)",
    params=("source",),
)
UNKNOWN_AGENCY = define(
    "HUB-010",
    "機関 {agency_id} はカタログにありません。",
    "agency {agency_id} is not in the catalogue",
    http_status=404,
    params=("agency_id",),
)
UNAUTHENTICATED = define(
    "HUB-011",
    "機関の認証情報がないか、正しくありません。",
    "missing or invalid agency credential",
    http_status=401,
)
NOT_A_MUNICIPALITY = define(
    "HUB-012",
    "処理通番を発行できるのは団体コードを持つ市区町村（団体内統合宛名）だけです。",
    "only a municipality (with an lg_code in the catalogue) issues request numbers",
    http_status=403,
)
UNKNOWN_AFFAIR = define(
    "HUB-020",
    "事務 {affair_id} はカタログにありません。",
    "affair {affair_id} is not in the catalogue",
    http_status=404,
    params=("affair_id",),
)
NOT_YOUR_AFFAIR = define(
    "HUB-021",
    "事務 {affair_id} の情報照会者ではありません。",
    "this agency is not the requester of affair {affair_id}",
    http_status=403,
    params=("affair_id",),
)
ITEM_NOT_PERMITTED = define(
    "HUB-022",
    "事務 {affair_id} では、{provider_id} に {item_id} を照会できません（カタログにありません）。",
    "affair {affair_id} may not request {item_id} from {provider_id} (not in the catalogue)",
    http_status=403,
    params=("affair_id", "item_id", "provider_id"),
)
PIA_MISSING = define(
    "HUB-030",
    "{side}（{agency_id}）の特定個人情報保護評価の記録（{scope}）がありません（番号法28条）。",
    "the {side_en} ({agency_id}) holds no PIA record for {scope} (My Number Act art. 28)",
    http_status=403,
    params=("side", "side_en", "agency_id", "scope"),
)
PIA_EXPIRED = define(
    "HUB-031",
    "{side}（{agency_id}）の特定個人情報保護評価（{scope}）は {valid_until} に期限が切れています。",
    "the PIA of the {side_en} ({agency_id}) for {scope} expired on {valid_until}",
    http_status=403,
    params=("side", "side_en", "agency_id", "scope", "valid_until"),
)
BAD_PIA = define(
    "HUB-032",
    "特定個人情報保護評価の記録の {field} が正しくありません（{reason}）。",
    "the PIA record's {field} is invalid ({reason_en})",
    params=("field", "reason", "reason_en"),
)
REQUEST_NUMBER_UNKNOWN = define(
    "HUB-040",
    "処理通番が正しくないか、この機関あてではありません。",
    "the request number is unknown or was not issued for this agency",
    http_status=404,
)
REQUEST_NUMBER_USED = define(
    "HUB-041",
    "この処理通番は使用済みです（一度しか使えません）。",
    "this request number was already used (one-time only)",
    http_status=409,
)
REQUEST_NUMBER_EXPIRED = define(
    "HUB-042",
    "この処理通番は有効期限（{expires_at}）を過ぎています。",
    "this request number expired at {expires_at}",
    http_status=410,
    params=("expires_at",),
)
UNKNOWN_TOKEN = define(
    "HUB-050",
    "この機関別符号はこの機関のものではありません。",
    "this agency token is not one of this agency's",
    http_status=404,
)
NOT_A_PROVIDER = define(
    "HUB-051",
    "この機関は {item_id} の情報提供者ではありません。",
    "this agency does not provide {item_id}",
    http_status=403,
    params=("item_id",),
)
BAD_RETENTION = define(
    "HUB-060",
    "記録の保存年数 {value} が正しくありません（1 以上の整数、既定 7 年: 施行令30条）。",
    "the log retention {value} is invalid (an integer of at least 1; default 7 years)",
    params=("value",),
)
NOT_THE_PORTAL = define(
    "HUB-013",
    "やりとり履歴を読めるのは、マイナポータル（情報提供等記録開示システム）の認証情報だけです。",
    "missing or invalid portal credential: only the portal reads a person's exchange history",
    http_status=401,
)

"""Why a certificate is not issued (CRT-0xx); see ``docs/guide/certificates.md``.

A refusal by a support measure is not here: it is RES-001/RES-002 from the one gate
(:meth:`jichi.registry.protection.Protection.check_request`) every channel passes.
"""

from __future__ import annotations

from jichi.kernel.errors import define

NO_SUBJECT = define(
    "CRT-001",
    "証明書の対象者を1人以上指定してください。",
    "name at least one person the certificate is about",
)
ONE_PERSON_ONLY = define(
    "CRT-002",
    "{kind_ja}は1人につき1通です。対象者を1人だけ指定してください。",
    "a {kind} is issued for one person at a time; name exactly one person",
    params=("kind", "kind_ja"),
)
NOT_ONE_HOUSEHOLD = define(
    "CRT-003",
    "対象者が同じ世帯の方ではありません。世帯ごとに請求してください。",
    "the persons named do not belong to one household; issue one certificate per household",
)
WRONG_RECORD_STATE = define(
    "CRT-004",
    "{kind_ja}は{expected}の方についてだけ発行できます（{person_id}）。",
    "a {kind} can only be issued for a person whose record is {expected_en} ({person_id})",
    http_status=409,
    params=("kind", "kind_ja", "expected", "expected_en", "person_id"),
)
ITEM_NOT_ALLOWED = define(
    "CRT-005",
    "{requester}からの請求では「{item}」を記載できません。",
    "the item {item_en} cannot be included for a request by {requester_en}",
    http_status=403,
    params=("item", "item_en", "requester", "requester_en"),
)
PURPOSE_REQUIRED = define(
    "CRT-006",
    "第三者からの請求には請求の事由（利用目的）の記入が必要です。",
    "a third party's request must state its purpose",
)
FORM_NUMBER_REQUIRED = define(
    "CRT-007",
    "職務上請求には職務上請求書の番号の記入が必要です。",
    "a professional's request must carry the number of its request form",
)
REQUEST_ID_REUSED = define(
    "CRT-008",
    "この請求番号（{request_id}）は別の内容の証明書に使われています。新しい請求として受け付けてください。",
    "request id {request_id} was already used for a different certificate",
    http_status=409,
    params=("request_id",),
)
CANNOT_REPRODUCE = define(
    "CRT-009",
    "この請求の証明書（発行番号 {serial}）は発行済みですが、同じ内容を再作成できません。"
    "責任者に相談してください。",
    "the certificate {serial} for this request was issued but cannot be reproduced byte for "
    "byte (the record or the settings changed); ask a supervisor",
    http_status=409,
    params=("serial",),
)
NO_JAPANESE_FONT = define(
    "CRT-010",
    "証明書に使える日本語フォントがありません。IPAmj明朝（fonts-ipamj-mincho）を導入してください。",
    "no Japanese font to print certificates with; install IPAmj Mincho (fonts-ipamj-mincho)",
    http_status=503,
)
BAD_ISSUER_TITLE = define(
    "CRT-011",
    "認証者の職名「{title}」には都道府県名（{prefecture}）を含めてください。",
    "the issuer's title must include the prefecture name",
    params=("title", "prefecture"),
)
NO_ISSUER_NAME = define(
    "CRT-012",
    "認証者の氏名が設定されていません。職名だけの認証は禁止されています。",
    "the issuer's name is not set; an issuer line without a name is forbidden",
)
NOT_MOVING_OUT = define(
    "CRT-013",
    "転出届が出ていない方（{person_id}）の転出証明書は発行できません。",
    "no move-out was notified for person {person_id}; no move-out certificate can be issued",
    http_status=409,
    params=("person_id",),
)
PDF_FAILED = define(
    "CRT-014",
    "証明書のPDFを作成できませんでした。何も発行されていません。もう一度お試しください。",
    "the certificate PDF could not be made; nothing was issued, try again",
    http_status=500,
)
SERIAL_BUSY = define(
    "CRT-015",
    "発行番号を確保できませんでした（同時に多数の発行があります）。何も発行されていません。"
    "もう一度お試しください。",
    "no serial number could be taken (many issuances at once); nothing was issued, try again",
    http_status=503,
)

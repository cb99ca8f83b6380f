"""Why a move flow refuses a request, and the reasons a move waits (NOD-xxx).

Refusals are raised at the counter (nothing is written).  The waiting reasons are not
raised: a card move-in that waits for the old municipality's data, or a task left for
a clerk, stores one of these codes with its rendered Japanese and English text.
"""

from __future__ import annotations

from jichi.kernel.errors import define

CARD_MOVE_IN_LATE = define(
    "NOD-001",
    "転入届の特例の期間を過ぎています（{rule}、期限 {limit}）。"
    "転出地で転出証明書の交付を受けてから転入届をしてください。",
    "the card move-in window has passed ({rule_en}, last day {limit}); "
    "a paper move-out certificate is needed",
    params=("rule", "rule_en", "limit"),
)
ONLINE_MOVE_OUT_WINDOW = define(
    "NOD-002",
    "オンラインの転出届は転出予定日の{before}日前から{after}日後までです"
    "（転出予定日 {planned}、本日 {today}）。窓口で届け出てください。",
    "an online move-out is accepted from {before} days before to {after} days after "
    "the planned date (planned {planned}, today {today})",
    params=("before", "after", "planned", "today"),
)
ONLINE_CARD_TOO_YOUNG = define(
    "NOD-003",
    "{min_age}歳未満の方のマイナンバーカードではオンラインの転出届はできません"
    "（{name}さんは{age}歳です）。同じ世帯の{min_age}歳以上の方のカードで届け出てください。",
    "the card of a person under {min_age} cannot file an online move-out "
    "(person {person_id} is {age})",
    params=("min_age", "name", "person_id", "age"),
)
CARD_MOVE_ABROAD = define(
    "NOD-004",
    "国外への転出は{channel}ではできません。窓口で転出届をしてください。",
    "a move abroad cannot be filed {channel_en}; file it at the counter",
    params=("channel", "channel_en"),
)
FILER_NOT_IN_HOUSEHOLD = define(
    "NOD-005",
    "届出をする方（{name}さん）は、転出する方と同じ世帯の住民でなければなりません。",
    "the filer (person {person_id}) must be a current member of the movers' household",
    params=("name", "person_id"),
)
CARD_MOVE_OUT_AFTER_ARRIVAL = define(
    "NOD-006",
    "転出予定日（{planned}）から{days}日以上たっているため、転入届の特例による転出はできません。"
    "転出証明書の交付を受けてください。",
    "the planned date {planned} is {days} or more days ago: a card move-out is no longer "
    "possible; issue a move-out certificate",
    params=("planned", "days"),
)
NO_CARD_HOLDER = define(
    "NOD-007",
    "転出する方の中にマイナンバーカードの交付を受けている方がいません。転入届の特例は使えません。",
    "none of the movers holds a My Number card: the card move-out does not apply",
)
PENDING_NOT_FOUND = define(
    "NOD-008",
    "転入の受付（{request_id}）が見つかりません。",
    "pending move-in {request_id} does not exist in this municipality",
    http_status=404,
    params=("request_id",),
)
WAITING_FOR_MOVE_OUT_DATA = define(
    "NOD-009",
    "転出地（{from_lg}）からの転出証明書情報を待っています。届き次第、転入を記録します。",
    "waiting for the move-out data from {from_lg}; the move-in is recorded when it arrives",
    http_status=202,
    params=("from_lg",),
)
MOVE_OUT_DATA_NOT_FOUND = define(
    "NOD-010",
    "転出地（{from_lg}）に、この方の転入届の特例による転出の記録がありません（{why}）。"
    "転出地で転出証明書の交付を受けてください。",
    "{from_lg} holds no card move-out for this person ({why_en}); a paper move-out "
    "certificate is needed",
    http_status=409,
    params=("from_lg", "why", "why_en"),
)
MOVE_IN_NOTICE_UNMATCHED = define(
    "NOD-011",
    "{sender}からの転入通知（{name}さん、生年月日 {born}）に当たる住民票がありません。"
    "照会してください。",
    "the move-in notice from {sender} (born {born}) matches no record here",
    params=("sender", "name", "born"),
)
MOVE_OUT_NOT_FILED = define(
    "NOD-012",
    "{name}さんは転出届をしていませんが、{sender}から転入通知が届きました。"
    "事実を確認し、職権で消除してください（令12条1項）。",
    "a move-in notice from {sender} arrived for person {person_id}, who never filed a "
    "move-out; confirm the facts and remove the record ex officio",
    params=("name", "person_id", "sender"),
)
MOVE_IN_NOTICE_AMBIGUOUS = define(
    "NOD-013",
    "{sender}からの転入通知（{name}さん、生年月日 {born}）に当たる住民票が{count}件あります。"
    "確認してください。",
    "the move-in notice from {sender} (born {born}) matches {count} records here",
    params=("sender", "name", "born", "count"),
)
RESIDENCE_CHECK = define(
    "NOD-014",
    "{name}さんの転出（届出日 {notified}）から{months}か月を過ぎても転入通知が届きません。"
    "実態調査をしてください。",
    "no move-in notice for person {person_id} {months} months after the move-out "
    "notified on {notified}: a residence check is due",
    params=("name", "person_id", "notified", "months"),
)
NOT_APPLIED = define(
    "NOD-015",
    "受信した{what}を住民基本台帳に反映できませんでした（{code}: {detail}）。"
    "内容を確認してください。",
    "a received {what_en} could not be applied to the registry ({code}: {detail_en})",
    http_status=409,
    params=("what", "what_en", "code", "detail", "detail_en"),
)
NOT_PENDING = define(
    "NOD-016",
    "この転入の受付（{request_id}）は既に{status}です。",
    "pending move-in {request_id} is already {status_en}",
    http_status=409,
    params=("request_id", "status", "status_en"),
)
REMOTE_ISSUANCE_REFUSED = define(
    "NOD-017",
    "住所地（{from_lg}）が広域交付に応じませんでした（{why}）。",
    "{from_lg} refused the remote issuance ({why_en})",
    http_status=409,
    params=("from_lg", "why", "why_en"),
)

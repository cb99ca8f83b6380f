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
REMOTE_COPY_REQUESTER = define(
    "NOD-018",
    "広域交付は本人または同一世帯の方からの請求に限られます（住民基本台帳法12条の4）。"
    "{requester}からの請求は住所地の市区町村で受け付けてください。",
    "a remote copy can only be requested by the person or a member of the same household "
    "(Basic Resident Registry Act art. 12-4); a request by {requester_en} goes to the "
    "municipality of residence",
    http_status=403,
    params=("requester", "requester_en"),
)
REMOTE_COPY_ITEM = define(
    "NOD-019",
    "広域交付の住民票の写しには「{item}」を記載できません（{why}）。",
    "the item {item_en} cannot be on a remote copy ({why_en})",
    http_status=403,
    params=("item", "item_en", "why", "why_en"),
)
REMOTE_COPY_HERE = define(
    "NOD-020",
    "住所地がこの市区町村（{lg}）です。広域交付ではなく、通常の証明書の発行をしてください。",
    "the municipality of residence is this one ({lg}): issue an ordinary copy instead",
    params=("lg",),
)
WAITING_FOR_REMOTE_COPY_DATA = define(
    "NOD-021",
    "住所地（{holder}）からの返事を待っています。届き次第、住民票の写しを発行できます。",
    "waiting for the answer from {holder}; the copy can be issued when it arrives",
    http_status=202,
    params=("holder",),
)
REMOTE_COPY_NOT_FOUND = define(
    "NOD-022",
    "広域交付の請求（{request_id}）が見つかりません。",
    "remote copy request {request_id} does not exist in this municipality",
    http_status=404,
    params=("request_id",),
)
REMOTE_COPY_MISMATCH = define(
    "NOD-023",
    "住所地（{holder}）から届いた内容が請求した方と一致しません（{detail}）。"
    "証明書は作成していません。住所地に照会してください。",
    "the items {holder} sent do not match the persons requested ({detail_en}); nothing was printed",
    http_status=409,
    params=("holder", "detail", "detail_en"),
)
MOVE_OUT_CONFIRMATION_UNMATCHED = define(
    "NOD-024",
    "{sender}から転出確定通知が届きましたが、当たる住民票（{person_id}）がありません。",
    "a move-out confirmation from {sender} names person {person_id}, who is not recorded here",
    params=("sender", "person_id"),
)
TASK_NOT_FOUND = define(
    "NOD-025",
    "タスク（{task_id}）が見つからないか、既に閉じられています。",
    "task {task_id} does not exist here or is already closed",
    http_status=404,
    params=("task_id",),
)
TASK_NOTE_REQUIRED = define(
    "NOD-026",
    "タスクを閉じるときは、処理の内容をメモに記入してください。",
    "closing a task needs a note saying what was done",
)
REMOTE_COPY_KIND = define(
    "NOD-027",
    "広域交付で発行できるのは住民票の写し（世帯連記式・個人票）だけです。"
    "{kind_ja}は住所地の市区町村で請求してください。",
    "only a record copy (household or personal layout) can be issued remotely; a {kind} "
    "is requested at the municipality of residence",
    params=("kind", "kind_ja"),
)
RESERVATION_NOT_FOUND = define(
    "NOD-028",
    "この来庁予定は見つかりません。",
    "no such visit reservation here",
    http_status=404,
)

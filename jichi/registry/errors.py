"""Why the registry refuses a notification — every kind a clerk can meet at the counter."""

from __future__ import annotations

from jichi.kernel.errors import define

FUTURE_DATE = define(
    "REG-001",
    "{label}に未来の日付（{value}）は入力できません。",
    "{label_en} cannot be in the future ({value})",
    params=("label", "label_en", "value"),
)
MOVE_IN_BEFORE_ARRIVAL = define(
    "REG-002",
    "転入届は転入した後でなければ受け付けられません（転入日 {effective}、届出日 {notified}）。",
    "a move-in can only be notified after the move (moved {effective}, notified {notified})",
    params=("effective", "notified"),
)
PERSON_NOT_FOUND = define(
    "REG-003",
    "指定された住民（{person_id}）はこの団体の住民基本台帳にありません。",
    "person {person_id} is not in this municipality's registry",
    http_status=404,
    params=("person_id",),
)
PERSON_NOT_ACTIVE = define(
    "REG-004",
    "{name}さんの住民票は消除されています（{reason}）。この届出はできません。",
    "the record of person {person_id} is removed ({reason_en}); this notification is refused",
    http_status=409,
    params=("name", "person_id", "reason", "reason_en"),
)
HOUSEHOLD_NOT_FOUND = define(
    "REG-005",
    "指定された世帯（{household_id}）はありません。",
    "household {household_id} does not exist in this municipality",
    http_status=404,
    params=("household_id",),
)
CONFLICT = define(
    "REG-006",
    "他の職員がこの世帯を先に更新しました。画面を読み込み直してから、もう一度入力してください。",
    "household {household_id} was changed by someone else (expected version {expected})",
    http_status=409,
    params=("household_id", "expected"),
)
NOT_A_MEMBER = define(
    "REG-008",
    "{name}さんはこの世帯の世帯員ではありません。",
    "person {person_id} is not a member of household {household_id}",
    params=("name", "person_id", "household_id"),
)
WRONG_MUNICIPALITY = define(
    "REG-009",
    "{label}はこの団体（{here}）の区域内の住所を入力してください。",
    "{label_en} must be an address in this municipality ({here})",
    params=("label", "label_en", "here"),
)
SAME_MUNICIPALITY = define(
    "REG-010",
    "従前の住所がこの団体の区域内です。転入ではなく転居の届出です。",
    "the previous address is in this municipality: this is a relocation, not a move-in",
)
BIRTH_DATE_ORDER = define(
    "REG-011",
    "生年月日（{birth}）が{label}（{other}）より後になっています。",
    "date of birth {birth} is after {label_en} {other}",
    params=("birth", "label", "label_en", "other"),
)
HEAD_TOO_YOUNG = define(
    "REG-012",
    "世帯主は{min_age}歳以上の方でなければなりません（{name}さんは{age}歳です）。",
    "the household head must be at least {min_age} (person {person_id} is {age})",
    params=("min_age", "name", "person_id", "age"),
)
HEAD_LEAVES = define(
    "REG-013",
    "世帯主が世帯から抜けます（{why}）。残る世帯員から新しい世帯主を指定し、続柄を入力してください。",
    "the household head leaves ({why_en}) and the new head cannot be inferred: name the new head",
    params=("why", "why_en"),
)
DUPLICATE_RESIDENT_CODE = define(
    "REG-014",
    "この住民票コードは既にこの団体の別の住民票に記載されています。",
    "this resident code is already on another record in this municipality",
    http_status=409,
)
MOVE_OUT_STATE = define(
    "REG-015",
    "{name}さんには{state}。",
    "person {person_id}: {state_en}",
    http_status=409,
    params=("name", "person_id", "state", "state_en"),
)
NOBODY_LEFT = define(
    "REG-016",
    "世帯分離では元の世帯に少なくとも1人が残らなければなりません。世帯員全員の場合は転居または世帯構成変更です。",
    "a split must leave at least one member in the original household",
)
DIFFERENT_ADDRESS = define(
    "REG-017",
    "{kind}は同じ住所の世帯の間でだけできます。住所が異なる場合は転居の届出です。",
    "{kind_en} is only possible between households at the same address",
    params=("kind", "kind_en"),
)
DUPLICATE_INDIVIDUAL_NUMBER = define(
    "REG-019",
    "この個人番号は既に別の住民票に記載されています。番号と本人を確認してください。",
    "this individual number is already attached to another record",
    http_status=409,
)
DUPLICATE_PERSON = define(
    "REG-020",
    "同じ住民が一つの届出に二度含まれています（{name}）。",
    "the same person appears twice in one notification ({person_id})",
    params=("name", "person_id"),
)
MISSING_RELATIONSHIP = define(
    "REG-021",
    "{name}さんの続柄を入力してください。",
    "the relationship of person {person_id} to the new head is needed",
    params=("name", "person_id"),
)
EMPTY_NOTIFICATION = define(
    "REG-022",
    "届出の対象となる住民を一人以上指定してください。",
    "a notification must name at least one person",
)
MIXED_HOUSEHOLDS = define(
    "REG-023",
    "一つの届出で異なる世帯の住民をまとめて扱うことはできません。世帯ごとに届け出てください。",
    "all persons in this notification must belong to the same household",
)
NOT_REMOVED = define(
    "REG-025",
    "{name}さんの住民票は消除されていないため、回復できません。",
    "the record of person {person_id} is not removed; nothing to restore",
    http_status=409,
    params=("name", "person_id"),
)
UNKNOWN_EVENT = define(
    "REG-026",
    "修正の対象となる異動（{event_id}）がこの住民の履歴にありません。",
    "event {event_id} is not in this person's history",
    params=("event_id",),
)
WRONG_TENANT = define(
    "REG-027",
    "この職員はこの団体（{lg_code}）の住民基本台帳を扱えません。",
    "this staff member is not bound to municipality {lg_code}",
    http_status=403,
    params=("lg_code",),
)
BEFORE_RESIDENCE = define(
    "REG-028",
    "異動日（{effective}）が{name}さんの住民となった日（{since}）より前です。",
    "effective date {effective} is before person {person_id} became a resident ({since})",
    params=("effective", "name", "person_id", "since"),
)
EMPTY_SEARCH = define(
    "REG-029",
    "検索条件を一つ以上入力してください（氏名、フリガナ、生年月日、住所、住民票コード、世帯）。",
    "give at least one search condition",
)
IDENTITY_MISMATCH = define(
    "REG-040",
    "基本4情報が住民票と一致しないため、個人番号を記載できません（不一致: {items}）。",
    "the basic four do not match the record; the number is not attached (differs: {items_en})",
    params=("items", "items_en"),
)
NUMBER_ALREADY_ATTACHED = define(
    "REG-041",
    "この住民票には既に個人番号が記載されています。変更は理由を付けて先の記載を終了してから行ってください。",
    "this record already has an individual number; end the first link before another",
    http_status=409,
)
NOT_FOREIGN = define(
    "REG-031",
    "{name}さんは外国人住民ではありません。{what}は外国人住民の住民票にだけ記載します。",
    "person {person_id} is not a foreign resident; {what_en} applies to foreign residents only",
    params=("name", "person_id", "what", "what_en"),
)
NOT_JAPANESE = define(
    "REG-032",
    "旧氏は日本人住民の住民票にだけ記載できます。",
    "a former surname can be recorded for Japanese residents only",
)
FORMER_SURNAME_RULE = define(
    "REG-033",
    "旧氏を記載できません: {why}",
    "former surname refused: {why_en}",
    params=("why", "why_en"),
)
ALIAS_RULE = define(
    "REG-034",
    "通称を記載できません: {why}",
    "alias refused: {why_en}",
    params=("why", "why_en"),
)
HISTORY_CONFLICT = define(
    "REG-042",
    "この異動日では、後に記録された異動と矛盾します。異動日を確認するか、先に後の異動を取り消してください。",
    "the effective date conflicts with later recorded events; nothing was recorded",
    http_status=409,
)
# -- counter validation (issue 10): the same rules on every channel ----------------------
FOREIGN_HONSEKI = define(
    "REG-060",
    "外国人住民の住民票には{item}を記載しません。",
    "{item_en} is not recorded for a foreign resident",
    params=("item", "item_en"),
)
LIKELY_DUPLICATE = define(
    "REG-061",
    "同じ氏名・生年月日の住民（{name}さん）が既に住民票に記載されています。"
    "同一人でないことを確認した場合は「別人として記録」に理由を入力してください。",
    "a current resident with the same name and date of birth exists (person {person_id}); "
    "give a reason to record as a different person",
    http_status=409,
    params=("name", "person_id"),
)
BIRTH_BEFORE_PARENT = define(
    "REG-062",
    "生年月日（{birth}）が親である{name}さんの生年月日（{parent_birth}）より前です。",
    "date of birth {birth} is before that of parent {person_id} ({parent_birth})",
    params=("birth", "name", "person_id", "parent_birth"),
)
SAME_ADDRESS = define(
    "REG-063",
    "転居先の住所が現在の住所と同じです。住所が変わらない場合は転居の届出ではありません。",
    "the new address is the current address: nothing to relocate",
)
# -- review, then record (issue 10 item 2): a mistaken recording undone by new events ---
RECORDING_NOT_FOUND = define(
    "REG-070",
    "指定された届出の記録（{notification_id}）はこの団体にありません。",
    "notification {notification_id} is not recorded in this municipality",
    http_status=404,
    params=("notification_id",),
)
NOT_THE_RECORDER = define(
    "REG-071",
    "この記録を訂正できるのは、記録した職員（{recorded_by}）か係長です。",
    "only the staff member who recorded it ({recorded_by}) or a supervisor may correct it",
    http_status=403,
    params=("recorded_by",),
)
LATER_RECORDING = define(
    "REG-072",
    "{name}さんには、この届出の後に記録された異動があります。後の異動から順に訂正してください。",
    "person {person_id} has events recorded after this notification; correct those first",
    http_status=409,
    params=("name", "person_id"),
)
PLANNED_RECORDING = define(
    "REG-073",
    "まだ異動日（{effective}）が来ていない記録です。転出の予定は「転出取消」で取り消してください。",
    "the recording takes effect later ({effective}); cancel a planned move-out instead",
    http_status=409,
    params=("effective",),
)

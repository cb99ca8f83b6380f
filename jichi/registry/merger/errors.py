"""Why a merger is refused: every check of a plan runs and all failures come back at once."""

from __future__ import annotations

from jichi.kernel.errors import define

TOO_FEW_PARTIES = define(
    "MRG-001",
    "合併関係市町村を2つ以上指定してください。",
    "a merger needs at least two parties",
    params=(),
)
SUCCESSOR_NOT_A_PARTY = define(
    "MRG-002",
    "編入合併では、編入する団体（{code}）も合併関係市町村に含めてください。",
    "in an absorption the absorbing municipality {code} must be one of the parties",
    params=("code",),
)
PARTY_UNKNOWN = define(
    "MRG-003",
    "団体コード{code}の団体は{on}の前日に存在しません。",
    "no municipality held the code {code} on the day before {on}",
    params=("code", "on"),
)
FUTURE_MERGER = define(
    "MRG-004",
    "合併の日（{on}）が今日より後です。合併は当日以後に実行してください。",
    "the merger date {on} is after today: run a merger on or after its day",
    params=("on",),
)
RENAME_NOT_A_PARTY = define(
    "MRG-005",
    "対応表の{line}行目: 団体コード{code}は合併関係市町村ではありません。",
    "mapping line {line}: {code} is not a party to the merger",
    params=("line", "code"),
)
RENAME_MALFORMED = define(
    "MRG-006",
    "対応表の{line}行目を読めません（lg_code,town,new_town の3列で、新しい町字は必須）。",
    "mapping line {line} is not lg_code,town,new_town with a new town",
    params=("line",),
)
TOWN_CLASH = define(
    "MRG-007",
    "合併後に町字「{town}」が複数の旧団体（{codes}）にあり、住所が区別できません。"
    "対応表で名称を変更してください。",
    "after the merger the town {town} would exist in several former municipalities "
    "({codes}); rename it in the mapping",
    params=("town", "codes"),
)
UNSENT_MESSAGES = define(
    "MRG-008",
    "団体{code}に未送信の住基ネット通知が{count}件あります。送信し終えてから合併してください。",
    "municipality {code} has {count} network messages not yet sent; drain the outbox first",
    http_status=409,
    params=("code", "count"),
)
ALREADY_MERGED = define(
    "MRG-009",
    "団体コード{code}は既に合併で廃止されています。",
    "the code {code} was already retired by a merger",
    http_status=409,
    params=("code",),
)
DUPLICATE_RENAME = define(
    "MRG-010",
    "対応表の{line}行目: 団体{code}の町字「{town}」は既に指定されています。",
    "mapping line {line}: the town {town} of {code} is given twice",
    params=("line", "code", "town"),
)
UNKNOWN_TOWN = define(
    "MRG-011",
    "対応表の{line}行目: 団体{code}に町字「{town}」の住民はいません。",
    "mapping line {line}: no resident of {code} lives in the town {town}",
    params=("line", "code", "town"),
)
BAD_SUCCESSOR_CODE = define(
    "MRG-012",
    "合併市町村の団体コード「{code}」が正しくありません（6桁、検査用数字つき）。",
    "the successor's code {code} is not a valid 6-digit local government code",
    params=("code",),
)
NOT_A_PARTYS_STAFF = define(
    "MRG-013",
    "合併を実行できるのは合併関係市町村の職員（{lg_code}は関係団体ではありません）です。",
    "only staff of a party may carry out the merger ({lg_code} is not one)",
    http_status=403,
    params=("lg_code",),
)
TARGET_HOLDS_PARTY = define(
    "MRG-014",
    "合併先のデータベースに団体{code}の{what}が既にあります（{count}件）。移送できません。",
    "the target database already holds {count} {what_en} of municipality {code}",
    http_status=409,
    params=("code", "what", "what_en", "count"),
)
NOT_VERIFIED = define(
    "MRG-015",
    "団体{code}の台帳の移送を確かめられませんでした（{count}人の住民票・履歴が一致しません）。"
    "どちらのデータベースも変更していません。",
    "the copy of {code}'s registry does not agree with its source for {count} persons; "
    "nothing was changed in either database",
    http_status=409,
    params=("code", "count"),
)
NOT_A_MOVING_PARTY = define(
    "MRG-016",
    "団体{code}は別のノードから移送できません（合併市町村自身、関係団体でない団体、"
    "または合併市町村と同じデータベースの団体です）。",
    "{code} cannot move from another node (the successor itself, not a party, "
    "or on the successor's own database)",
    params=("code",),
)

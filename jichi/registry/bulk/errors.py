"""Why an import refuses a file, a row or a household (the BLK-xxx range).

BLK-00x refuse the whole file before anything is written; BLK-01x/02x a row; BLK-03x a
household or a clash with what the registry already holds."""

from __future__ import annotations

from jichi.kernel.errors import define

EMPTY_FILE = define(
    "BLK-001",
    "ファイルに見出し行がありません。1行目に列名を書いてください。",
    "the file has no header row; the first line must name the columns",
)
MISSING_COLUMNS = define(
    "BLK-002",
    "必須の列がありません: {columns}",
    "required columns are missing: {columns}",
    params=("columns",),
)
DUPLICATE_COLUMN = define(
    "BLK-003",
    "列名「{column}」が見出し行に2回以上あります。",
    "column {column} appears more than once in the header",
    params=("column",),
)
NOT_UTF8 = define(
    "BLK-004",
    "ファイルを UTF-8 として読めません（{line}行目付近）。文字コードを UTF-8 にしてください。",
    "the file is not valid UTF-8 (near line {line}); convert it to UTF-8",
    params=("line",),
)
NOT_GROUPED = define(
    "BLK-005",
    "世帯「{household}」の行が連続していません（{line}行目）。ファイルを世帯ごとにまとめて並べてください。",
    "the rows of household {household} are not contiguous (line {line}); "
    "sort the file by household",
    params=("household", "line"),
)
UNREADABLE = define(
    "BLK-006",
    "ファイル {path} を読めません（{reason}）。",
    "cannot read {path} ({reason})",
    params=("path", "reason"),
)
NOT_CSV = define(
    "BLK-007",
    "{line}行目を CSV として読めません（引用符の対応などを確認してください）。",
    "line {line} cannot be read as CSV (check the quotes)",
    params=("line",),
)
FIELD_COUNT = define(
    "BLK-010",
    "この行の項目数（{actual}）が見出し行の列数（{expected}）と違います。",
    "the row has {actual} fields but the header has {expected}",
    params=("expected", "actual"),
)
MISSING_VALUE = define(
    "BLK-011",
    "{label}（{column}）が入力されていません。",
    "{column} is required",
    params=("label", "column"),
)
BAD_CHOICE = define(
    "BLK-012",
    "{label}（{column}）の値が使えません。{allowed} のいずれかを入力してください。",
    "{column}: not an accepted value; use one of {allowed_en}",
    params=("label", "column", "allowed", "allowed_en"),
)
BAD_DATE = define(
    "BLK-013",
    "{label}（{column}）の日付が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("label", "column", "reason", "reason_en"),
)
BAD_KANA = define(
    "BLK-014",
    "{label}（{column}）の振り仮名が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("label", "column", "reason", "reason_en"),
)
BAD_INDIVIDUAL_NUMBER = define(
    "BLK-015",
    "個人番号（{column}）が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("column", "reason", "reason_en"),
)
BAD_RESIDENT_CODE = define(
    "BLK-016",
    "住民票コード（{column}）が正しくありません。{reason}",
    "{column}: {reason_en}",
    params=("column", "reason", "reason_en"),
)
BAD_VALUE = define(
    "BLK-017",
    "{label}（{column}）の値が形式に合いません（{reason}）。",
    "{column}: {reason_en}",
    params=("label", "column", "reason", "reason_en"),
)
CONTROL_CHARACTER = define(
    "BLK-018",
    "{label}（{column}）に制御文字（改行・タブ等）が含まれています（{position}文字目）。",
    "{column} contains a control character (line break, tab, ...) at position {position}",
    params=("label", "column", "position"),
)
LEGACY_LISTS = define(
    "BLK-019",
    "外字の列（legacy_code・legacy_identified_as・legacy_identified_by）の件数が揃っていません（{counts}）。",
    "the legacy character lists have different lengths ({counts})",
    params=("counts",),
)
BAD_RELATIONSHIP = define(
    "BLK-024",
    "続柄が住民票の書き方になっていません: {why}",
    "relationship not in the registry's written form: {why_en}",
    params=("why", "why_en"),
)
WRONG_MUNICIPALITY = define(
    "BLK-020",
    "住所の地方公共団体コード（{column}）が移行先の団体（{lg_code}）と違います。",
    "{column} is not the importing municipality ({lg_code})",
    params=("column", "lg_code"),
)
STATUS_MISMATCH = define(
    "BLK-021",
    "住民票の状態と消除の項目が合いません: {why}",
    "status and removal items disagree: {why_en}",
    params=("why", "why_en"),
)
BIRTH_AFTER = define(
    "BLK-022",
    "生年月日（{birth}）が{label}（{other}）より後です。",
    "date of birth {birth} is after {column} {other}",
    params=("birth", "label", "column", "other"),
)
NO_ID = define(
    "BLK-023",
    "{what}がありません。{columns} のどちらかを入力してください。",
    "no {what_en}: fill in {columns}",
    params=("what", "what_en", "columns"),
)
HEAD_COUNT = define(
    "BLK-030",
    "世帯「{household}」の世帯主（現存の世帯員のうち続柄が「世帯主」の人）が{count}人です。一人にしてください。",
    "household {household} has {count} heads among its active members; it needs exactly one",
    params=("household", "count"),
)
HOUSEHOLD_ADDRESS = define(
    "BLK-031",
    "世帯「{household}」の世帯員の住所が世帯主の住所と違います。",
    "a member of household {household} has another address than the head",
    params=("household",),
)
WITH_HOUSEHOLD = define(
    "BLK-032",
    "同じ世帯の{line}行目が取り込めないため、この行も取り込みません（世帯単位で移行します）。",
    "not imported because line {line} of the same household was rejected "
    "(households are imported whole)",
    params=("line",),
)
DIFFERENT_DATA = define(
    "BLK-033",
    "この住民は既に取り込まれていて、内容が異なります。上書きはしません（変更は届出で行ってください）。",
    "already imported with different data; never overwritten (record changes as notifications)",
)
HOUSEHOLD_EXISTS = define(
    "BLK-034",
    "世帯「{household}」は既に取り込まれています。世帯員の追加は届出で行ってください。",
    "household {household} was already imported; add members with a notification",
    params=("household",),
)
DUPLICATE_RESIDENT_CODE = define(
    "BLK-035",
    "この住民票コードは別の住民（{where}）と重複しています。",
    "this resident code is also on another person ({where_en})",
    params=("where", "where_en"),
)
DUPLICATE_INDIVIDUAL_NUMBER = define(
    "BLK-036",
    "この個人番号は別の住民（{where}）と重複しています。",
    "this individual number is also on another person ({where_en})",
    params=("where", "where_en"),
)
DUPLICATE_PERSON = define(
    "BLK-037",
    "同じ個人（person_id）が{line}行目にもあります。",
    "the same person_id is also on line {line}",
    params=("line",),
)

"""A deterministic synthetic registry: households of 1–5, Japanese names and readings.

Small and self-contained on purpose (no data set to download): surnames are the twenty
commonest real ones followed by compounds of two kanji, each with its reading, weighted by a
Zipf law (the commonest about 1.5 % of people, as 佐藤 is); given names come from two short
lists; a few surnames use old forms (髙橋, 渡邊, 齋藤, 𠮷田) so that search folds variants.
About 30 % of people carry an individual number with a valid check digit
(:func:`jichi.kernel.identifiers.with_check_digit`), everyone a resident code, some
households are foreign residents and some members are 除票 (moved out).

The same generator feeds the CSV of the import benchmark (every column of the bulk layout,
:data:`jichi.registry.layout.COLUMN_NAMES`, plus one vendor column that jichi archives),
the move-ins of the notification benchmark and the queries of the search benchmark.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from jichi.kernel.era import format_wareki
from jichi.kernel.identifiers import with_check_digit
from jichi.kernel.text import katakana_to_hiragana
from jichi.registry.layout import COLUMN_NAMES

REFERENCE_DAY = date(2025, 10, 1)  # "today" of the generated registry
ARCHIVED_COLUMN = "旧宛名番号"  # a vendor's own column: not in the layout, so jichi archives it
HEADER: tuple[str, ...] = (*COLUMN_NAMES, ARCHIVED_COLUMN)
HEAD = "世帯主"

# The twenty commonest surnames (with readings), then compounds below.
COMMON_FAMILIES: tuple[tuple[str, str], ...] = (
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
)
FIRST_PARTS: tuple[tuple[str, str], ...] = tuple(
    (k, r)
    for k, r in (
        ("山", "ヤマ"), ("川", "カワ"), ("中", "ナカ"), ("小", "コ"), ("大", "オオ"),
        ("高", "タカ"), ("石", "イシ"), ("松", "マツ"), ("竹", "タケ"), ("森", "モリ"),
        ("池", "イケ"), ("岡", "オカ"), ("原", "ハラ"), ("村", "ムラ"), ("西", "ニシ"),
        ("東", "ヒガシ"), ("北", "キタ"), ("南", "ミナミ"), ("上", "ウエ"), ("下", "シモ"),
        ("野", "ノ"), ("長", "ナガ"), ("藤", "フジ"), ("吉", "ヨシ"), ("宮", "ミヤ"),
        ("坂", "サカ"), ("今", "イマ"), ("平", "ヒラ"), ("福", "フク"), ("金", "カネ"),
        ("青", "アオ"), ("赤", "アカ"), ("白", "シラ"), ("黒", "クロ"), ("秋", "アキ"),
        ("春", "ハル"), ("菊", "キク"), ("桜", "サクラ"), ("岩", "イワ"), ("水", "ミズ"),
        ("清", "キヨ"), ("前", "マエ"), ("新", "ニイ"), ("古", "フル"), ("広", "ヒロ"),
        ("深", "フカ"), ("浅", "アサ"), ("本", "モト"), ("星", "ホシ"), ("柴", "シバ"),
    )
)  # fmt: skip
LAST_PARTS: tuple[tuple[str, str], ...] = (
    ("田", "ダ"), ("川", "カワ"), ("山", "ヤマ"), ("本", "モト"), ("村", "ムラ"),
    ("井", "イ"), ("野", "ノ"), ("原", "ハラ"), ("島", "シマ"), ("沢", "サワ"),
    ("崎", "サキ"), ("谷", "タニ"), ("口", "グチ"), ("木", "キ"), ("林", "バヤシ"),
    ("岡", "オカ"), ("森", "モリ"), ("内", "ウチ"), ("橋", "ハシ"), ("尾", "オ"),
    ("部", "ベ"), ("瀬", "セ"), ("浦", "ウラ"), ("池", "イケ"), ("見", "ミ"),
    ("石", "イシ"), ("藤", "フジ"), ("江", "エ"), ("坂", "サカ"), ("上", "ガミ"),
)  # fmt: skip
# Old forms a real registry holds (kept exactly; search folds them): (new, old, share).
VARIANTS: tuple[tuple[str, str, float], ...] = (
    ("高", "髙", 0.05),
    ("辺", "邊", 0.08),
    ("斎", "齋", 0.10),
    ("吉", "𠮷", 0.03),
    ("崎", "﨑", 0.05),
)
MALE_GIVEN: tuple[tuple[str, str], ...] = (
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健太", "ケンタ"), ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"), ("誠", "マコト"), ("拓也", "タクヤ"), ("直樹", "ナオキ"),
    ("和夫", "カズオ"), ("博", "ヒロシ"), ("茂", "シゲル"), ("隆", "タカシ"),
    ("浩二", "コウジ"), ("悠真", "ユウマ"), ("蓮", "レン"), ("陽翔", "ハルト"),
    ("湊", "ミナト"), ("大和", "ヤマト"), ("健", "ケン"), ("清", "キヨシ"),
    ("勇", "イサム"), ("進", "ススム"), ("正男", "マサオ"), ("修", "オサム"),
    ("明", "アキラ"), ("豊", "ユタカ"), ("亮", "リョウ"), ("学", "マナブ"),
    ("剛", "ツヨシ"), ("聡", "サトシ"), ("哲也", "テツヤ"), ("秀樹", "ヒデキ"),
    ("康弘", "ヤスヒロ"), ("雅之", "マサユキ"), ("翼", "ツバサ"), ("颯太", "ソウタ"),
    ("悠人", "ユウト"), ("樹", "イツキ"), ("陸", "リク"), ("蒼", "アオイ"),
)  # fmt: skip
FEMALE_GIVEN: tuple[tuple[str, str], ...] = (
    ("花子", "ハナコ"), ("美咲", "ミサキ"), ("陽子", "ヨウコ"), ("恵子", "ケイコ"),
    ("幸子", "サチコ"), ("由美", "ユミ"), ("結衣", "ユイ"), ("葵", "アオイ"),
    ("陽菜", "ヒナ"), ("真由美", "マユミ"), ("明美", "アケミ"), ("愛", "アイ"),
    ("裕子", "ユウコ"), ("久美子", "クミコ"), ("智子", "トモコ"), ("さくら", "サクラ"),
    ("和子", "カズコ"), ("洋子", "ヨウコ"), ("京子", "キョウコ"), ("節子", "セツコ"),
    ("弘子", "ヒロコ"), ("直美", "ナオミ"), ("優子", "ユウコ"), ("麻衣", "マイ"),
    ("彩", "アヤ"), ("凛", "リン"), ("芽依", "メイ"), ("結菜", "ユイナ"),
    ("紬", "ツムギ"), ("翠", "ミドリ"), ("千尋", "チヒロ"), ("舞", "マイ"),
    ("香織", "カオリ"), ("恵美", "エミ"), ("美穂", "ミホ"), ("由紀", "ユキ"),
    ("奈々", "ナナ"), ("杏", "アン"), ("澪", "ミオ"), ("咲", "サキ"),
)  # fmt: skip
# 町字 of 川越市 with a postal code each (realistic enough for a benchmark).
TOWNS: tuple[tuple[str, str], ...] = (
    ("大字的場", "350-1101"), ("元町一丁目", "350-0062"), ("仲町", "350-0065"),
    ("新富町一丁目", "350-0043"), ("脇田町", "350-1123"), ("岸町二丁目", "350-1135"),
    ("霞ケ関北三丁目", "350-1102"), ("大字笠幡", "350-1175"), ("大字小室", "350-1171"),
    ("南大塚一丁目", "350-1162"), ("大字寺尾", "350-1133"), ("大字藤間", "350-1142"),
    ("大字砂", "350-1136"), ("新宿町五丁目", "350-1124"), ("今成二丁目", "350-0035"),
    ("旭町三丁目", "350-1122"), ("末広町一丁目", "350-0854"), ("大字古谷上", "350-0001"),
)  # fmt: skip
ELSEWHERE: tuple[dict[str, str], ...] = (
    {"prefecture": "東京都", "municipality": "千代田区", "town": "千代田", "lg_code": "131016"},
    {"prefecture": "埼玉県", "municipality": "さいたま市", "town": "高砂", "lg_code": "111007"},
    {"prefecture": "埼玉県", "municipality": "所沢市", "town": "日吉町", "lg_code": "112089"},
    {"prefecture": "神奈川県", "municipality": "横浜市", "town": "山下町", "lg_code": "141003"},
    {"prefecture": "大阪府", "municipality": "大阪市", "town": "梅田", "lg_code": "271004"},
)
FOREIGN: tuple[tuple[str, str, str, str], ...] = (
    # nationality, family (latin), family reading, status of residence
    ("ベトナム", "NGUYEN", "グエン", "技能実習"),
    ("中国", "WANG", "ワン", "永住者"),
    ("韓国", "KIM", "キム", "特別永住者"),
    ("フィリピン", "SANTOS", "サントス", "定住者"),
    ("ブラジル", "SILVA", "シルバ", "永住者"),
    ("ネパール", "GURUNG", "グルン", "留学"),
)
FOREIGN_GIVEN: tuple[tuple[str, str], ...] = (
    ("AN", "アン"), ("MINH", "ミン"), ("LI", "リー"), ("MARIA", "マリア"), ("JOSE", "ホセ"),
    ("ANA", "アナ"), ("RAM", "ラム"), ("YU", "ユー"), ("SORA", "ソラ"), ("TAN", "タン"),
)  # fmt: skip
SIZE_WEIGHTS = (38, 28, 17, 12, 5)  # households of 1…5 (mean ≈ 2.2, as in Japan)


def _families() -> tuple[list[tuple[str, str]], list[float]]:
    """Every surname with its reading, and cumulative Zipf weights (rank + 15)^-1."""
    names = list(COMMON_FAMILIES)
    seen = {k for k, _ in names}
    compounds = [(a + b, ra + rb) for a, ra in FIRST_PARTS for b, rb in LAST_PARTS if a != b]
    random.Random(1).shuffle(compounds)
    for kanji, reading in compounds:
        if kanji not in seen:
            seen.add(kanji)
            names.append((kanji, reading))
    weights = [1 / (rank + 15) for rank in range(1, len(names) + 1)]
    return names, list(accumulate(weights))


FAMILIES, FAMILY_CUMULATIVE = _families()


def _scramble(serial: int, multiplier: int, offset: int) -> str:
    """A bijection of [0, 10^11): distinct serials give distinct, random-looking digits."""
    return f"{(serial * multiplier + offset) % 10**11:011d}"


@dataclass
class Person:
    source_id: str
    household_source_id: str
    relationship: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    date_of_birth: date
    sex: str  # male | female
    resident_since: date
    address_since: date
    town: str
    block: str
    building: str
    postal_code: str
    resident_code: str
    individual_number: str = ""
    latin: str = ""
    honseki: str = ""
    family_register_head: str = ""
    moved_in_on: date | None = None
    previous: dict[str, str] | None = None
    foreign: dict[str, str] | None = None
    status: str = "active"
    removed_on: date | None = None
    removal_reason: str = ""
    voter_registered: bool = False
    qualifications: dict[str, Any] = field(default_factory=dict)
    legacy_id: str = ""

    # -- as a row of the bulk layout ---------------------------------------------------

    def csv_row(self, rng: random.Random) -> list[str]:
        cells = self.csv_cells(rng)
        return [cells.get(name, "") for name in HEADER]

    def csv_cells(self, rng: random.Random) -> dict[str, str]:
        kana = katakana_to_hiragana if rng.random() < 0.15 else str  # some files hold hiragana
        born = self.date_of_birth.isoformat()
        if rng.random() < 0.1:  # and some dates in 和暦
            born = format_wareki(self.date_of_birth)
        q = self.qualifications
        cells: dict[str, str] = {
            "source_id": self.source_id,
            "household_source_id": self.household_source_id,
            "relationship": self.relationship,
            "status": self.status,
            "family_name": self.family,
            "given_name": self.given,
            "family_name_kana": kana(self.family_kana),
            "given_name_kana": kana(self.given_kana),
            "latin_name": self.latin,
            "date_of_birth": born,
            "sex": rng.choice(("1", "男")) if self.sex == "male" else rng.choice(("2", "女")),
            "honseki": self.honseki,
            "family_register_head": self.family_register_head,
            "resident_since": self.resident_since.isoformat(),
            "address_since": self.address_since.isoformat(),
            "moved_in_on": self.moved_in_on.isoformat() if self.moved_in_on else "",
            "address_prefecture": "埼玉県",
            "address_municipality": "川越市",
            "address_town": self.town,
            "address_block": self.block,
            "address_building": self.building,
            "address_postal_code": self.postal_code,
            "address_lg_code": "112011",
            "resident_code": self.resident_code,
            "individual_number": self.individual_number,
            "voter_registered": "1" if self.voter_registered else "0",
            "national_health_insurance": "1" if q.get("national_health_insurance") else "0",
            "late_elderly_medical": "1" if q.get("late_elderly_medical") else "0",
            "long_term_care": "1" if q.get("long_term_care") else "0",
            "national_pension": q.get("national_pension", ""),
            "child_allowance": "1" if q.get("child_allowance") else "0",
            "restricted": "0",
            ARCHIVED_COLUMN: self.legacy_id,
        }
        if self.previous:
            for key, value in self.previous.items():
                cells[f"previous_address_{key}"] = value
        if self.foreign:
            cells.update(self.foreign)
        if self.status == "removed":
            cells["removed_on"] = self.removed_on.isoformat() if self.removed_on else ""
            cells["removal_reason"] = self.removal_reason
        return cells

    # -- as a person of a move-in (NewPerson) ------------------------------------------

    def new_person(self) -> dict[str, Any]:
        person: dict[str, Any] = {
            "name": {
                "family": self.family,
                "given": self.given,
                "family_kana": self.family_kana,
                "given_kana": self.given_kana,
                "latin": self.latin,
            },
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "relationship": self.relationship,
            "honseki": self.honseki,
            "family_register_head": self.family_register_head,
            "resident_code": self.resident_code,
            "individual_number": self.individual_number,
            "qualifications": self.qualifications,
        }
        if self.foreign:
            person["foreign"] = {
                "nationality": self.foreign["nationality"],
                "category": self.foreign["foreign_category"],
                "status_of_residence": self.foreign["status_of_residence"],
                "period_of_stay": self.foreign["period_of_stay"],
                "period_expires": self.foreign["period_expires"] or None,
                "residence_card_number": self.foreign["residence_card_number"],
            }
        return person


def children_all(people: list[Person]) -> list[Person]:
    return [p for p in people if p.relationship == "子"]


class Population:
    """Households, one after the other, all decided by ``seed``.

    ``serial_offset`` moves the resident codes and individual numbers to another range,
    so two populations (jichi's move-ins and the baseline's rows) never collide.
    """

    def __init__(self, seed: int, *, serial_offset: int = 0, today: date = REFERENCE_DAY) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.serial = serial_offset
        self.households = 0

    # -- names -------------------------------------------------------------------------

    def family(self, rng: random.Random | None = None) -> tuple[str, str]:
        rng = rng or self.rng
        kanji, reading = rng.choices(FAMILIES, cum_weights=FAMILY_CUMULATIVE)[0]
        for new, old, share in VARIANTS:
            if new in kanji and rng.random() < share:
                kanji = kanji.replace(new, old)
        return kanji, reading

    def given(self, sex: str, rng: random.Random | None = None) -> tuple[str, str]:
        return (rng or self.rng).choice(MALE_GIVEN if sex == "male" else FEMALE_GIVEN)

    # -- people ------------------------------------------------------------------------

    def _born(self, age: int) -> date:
        return self.today - timedelta(days=age * 365 + self.rng.randrange(365))

    def _age(self, born: date) -> int:
        return (self.today - born).days // 365

    def _person(
        self,
        household: str,
        relationship: str,
        sex: str,
        age: int,
        family: tuple[str, str],
        address: tuple[str, str, str, str],
        since: date,
    ) -> Person:
        rng = self.rng
        self.serial += 1
        serial = self.serial
        given = self.given(sex)
        born = self._born(age)
        resident_since = max(since, born)
        person = Person(
            source_id=f"P{serial:09d}",
            household_source_id=household,
            relationship=relationship,
            family=family[0],
            given=given[0],
            family_kana=family[1],
            given_kana=given[1],
            date_of_birth=born,
            sex=sex,
            resident_since=resident_since,
            address_since=resident_since,
            town=address[0],
            block=address[1],
            building=address[2],
            postal_code=address[3],
            resident_code=_scramble(serial, 79_192_071, 12_345_678),
            legacy_id=f"A{serial:08d}",
        )
        if rng.random() < 0.3:
            base = _scramble(serial, 48_271_013, 98_765_432)
            person.individual_number = with_check_digit("mynumber", base)
        if resident_since > born:  # moved in (not born here)
            person.moved_in_on = resident_since + timedelta(days=rng.randrange(14))
            if rng.random() < 0.5:
                person.previous = dict(rng.choice(ELSEWHERE))
        person.voter_registered = age >= 18
        person.qualifications = self._qualifications(age)
        return person

    def _qualifications(self, age: int) -> dict[str, Any]:
        rng = self.rng
        found: dict[str, Any] = {
            "national_health_insurance": age < 75 and rng.random() < 0.25,
            "late_elderly_medical": age >= 75,
            "long_term_care": age >= 65,
        }
        if 20 <= age < 60:
            found["national_pension"] = rng.choices(
                ("第1号", "第2号", "第3号"), weights=(25, 60, 15)
            )[0]
        return found

    # -- households --------------------------------------------------------------------

    def household(self, max_size: int = 5) -> list[Person]:
        rng = self.rng
        self.households += 1
        number = self.households
        key = f"H{number:08d}"
        size = rng.choices(range(1, 6), weights=SIZE_WEIGHTS)[0]
        size = min(size, max_size)
        town, postal = rng.choice(TOWNS)
        block = f"{rng.randrange(1, 30)}-{rng.randrange(1, 40)}-{rng.randrange(1, 20)}"
        building = (
            f"{town[:2]}ハイツ　{rng.randrange(1, 6)}0{rng.randrange(1, 9)}号室"
            if rng.random() < 0.3
            else ""
        )
        address = (town, block, building, postal)
        foreign = rng.random() < 0.025
        if foreign:
            nationality, latin, reading, status = rng.choice(FOREIGN)
            family = (latin, reading)
        else:
            family = self.family()
        if size == 1:
            head_age = rng.choices((rng.randrange(18, 35), rng.randrange(35, 65),
                                    rng.randrange(65, 96)), weights=(35, 25, 40))[0]  # fmt: skip
        else:
            head_age = rng.randrange(25, 86)
        head_sex = "male" if rng.random() < (0.5 if size == 1 else 0.8) else "female"
        since = self.today - timedelta(days=rng.randrange(1, 365 * 40))
        members: list[tuple[str, str, int]] = [(HEAD, head_sex, head_age)]
        if size >= 2:
            other = "female" if head_sex == "male" else "male"
            spouse_age = max(18, head_age + rng.randrange(-5, 6))
            members.append(("妻" if other == "female" else "夫", other, spouse_age))
        for _ in range(size - len(members)):
            if len(members) == 4 and head_age <= 65:  # a fifth: the head's mother
                members.append(("母", "female", head_age + rng.randrange(24, 33)))
                continue
            child_age = rng.randrange(0, max(1, min(head_age - 20, 45)))
            members.append(("子", rng.choice(("male", "female")), child_age))
        people = [
            self._person(key, rel, sex, age, family, address, since) for rel, sex, age in members
        ]
        head = people[0]
        for person in people:
            if foreign:
                person.given, person.given_kana = rng.choice(FOREIGN_GIVEN)
                person.latin = f"{person.family} {person.given}"
                person.voter_registered = False
                expires = self.today + timedelta(days=rng.randrange(30, 365 * 3))
                person.foreign = {
                    "nationality": nationality,
                    "foreign_category": "特別永住者" if status == "特別永住者" else "中長期在留者",
                    "status_of_residence": status,
                    "period_of_stay": "" if "永住" in status else "3年",
                    "period_expires": "" if "永住" in status else expires.isoformat(),
                    "residence_card_number": (
                        f"{rng.choice('ABCDEFGH')}{rng.choice('ABCDEFGH')}"
                        f"{rng.randrange(10**8):08d}"
                        f"{rng.choice('ABCDEFGH')}{rng.choice('ABCDEFGH')}"
                    ),
                }
            else:
                person.honseki = f"埼玉県川越市{rng.choice(TOWNS)[0]}{rng.randrange(1, 40)}番地"
                person.family_register_head = f"{head.family}　{head.given}"
        children = [p for p in children_all(people) if self._age(p.date_of_birth) < 18]
        if children:
            head.qualifications["child_allowance"] = True
        grown = [p for p in children_all(people) if self._age(p.date_of_birth) >= 18]
        if grown and rng.random() < 0.3:  # a grown child moved out: a 除票 stays in the file
            leaver = grown[-1]
            leaver.status = "removed"
            leaver.removed_on = self.today - timedelta(days=rng.randrange(1, 365 * 4))
            leaver.removal_reason = "move_out"
            leaver.voter_registered = False
        return people

    def people(self, count: int, max_size: int = 5) -> Iterator[list[Person]]:
        """Whole households until ``count`` people (the last one is cut to fit)."""
        left = count
        while left > 0:
            members = self.household(max_size)[:left]
            if members[0].relationship != HEAD:  # pragma: no cover - the head comes first
                raise AssertionError("household without its head")
            left -= len(members)
            yield members


# ---------------------------------------------------------------------------
# The CSV, the move-ins and the queries
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvFile:
    path: Path
    rows: int
    households: int
    individual_numbers: int
    removed: int
    foreign: int
    bytes: int
    columns: int


def write_csv(
    path: Path, residents: int, seed: int, advance: Callable[[int], None] | None = None
) -> CsvFile:
    """A registry CSV in the bulk layout: ``residents`` rows, households contiguous."""
    population = Population(seed)
    cells_rng = random.Random(seed + 1)
    rows = households = numbers = removed = foreign = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for members in population.people(residents):
            households += 1
            for person in members:
                writer.writerow(person.csv_row(cells_rng))
                numbers += bool(person.individual_number)
                removed += person.status == "removed"
                foreign += person.foreign is not None
            rows += len(members)
            if advance is not None:
                advance(len(members))
    return CsvFile(
        path, rows, households, numbers, removed, foreign, path.stat().st_size, len(HEADER)
    )


def move_in(members: list[Person], today: date, rng: random.Random) -> dict[str, Any]:
    """A 転入届 of ``members`` (the head first) into 川越市, a few days ago."""
    head = members[0]
    return {
        "kind": "move_in",
        "effective_date": (today - timedelta(days=rng.randrange(0, 10))).isoformat(),
        "address": {
            "prefecture": "埼玉県",
            "municipality": "川越市",
            "town": head.town,
            "block": head.block,
            "building": head.building,
            "postal_code": head.postal_code,
            "lg_code": "112011",
        },
        "previous_address": rng.choice(ELSEWHERE),
        "persons": [p.new_person() for p in members],
        # Zipf-drawn names repeat with their birth dates in a large synthetic population;
        # the likely-duplicate check still runs, the override records them as distinct.
        "distinct_person_reason": "ベンチマークの合成住民（同姓同名・同生年月日あり）",
    }


def name_query(population: Population, rng: random.Random) -> str:
    """What a clerk types into 氏名: the surname, more rarely its first kanji or more."""
    family, _ = population.family(rng)
    shape = rng.random()
    if shape < 0.6:
        return family
    if shape < 0.8:
        return family + population.given(rng.choice(("male", "female")), rng)[0][:1]
    return family[:1]


def kana_query(population: Population, rng: random.Random) -> str:
    """What a clerk types into フリガナ: the reading of a surname, or its first letters."""
    _, reading = population.family(rng)
    shape = rng.random()
    if shape < 0.5:
        return reading
    if shape < 0.8:
        return reading[:2]
    return reading + population.given(rng.choice(("male", "female")), rng)[1][:1]

"""The demo generator's own picture of the municipality: who lives where, and their numbers."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import Any

from jichi.kernel.age import age_on
from jichi.kernel.identifiers import with_check_digit
from jichi.places.model import LocalGovernment
from jichi.registry.demo.ages import age_table
from jichi.registry.demo.names import _NATIONALITIES, _STAYS, _Name, _names, _Nationality
from jichi.registry.demo.places import _elsewhere_pool, towns_of

JST = timezone(timedelta(hours=9), "JST")
HEAD = "世帯主"
YEARS_OF_HISTORY = 6  # move-ins are dated within the last six years

# --- the generator's own picture of the municipality ------------------------------------


@dataclass(eq=False)  # people are compared (and hashed) by identity
class _Person:
    ref: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    born: date
    sex: str
    relationship: str
    latin: str = ""
    nationality: str = ""  # empty for Japanese nationals
    honseki: str = ""
    active: bool = True

    @property
    def placeholder(self) -> str:
        return "@" + self.ref


@dataclass
class _Household:
    ref: str
    members: list[_Person]
    address: dict[str, Any]
    since: date  # the latest 異動日 so far: later changes are dated after it
    known: bool = True  # its id comes back from the registry (not a household formed later)
    foreign: bool = False

    @property
    def active_members(self) -> list[_Person]:
        return [m for m in self.members if m.active]

    @property
    def head(self) -> _Person:
        return next(m for m in self.active_members if m.relationship == HEAD)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(born: date, on: date) -> int:
    return age_on(born, on) if on >= born else -1


def _between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


class _Residents:
    """The generator's picture of the municipality: its people, households, addresses
    and numbers (the notifications that change it: ``notifications._World``)."""

    def __init__(
        self,
        lg: LocalGovernment,
        residents: int,
        seed: int,
        today: date,
        codes: Callable[[], str] | None = None,
    ) -> None:
        self.lg = lg
        self.codes = codes  # the center's allocation, when there is a center
        # the code is part of the seed, so two demo municipalities in one database do not
        # draw the same individual numbers (unique across Japan) for the same seed
        self.rng = random.Random(f"{lg.code}:{seed}")
        self.today = today
        self.residents = residents
        self.ages = age_table(lg.code)
        self.names = _names()
        self.towns = towns_of(lg.code)
        size = max(16, residents // 2)
        self.near, self.far = _elsewhere_pool(lg, self.rng, size)
        self.households: list[_Household] = []
        self.resident_codes: set[str] = set()
        self.numbers: set[str] = set()
        self.cards: set[str] = set()
        self.count = 0

    # -- people ---------------------------------------------------------------------

    def born_at_age(self, age: int) -> date:
        """A birthday giving ``age`` today."""
        first = _years_before(self.today, age + 1) + timedelta(days=1)
        return _between(self.rng, first, _years_before(self.today, age))

    def japanese(
        self, household: str, sex: str, age: int, family: tuple[str, str], relationship: str
    ) -> _Person:
        born = self.born_at_age(age)
        given, given_kana = self.names.given_name(self.rng, sex, born.year)
        self.count += 1
        return _Person(
            ref=f"{household}.{self.count}",
            family=family[0],
            given=given,
            family_kana=family[1],
            given_kana=given_kana,
            born=born,
            sex=sex,
            relationship=relationship,
        )

    def foreigner(
        self,
        household: str,
        nationality: _Nationality,
        sex: str,
        age: int,
        family: _Name,
        relationship: str,
    ) -> _Person:
        given = self.rng.choice(nationality.male if sex == "male" else nationality.female)
        self.count += 1
        return _Person(
            ref=f"{household}.{self.count}",
            family=family[0],
            given=given[0],
            family_kana=family[1],
            given_kana=given[1],
            born=self.born_at_age(age),
            sex=sex,
            relationship=relationship,
            latin=f"{family[2]} {given[2]}",
            nationality=nationality.name,
        )

    def age(self, sex: str, lo: int, hi: int) -> int:
        return self.ages.draw(self.rng, sex, lo, hi)

    def children_ages(self, parent_age: int, count: int, oldest: int) -> list[int]:
        """Ages of children born when the parent (mother) was 20–45."""
        lo, hi = max(0, parent_age - 44), min(oldest, parent_age - 21)
        if hi < lo:
            return []
        return sorted(
            (self.age(self.ages.draw_sex(self.rng, lo, hi), lo, hi) for _ in range(count)),
            reverse=True,
        )

    # -- households -----------------------------------------------------------------

    def japanese_household(self, ref: str, room: int) -> list[_Person]:
        rng = self.rng
        shapes = (
            ("single", 0.36),
            ("lodger", 0.02),
            ("couple", 0.20),
            ("couple_children", 0.25),
            ("single_parent", 0.09),
            ("with_parents", 0.04),
            ("with_grandchildren", 0.04),
        )
        shape = rng.choices([s for s, _ in shapes], [w for _, w in shapes])[0]
        family = self.names.surname(rng)
        people: list[_Person] = []
        if shape in ("single", "lodger") or room == 1:
            sex = self.ages.draw_sex(rng, 18, 104)
            head_age = self.age(sex, 18, 104)
            people.append(self.japanese(ref, sex, head_age, family, HEAD))
            if shape == "lodger" and room >= 2:
                sex = self.ages.draw_sex(rng, 18, 90)
                age = self.age(sex, max(18, head_age - 10), head_age + 10)
                people.append(self.japanese(ref, sex, age, self.names.surname(rng), "同居人"))
            return people
        if shape == "single_parent":
            mother = rng.random() < 0.85
            sex = "female" if mother else "male"
            head_age = self.age(sex, 24, 60)
            people.append(self.japanese(ref, sex, head_age, family, HEAD))
            parent_age = head_age if mother else head_age - 2
            for age in self.children_ages(parent_age, rng.choice((1, 1, 2)), 25)[: room - 1]:
                people.append(self.child(ref, age, family, "子"))
            return people
        if shape == "with_grandchildren" and room >= 4:
            return self.three_generations(ref, family, room)
        # a couple, maybe with children and the head's parents
        wife_age = self.age("female", 24 if shape != "couple" else 20, 99)
        if shape in ("couple_children", "with_parents"):
            wife_age = self.age("female", 24, 62)
        husband_age = self.age("male", max(18, wife_age - 3), wife_age + 7)
        husband_heads = rng.random() < 0.9
        husband = self.japanese(ref, "male", husband_age, family, HEAD if husband_heads else "夫")
        wife = self.japanese(ref, "female", wife_age, family, "妻" if husband_heads else HEAD)
        people += [husband, wife] if husband_heads else [wife, husband]
        if shape in ("couple_children", "with_parents"):
            count = rng.choices((1, 2, 3), (0.4, 0.45, 0.15))[0]
            oldest = 35 if shape == "couple_children" else 25
            for age in self.children_ages(wife_age, count, oldest):
                if len(people) < room:
                    people.append(self.child(ref, age, family, "子"))
        if shape == "with_parents" and husband_heads and husband_age <= 75:
            mother_age = self.age("female", husband_age + 21, husband_age + 44)
            if len(people) < room and mother_age > husband_age + 20:
                people.append(self.japanese(ref, "female", mother_age, family, "母"))
            if len(people) < room and rng.random() < 0.6:
                father_age = self.age("male", mother_age - 3, mother_age + 7)
                if father_age > husband_age + 20:
                    people.append(self.japanese(ref, "male", father_age, family, "父"))
        return people

    def child(self, ref: str, age: int, family: tuple[str, str], relationship: str) -> _Person:
        sex = self.ages.draw_sex(self.rng, age, age)
        return self.japanese(ref, sex, age, family, relationship)

    def three_generations(self, ref: str, family: tuple[str, str], room: int) -> list[_Person]:
        """An older head, maybe the wife, their son, his wife and their children."""
        rng = self.rng
        head_age = self.age("male", 62, 92)
        people = [self.japanese(ref, "male", head_age, family, HEAD)]
        mother_age = self.age("female", head_age - 7, head_age + 3)
        if rng.random() < 0.75:
            people.append(self.japanese(ref, "female", mother_age, family, "妻"))
        son_age = self.age("male", max(25, mother_age - 44), mother_age - 21)
        people.append(self.japanese(ref, "male", son_age, family, "子"))
        daughter_in_law_age = self.age("female", max(20, son_age - 7), son_age + 3)
        people.append(self.japanese(ref, "female", daughter_in_law_age, family, "子の妻"))
        for age in self.children_ages(daughter_in_law_age, rng.choice((1, 2, 2)), 25):
            if len(people) < room:
                people.append(self.child(ref, age, family, "子の子"))
        return people

    def foreign_household(self, ref: str, room: int) -> tuple[list[_Person], _Nationality, str]:
        rng = self.rng
        nationality = rng.choices(_NATIONALITIES, [n.weight for n in _NATIONALITIES])[0]
        status = rng.choices(
            [s for s, _ in nationality.statuses], [w for _, w in nationality.statuses]
        )[0]
        family = rng.choice(nationality.surnames)
        lo, hi = _STAYS[status][1]
        if room == 1 or status in ("技能実習", "留学") or rng.random() < 0.5:
            sex = self.ages.draw_sex(rng, lo, hi)
            head = self.foreigner(ref, nationality, sex, self.age(sex, lo, hi), family, HEAD)
            return [head], nationality, status
        husband_age = self.age("male", max(lo, 24), hi)
        wife_age = self.age("female", max(20, husband_age - 7), husband_age + 3)
        wife_family = rng.choice(nationality.surnames) if nationality.keeps_surname else family
        people = [
            self.foreigner(ref, nationality, "male", husband_age, family, HEAD),
            self.foreigner(ref, nationality, "female", wife_age, wife_family, "妻"),
        ]
        for age in self.children_ages(wife_age, rng.choice((0, 1, 2)), 20):
            if len(people) < room:
                sex = self.ages.draw_sex(rng, age, age)
                people.append(self.foreigner(ref, nationality, sex, age, family, "子"))
        return people, nationality, status

    # -- addresses --------------------------------------------------------------------

    def address(self) -> dict[str, Any]:
        rng = self.rng
        if not self.towns:  # Japan Post lists no town: the municipality has no 町字
            return {
                "prefecture": self.lg.prefecture,
                "municipality": self.lg.name,
                "block": f"{rng.randint(1, 3000)}番地",
                "lg_code": self.lg.code,
            }
        town = rng.choice(self.towns)
        building = ""
        if town.name and rng.random() < 0.4:
            kind = rng.choice(
                ("コーポ", "ハイツ", "メゾン", "レジデンス", "パレス", "グリーンハイツ")
            )
            building = f"{kind}{town.name}　{rng.randint(1, 5)}0{rng.randint(1, 8)}号室"
        return {
            "prefecture": town.prefecture,
            "municipality": town.municipality,
            "town": town.name,
            "block": _block(rng, town.chome),
            "building": building,
            "postal_code": town.postal_code,
            "lg_code": self.lg.code,
        }

    def elsewhere(self) -> dict[str, Any]:
        rng = self.rng
        pool = self.near if (rng.random() < 0.55 and self.near) or not self.far else self.far
        if not pool:
            return {"town": "アメリカ合衆国", "abroad": True}
        place = rng.choice(pool)
        return {
            "prefecture": place.prefecture,
            "municipality": place.municipality,
            "town": place.town,
            "block": _block(rng, place.chome),
            "postal_code": place.postal_code,
            "lg_code": place.lg_code,
        }

    def honseki(self) -> str:
        """A 本籍: where the family's register is kept (often where the family came from)."""
        place = self.elsewhere() if self.rng.random() < 0.7 else self.address()
        if place.get("abroad"):
            place = self.address()
        parts = (place.get(k, "") for k in ("prefecture", "municipality", "town"))
        return "".join(parts) + f"{self.rng.randint(1, 2000)}番地"

    # -- numbers ------------------------------------------------------------------------

    def resident_code(self) -> str:
        if self.codes is not None:
            return self.codes()
        while True:
            code = "".join(self.rng.choice(string.digits) for _ in range(11))
            if code not in self.resident_codes:
                self.resident_codes.add(code)
                return code

    def individual_number(self) -> str:
        while True:
            base = "".join(self.rng.choice(string.digits) for _ in range(11))
            number = with_check_digit("mynumber", base)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def card_number(self) -> str:
        while True:
            letters = string.ascii_uppercase
            card = (
                "".join(self.rng.choice(letters) for _ in range(2))
                + "".join(self.rng.choice(string.digits) for _ in range(8))
                + "".join(self.rng.choice(letters) for _ in range(2))
            )
            if card not in self.cards:
                self.cards.add(card)
                return card


def _block(rng: random.Random, chome: bool) -> str:
    """番地: 「2丁目5番3号」 where the town has 丁目, else 「1234番地」 or 「1234番地5」."""
    if chome:
        return f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 25)}号"
    lot = rng.randint(1, 2500)
    return f"{lot}番地" if rng.random() < 0.5 else f"{lot}番地{rng.randint(1, 30)}"


def _pension(person: _Person, age: int, nhi: bool) -> str:
    """国民年金の種別: 第1号 (self-employed, students), 第3号 (an employee's dependent spouse)."""
    if not 20 <= age < 60:
        return ""
    if nhi:
        return "第1号"
    if person.relationship in ("妻", "夫"):
        return "第3号"
    return ""


def _register_head(person: _Person, members: list[_Person]) -> str:
    """筆頭者 of the person's 戸籍: the husband for a married couple and their children,
    the head's father for the head's parents, the person for someone single."""
    by = {m.relationship: m for m in members}
    husband = by.get(HEAD) if by.get(HEAD) and by[HEAD].sex == "male" else by.get("夫")
    if person.relationship in ("父", "母"):
        owner = by.get("父", person)
    elif person.relationship == "子" and "子の妻" in by:
        owner = person  # a married son heads his own 戸籍
    elif person.relationship in ("子の妻", "子の子") and "子" in by:
        owner = by["子"]
    elif person.relationship in (HEAD, "妻", "夫", "子") and husband is not None:
        owner = husband
    elif person.relationship == "子" and HEAD in by:
        owner = by[HEAD]
    else:
        owner = person
    return f"{owner.family}　{owner.given}"

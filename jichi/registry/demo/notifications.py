"""The demo notifications: 転入 of plausible households, then 出生, 転居, 死亡 and 転出.

Each is a command dict for :meth:`Registry.apply`; :class:`_World` remembers who lives
where so later ones stay lawful.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from jichi.kernel.age import age_on
from jichi.kernel.clock import today as clock_today
from jichi.places.catalog import default_catalog
from jichi.registry.demo.names import _STAYS, _Nationality
from jichi.registry.demo.people import (
    HEAD,
    YEARS_OF_HISTORY,
    _age,
    _between,
    _Household,
    _pension,
    _Person,
    _register_head,
    _Residents,
    _years_before,
)


class _World(_Residents):
    """Builds the notifications; remembers who lives where so later ones stay lawful."""

    # -- the notifications ------------------------------------------------------------------

    def move_ins(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        foreign_target = max(1, round(self.residents * 0.025)) if self.residents >= 10 else 0
        placed = foreign = 0
        number = 0
        while placed < self.residents:
            number += 1
            ref = f"h{number}"
            room = self.residents - placed
            owed = foreign_target - foreign
            nationality: _Nationality | None = None
            status = ""
            if owed > 0 and (rng.random() < 0.05 or room <= owed + 2):
                people, nationality, status = self.foreign_household(ref, min(room, max(owed, 1)))
                foreign += len(people)
            else:
                people = self.japanese_household(ref, room)
            placed += len(people)
            yield self.move_in(ref, people, nationality, status)

    def move_in(
        self, ref: str, people: list[_Person], nationality: _Nationality | None, status: str
    ) -> dict[str, Any]:
        rng, today = self.rng, self.today
        head = next(p for p in people if p.relationship == HEAD)
        first = max(
            _years_before(today, YEARS_OF_HISTORY),
            max(p.born for p in people),
            _years_before(head.born, -18),  # the head was an adult
        )
        if nationality is not None and status in ("技能実習", "留学"):
            first = max(first, _years_before(today, 2))
        moved = _between(rng, first, max(first, today - timedelta(days=10)))
        moved = min(moved, today)
        late = rng.random() < 0.03
        delay = (
            rng.randint(15, 40) if late else rng.choices((0, 1, 2, 5, 9, 13), (3, 3, 2, 2, 1, 1))[0]
        )
        notified = min(today, moved + timedelta(days=delay))
        address = self.address()
        previous: dict[str, Any]
        if nationality is not None and status not in ("永住者", "特別永住者"):
            previous = {"town": nationality.name, "abroad": True}
        else:
            previous = self.elsewhere()
        household = _Household(ref, people, address, moved, foreign=nationality is not None)
        self.households.append(household)
        if nationality is None:
            register = self.honseki()
            for person in people:
                person.honseki = register if person.relationship != "同居人" else self.honseki()
        nhi = rng.random() < 0.3 or age_on(head.born, today) >= 65
        persons = [self.new_person(p, household, nhi, nationality, status) for p in people]
        return {
            "kind": "move_in",
            "effective_date": moved.isoformat(),
            "notified_date": notified.isoformat(),
            "address": address,
            "previous_address": previous,
            "persons": persons,
        }

    def new_person(
        self,
        person: _Person,
        household: _Household,
        nhi: bool,
        nationality: _Nationality | None,
        status: str,
    ) -> dict[str, Any]:
        rng, today = self.rng, self.today
        age = age_on(person.born, today)
        members = household.members
        data: dict[str, Any] = {
            "ref": person.ref,
            "name": {
                "family": person.family,
                "given": person.given,
                "family_kana": person.family_kana,
                "given_kana": person.given_kana,
                "latin": person.latin,
            },
            "date_of_birth": person.born.isoformat(),
            "sex": person.sex,
            "relationship": person.relationship,
            "resident_code": self.resident_code(),
            "individual_number": self.individual_number() if rng.random() < 0.8 else "",
            "qualifications": {
                "national_health_insurance": nhi and age < 75,
                "late_elderly_medical": age >= 75,
                "long_term_care": age >= 65,
                "national_pension": _pension(person, age, nhi),
                "child_allowance": person.relationship == HEAD
                and any(m.relationship == "子" and age_on(m.born, today) < 18 for m in members),
            },
        }
        if nationality is None:
            data["honseki"] = person.honseki
            data["family_register_head"] = _register_head(person, members)
        else:
            data["foreign"] = self.foreign_items(person, nationality, status)
        return data

    def foreign_items(
        self, person: _Person, nationality: _Nationality, status: str
    ) -> dict[str, Any]:
        if person.relationship != HEAD and status not in ("永住者", "特別永住者"):
            status = "家族滞在"
        special = status == "特別永住者"
        periods = _STAYS[status][0]
        period = self.rng.choice(periods)
        expires = self.today + timedelta(days=self.rng.randint(30, 900)) if period else None
        return {
            "nationality": nationality.name,
            "category": "特別永住者" if special else "中長期在留者",
            # 特別永住者 is a status under the 入管特例法, not a 在留資格: no status, no period.
            "status_of_residence": "" if special else status,
            "period_of_stay": period,
            "period_expires": expires.isoformat() if expires else None,
            "residence_card_number": self.card_number(),
        }

    def history(self) -> Iterator[dict[str, Any]]:
        """Births, relocations, deaths and move-outs after the move-ins, in a random order."""
        n = self.residents
        least = 1 if n >= 20 else 0  # a town of a few people needs no history

        def times(rate: float) -> int:
            return max(least, round(n * rate))

        kinds = (
            ["birth"] * times(0.02)
            + ["relocation"] * times(0.03)
            + ["death"] * times(0.015)
            + ["move_out"] * times(0.02)
        )
        self.rng.shuffle(kinds)
        for kind in kinds:
            yield from getattr(self, kind)()

    def open_households(self, days: int = 2) -> list[_Household]:
        """Households still here with room for a change after their last one."""
        return [
            h
            for h in self.households
            if h.active_members and h.since + timedelta(days=days) <= self.today
        ]

    def dated(self, household: _Household, first: date | None = None) -> tuple[date, date]:
        """(異動日, 届出日) after the household's last change, filed within the period."""
        start = max(household.since + timedelta(days=1), first or household.since)
        effective = _between(self.rng, start, self.today)
        notified = min(self.today, effective + timedelta(days=self.rng.randint(0, 6)))
        household.since = effective
        return effective, notified

    def birth(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        options = []
        for household in self.open_households(30):
            if household.foreign or not household.known:
                continue
            for mother in household.active_members:
                if mother.relationship not in ("妻", "子の妻"):
                    continue
                first = max(household.since + timedelta(days=1), _years_before(mother.born, -20))
                youngest = max(m.born for m in household.active_members)
                first = max(first, youngest + timedelta(days=300))
                if first <= today and _age(mother.born, today) <= 45:
                    options.append((household, mother, first))
        if not options:
            return
        household, mother, first = rng.choice(options)
        born, notified = self.dated(household, first)
        head = household.head
        relationship = "子" if mother.relationship == "妻" else "子の子"
        sex = rng.choice(("male", "female"))
        given, given_kana = self.names.given_name(rng, sex, born.year)
        self.count += 1
        child = _Person(
            ref=f"{household.ref}.{self.count}",
            family=head.family if mother.relationship == "妻" else mother.family,
            given=given,
            family_kana=head.family_kana if mother.relationship == "妻" else mother.family_kana,
            given_kana=given_kana,
            born=born,
            sex=sex,
            relationship=relationship,
        )
        father = head
        if mother.relationship == "子の妻":
            father = next((m for m in household.active_members if m.relationship == "子"), head)
        child.honseki = father.honseki
        household.members.append(child)
        yield {
            "kind": "birth",
            "household_id": "@" + household.ref,
            "notified_date": max(notified, born).isoformat(),
            "child": {
                "ref": child.ref,
                "name": {
                    "family": child.family,
                    "given": child.given,
                    "family_kana": child.family_kana,
                    "given_kana": child.given_kana,
                },
                "date_of_birth": born.isoformat(),
                "sex": sex,
                "relationship": relationship,
                "honseki": child.honseki,
                "family_register_head": f"{father.family}　{father.given}",
                "resident_code": self.resident_code(),
                "individual_number": self.individual_number(),
                "qualifications": {"national_health_insurance": False},
            },
        }

    def relocation(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        households = self.open_households()
        if not households:
            return
        leavers = [
            (h, m)
            for h in households
            if not any(x.relationship == "子の妻" for x in h.active_members)
            for m in h.active_members
            if m.relationship == "子" and 18 <= _age(m.born, today) <= 40
        ]
        if leavers and rng.random() < 0.4:
            household, child = rng.choice(leavers)
            first = max(household.since, _years_before(child.born, -18))
            effective, notified = self.dated(household, first)
            household.members.remove(child)
            child.relationship = HEAD
            address = self.address()
            self.households.append(
                _Household(child.ref + "+", [child], address, effective, known=False)
            )
            yield {
                "kind": "relocation",
                "effective_date": effective.isoformat(),
                "notified_date": notified.isoformat(),
                "person_ids": [child.placeholder],
                "address": address,
            }
            return
        household = rng.choice(households)
        effective, notified = self.dated(household)
        household.address = self.address()
        yield {
            "kind": "relocation",
            "effective_date": effective.isoformat(),
            "notified_date": notified.isoformat(),
            "person_ids": [m.placeholder for m in household.active_members],
            "address": household.address,
        }

    def death(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        options: list[tuple[_Household, _Person, float]] = []
        for household in self.open_households():
            for person in household.active_members:
                age = _age(person.born, today)
                if age >= 75 and self.successor(household, person) is not False:
                    options.append((household, person, float((age - 70) ** 2)))
        if not options:
            return
        household, person, _ = rng.choices(options, [w for *_, w in options])[0]
        successor = self.successor(household, person)
        effective, notified = self.dated(household)
        command: dict[str, Any] = {
            "kind": "death",
            "person_id": person.placeholder,
            "effective_date": effective.isoformat(),
            "notified_date": notified.isoformat(),
        }
        if isinstance(successor, tuple):
            new_head, relationships = successor
            command["new_head_id"] = new_head.placeholder
            command["relationships"] = {p.placeholder: text for p, text in relationships.items()}
            for p, text in relationships.items():
                p.relationship = text
            new_head.relationship = HEAD
        elif person.relationship == HEAD:
            for survivor in household.active_members:
                if survivor is not person:
                    survivor.relationship = HEAD  # the only one left heads it, by law
        person.active = False
        yield command

    def successor(
        self, household: _Household, person: _Person
    ) -> tuple[_Person, dict[_Person, str]] | bool | None:
        """Who heads the household when the head dies, and everyone's new 続柄.

        None: nobody needs naming (the head lived alone, or someone else died); False: a
        household whose new 続柄 this generator does not work out (it then picks someone
        else to die).
        """
        others = [m for m in household.active_members if m is not person]
        if person.relationship != HEAD or not others:
            # a 子 whose 子の妻 and 子の子 stay would leave 続柄 to rewrite: keep it simple
            return False if person.relationship == "子" else None
        if len(others) == 1:
            # the only one left becomes head without naming; a child cannot head a household
            return None if _age(others[0].born, self.today) >= 18 else False
        spouse = next((m for m in others if m.relationship in ("妻", "夫")), None)
        if spouse is not None:
            word = "夫" if spouse.relationship == "妻" else "妻"  # the dead head, seen from spouse
            as_spouse = {"父": f"{word}の父", "母": f"{word}の母"}
            mapping = {
                "子": "子",
                "子の妻": "子の妻",
                "子の子": "子の子",
                "同居人": "同居人",
                **as_spouse,
            }
            new_head = spouse
        else:
            sons = [m for m in others if m.relationship == "子"]
            if len(sons) != 1 or _age(sons[0].born, self.today) < 18:
                return False
            mapping = {"子の妻": "妻", "子の子": "子", "同居人": "同居人"}
            new_head = sons[0]
        relationships: dict[_Person, str] = {}
        for member in others:
            if member is new_head:
                continue
            if member.relationship not in mapping:
                return False
            relationships[member] = mapping[member.relationship]
        return new_head, relationships

    def move_out(self) -> Iterator[dict[str, Any]]:
        rng, today = self.rng, self.today
        households = self.open_households(3)
        if not households:
            return
        household = rng.choice(households)
        movers = household.active_members
        if not household.foreign:
            children = [
                m
                for m in movers
                if m.relationship == "子"
                and 18 <= _age(m.born, today) <= 40
                and not any(x.relationship == "子の妻" for x in movers)
            ]
            if children and rng.random() < 0.5:
                movers = [rng.choice(children)]
        planned = _between(rng, household.since + timedelta(days=2), today)
        notified = _between(
            rng, max(household.since + timedelta(days=1), planned - timedelta(days=14)), planned
        )
        household.since = planned
        if household.foreign and rng.random() < 0.7:
            destination: dict[str, Any] = {"town": movers[0].nationality, "abroad": True}
        else:
            destination = self.elsewhere()
        for mover in movers:
            mover.active = False
        ids = [m.placeholder for m in movers]
        yield {
            "kind": "move_out",
            "person_ids": ids,
            "planned_date": planned.isoformat(),
            "notified_date": notified.isoformat(),
            "destination": destination,
        }
        # the new municipality's 転入通知 arrives a few days later (not for a move abroad)
        arrives = planned + timedelta(days=rng.randint(3, 20))
        if not destination.get("abroad") and arrives <= today:
            yield {
                "kind": "confirm_move_out",
                "person_ids": ids,
                "moved_on": planned.isoformat(),
                "notified_date": arrives.isoformat(),
            }


def generate(
    lg_code: str,
    residents: int = 200,
    seed: int = 0,
    *,
    today: date | None = None,
    resident_codes: Callable[[], str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The notifications that give ``lg_code`` about ``residents`` residents, in filing order.

    ``residents`` people move in; births, deaths and move-outs then change the count a
    little.  Dates are on or before ``today`` (the Japanese day; today by default).  Ids
    are placeholders (``@h3``, ``@h3.2``) that :func:`populate` fills in.
    ``resident_codes`` hands out 住民票コード (the center's allocation, ``jichi network
    demo``); without it codes are drawn at random.
    """
    lg = default_catalog().get(lg_code)
    world = _World(lg, residents, seed, today or clock_today(), resident_codes)
    yield from world.move_ins()
    yield from world.history()

"""Checks of the items a notification writes, the same on every channel.

The web form, the JSON API, the CLI, a JSON-lines file and a network message all end
in :func:`jichi.registry.decide.decide`, so a rule written here cannot be skipped by
choosing another door.  Each check adds its error to a :class:`Collector` instead of
stopping, so the clerk sees every wrong item of one notification at once.

* 個人番号 and 住民票コード: the kernel's check digits (``kernel.identifiers``), the
  same ones the import applies, so no record holds a number jichi's own import refuses.
* フリガナ: ``kernel.text.validate_name_kana`` — what a resident writes in hiragana or
  an old system sends in half-width kana is the same reading and is stored in
  full-width katakana; Latin letters, digits and symbols are refused.
* 本籍・筆頭者 are items of Japanese residents only (法7条五号; a 外国人住民's record
  carries the 法30条の45 items instead).
* A likely duplicate (same name and date of birth as a current resident) is refused
  unless the command says 「別人として記録」 with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from jichi.kernel.errors import Collector, JichiError
from jichi.kernel.identifiers import IdKind, validate
from jichi.kernel.text import names_match, validate_name_kana
from jichi.registry import commands as c
from jichi.registry import errors as e
from jichi.registry.decide.rules import written
from jichi.registry.model import PersonName, ResidentRecord


def checked_name(name: PersonName, field: str, errors: Collector) -> PersonName:
    """The name with its reading in the registry's spelling (全角カタカナ)."""
    update: dict[str, str] = {}
    for part in ("family_kana", "given_kana"):
        value = getattr(name, part)
        if value:
            with errors.check():
                update[part] = validate_name_kana(value, f"{field}.{part}")
    return name.model_copy(update=update) if update else name


def checked_person(
    person: c.NewPerson,
    field: str,
    errors: Collector,
    *,
    effective: date | None = None,
    date_label: tuple[str, str] = ("異動日", "effective date"),
) -> c.NewPerson:
    """A new person's items checked; the returned copy holds the normalised reading."""
    if effective is not None and person.date_of_birth > effective:
        errors.add(
            JichiError(
                e.BIRTH_DATE_ORDER,
                field=f"{field}.date_of_birth",
                birth=person.date_of_birth.isoformat(),
                label=date_label[0],
                label_en=date_label[1],
                other=effective.isoformat(),
            )
        )
    with errors.check():
        written(person.relationship, f"{field}.relationship")
    # The identifiers as the kernel normalises them: ９８７… typed at a counter is 987….
    digits: dict[str, str] = {}
    if person.individual_number:
        with errors.check():
            digits["individual_number"] = validate(
                IdKind.INDIVIDUAL_NUMBER,
                person.individual_number,
                field=f"{field}.individual_number",
            ).value
    if person.resident_code:
        with errors.check():
            digits["resident_code"] = validate(
                IdKind.RESIDENT_CODE, person.resident_code, field=f"{field}.resident_code"
            ).value
    if person.foreign is not None:
        foreign_items(person.honseki, person.family_register_head, field, errors)
    update: dict[str, PersonName | str] = {
        "name": checked_name(person.name, f"{field}.name", errors),
        **digits,
    }
    if person.former_surname is not None:
        former = checked_name(person.former_surname, f"{field}.former_surname", errors)
        update["former_surname"] = former
    if person.alias is not None:
        update["alias"] = checked_name(person.alias, f"{field}.alias", errors)
    return person.model_copy(update=update)


def foreign_items(
    honseki: str | None, head: str | None, field: str | None, errors: Collector
) -> None:
    """本籍 and 筆頭者 given for a foreign resident: one error each."""
    prefix = f"{field}." if field else ""
    for value, item, item_en, name in (
        (honseki, "本籍", "the family register domicile (honseki)", "honseki"),
        (head, "筆頭者", "the family register head", "family_register_head"),
    ):
        if value:
            errors.add(
                JichiError(e.FOREIGN_HONSEKI, field=prefix + name, item=item, item_en=item_en)
            )


def likely_duplicates(
    person: c.NewPerson, residents: Iterable[ResidentRecord]
) -> list[ResidentRecord]:
    """Current residents with the same name and date of birth (the reading and sex add
    nothing: a mistyped reading must not hide a person recorded twice)."""
    typed = person.name.family + person.name.given
    return [
        r
        for r in residents
        if r.is_active
        and r.date_of_birth == person.date_of_birth
        and names_match(r.name.family + r.name.given, typed)
    ]


def check_duplicates(
    persons: list[c.NewPerson],
    residents: list[ResidentRecord],
    override_reason: str,
    errors: Collector,
) -> dict[int, list[str]]:
    """Refuse likely duplicates, or return them (index → person ids) when overridden."""
    overridden: dict[int, list[str]] = {}
    for index, person in enumerate(persons):
        found = likely_duplicates(person, residents)
        if not found:
            continue
        if override_reason.strip():
            overridden[index] = [r.person_id for r in found]
            continue
        errors.add(
            JichiError(
                e.LIKELY_DUPLICATE,
                field=f"persons.{index}.name",
                name=found[0].name.text(),
                person_id=found[0].person_id,
            )
        )
    return overridden

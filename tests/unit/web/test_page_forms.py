"""Form decoding for the counter pages: flat inputs → the command's JSON, errors placed."""

from __future__ import annotations

from jichi.web.pages.card import address_values, person_values, read_card
from jichi.web.pages.forms import compact_lists, decode, place


def test_flat_inputs_become_the_nested_command_with_dates_read_as_typed() -> None:
    outcome = decode(
        {
            "effective_date": "R8.11.20",
            "persons.0.name.family": "山田",
            "persons.0.date_of_birth": "昭和55年4月2日",
            "persons.2.name.family": "山田",
            "persons.1.name.family": " ",
            "person_ids": ["a", "", "b"],
            "unrelated": "x",
        },
        fields=("effective_date", "persons", "person_ids"),
    )
    assert outcome.ok
    data = compact_lists(outcome.data)
    assert data["effective_date"] == "2026-11-20"
    assert data["persons"] == [
        {"name": {"family": "山田"}, "date_of_birth": "1980-04-02"},
        {"name": {"family": "山田"}},
    ]
    assert data["person_ids"] == ["a", "b"]
    assert "unrelated" not in data


def test_an_unreadable_date_is_a_japanese_error_on_its_own_input() -> None:
    outcome = decode({"effective_date": "きのう"}, fields=("effective_date",))
    assert not outcome.ok
    assert "effective_date" in outcome.errors
    assert any("\u3040" <= c <= "\u9fff" for c in outcome.errors["effective_date"])


def test_errors_land_on_the_input_their_field_names_or_the_nearest_one() -> None:
    names = ["effective_date", "persons.0.name.family", "persons.0.date_of_birth", "address.town"]
    assert place("persons.0.date_of_birth", names) == "persons.0.date_of_birth"
    assert place("move-in_date", names) == "effective_date"  # the registry's own name
    assert place("persons.0.name", names) == "persons.0.name.family"  # first child
    assert place("address.lg_code", names) == "address.town"  # nearest sibling by parent
    assert place("kind", names) == ""  # the form as a whole


def test_the_card_fills_a_person_and_splits_the_address() -> None:
    card = read_card(
        '{"name": "高橋　健太", "date_of_birth": "H2.6.15", "sex": "男",'
        ' "address": "埼玉県さいたま市大宮区桜木町1-7-5 ソニックシティ"}'
    )
    person = person_values(card, "persons.1")
    assert person["persons.1.name.family"] == "高橋"
    assert person["persons.1.name.given"] == "健太"
    assert person["persons.1.date_of_birth"] == "1990-06-15"
    assert person["persons.1.sex"] == "male"
    address = address_values(card["address"], "previous_address")
    assert address["previous_address.municipality"] == "さいたま市大宮区"
    assert address["previous_address.town"] == "桜木町"
    assert address["previous_address.block"] == "1-7-5"
    assert address["previous_address.building"] == "ソニックシティ"

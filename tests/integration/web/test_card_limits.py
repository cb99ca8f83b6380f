"""The card reader's input is bounded: the splitter's work, the text, the nesting."""

from __future__ import annotations

import pytest

from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.web.pages.card import (
    MAX_CARD_TEXT,
    MAX_PLACE_CHARS,
    address_values,
    person_values,
    place_prefix_ends,
    read_card,
)


def test_the_splitter_looks_up_at_most_a_few_dozen_prefixes_of_a_huge_address() -> None:
    huge = "東京都千代田区" + "千" * 32_000
    assert len(place_prefix_ends(huge)) <= MAX_PLACE_CHARS  # was 32,006 look-ups
    assert address_values(huge, "previous_address")["previous_address.municipality"] == "千代田区"


def test_no_municipality_name_is_longer_than_the_cap() -> None:
    longest = max(len(lg.prefecture + lg.name) for lg in default_catalog())
    assert longest < MAX_PLACE_CHARS


def test_an_ordinary_card_address_still_splits() -> None:
    parts = address_values("埼玉県川越市大字的場1-2-3　パレス101", "a")
    assert parts["a.municipality"] == "川越市" and parts["a.town"] == "大字的場"
    assert parts["a.block"] == "1-2-3" and parts["a.building"] == "パレス101"


@pytest.mark.parametrize("text", ["[" * 100_000, "{" * 10, "x" * (MAX_CARD_TEXT + 1)])
def test_deep_broken_or_huge_card_json_is_web_005(text: str) -> None:
    with pytest.raises(JichiError) as raised:
        read_card(text)
    assert raised.value.code == "WEB-005" and raised.value.field == "card"


def test_a_card_birth_date_in_the_year_9999_is_txt_016() -> None:
    card = read_card('{"name": "山田 太郎", "date_of_birth": "9999-12-31"}')
    with pytest.raises(JichiError) as raised:
        person_values(card, "persons.0")
    assert raised.value.code == "TXT-016" and raised.value.field == "persons.0.date_of_birth"

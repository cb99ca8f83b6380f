"""The deployment's own mergers laid over the bundled history (pure; ADR 0027)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.places.catalog import default_catalog
from jichi.places.changes import LocalChange, MergerKind, PlacesInTime, held_codes
from jichi.places.history import default_history
from jichi.registry.merger.plan import MergerPlan, TownRename, person_change, rewrite_address
from jichi.registry.model import Address, ResidentRecord

# Ten real municipalities of 埼玉県, merged in random chains below.
CODES = [lg.code for lg in default_catalog().list(prefecture="11", kind="municipality")][:10]
START = date(2026, 4, 1)


@st.composite
def chains(draw: st.DrawFn) -> list[LocalChange]:
    """Mergers on successive days, each of two still-existing codes into one of them."""
    alive = list(CODES)
    changes: list[LocalChange] = []
    for step in range(draw(st.integers(1, len(CODES) - 1))):
        a, b = draw(st.lists(st.sampled_from(alive), min_size=2, max_size=2, unique=True))
        changes.append(
            LocalChange(
                f"c{step}",
                MergerKind.ABSORPTION,
                START + timedelta(days=step),
                default_catalog().get(a),
                (a, b),
            )
        )
        alive.remove(b)
    return changes


@settings(max_examples=60, deadline=None)
@given(chains())
def test_every_code_ends_in_exactly_one_holder_and_retired_codes_answer_no_more(
    changes: list[LocalChange],
) -> None:
    places = PlacesInTime(default_history(), changes)
    last = changes[-1].effective_date
    holders = {places.successor_of(code, last) for code in CODES}
    # every code's records live with a holder that holds them, and nowhere else
    for code in CODES:
        holder = places.successor_of(code, last)
        assert holder is not None and code in held_codes(changes, holder, last)
        others = holders - {holder}
        assert all(code not in held_codes(changes, other, last) for other in others)
    retired = set(CODES) - holders
    for code in retired:
        with pytest.raises(JichiError):
            places.as_of(code, last)
        # the day before its merger it still answers, as itself
        day = next(c.effective_date for c in changes if code in c.retired)
        assert places.as_of(code, day - timedelta(days=1)).code == code


def test_held_codes_are_dated() -> None:
    a, b = CODES[:2]
    change = LocalChange("x", MergerKind.ABSORPTION, START, default_catalog().get(a), (a, b))
    assert held_codes([change], a, START - timedelta(days=1)) == {a}
    assert held_codes([change], a, START) == {a, b}
    assert held_codes([change], a) == {a, b}


@given(block=st.text(max_size=20), building=st.text(max_size=20))
def test_an_address_keeps_its_block_and_building(block: str, building: str) -> None:
    kawajima = Address(
        prefecture="埼玉県", municipality="川島町", town="大字中山", block=block,
        building=building, lg_code="113468",
    )  # fmt: skip
    plan = MergerPlan(
        MergerKind.ABSORPTION,
        START,
        default_catalog().get("112011"),
        ("112011", "113468"),
        (TownRename("113468", "大字中山", "川島中山"),),
    )
    after = rewrite_address(kawajima, plan, "113468")
    assert (after.block, after.building) == (block, building)
    assert (after.municipality, after.town, after.lg_code) == ("川越市", "川島中山", "112011")
    abroad = Address(town="France", abroad=True)
    assert rewrite_address(abroad, plan, "113468") == abroad


def test_a_removed_record_keeps_its_address() -> None:
    record_data = {
        "person_id": "p",
        "lg_code": "113468",
        "status": "removed",
        "name": {"family": "川島"},
        "date_of_birth": "1950-01-01",
        "sex": "male",
        "household_id": "h",
        "relationship": "世帯主",
        "resident_since": "1950-01-01",
        "address": {"municipality": "川島町", "town": "大字中山", "lg_code": "113468"},
        "address_since": "1950-01-01",
    }
    change = person_change(
        ResidentRecord.model_validate(record_data),
        MergerPlan(
            MergerKind.ABSORPTION, START, default_catalog().get("112011"), ("112011", "113468")
        ),
    )
    assert change.changes == {"lg_code": "112011"} and change.before == change.after

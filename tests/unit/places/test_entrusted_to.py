"""Which holders and kinds an entrusted counter is offered on a day (pure)."""

from __future__ import annotations

from datetime import date

from jichi.places.cooperation import Arrangement, ArrangementKind, Membership, entrusted_to

KINDS = ["record_copy_personal", "record_copy_household", "removed_record_copy"]


def _contract(kind: ArrangementKind = ArrangementKind.ENTRUSTMENT) -> Arrangement:
    return Arrangement(
        arrangement_id="a",
        kind=kind,
        name="委託",
        valid_from=date(2026, 4, 1),
        valid_to=date(2027, 4, 1),
        members=(
            Membership("113468", "entrusting", date(2026, 4, 1)),
            Membership("113433", "entrusting", date(2026, 4, 1), date(2026, 10, 1)),
            Membership("112011", "entrusted", date(2026, 4, 1)),
        ),
        services=("record_copy_household", "record_copy_personal", "tax_certificate"),
    )


def test_a_counter_is_offered_each_holder_and_kind_in_form_order() -> None:
    found = entrusted_to([_contract()], "112011", date(2026, 9, 1), KINDS)
    assert [(g.holder, g.service) for g in found] == [
        ("113433", "record_copy_personal"),
        ("113433", "record_copy_household"),
        ("113468", "record_copy_personal"),
        ("113468", "record_copy_household"),
    ]


def test_a_holder_who_left_and_the_holders_themselves_are_offered_nothing() -> None:
    after = entrusted_to([_contract()], "112011", date(2026, 10, 1), KINDS)
    assert {g.holder for g in after} == {"113468"}
    assert entrusted_to([_contract()], "113468", date(2026, 9, 1), KINDS) == []
    assert entrusted_to([_contract()], "112011", date(2027, 4, 1), KINDS) == []


def test_other_kinds_of_arrangement_grant_nothing() -> None:
    union = _contract(ArrangementKind.WIDE_AREA_UNION)
    assert entrusted_to([union], "112011", date(2026, 9, 1), KINDS) == []

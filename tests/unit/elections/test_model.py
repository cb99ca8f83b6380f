"""Election validation: every error at once, lists and dual candidacy."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from jichi.elections.errors import ElectionInvalid
from jichi.elections.model import Candidate, Election, ElectionType, validate
from jichi.elections.thresholds import ElectionKind
from jichi.kernel.errors import JichiError

HOR_PR = Election(
    election_id="hor-pr-tokyo",
    lg_code="130001",
    kind=ElectionType.HOR_PR,
    district="東京都ブロック",
    seats=19,
    announced_on=date(2026, 10, 15),
    polling_day=date(2026, 10, 27),
    parties=("P", "Q"),
    candidates=(
        Candidate("a", "A", "P", 1),
        Candidate("c", "C", "P", 2, dual=True),
        Candidate("d", "D", "P", 2, dual=True),
        Candidate("f", "F", "Q", 1),
    ),
)


def test_a_valid_hor_list_with_shared_dual_ranks_passes() -> None:
    assert validate(HOR_PR) is HOR_PR


def test_every_error_comes_back_at_once() -> None:
    bad = replace(
        HOR_PR,
        lg_code="13",
        seats=0,
        polling_day=date(2026, 10, 1),
        candidates=(
            Candidate("a", "A", "P", 1),
            Candidate("b", "B", "P", 1),  # shares rank 1 without being dual
            Candidate("x", "", "Z", None),  # no name, unknown party, no rank
        ),
    )
    with pytest.raises(ElectionInvalid) as caught:
        validate(bad)
    fields = {e.field for e in caught.value.errors}
    assert {"lg_code", "seats", "announced_on", "candidates[2].name"} <= fields
    assert {"candidates[2].party", "candidates[2].list_rank", "P.rank1"} <= fields
    assert caught.value.code == "ELE-017"
    body = caught.value.to_dict()
    assert len(body["errors"]) == len(caught.value.errors) >= 7


def test_dual_candidacy_and_ranks_only_where_the_law_has_them() -> None:
    mayor = Election(
        "m",
        "112011",
        ElectionType.MAYOR,
        "川越市",
        2,
        date(2026, 10, 20),
        date(2026, 10, 27),
        candidates=(Candidate("a", "A", dual=True, list_rank=1),),
    )
    with pytest.raises(ElectionInvalid) as caught:
        validate(mayor)
    assert {e.field for e in caught.value.errors} == {
        "seats",
        "candidates[0].dual",
        "candidates[0].list_rank",
    }


def test_hoc_priority_slots_run_from_one() -> None:
    hoc = Election(
        "hoc",
        "000000",
        ElectionType.HOC_PR,
        "全国",
        50,
        date(2026, 7, 1),
        date(2026, 7, 18),
        parties=("Q",),
        candidates=(
            Candidate("t", "特定枠", "Q", priority_order=1),
            Candidate("u", "特定枠2", "Q", priority_order=3),
            Candidate("q1", "Q1", "Q"),
        ),
    )
    with pytest.raises(JichiError) as caught:
        validate(hoc)
    assert caught.value.field == "Q.priority_order"
    ok = replace(hoc, candidates=(*hoc.candidates[:1], hoc.candidates[2]))
    assert validate(ok) is ok


@pytest.mark.parametrize(
    ("kind", "threshold"),
    [
        (ElectionType.PREFECTURAL_ASSEMBLY, ElectionKind.LOCAL_ASSEMBLY),
        (ElectionType.MUNICIPAL_ASSEMBLY, ElectionKind.LOCAL_ASSEMBLY),
        (ElectionType.GOVERNOR, ElectionKind.GOVERNOR),
        (ElectionType.HOC_DISTRICT, ElectionKind.HOC_DISTRICT),
    ],
)
def test_each_kind_maps_to_its_thresholds(kind: ElectionType, threshold: ElectionKind) -> None:
    assert kind.threshold_kind is threshold

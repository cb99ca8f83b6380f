"""The funds pages' reading of a report: any JSON is read without raising, every problem at a
line, donor findings moved to the donor's row, and the diff of two versions."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jichi.web.funds import view

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**16), 10**16),
    st.text(max_size=20),
    st.floats(allow_nan=False, allow_infinity=False),
)
JSON = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)

GOOD: dict[str, Any] = {
    "organization_name": "さくら後援会",
    "organization_kind": "その他の政治団体",
    "year": 2026,
    "carried_over": 0,
    "income": {"donations": 100_000, "total": 100_000},
    "donors": [
        {
            "donor_id": "d1",
            "kind": "個人",
            "name": "髙橋花子",
            "address": "東京都",
            "occupation": "医師",
        }
    ],
    "donations": [{"donor_id": "d1", "amount": 100_000, "on": "2026-04-01"}],
    "expenditure_total": 0,
    "carried_forward": 100_000,
}
FIELDS = sorted(GOOD)


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(FIELDS), value=JSON)
def test_any_value_in_any_field_is_read_without_raising(field: str, value: Any) -> None:
    checked = view.read(json.dumps({**GOOD, field: value}))
    if checked.report is None:
        assert checked.errors  # nothing to file without a reason shown
    for problem in checked.problems:
        assert problem.line and problem.message and problem.code.startswith("FND-")
        assert view.anchor(problem.line).startswith("line-")
    for name in view.COLUMNS:
        for line, cells in view.rows(checked.data, name):
            assert line.startswith(name + "[") and len(cells) == len(view.COLUMNS[name])


@settings(max_examples=100, deadline=None)
@given(value=JSON)
def test_any_document_at_all_is_read_without_raising(value: Any) -> None:
    checked = view.read(json.dumps(value))
    assert checked.errors or checked.report is not None


def test_a_good_report_has_no_problem_and_a_wrong_sum_is_at_its_line() -> None:
    assert view.read(json.dumps(GOOD)).problems == []
    wrong = view.read(json.dumps({**GOOD, "income": {"donations": 1, "total": 1}}))
    assert "income.donations" in [p.line for p in wrong.errors]


def test_bad_characters_nesting_and_size_are_refused_at_the_report() -> None:
    for text in ('{"a": "\\u0000"}', '{"a": "\\udc00"}', "[" * 3000 + "]" * 3000, "x" * 1_000_001):
        (problem,) = view.read(text).problems
        assert (problem.line, problem.code) == ("report", "FND-090")


def test_donor_findings_move_to_the_donors_row() -> None:
    data = {"donors": [{"donor_id": "a"}, {"donor_id": "b"}]}
    assert view.donor_line(data, "donors[b]") == "donors[1]"
    assert view.donor_line(data, "donors[zz]") == "donors[zz]"
    assert view.donor_line(data, "donations[0]") == "donations[0]"


def test_the_diff_lists_each_changed_leaf_with_before_and_after() -> None:
    new = {**GOOD, "donations": [{"donor_id": "d1", "amount": 90_000, "on": "2026-04-01"}]}
    assert view.diff(GOOD, new) == [("donations[0].amount", "100,000", "90,000")]
    assert view.diff(GOOD, GOOD) == []

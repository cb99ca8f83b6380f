"""The signed 転出届's bytes and the 来庁予定日 rule (pure, no I/O)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.mynumber.portal.move_out_form import OnlineMoveOut, check_visit

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)


@given(planned=days, offset=st.integers(-400, 400))
def test_the_visit_is_on_or_after_the_planned_day_and_within_thirty_days(
    planned: date, offset: int
) -> None:
    visit = planned + timedelta(days=offset)
    if 0 <= offset <= 30:
        check_visit(planned, visit)
        return
    with pytest.raises(JichiError) as caught:
        check_visit(planned, visit)
    assert caught.value.code == ("PTL-011" if offset < 0 else "PTL-012")


@given(
    town=text, building=text, planned=days, ids=st.lists(text.filter(bool), min_size=1, max_size=5)
)
def test_the_canonical_bytes_parse_back_to_the_same_form(
    town: str, building: str, planned: date, ids: list[str]
) -> None:
    form = OnlineMoveOut(
        lg_code="112011",
        filer_person_id=ids[0],
        person_ids=ids,
        planned_date=planned,
        visit_on=planned,
        destination={"town": town, "building": building, "lg_code": "131016"},
        challenge="n",
    )
    data = form.canonical()
    assert OnlineMoveOut.parse(data) == form
    assert OnlineMoveOut.parse(data).canonical() == data


def test_other_bytes_are_refused_as_the_form() -> None:
    for data in (b"", b"{}", b"[1]", b'{"kind":"x"}', b"\xff"):
        with pytest.raises(JichiError) as caught:
            OnlineMoveOut.parse(data)
        assert caught.value.code == "PTL-008"

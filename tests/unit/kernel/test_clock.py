"""The one clock: JST days, JICHI_TODAY, naive moments read as JST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel import clock
from jichi.kernel.errors import JichiError


def test_today_is_the_japanese_date_not_the_utc_one() -> None:
    late_utc = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 00:30 on the 3rd in Japan
    assert clock.jst_date(late_utc) == date(2026, 12, 3)


def test_jichi_today_fixes_the_date_and_keeps_the_time_of_day() -> None:
    real = datetime(2026, 12, 3, 1, 2, 3, tzinfo=UTC)  # 10:02:03 JST
    now = clock.fixed_day_clock(date(2021, 4, 1), real=lambda: real)()
    assert now.astimezone(clock.JST).date() == date(2021, 4, 1)
    assert now.astimezone(clock.JST).time().replace(microsecond=0).isoformat() == "10:02:03"
    assert clock.today({"JICHI_TODAY": "2021-04-01"}) == date(2021, 4, 1)


def test_without_jichi_today_the_real_clock_is_used() -> None:
    assert clock.configured_today({}) is None
    assert clock.configured_today({"JICHI_TODAY": "  "}) is None
    assert abs(clock.now({}) - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_bad_jichi_today_is_a_typed_error() -> None:
    with pytest.raises(JichiError) as raised:
        clock.configured_today({"JICHI_TODAY": "2021-13-01"})
    assert raised.value.code == "CLK-001" and raised.value.field == "JICHI_TODAY"


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)))
def test_a_naive_moment_is_read_as_japan_time(naive: datetime) -> None:
    moment = clock.aware(naive)
    assert moment.utcoffset() == timedelta(hours=9)
    assert moment.replace(tzinfo=None) == naive


def test_an_aware_moment_is_kept_and_naive_can_be_refused() -> None:
    aware = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5)))
    assert clock.aware(aware) is aware
    with pytest.raises(JichiError) as raised:
        clock.aware(datetime(2026, 1, 1), field="recorded_by", naive_as_jst=False)
    assert raised.value.code == "CLK-002" and raised.value.field == "recorded_by"

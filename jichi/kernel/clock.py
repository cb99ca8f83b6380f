"""The one clock of jichi: "now" and "today", always on the Japanese day.

Deadlines (the 14 days of 法22条), 届出日 defaults and the date a page shows are all
counted in Japan, so "today" is the date in Asia/Tokyo (JST, UTC+9, no daylight
saving) whatever the server's zone is.  A training room, a rehearsal or a test of a
deadline needs a fixed day: ``JICHI_TODAY=YYYY-MM-DD`` sets the date while the time
of day keeps running, so timestamps stay ordered.  Production leaves it unset and
gets the real clock.

The functions here are pure except :func:`configured_today`, the one place that
reads the environment; composition roots (CLI, ``serve``, ``demo``) call
:func:`system_clock` and hand the result down.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone

from jichi.kernel.errors import JichiError, define

JST = timezone(timedelta(hours=9), "JST")
ENV_TODAY = "JICHI_TODAY"

CLOCK_BAD_TODAY = define(
    "CLK-001",
    "環境変数 JICHI_TODAY の日付「{value}」が正しくありません。YYYY-MM-DD で指定してください。",
    "JICHI_TODAY={value!r} is not a date; use YYYY-MM-DD",
    params=("value",),
)
NAIVE_MOMENT = define(
    "CLK-002",
    "{field}の日時にはタイムゾーン（例: +09:00）を付けてください。",
    "{field} needs a UTC offset (e.g. +09:00)",
    params=("field",),
)

Clock = Callable[[], datetime]


def parse_today(value: str | None) -> date | None:
    """The fixed date of ``JICHI_TODAY``, ``None`` when unset or blank."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise JichiError(CLOCK_BAD_TODAY, field=ENV_TODAY, value=value) from None


def configured_today(env: Mapping[str, str] | None = None) -> date | None:
    """The fixed date set for this process, read from the environment."""
    return parse_today((os.environ if env is None else env).get(ENV_TODAY))


def fixed_day_clock(day: date, real: Clock = lambda: datetime.now(UTC)) -> Clock:
    """A clock that is always on ``day`` (in JST) with the real time of day."""

    def now() -> datetime:
        moment = real().astimezone(JST)
        return datetime.combine(day, moment.timetz()).astimezone(UTC)

    return now


def system_clock(env: Mapping[str, str] | None = None) -> Clock:
    """The clock a process should use: the real one, or the day ``JICHI_TODAY`` sets."""
    day = configured_today(env)
    if day is None:
        return lambda: datetime.now(UTC)
    return fixed_day_clock(day)


def now(env: Mapping[str, str] | None = None) -> datetime:
    """This moment (aware, UTC), on the configured day if one is set."""
    return system_clock(env)()


def today(env: Mapping[str, str] | None = None) -> date:
    """Today in Japan (JST), or the configured day."""
    return jst_date(now(env))


def jst_date(moment: datetime) -> date:
    """The Japanese calendar date of an aware moment."""
    return moment.astimezone(JST).date()


def start_of_day(day: date) -> datetime:
    """Midnight JST of ``day``, as an aware moment."""
    return datetime.combine(day, time(0), tzinfo=JST)


def aware(moment: datetime, *, field: str = "datetime", naive_as_jst: bool = True) -> datetime:
    """An aware moment: a value without offset is read as JST (or refused).

    People at a Japanese counter mean Japanese time when they type 2026-12-03T10:00;
    comparing that naive value with stored aware timestamps would crash, so every
    edge passes what it parsed through here.
    """
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return moment
    if not naive_as_jst:
        raise JichiError(NAIVE_MOMENT, field=field)
    return moment.replace(tzinfo=JST)

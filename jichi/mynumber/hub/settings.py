"""The hub's settings: how long the log is kept and how long a request number lives.

施行令30条 keeps 情報提供等の記録 for 7 years: the default, changeable in case a later
政令 says otherwise (``JICHI_HUB_LOG_YEARS``).  How long a 取得番号 may live is not set
by any text read here (facts §4.2: "only as long as needed") — **UNCONFIRMED**, so it is
a setting (``JICHI_HUB_REQUEST_TTL_HOURS``, default 24).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from jichi.kernel.errors import JichiError
from jichi.mynumber.hub.errors import BAD_RETENTION

ENV_LOG_YEARS = "JICHI_HUB_LOG_YEARS"
ENV_REQUEST_TTL = "JICHI_HUB_REQUEST_TTL_HOURS"
DEFAULT_LOG_YEARS = 7
DEFAULT_REQUEST_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class HubSettings:
    log_years: int = DEFAULT_LOG_YEARS
    request_ttl: timedelta = DEFAULT_REQUEST_TTL

    def __post_init__(self) -> None:
        if self.log_years < 1:
            raise JichiError(BAD_RETENTION, field="log_years", value=self.log_years)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HubSettings:
        env = os.environ if environ is None else environ
        years = env.get(ENV_LOG_YEARS, "").strip()
        hours = env.get(ENV_REQUEST_TTL, "").strip()
        try:
            log_years = int(years) if years else DEFAULT_LOG_YEARS
        except ValueError:
            raise JichiError(BAD_RETENTION, field=ENV_LOG_YEARS, value=years[:20]) from None
        ttl = DEFAULT_REQUEST_TTL
        if hours:
            try:
                ttl = timedelta(hours=float(hours))
            except ValueError:
                ttl = timedelta(0)
            if ttl <= timedelta(0):
                raise JichiError(BAD_RETENTION, field=ENV_REQUEST_TTL, value=hours[:20])
        return cls(log_years=log_years, request_ttl=ttl)

    def keep_until(self, moment: datetime) -> datetime:
        """``moment`` plus the retention years (29 February → 28 February)."""
        year = moment.year + self.log_years
        try:
            return moment.replace(year=year)
        except ValueError:
            return moment.replace(year=year, day=28)

"""A hub with the bundled catalogue, credentials, PIA records and one person's tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from jichi.kernel.identifiers import IdKind, with_check_digit
from jichi.mynumber.hub.catalogue import ILLUSTRATIVE, read
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.service import ExchangeHub
from jichi.mynumber.hub.settings import HubSettings

KEY = HubKey(b"k" * 32)
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
LG = "112011"  # 川越市: the 団体内統合宛名 side and a provider
AGENCIES = ("nenkin", "jasso", "lg-112011", "lg-131016")


def code(n: int) -> str:
    return with_check_digit(IdKind.RESIDENT_CODE, f"{n:010d}")


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class World:
    hub: ExchangeHub
    clock: Clock
    credentials: dict[str, str]
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def token(self, agency_id: str, resident_code: str) -> str:
        """The agency's token, obtained the one legal way (a request number)."""
        if (agency_id, resident_code) not in self.tokens:
            number = self.hub.issue_request_number(
                resident_code=resident_code, agency_id=agency_id, lg_code=LG
            )
            self.tokens[agency_id, resident_code] = self.hub.agencies.redeem(
                self.credentials[agency_id], number
            )
        return self.tokens[agency_id, resident_code]


def build(engine: Engine, *, pia: bool = True, log_years: int = 7) -> World:
    clock = Clock()
    hub = ExchangeHub(engine, key=KEY, settings=HubSettings(log_years=log_years), clock=clock)
    hub.load_catalogue(read(ILLUSTRATIVE), by="test")
    credentials = {a: hub.issue_credential(a) for a in AGENCIES}
    if pia:
        valid = {"evaluated_on": date(2025, 4, 1), "valid_until": date(2030, 3, 31)}
        catalogue = hub.catalogue()
        for affair in catalogue.affairs.values():
            hub.record_pia(affair.requester_id, "affair", affair.affair_id, **valid)
        for agency in catalogue.agencies.values():
            for item in agency.provides:
                hub.record_pia(agency.agency_id, "item", item, **valid)
    return World(hub, clock, credentials)


def later(world: World, **delta: float) -> None:
    world.clock.at = world.clock.at + timedelta(**delta)

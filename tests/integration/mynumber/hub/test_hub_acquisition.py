"""One-time request numbers, token derivation, withholding and retention."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.hub.service import ExchangeHub
from jichi.mynumber.hub.settings import HubSettings
from jichi.mynumber.hub.tables import hub_agency_token, hub_exchange_log, hub_request_number
from tests.integration.mynumber.hub.world import KEY, LG, World, build, code, later

PERSON = code(7)


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def number_for(world: World, agency: str, person: str = PERSON) -> str:
    return world.hub.issue_request_number(resident_code=person, agency_id=agency, lg_code=LG)


def test_a_request_number_gives_the_agency_its_token_once(world: World, engine: Engine) -> None:
    number = number_for(world, "nenkin")
    assert len(number) == 20 and number.isdigit()
    token = world.hub.agencies.redeem(world.credentials["nenkin"], number)
    assert token == KEY.token("nenkin", KEY.subject(PERSON))
    with pytest.raises(JichiError) as caught:  # replay
        world.hub.agencies.redeem(world.credentials["nenkin"], number)
    assert caught.value.code == "HUB-041"
    with engine.connect() as conn:  # only a digest of the number is kept, never the number
        stored = conn.execute(sa.select(hub_request_number)).mappings().one()
    assert number not in {str(v) for v in stored.values()}
    assert PERSON not in {str(v) for v in stored.values()}
    assert stored["used_at"] is not None


def test_a_second_number_for_the_same_person_gives_the_same_token(world: World) -> None:
    first = world.hub.agencies.redeem(world.credentials["nenkin"], number_for(world, "nenkin"))
    second = world.hub.agencies.redeem(world.credentials["nenkin"], number_for(world, "nenkin"))
    assert first == second


def test_a_number_issued_for_another_agency_is_unknown_to_the_caller(world: World) -> None:
    number = number_for(world, "nenkin")
    with pytest.raises(JichiError) as caught:
        world.hub.agencies.redeem(world.credentials["jasso"], number)
    assert caught.value.code == "HUB-040"
    # … and stays usable by the agency it was issued for
    assert world.hub.agencies.redeem(world.credentials["nenkin"], number)


@pytest.mark.parametrize("bad", ["", "123", "x" * 20, "0" * 20])
def test_a_malformed_or_unknown_number_is_refused(world: World, bad: str) -> None:
    with pytest.raises(JichiError) as caught:
        world.hub.agencies.redeem(world.credentials["nenkin"], bad)
    assert caught.value.code == "HUB-040"
    assert bad not in caught.value.message_ja or not bad


def test_a_stale_number_is_refused(world: World) -> None:
    number = number_for(world, "nenkin")
    later(world, hours=24, seconds=1)  # the default lifetime is 24 h
    with pytest.raises(JichiError) as caught:
        world.hub.agencies.redeem(world.credentials["nenkin"], number)
    assert caught.value.code == "HUB-042"


def test_the_number_is_issued_only_for_a_valid_resident_code_and_agency(world: World) -> None:
    with pytest.raises(JichiError) as caught:
        world.hub.issue_request_number(resident_code="123", agency_id="nenkin", lg_code=LG)
    assert caught.value.field == "resident_code"
    assert "123" not in caught.value.message_ja
    with pytest.raises(JichiError) as caught:
        world.hub.issue_request_number(resident_code=PERSON, agency_id="nobody", lg_code=LG)
    assert caught.value.code == "HUB-010"


def test_two_agencies_tokens_differ_and_the_table_holds_one_per_agency(
    world: World, engine: Engine
) -> None:
    tokens = {a: world.token(a, PERSON) for a in ("nenkin", "jasso", "lg-112011")}
    assert len(set(tokens.values())) == 3
    with engine.connect() as conn:
        stored = conn.execute(sa.select(hub_agency_token)).mappings().all()
    assert {(r["agency_id"], r["token"]) for r in stored} == set(tokens.items())
    assert {r["subject"] for r in stored} == {KEY.subject(PERSON)}
    assert PERSON not in {str(v) for r in stored for v in r.values()}


def test_withheld_exchanges_are_recorded_but_left_out_of_the_persons_history(
    world: World, engine: Engine
) -> None:
    token = world.token("lg-112011", PERSON)
    pension = world.token("nenkin", PERSON)
    world.hub.agencies.offer(
        world.credentials["nenkin"], agency_token=pension, item="pension_payment", value=1
    )
    cred = world.credentials["lg-112011"]
    withheld = world.hub.agencies.request(  # the catalogue marks this line 不開示
        cred, agency_token=token, affair="public-assistance", item="pension_payment",
        provider="nenkin",
    )  # fmt: skip
    shown = world.hub.agencies.request(
        cred, agency_token=token, affair="public-assistance", item="child_allowance_record",
        provider="lg-131016",
    )  # fmt: skip
    marked = world.hub.agencies.request(  # the requester marks this one itself
        cred, agency_token=token, affair="public-assistance", item="child_allowance_record",
        provider="lg-131016", withhold=True,
    )  # fmt: skip
    assert (withheld.withhold, shown.withhold, marked.withhold) == (True, False, True)
    with engine.connect() as conn:
        flags = conn.execute(
            sa.select(hub_exchange_log.c.exchange_id, hub_exchange_log.c.withhold)
        ).all()
    assert {e for e, w in flags if w} == {withheld.exchange_id, marked.exchange_id}
    assert len(flags) == 9  # three records each, withheld or not
    history = world.hub.history(PERSON)
    assert [h.exchange_id for h in history] == [shown.exchange_id]
    entry = history[0]
    assert entry.requester_name == "埼玉県川越市"
    assert entry.provider_name == "東京都千代田区"
    assert entry.affair_name == "生活保護の決定及び実施に関する事務"
    assert entry.item_name == "児童手当関係情報"
    assert world.hub.history(code(8)) == []  # another person sees nothing of this


def test_records_are_kept_seven_years_then_purged(world: World, engine: Engine) -> None:
    outcome = world.hub.agencies.request(
        world.credentials["nenkin"],
        agency_token=world.token("nenkin", PERSON),
        affair="pension-exemption",
        item="resident_tax_income",
        provider="lg-112011",
    )
    with engine.connect() as conn:
        keep = set(conn.execute(sa.select(hub_exchange_log.c.keep_until)).scalars())
    (until,) = keep
    assert until.replace(tzinfo=None) == outcome.requested_at.replace(year=2033, tzinfo=None)
    later(world, days=365 * 7)  # 2033-12-01 (two leap days): still inside the seven years
    assert world.hub.purge() == 0
    assert len(world.hub.history(PERSON)) == 1
    later(world, days=2, seconds=1)  # one second past 2033-12-03 03:00
    assert world.hub.history(PERSON) == []  # past retention: hidden before the purge
    assert world.hub.purge() == 3
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(hub_exchange_log)).scalar() == 0


def test_retention_is_a_setting(engine: Engine) -> None:
    world = build(engine, log_years=10)
    world.hub.agencies.request(
        world.credentials["nenkin"],
        agency_token=world.token("nenkin", PERSON),
        affair="pension-exemption",
        item="resident_tax_income",
        provider="lg-112011",
    )
    later(world, days=365 * 8)
    assert world.hub.purge() == 0
    other = ExchangeHub(engine, key=KEY, settings=HubSettings(log_years=1), clock=world.clock)
    assert other.settings.log_years == 1
    with pytest.raises(JichiError) as caught:
        HubSettings(log_years=0)
    assert caught.value.code == "HUB-060"
    assert HubSettings.from_env({"JICHI_HUB_LOG_YEARS": "10"}).log_years == 10
    with pytest.raises(JichiError):
        HubSettings.from_env({"JICHI_HUB_LOG_YEARS": "seven"})

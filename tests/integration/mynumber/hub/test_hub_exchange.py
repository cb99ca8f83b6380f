"""照会 → 提供 through the hub: answers, catalogue and PIA refusals, the three records."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError, JichiErrors
from jichi.mynumber.hub.tables import hub_exchange_log, hub_pia
from tests.integration.mynumber.hub.world import KEY, World, build, code

PERSON = code(1)


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


def rows(engine: Engine) -> list[sa.RowMapping]:
    with engine.connect() as conn:
        query = sa.select(hub_exchange_log).order_by(hub_exchange_log.c.log_id)
        return list(conn.execute(query).mappings())


def offer_income(world: World, person: str = PERSON) -> None:
    token = world.token("lg-112011", person)
    world.hub.agencies.offer(
        world.credentials["lg-112011"],
        agency_token=token,
        item="resident_tax_income",
        value={"fiscal_year": 2026, "income": 2_400_000},
    )


def ask(world: World, agency: str = "nenkin", **kw: str | bool) -> object:
    args: dict[str, str | bool] = {
        "agency_token": world.token(agency, PERSON),
        "affair": "pension-exemption",
        "item": "resident_tax_income",
        "provider": "lg-112011",
    }
    args.update(kw)
    return world.hub.agencies.request(world.credentials[agency], **args)  # type: ignore[arg-type]


def test_an_exchange_answers_with_the_providers_copy_and_is_recorded_on_three_sides(
    world: World, engine: Engine
) -> None:
    offer_income(world)
    outcome = world.hub.agencies.request(
        world.credentials["nenkin"],
        agency_token=world.token("nenkin", PERSON),
        affair="pension-exemption",
        item="resident_tax_income",
        provider="lg-112011",
    )
    assert outcome.result == "provided"
    assert outcome.value == {"fiscal_year": 2026, "income": 2_400_000}
    logged = rows(engine)
    assert [r["side"] for r in logged] == ["requester", "provider", "hub"]
    assert {r["exchange_id"] for r in logged} == {outcome.exchange_id}
    by_side = {r["side"]: r for r in logged}
    # each side keys the record by its own key of the person, never another's
    assert by_side["requester"]["person_key"] == world.token("nenkin", PERSON)
    assert by_side["provider"]["person_key"] == world.token("lg-112011", PERSON)
    assert by_side["hub"]["person_key"] == KEY.subject(PERSON)
    for r in logged:
        assert (r["requester_id"], r["provider_id"]) == ("nenkin", "lg-112011")
        assert (r["affair_id"], r["item_id"], r["result"]) == (
            "pension-exemption",
            "resident_tax_income",
            "provided",
        )
        assert r["requested_at"] is not None and r["provided_at"] is not None
        assert r["withhold"] is False


def test_no_copy_is_answered_no_data_and_still_recorded(world: World, engine: Engine) -> None:
    outcome = ask(world)
    assert getattr(outcome, "result", None) == "no_data"
    assert [r["result"] for r in rows(engine)] == ["no_data"] * 3


def test_the_provider_sees_the_exchange_under_its_own_token_only(world: World) -> None:
    offer_income(world)
    ask(world)
    provider_log = world.hub.agencies.log(world.credentials["lg-112011"])
    assert [r["side"] for r in provider_log] == ["provider"]
    assert provider_log[0]["agency_token"] == world.token("lg-112011", PERSON)
    requester_log = world.hub.agencies.log(world.credentials["nenkin"])
    assert [r["agency_token"] for r in requester_log] == [world.token("nenkin", PERSON)]
    assert world.hub.agencies.log(world.credentials["jasso"]) == []


@pytest.mark.parametrize(
    ("kw", "code_"),
    [
        ({"affair": "no-such-affair"}, "HUB-020"),
        ({"affair": "scholarship"}, "HUB-021"),  # jasso's 事務, not nenkin's
        ({"item": "household_composition"}, "HUB-022"),  # not in pension-exemption's list
        ({"provider": "lg-131016", "item": "pension_payment"}, "HUB-022"),
    ],
)
def test_the_catalogue_refuses_and_the_refusal_is_recorded(
    world: World, engine: Engine, kw: dict[str, str], code_: str
) -> None:
    with pytest.raises(JichiError) as caught:
        ask(world, **kw)
    assert caught.value.code == code_
    logged = rows(engine)
    assert [r["side"] for r in logged] == ["requester", "hub"]  # the provider was never asked
    assert {r["result"] for r in logged} == {code_}


def test_a_bad_affair_and_a_foreign_token_are_reported_together(world: World) -> None:
    foreign = world.token("jasso", PERSON)
    with pytest.raises(JichiErrors) as caught:
        ask(world, affair="no-such-affair", agency_token=foreign)
    assert [e.code for e in caught.value.errors] == ["HUB-020", "HUB-050"]


def test_a_missing_pia_on_the_requesters_side_refuses(engine: Engine) -> None:
    world = build(engine, pia=False)
    world.hub.record_pia(
        "lg-112011",
        "item",
        "resident_tax_income",
        evaluated_on=date(2025, 4, 1),
        valid_until=date(2030, 3, 31),
    )
    with pytest.raises(JichiError) as caught:
        ask(world)
    assert caught.value.code == "HUB-030"
    assert caught.value.field == "pia.requester"
    assert {r["result"] for r in rows(engine)} == {"HUB-030"}


def test_an_expired_pia_on_the_providers_side_refuses(world: World, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.update(hub_pia)
            .where(hub_pia.c.agency_id == "lg-112011")
            .values(valid_until=date(2026, 12, 2))  # the day before NOW
        )
    with pytest.raises(JichiError) as caught:
        ask(world)
    assert caught.value.code == "HUB-031"
    assert caught.value.field == "pia.provider"
    assert "2026-12-02" in caught.value.message_ja


def test_both_sides_without_pia_are_reported_at_once(engine: Engine) -> None:
    world = build(engine, pia=False)
    with pytest.raises(JichiErrors) as caught:
        ask(world)
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("HUB-030", "pia.requester"),
        ("HUB-030", "pia.provider"),
    ]


def test_a_withdrawn_or_future_pia_is_not_current(world: World, engine: Engine) -> None:
    with engine.begin() as conn:
        ids = conn.execute(
            sa.select(hub_pia.c.pia_id).where(hub_pia.c.agency_id == "nenkin")
        ).scalars()
        ids = list(ids)
    for pia_id in ids:
        with engine.begin() as conn:
            from jichi.mynumber.hub.pia import withdraw

            assert withdraw(conn, pia_id)
    world.hub.record_pia(
        "nenkin",
        "affair",
        "pension-exemption",
        evaluated_on=date(2027, 1, 1),  # not yet evaluated on NOW
        valid_until=date(2031, 3, 31),
    )
    with pytest.raises(JichiError) as caught:
        ask(world)
    assert caught.value.code == "HUB-030"


def test_bad_pia_records_are_typed_errors(world: World) -> None:
    with pytest.raises(JichiError) as caught:
        world.hub.record_pia(
            "nenkin", "affair", "x", evaluated_on=date(2026, 1, 2), valid_until=date(2026, 1, 1)
        )
    assert (caught.value.code, caught.value.field) == ("HUB-032", "valid_until")
    with pytest.raises(JichiError) as caught:
        world.hub.record_pia("nowhere", "affair", "x", evaluated_on=date(2026, 1, 1),
                             valid_until=date(2027, 1, 1))  # fmt: skip
    assert caught.value.code == "HUB-010"


def test_an_unknown_or_revoked_credential_is_refused(world: World) -> None:
    with pytest.raises(JichiError) as caught:
        world.hub.agencies.log("jichi_hub_forged")
    assert caught.value.code == "HUB-011"
    assert world.hub.revoke_credential(world.credentials["jasso"])
    with pytest.raises(JichiError) as caught:
        world.hub.agencies.log(world.credentials["jasso"])
    assert caught.value.code == "HUB-011"


def test_only_a_provider_of_the_item_may_offer_it(world: World) -> None:
    with pytest.raises(JichiError) as caught:
        world.hub.agencies.offer(
            world.credentials["jasso"],
            agency_token=world.token("jasso", PERSON),
            item="resident_tax_income",
            value=1,
        )
    assert caught.value.code == "HUB-051"
    with pytest.raises(JichiError) as caught:  # a token that is not the provider's own
        world.hub.agencies.offer(
            world.credentials["lg-112011"],
            agency_token=world.token("nenkin", PERSON),
            item="resident_tax_income",
            value=1,
        )
    assert caught.value.code == "HUB-050"

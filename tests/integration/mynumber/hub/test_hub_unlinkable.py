"""No function available to an agency maps one agency's token to another's (issue 11).

The agency-facing surface is :class:`AgencyApi` (the HTTP routes call nothing else); for
every one of its functions, called as agency A with any token hypothesis picks — A's own,
B's for the same person, or made up — nothing B's comes back, and B's token is refused.
"""

from __future__ import annotations

import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.hub.agency_api import AGENCY_FUNCTIONS, AgencyApi
from tests.integration.mynumber.hub.world import World, build, code

AGENCIES = ("nenkin", "jasso", "lg-112011", "lg-131016")


def test_the_agency_surface_is_exactly_the_reviewed_functions() -> None:
    public = {n for n, _ in inspect.getmembers(AgencyApi, inspect.isfunction) if n[0] != "_"}
    assert public == set(AGENCY_FUNCTIONS)


@pytest.fixture
def world(engine: Engine) -> World:
    return build(engine)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    person=st.integers(min_value=1, max_value=6).map(code),
    pair=st.permutations(AGENCIES).map(lambda p: (p[0], p[1])),
    which=st.sampled_from(("own", "other", "made-up")),
)
def test_no_agency_function_maps_one_agencys_token_to_anothers(
    world: World, person: str, pair: tuple[str, str], which: str
) -> None:
    a, b = pair
    api = world.hub.agencies
    mine, theirs = world.token(a, person), world.token(b, person)
    assert mine != theirs
    given_token = {"own": mine, "other": theirs, "made-up": "f" * 64}[which]
    others = {t for (agency, _), t in world.tokens.items() if agency != a}
    outputs: list[object] = []
    catalogue = world.hub.catalogue()
    affairs = [f for f in catalogue.affairs.values() if f.requester_id == a]
    for affair in affairs:
        for p in affair.permissions:
            try:
                outputs.append(
                    api.request(
                        world.credentials[a],
                        agency_token=given_token,
                        affair=affair.affair_id,
                        item=p.item_id,
                        provider=p.provider_id,
                    )
                )
            except JichiError as error:
                assert which != "own"
                assert "HUB-050" in {e.code for e in getattr(error, "errors", [error])}
                outputs.append(error.to_dict())
    for item in sorted(catalogue.agency(a).provides):
        try:
            api.offer(world.credentials[a], agency_token=given_token, item=item, value="x")
        except JichiError as error:
            assert which != "own" and error.code == "HUB-050"
            outputs.append(error.to_dict())
    outputs.append(api.log(world.credentials[a]))
    try:  # a municipality's numbers for another agency are numbers, never tokens
        outputs.append(
            api.issue_request_number(world.credentials[a], resident_code=person, agency=b)
        )
    except JichiError as error:
        assert catalogue.agency(a).lg_code is None and error.code == "HUB-012"
    number = world.hub.issue_request_number(resident_code=person, agency_id=a, lg_code="112011")
    outputs.append(api.redeem(world.credentials[a], number))
    seen = repr(outputs)
    leaked = {t for t in others if t in seen}
    assert not leaked, "an agency-facing function returned another agency's token"
    assert api.redeem(world.credentials[a], world.hub.issue_request_number(
        resident_code=person, agency_id=a, lg_code="112011")) == mine  # fmt: skip

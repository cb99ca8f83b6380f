"""Organisation kinds, the two meanings of 政党, and 設立届/異動届/解散届 as history."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from jichi.funds.organizations import (
    Change,
    DietMemberRelated,
    Dissolution,
    Establishment,
    OrganizationHistory,
    OrganizationKind,
    OrganizationState,
    designate_fund_body,
    is_party_under_control_act,
)
from jichi.funds.subsidy import PartyInput, Votes, qualifies
from jichi.kernel.errors import JichiError


def org(oid: str, kind: OrganizationKind, representative: str = "渡邊太郎") -> OrganizationState:
    return OrganizationState(oid, f"{oid}後援会", kind, representative)


def test_the_two_meanings_of_party_differ_for_a_memberless_two_percent_party() -> None:
    share = Fraction(3, 100)
    assert is_party_under_control_act(0, [share])  # 規正法3条2項: 2 % alone suffices
    votes = Votes(*(Fraction(3) for _ in range(6)))
    valid = Votes(*(Fraction(100) for _ in range(6)))
    assert not qualifies(PartyInput("x", 0, votes), valid)  # 助成法2条: needs a member
    assert not is_party_under_control_act(4, [Fraction(199, 10000)])
    assert is_party_under_control_act(5, [])


def test_history_gives_the_state_on_each_day_and_refuses_after_dissolution() -> None:
    first = org("A", OrganizationKind.OTHER)
    history = OrganizationHistory(
        (
            Establishment(date(2020, 4, 1), first),
            Change(date(2025, 10, 1), {"diet_member_related": DietMemberRelated.POLICY_GROUP}),
            Change(date(2026, 2, 1), {"treasurer": "鈴木花子"}),
            Dissolution(date(2027, 3, 31)),
        )
    )
    assert history.state_on(date(2025, 9, 30)).diet_member_related is None
    on_day = history.state_on(date(2025, 10, 1))
    assert on_day.diet_member_related is DietMemberRelated.POLICY_GROUP
    assert on_day.treasurer == ""
    assert history.state_on(date(2026, 2, 1)).treasurer == "鈴木花子"
    assert history.state_on(date(2027, 3, 30)).established_on == date(2020, 4, 1)
    with pytest.raises(JichiError) as caught:
        history.state_on(date(2027, 3, 31))
    assert caught.value.code == "FND-031"
    with pytest.raises(JichiError) as caught:
        history.state_on(date(2020, 3, 31))
    assert caught.value.code == "FND-030"


def test_a_history_must_start_with_one_establishment() -> None:
    with pytest.raises(JichiError) as caught:
        OrganizationHistory((Change(date(2020, 1, 1), {}),))
    assert caught.value.code == "FND-032"
    first = Establishment(date(2020, 1, 1), org("A", OrganizationKind.OTHER))
    with pytest.raises(JichiError):
        OrganizationHistory((first, first))


def test_a_candidate_designates_one_body_they_represent_compared_by_folded_name() -> None:
    body = designate_fund_body(org("A", OrganizationKind.OTHER, "渡邊太郎"), "渡辺太郎")
    assert body.is_fund_management_body and not body.may_receive_company_donations
    with pytest.raises(JichiError) as caught:
        designate_fund_body(org("B", OrganizationKind.OTHER, "渡辺太郎"), "渡邉太郎", [body])
    assert caught.value.code == "FND-034"
    with pytest.raises(JichiError) as caught:
        designate_fund_body(org("C", OrganizationKind.OTHER, "山田一郎"), "渡辺太郎")
    assert caught.value.code == "FND-033"
    for kind in (OrganizationKind.PARTY_FUND_BODY, OrganizationKind.POLICY_RESEARCH):
        with pytest.raises(JichiError) as caught:
            designate_fund_body(org("D", kind, "渡辺太郎"), "渡辺太郎")
        assert caught.value.code == "FND-035"
    branch = designate_fund_body(org("E", OrganizationKind.PARTY, "渡辺太郎"), "渡辺太郎")
    assert branch.is_fund_management_body and not branch.may_receive_company_donations


def test_only_parties_and_party_fund_bodies_receive_company_donations() -> None:
    assert org("P", OrganizationKind.PARTY).may_receive_company_donations
    assert org("F", OrganizationKind.PARTY_FUND_BODY).may_receive_company_donations
    assert not org("O", OrganizationKind.OTHER).may_receive_company_donations
    assert not org("R", OrganizationKind.POLICY_RESEARCH).may_receive_company_donations

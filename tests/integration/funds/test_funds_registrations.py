"""設立届・異動届・解散届 recorded in the database and replayed, on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from jichi.funds.organizations import (
    Change,
    DietMemberRelated,
    Dissolution,
    Establishment,
    OrganizationKind,
    OrganizationState,
)
from jichi.funds.registrations import history, record
from jichi.kernel.errors import JichiError

FIRST = OrganizationState(
    "org-1", "さくら後援会", OrganizationKind.OTHER, "渡辺太郎", fund_management_of="渡辺太郎"
)


def test_notifications_replay_to_the_state_on_each_day(engine: Engine) -> None:
    record(engine, "org-1", Establishment(date(2020, 4, 1), FIRST))
    change = {"diet_member_related": DietMemberRelated.NO1, "treasurer": "鈴木"}
    record(engine, "org-1", Change(date(2025, 10, 1), change))
    record(engine, "org-1", Dissolution(date(2027, 3, 31)))
    replayed = history(engine, "org-1")
    before = replayed.state_on(date(2025, 9, 30))
    assert before.diet_member_related is None and before.fund_management_of == "渡辺太郎"
    after = replayed.state_on(date(2025, 10, 1))
    assert after.diet_member_related is DietMemberRelated.NO1 and after.treasurer == "鈴木"
    assert after.kind is OrganizationKind.OTHER
    with pytest.raises(JichiError) as caught:
        replayed.state_on(date(2027, 4, 1))
    assert caught.value.code == "FND-031"


def test_a_notification_that_breaks_the_history_is_refused_and_not_written(
    engine: Engine,
) -> None:
    with pytest.raises(JichiError) as caught:
        record(engine, "org-1", Change(date(2021, 1, 1), {"treasurer": "x"}))
    assert caught.value.code == "FND-032"
    with pytest.raises(JichiError) as caught:
        history(engine, "org-1")
    assert caught.value.code == "FND-036"
    record(engine, "org-1", Establishment(date(2020, 4, 1), FIRST))
    with pytest.raises(JichiError) as caught:
        record(engine, "org-1", Change(date(2019, 1, 1), {"treasurer": "x"}))
    assert caught.value.code == "FND-030"
    with pytest.raises(JichiError):
        record(engine, "org-1", Establishment(date(2021, 1, 1), FIRST))
    assert len(history(engine, "org-1").notifications) == 1

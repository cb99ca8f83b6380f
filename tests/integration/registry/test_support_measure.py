"""U9: a support measure refuses — every outcome logged; an override needs a second person."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.model import Sex
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty, Override, Requester, RequesterType
from jichi.registry.service import Registry
from jichi.security import audit
from jichi.security.actor import Actor
from tests.integration.registry.conftest import CLERK, LG, MoveIn, person

SUPERVISOR = Actor("kakaricho-sato", LG, "supervisor")
ABUSER = OtherParty(name="加害　次郎", date_of_birth=date(1975, 3, 3))


@pytest.fixture
def protected(registry: Registry, move_in: MoveIn) -> tuple[Protection, str]:
    pid = move_in(
        persons=[person("避難", "花", ("ヒナン", "ハナ"), "1985-05-05", "female", "世帯主")]
    ).person_ids[0]
    protection = Protection(registry)
    protection.register(pid, [ABUSER], SUPERVISOR, basis="配偶者暴力相談支援センター意見書")
    return protection, pid


def confirmed_as(pid: str) -> Requester:
    return Requester(
        RequesterType.SELF,
        "避難　花",
        date(1985, 5, 5),
        sex=Sex.FEMALE,
        address="川越市大字的場1-2-3",
        id_document="passport",
    )


def actions(engine: Engine, person_id: str) -> list[str]:
    with engine.connect() as conn:
        return [r.entry.action for r in audit.entries_for_person(conn, person_id)]


def test_a_measure_lasts_one_year_from_the_request(protected: tuple[Protection, str]) -> None:
    protection, pid = protected
    (measure,) = protection.restrictions(pid, actor=CLERK).measures
    assert (measure.starts_on, measure.ends_on) == (date(2026, 11, 27), date(2027, 11, 26))
    assert protection.restrictions(pid, date(2027, 11, 27), actor=CLERK).measures == ()


def test_reading_the_restrictions_is_audited_on_the_person(
    protected: tuple[Protection, str], engine: Engine
) -> None:
    """Knowing that a person is protected is itself a read of their data (their page)."""
    protection, pid = protected
    before = actions(engine, pid).count("restriction.read")
    protection.restrictions(pid, actor=CLERK)
    with engine.connect() as conn:
        (newest, *_) = audit.entries_for_person(conn, pid)
    assert actions(engine, pid).count("restriction.read") == before + 1
    assert newest.entry.action == "restriction.read" and newest.entry.actor == CLERK.staff_id
    assert newest.entry.detail == {"restrictions": ["support_measure"]}


def test_the_other_party_is_refused_even_with_a_different_spelling_and_it_is_logged(
    protected: tuple[Protection, str], engine: Engine
) -> None:
    protection, pid = protected
    requester = Requester(RequesterType.THIRD_PARTY, "加害次郎", date(1975, 3, 3))
    with pytest.raises(JichiError) as raised:
        protection.check_request(pid, requester, CLERK, channel="counter_copy")
    assert raised.value.code == "RES-002"
    assert "restriction.refused" in actions(engine, pid)


def test_third_parties_are_refused_and_the_person_themself_is_not(
    protected: tuple[Protection, str],
) -> None:
    protection, pid = protected
    with pytest.raises(JichiError) as raised:
        protection.check_request(
            pid, Requester(RequesterType.THIRD_PARTY, "債権者"), CLERK, channel="counter_copy"
        )
    assert raised.value.code == "RES-001"
    claimed = Requester(RequesterType.SELF, "避難　花")
    with pytest.raises(JichiError) as unconfirmed:  # the type alone is not 本人 (issue 9)
        protection.check_request(pid, claimed, CLERK, channel="counter_copy")
    assert unconfirmed.value.code == "RES-001"
    me = protection.confirm_requester([pid], confirmed_as(pid), CLERK, channel="counter_copy")
    record = protection.check_request(pid, me, CLERK, channel="counter_copy")
    assert record.person_id == pid


def test_an_override_needs_a_second_supervisor_and_a_reason(
    protected: tuple[Protection, str], engine: Engine
) -> None:
    protection, pid = protected
    requester = Requester(RequesterType.PROFESSIONAL, "弁護士")
    for override in (
        Override(Actor(CLERK.staff_id, LG, "supervisor"), "本人と同一"),  # the same person
        Override(Actor("clerk-2", LG, "clerk"), "職務上請求"),  # not a supervisor
        Override(SUPERVISOR, "  "),  # no reason
        Override(Actor("other-town", "131016", "supervisor"), "他団体"),
    ):
        with pytest.raises(JichiError) as raised:
            protection.check_request(
                pid, requester, CLERK, channel="counter_copy", override=override
            )
        assert raised.value.code == "RES-003"
    protection.check_request(
        pid,
        requester,
        CLERK,
        channel="counter_copy",
        override=Override(SUPERVISOR, "裁判所の調査嘱託（書面確認済み）"),
    )
    assert "restriction.overridden" in actions(engine, pid)


def test_ending_needs_the_current_version_and_then_requests_pass(
    protected: tuple[Protection, str],
) -> None:
    protection, pid = protected
    (measure,) = protection.restrictions(pid, actor=CLERK).measures
    with pytest.raises(JichiError) as stale:
        protection.end(measure.measure_id, measure.version + 1, SUPERVISOR)
    assert stale.value.code == "RES-005"
    protection.end(measure.measure_id, measure.version, SUPERVISOR)
    requester = Requester(RequesterType.THIRD_PARTY, "債権者")
    assert protection.check_request(pid, requester, CLERK, channel="counter_copy")


def test_renewal_only_from_one_month_before_the_end(protected: tuple[Protection, str]) -> None:
    protection, pid = protected
    (measure,) = protection.restrictions(pid, actor=CLERK).measures
    with pytest.raises(JichiError) as early:
        protection.renew(measure.measure_id, measure.version, SUPERVISOR)
    assert early.value.code == "RES-006"
    assert "2027-10-26" in early.value.message_ja

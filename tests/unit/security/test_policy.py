"""One role policy: the counter's forms and the API agree with jichi.security.policy."""

from __future__ import annotations

import pytest

from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor, Role
from jichi.security.policy import (
    SUPERVISOR_KINDS,
    notification_roles,
    require,
    require_notification,
)
from jichi.web.pages.notifications import HOUSEHOLD_KINDS
from jichi.web.pages.person_forms import PERSON_KINDS


def test_every_counter_form_allows_exactly_the_policys_roles() -> None:
    for spec in (*HOUSEHOLD_KINDS.values(), *PERSON_KINDS.values()):
        assert spec.allowed == notification_roles(spec.kind), spec.kind
        assert spec.supervisor == (spec.kind in SUPERVISOR_KINDS)
    assert {"ex_officio_removal", "restoration"} <= set(PERSON_KINDS)


def test_a_clerk_may_file_a_move_in_but_not_an_ex_officio_removal() -> None:
    clerk = Actor("clerk-1", "112011", Role.CLERK.value)
    require_notification(clerk, "move_in")
    with pytest.raises(JichiError) as refused:
        require_notification(clerk, "ex_officio_removal")
    assert refused.value.code == "AUTH-002"
    with pytest.raises(JichiError):
        require(Actor("kansa", "112011", Role.AUDITOR.value), "resident.read")

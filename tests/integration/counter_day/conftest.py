"""Fixtures for the counter day: the 山田 family of 川越市, a supervisor, fees, issuing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest

from jichi.registry.certificates import (
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    issue,
    municipality_settings,
)
from jichi.registry.counter_day.charges import Charge, recorder
from jichi.registry.model import Sex
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from tests.integration.registry.conftest import CLERK, LG, MoveIn, move_in, registry  # noqa: F401

SUPERVISOR = Actor("kakaricho-sato", LG, "supervisor")
TARO = Requester(
    RequesterType.SELF,
    "山田　太郎",
    date(1980, 4, 2),
    sex=Sex.MALE,
    address="川越市大字的場1-2-3",
    id_document="my_number_card",
)
PROXY = Requester(RequesterType.PROXY, "代理　花子", id_document="drivers_license")

Issue = Callable[..., Certificate]


@pytest.fixture
def settings() -> CertificateSettings:
    return municipality_settings(LG, "川越　太郎", terminal="本庁1", printer="P001")


@pytest.fixture
def family(registry: Registry, move_in: MoveIn) -> list[str]:  # noqa: F811
    """The 山田 family's ids, the head (太郎) first."""
    ids = list(move_in().person_ids)
    return sorted(ids, key=lambda pid: not registry.read_record(pid, CLERK).is_head)


@pytest.fixture
def issue_charged(registry: Registry, settings: CertificateSettings, family: list[str]) -> Issue:  # noqa: F811
    """Issue a 個人票 of the head with its fee recorded, as the counter page does."""

    def _issue(
        charge: Charge | None = None,
        *,
        requester: Requester = TARO,
        kind: CertificateKind = CertificateKind.RECORD_COPY_PERSONAL,
        official_use: bool = False,
    ) -> Certificate:
        asked = CertificateRequest(
            kind=kind,
            person_ids=(family[0],),
            requester=requester,
            request_id=str(uuid.uuid4()),
            official_use=official_use,
        )
        return issue(
            registry,
            Protection(registry),
            asked,
            CLERK,
            settings,
            after_store=recorder(asked, charge or Charge(), CLERK),
        )

    return _issue

"""Requesters as the counter confirms them (issue 9): the basic four and the document."""

from __future__ import annotations

from datetime import date

from jichi.registry.model import Sex
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import Registry
from tests.integration.registry.conftest import CLERK


def confirmed(
    registry: Registry,
    person_id: str,
    type: RequesterType = RequesterType.SELF,
    *,
    document: str = "my_number_card",
) -> Requester:
    """The person ``person_id`` asking, their basic four read from their own record."""
    record = registry.read_record(person_id, CLERK)
    return Requester(
        type,
        record.name.text(),
        record.date_of_birth,
        sex=record.sex,
        address=record.address.text(),
        id_document=document,
    )


def _yamada(name: str, born: date, sex: Sex) -> Requester:
    """A member of the 山田 family (conftest.yamada_family) asking as 本人."""
    return Requester(
        RequesterType.SELF,
        name,
        born,
        sex=sex,
        address="埼玉県川越市大字的場1-2-3",
        id_document="drivers_license",
    )


TARO = _yamada("山田　太郎", date(1980, 4, 2), Sex.MALE)
HANAKO = _yamada("山田　花子", date(1982, 9, 15), Sex.FEMALE)

"""A card holder's facts from the registry, through its named query function only.

``jichi.registry.card_holder`` is the one registry module My Number imports
(import-linter contract); it hands over plain dated values and this module turns
them into the :class:`Holder` the validity rules take.
"""

from __future__ import annotations

from sqlalchemy import Connection

from jichi.kernel.errors import JichiError
from jichi.mynumber.errors import NOT_ON_REGISTRY
from jichi.mynumber.validity import Holder
from jichi.registry.card_holder import card_holder, person_leaving


def holder_of(conn: Connection, lg_code: str, person_id: str) -> Holder:
    """The holder facts of a person on this municipality's registry (MYN-033 if none)."""
    record = card_holder(conn, lg_code, person_id)
    if record is None or not record.on_registry:
        raise JichiError(NOT_ON_REGISTRY, field="person_id", lg_code=lg_code)
    return Holder(
        date_of_birth=record.date_of_birth,
        foreign=record.foreign,
        residence_status=record.residence_status,
        stay_expires_on=record.stay_expires_on,
    )


def leaving_holder(conn: Connection, lg_code: str, resident_code: str) -> str | None:
    """The person id at ``lg_code`` of someone with this 住民票コード who is moving out."""
    return person_leaving(conn, lg_code, resident_code)

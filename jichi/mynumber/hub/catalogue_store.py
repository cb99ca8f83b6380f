"""The catalogue in force: the last one loaded, kept with every earlier one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.kernel.clock import now as clock_now
from jichi.kernel.errors import JichiError
from jichi.mynumber.hub import errors as e
from jichi.mynumber.hub.catalogue import Catalogue, parse
from jichi.mynumber.hub.tables import hub_catalogue


def load(conn: Connection, catalogue: Catalogue, *, by: str, at: datetime | None = None) -> int:
    """Put ``catalogue`` in force; returns its id. Earlier ones stay (the log names them)."""
    result = conn.execute(
        sa.insert(hub_catalogue).values(
            version=catalogue.version,
            source=catalogue.source,
            document=catalogue.to_document(),
            loaded_at=at or clock_now(),
            loaded_by=by,
        )
    )
    key = result.inserted_primary_key
    return int(key[0]) if key else 0


def current_id(conn: Connection) -> int | None:
    value = conn.execute(sa.select(sa.func.max(hub_catalogue.c.catalogue_id))).scalar()
    return None if value is None else int(value)


def current(conn: Connection) -> tuple[int, Catalogue]:
    """The catalogue in force and its id, or HUB-003."""
    row = conn.execute(
        sa.select(hub_catalogue.c.catalogue_id, hub_catalogue.c.document)
        .order_by(hub_catalogue.c.catalogue_id.desc())
        .limit(1)
    ).first()
    if row is None:
        raise JichiError(e.NO_CATALOGUE)
    return int(row.catalogue_id), parse(row.document)


class CatalogueCache:
    """Parses the catalogue once per loaded version (one max() probe per request)."""

    def __init__(self) -> None:
        self._id: int | None = None
        self._catalogue: Catalogue | None = None

    def get(self, conn: Connection) -> Catalogue:
        latest = current_id(conn)
        if latest is None:
            raise JichiError(e.NO_CATALOGUE)
        if latest != self._id or self._catalogue is None:
            self._id, self._catalogue = current(conn)
        return self._catalogue

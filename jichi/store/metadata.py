"""The one SQLAlchemy MetaData every context's tables hang on.

Each context declares its own tables in its own ``tables.py`` (Core, not ORM: bulk
paths and projections are written as plain SQL statements); migrations are written by
hand in ``jichi/store/migrations/versions`` and import nothing from here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

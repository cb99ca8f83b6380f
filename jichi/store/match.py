"""Text matching that an index serves on both databases."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def prefix_match(column: Any, key: str, postgres: bool) -> Any:
    """``column`` starts with ``key``, in a form the column's index can serve.

    PostgreSQL: LIKE 'key%' (wildcards in ``key`` escaped) on a ``text_pattern_ops`` index;
    SQLite: a range on the binary-collated index (SQLite's LIKE is case-insensitive and
    skips the index).  An empty key matches everything.
    """
    if not key:
        return sa.true()
    if postgres:
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    return sa.and_(column >= key, column < key + "\U0010ffff")

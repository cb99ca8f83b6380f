"""Reading the audit log of one municipality: the tenant is given once, to the reader.

The log is one hash chain for every municipality in the database (appending reads the
previous row, whoever wrote it), so it cannot be split by row-level security; the wall
for its *reads* is here.  A :class:`TenantAuditLog` is built with the served
municipality and every query it runs carries ``lg_code = tenant``: the counter's 監査
page and the resident's 「誰が見たか」 read through it and cannot forget the filter.
Operator tools (``jichi audit verify``) read the whole chain through :mod:`.audit`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from jichi.security import audit
from jichi.security.tables import audit_log
from jichi.security.tenancy import Tenant, served_code


class TenantAuditLog:
    """The audit entries of one municipality, newest first."""

    def __init__(self, tenant: Tenant | str) -> None:
        code = served_code(tenant)
        if not code:
            raise ValueError("TenantAuditLog needs the served municipality")
        self.lg_code = code

    def rows(
        self,
        conn: Connection,
        *,
        person_id: str = "",
        before: int = 0,
        limit: int,
    ) -> list[Row[Any]]:
        """A page of raw rows (the 監査 screen formats them), optionally about one person."""
        query = select(audit_log).where(audit_log.c.lg_code == self.lg_code)
        if person_id:
            query = query.where(audit_log.c.subject_person_id == person_id)
        if before > 0:
            query = query.where(audit_log.c.seq < before)
        return list(conn.execute(query.order_by(audit_log.c.seq.desc()).limit(limit)).all())

    def for_person(
        self, conn: Connection, person_id: str, *, limit: int | None = None
    ) -> list[audit.AuditRecord]:
        """Every entry of this municipality about ``person_id`` (the resident's view)."""
        return audit.entries_for_person(conn, person_id, self.lg_code, limit=limit)

"""The authority's publication (公表) of a filed report (政治資金規正法20条).

Filing does not publish: a filed version waits for the authority (総務大臣 or a prefectural
選挙管理委員会) to publish it.  :func:`publish` marks the version published and rewrites the
public search's lines and totals (:func:`jichi.funds.public_search.refresh`) in one
transaction, with its audit entry when an audit key is given, so the public never sees a
half-published report.  A 訂正 of a published report is published by its own act; until
then the public keeps the last published version.  Only the latest filed version may be
published (an older one would put a superseded report back in front of the public), and a
version is published once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from jichi.funds import law
from jichi.funds.public_search import refresh
from jichi.funds.reports import AnnualReport
from jichi.funds.tables import funds_report
from jichi.kernel.errors import JichiError, define
from jichi.security.actor import Actor
from jichi.security.audit import AuditEntry, append
from jichi.security.keys import AuditKey

NOT_FILED = define(
    "FND-066",
    "{organization_id}の{year}年分の収支報告書（第{version}版）は提出されていません。",
    "version {version} of the report of {organization_id} for {year} has not been filed",
    http_status=404,
    params=("organization_id", "year", "version"),
)
ALREADY_PUBLISHED = define(
    "FND-067",
    "{organization_id}の{year}年分の収支報告書（第{version}版）は公表済みです。",
    "version {version} of the report of {organization_id} for {year} is already published",
    http_status=409,
    params=("organization_id", "year", "version"),
)
NOT_LATEST = define(
    "FND-068",
    "第{version}版より新しい訂正（第{latest}版）が提出されています。最新の版を公表してください。",
    "version {latest} has been filed since version {version}: publish the latest version",
    http_status=409,
    params=("version", "latest"),
)

ACTION = "funds.report.publish"


@dataclass(frozen=True)
class Published:
    organization_id: str
    year: int
    version: int
    published_at: datetime
    published_by: str
    lines: int


def publish(
    engine: Engine,
    organization_id: str,
    year: int,
    version: int,
    by: Actor,
    *,
    audit_key: AuditKey | None = None,
    now: datetime | None = None,
    table: law.Table = law.RULES,
) -> Published:
    """Publish one filed version; the public search shows it from this commit on.

    ``by`` is the authority's staff member; with ``audit_key`` the act is appended to the
    audit log in the same transaction (the funds app always gives it).
    """
    moment = now or datetime.now(UTC)
    r = funds_report.c
    with engine.begin() as conn:
        _lock(conn)
        rows = conn.execute(
            sa.select(r.version, r.report, r.published_at)
            .where(r.organization_id == organization_id, r.year == year)
            .order_by(r.version)
        ).all()
        chosen = next((row for row in rows if row.version == version), None)
        if chosen is None:
            raise JichiError(
                NOT_FILED,
                field="version",
                organization_id=organization_id,
                year=year,
                version=version,
            )
        if chosen.published_at is not None:
            raise JichiError(
                ALREADY_PUBLISHED,
                field="version",
                organization_id=organization_id,
                year=year,
                version=version,
            )
        latest = rows[-1].version
        if latest != version:
            raise JichiError(NOT_LATEST, field="version", version=version, latest=latest)
        updated = conn.execute(
            funds_report.update()
            .where(
                r.organization_id == organization_id,
                r.year == year,
                r.version == version,
                r.published_at.is_(None),
            )
            .values(published_at=moment, published_by=by.staff_id)
        )
        if updated.rowcount != 1:  # published by someone else between our read and write
            raise JichiError(
                ALREADY_PUBLISHED,
                field="version",
                organization_id=organization_id,
                year=year,
                version=version,
            )
        report = AnnualReport.model_validate(chosen.report)
        lines = refresh(conn, organization_id, report, version, table=table)
        if audit_key is not None:
            append(
                conn,
                AuditEntry(
                    lg_code=by.lg_code,
                    at=moment,
                    actor=by.staff_id,
                    actor_role=by.role,
                    action=ACTION,
                    detail={
                        "organization_id": organization_id,
                        "year": year,
                        "version": version,
                        "lines": lines,
                    },
                ),
                audit_key,
            )
    return Published(organization_id, year, version, moment, by.staff_id, lines)


def published_version(conn: Connection, organization_id: str, year: int) -> int | None:
    """The version the public sees now, if any."""
    r = funds_report.c
    value = conn.execute(
        sa.select(sa.func.max(r.version)).where(
            r.organization_id == organization_id, r.year == year, r.published_at.is_not(None)
        )
    ).scalar()
    return None if value is None else int(value)


def _lock(conn: Connection) -> None:
    """Serialise publications on PostgreSQL, so two clerks cannot interleave a refresh."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("LOCK TABLE funds_public_total IN SHARE ROW EXCLUSIVE MODE"))

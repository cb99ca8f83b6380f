"""Publication (公表), both databases: filed is not public; a 訂正 replaces only when published."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.funds.filings import amend_report, file_report, versions
from jichi.funds.organizations import OrganizationKind
from jichi.funds.public_search import Search, search, totals
from jichi.funds.publication import publish, published_version
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.security.audit import verify
from jichi.security.keys import load_keys
from jichi.security.tables import audit_log

AUTHORITY = Actor("pref-clerk", "130001", "clerk")


def report(name: str, amount: int) -> AnnualReport:
    return AnnualReport(
        organization_name="さくら後援会",
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(donations=amount, total=amount),
        donors=(
            Donor(
                donor_id="d1",
                kind=DonorKind.INDIVIDUAL,
                name=name,
                address="東京都千代田区霞が関1-2-3",
                occupation="会社員",
            ),
        ),
        donations=(Donation(donor_id="d1", amount=amount, on=date(2026, 4, 1)),),
        expenditure_total=0,
        carried_forward=amount,
    )


def names(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [(x.name, x.amount) for x in search(conn, Search()).lines]


def test_a_filed_report_is_not_public_until_published(engine: Engine) -> None:
    file_report(engine, "org-1", report("山田太郎", 100_000), filed_on=date(2027, 3, 1))
    assert names(engine) == []
    with engine.connect() as conn:
        assert totals(conn) == [] and published_version(conn, "org-1", 2026) is None
    done = publish(engine, "org-1", 2026, 1, AUTHORITY)
    assert (done.version, done.lines, done.published_by) == (1, 1, "pref-clerk")
    assert names(engine) == [("山田太郎", 100_000)]
    (filed,) = versions(engine, "org-1", 2026)
    assert filed.published_by == "pref-clerk" and filed.published_at is not None


def test_an_amendment_replaces_the_public_lines_only_at_its_publication(engine: Engine) -> None:
    file_report(engine, "org-1", report("山田太郎", 100_000), filed_on=date(2027, 3, 1))
    publish(engine, "org-1", 2026, 1, AUTHORITY)
    amend_report(engine, "org-1", report("山田次郎", 80_000), reason="誤記", expected_version=1)
    assert names(engine) == [("山田太郎", 100_000)]  # the public keeps the published version
    with engine.connect() as conn:
        assert published_version(conn, "org-1", 2026) == 1
    publish(engine, "org-1", 2026, 2, AUTHORITY)
    assert names(engine) == [("山田次郎", 80_000)]
    with engine.connect() as conn:
        (total,) = totals(conn, organization_id="org-1")
        assert published_version(conn, "org-1", 2026) == 2
    assert (total.version, total.donations) == (2, 80_000)


def test_publishing_twice_an_old_or_a_missing_version_is_refused(engine: Engine) -> None:
    file_report(engine, "org-1", report("山田太郎", 100_000), filed_on=date(2027, 3, 1))
    publish(engine, "org-1", 2026, 1, AUTHORITY)
    with pytest.raises(JichiError) as twice:
        publish(engine, "org-1", 2026, 1, AUTHORITY)
    assert twice.value.code == "FND-067" and twice.value.field == "version"
    with pytest.raises(JichiError) as missing:
        publish(engine, "org-1", 2026, 5, AUTHORITY)
    assert missing.value.code == "FND-066"
    amend_report(engine, "org-1", report("山田次郎", 80_000), reason="誤記", expected_version=1)
    amend_report(engine, "org-1", report("山田三郎", 70_000), reason="再訂正", expected_version=2)
    with pytest.raises(JichiError) as old:
        publish(engine, "org-1", 2026, 2, AUTHORITY)
    assert old.value.code == "FND-068"
    assert names(engine) == [("山田太郎", 100_000)]


def test_a_publication_with_the_audit_key_is_in_the_verified_audit_log(engine: Engine) -> None:
    key = load_keys().audit_key
    file_report(engine, "org-1", report("山田太郎", 100_000), filed_on=date(2027, 3, 1))
    publish(engine, "org-1", 2026, 1, AUTHORITY, audit_key=key)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.actor, audit_log.c.lg_code)
        ).one()
        result = verify(conn, key)
    assert tuple(row) == ("funds.report.publish", "pref-clerk", "130001")
    assert result.ok

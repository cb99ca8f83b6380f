"""The counter's day on both databases: 受付 numbers, queues, fees, receipts, 日計表, voids.

Real certificates are issued (WeasyPrint) with their fee recorded in the same
transaction, as the counter page does; the 日計表 must balance against them, and an
imbalance planted behind the report's back must be reported by 発行番号.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.registry.certificates import CertificateKind, verify
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day import fees, receipts, reception, voids
from jichi.registry.counter_day.charges import Charge, charge_of
from jichi.registry.counter_day.daily_report import daily_report, report_csv
from jichi.registry.counter_day.printing import receipt_pdf, report_pdf
from jichi.registry.counter_day.reception import State
from jichi.registry.counter_day.statistics import bar_chart_svg, today_and_month
from jichi.registry.counter_day.tables import certificate_charge
from jichi.registry.service import Registry
from jichi.security.tables import audit_log
from tests.integration.certificates.conftest import pdf_text
from tests.integration.counter_day.conftest import PROXY, SUPERVISOR, Issue
from tests.integration.registry.conftest import CLERK, LG, NOW, TODAY

RECORD_COPY = CertificateKind.RECORD_COPY_PERSONAL


def clock() -> datetime:
    return NOW


# -- 受付 and queues ------------------------------------------------------------------------


def test_reception_numbers_count_per_municipality_per_japanese_day(registry: Registry) -> None:
    k = registry.cipher.audit_key
    first = reception.open_reception(registry.engine, LG, CLERK, clock, k, purpose="certificate")
    second = reception.open_reception(registry.engine, LG, CLERK, clock, k, purpose="notification")
    # 15:30 UTC is 00:30 JST the next day: the numbering starts again at 1.
    late = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    next_day = reception.open_reception(
        registry.engine, LG, CLERK, lambda: late, k, purpose="certificate"
    )
    assert (first.ticket_number, second.ticket_number) == (1, 2)
    assert first.received_on == TODAY
    assert next_day.received_on == TODAY + timedelta(days=1) and next_day.ticket_number == 1


def test_two_clerks_at_once_never_get_one_number(registry: Registry) -> None:
    """Two transactions (threads, each its own connection) opening 受付 at the same time."""
    k = registry.cipher.audit_key
    numbers: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        try:
            for _ in range(5):
                opened = reception.open_reception(
                    registry.engine, LG, CLERK, clock, k, purpose="certificate"
                )
                numbers.append(opened.ticket_number)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(numbers) == list(range(1, 11))


def test_a_reception_moves_through_the_queues_with_who_and_when(registry: Registry) -> None:
    k = registry.cipher.audit_key
    engine = registry.engine
    opened = reception.open_reception(engine, LG, CLERK, clock, k, purpose="certificate")
    moved = reception.advance(engine, LG, opened.reception_id, State.CONFIRMING, CLERK, clock, k)
    moved = reception.advance(engine, LG, opened.reception_id, State.APPROVAL, CLERK, clock, k)
    with pytest.raises(JichiError) as refused:  # 決裁 is the supervisor's
        reception.advance(engine, LG, opened.reception_id, State.ISSUING, CLERK, clock, k)
    assert refused.value.code == "AUTH-002"
    moved = reception.advance(
        engine, LG, opened.reception_id, State.ISSUING, SUPERVISOR, clock, k, note="決裁"
    )
    with pytest.raises(JichiError) as stale:
        reception.advance(
            engine, LG, opened.reception_id, State.DONE, CLERK, clock, k, version=moved.version - 1
        )
    assert stale.value.code == "CNT-004"
    with pytest.raises(JichiError) as wrong:
        reception.advance(engine, LG, opened.reception_id, State.RECEIVED, CLERK, clock, k)
    assert wrong.value.code == "CNT-003"
    reception.advance(engine, LG, opened.reception_id, State.DONE, CLERK, clock, k)
    with engine.connect() as conn:
        steps = reception.steps(conn, LG, opened.reception_id)
        queues = reception.queues(conn, LG, TODAY)
        audited = conn.execute(
            sa.select(sa.func.count()).where(audit_log.c.action == "reception.advance")
        ).scalar_one()
    assert [(s.from_state, s.to_state, s.by) for s in steps] == [
        (State.RECEIVED, State.CONFIRMING, CLERK.staff_id),
        (State.CONFIRMING, State.APPROVAL, CLERK.staff_id),
        (State.APPROVAL, State.ISSUING, SUPERVISOR.staff_id),
        (State.ISSUING, State.DONE, CLERK.staff_id),
    ]
    assert steps[2].note == "決裁"
    assert audited == 4
    assert [r.reception_id for r in queues[State.DONE]] == [opened.reception_id]


# -- fees and exemptions ------------------------------------------------------------------


def test_fees_come_from_the_municipality_table_over_the_example(registry: Registry) -> None:
    engine = registry.engine
    with engine.connect() as conn:
        example = fees.fee_table(conn, LG)
    assert example.fee(RECORD_COPY) == 300 and RECORD_COPY in example.example
    fees.set_fee(engine, LG, RECORD_COPY, 350, SUPERVISOR, NOW, registry.cipher.audit_key)
    with engine.connect() as conn:
        own = fees.fee_table(conn, LG)
    assert own.fee(RECORD_COPY) == 350 and RECORD_COPY not in own.example
    assert fees.quote(own, RECORD_COPY, 3).total_yen == 1050
    assert fees.quote(own, RECORD_COPY, 3, "official_use").total_yen == 0
    with pytest.raises(JichiError) as clerk:
        fees.set_fee(engine, LG, RECORD_COPY, 1, CLERK, NOW, registry.cipher.audit_key)
    assert clerk.value.code == "AUTH-002"


def test_bad_fees_and_exemptions_are_refused_with_their_field() -> None:
    table = fees.FeeTable(fees.example_fees(), frozenset())
    for text in ("-1", "abc", "1e3", "９９９９９９９"):
        with pytest.raises(JichiError) as bad:
            fees.parse_fee(RECORD_COPY, text)
        assert bad.value.code == "CNT-005" and bad.value.field == "fee.record_copy_personal"
    assert fees.parse_fee(RECORD_COPY, "３００円") == 300
    with pytest.raises(JichiError) as unknown:
        fees.quote(table, RECORD_COPY, 1, "friend")
    assert unknown.value.code == "CNT-006"
    with pytest.raises(JichiError) as no_ground:
        fees.quote(table, RECORD_COPY, 1, "other", " ")
    assert no_ground.value.code == "CNT-007"
    with pytest.raises(JichiError) as copies:
        fees.quote(table, RECORD_COPY, 0)
    assert copies.value.code == "CNT-015"


def test_a_certificate_records_its_fee_requester_and_documents(
    registry: Registry, issue_charged: Issue
) -> None:
    cert = issue_charged(Charge(power_of_attorney=True), requester=PROXY)
    exempt = issue_charged(Charge(exemption="public_assistance"))
    official = issue_charged(official_use=True)
    with registry.engine.connect() as conn:
        charged = charge_of(conn, LG, cert.serial)
        free = charge_of(conn, LG, exempt.serial)
        public = charge_of(conn, LG, official.serial)
    assert charged is not None and free is not None and public is not None
    assert (charged.fee_yen, charged.requester_type, charged.id_document) == (
        300,
        "proxy",
        "drivers_license",
    )
    assert charged.power_of_attorney is True
    assert (free.fee_yen, free.standard_fee_yen, free.exemption) == (0, 300, "public_assistance")
    assert (public.fee_yen, public.exemption) == (0, "official_use")


def test_a_proxy_without_a_power_of_attorney_gets_nothing(
    registry: Registry, issue_charged: Issue
) -> None:
    with pytest.raises(JichiError) as refused:
        issue_charged(Charge(), requester=PROXY)
    assert refused.value.code == "RES-013" and refused.value.field == "power_of_attorney"
    with registry.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(certificate)).scalar_one() == 0


# -- 領収書 ---------------------------------------------------------------------------------


def test_a_receipt_totals_its_fees_and_names_exemptions(
    registry: Registry, issue_charged: Issue, tmp_path: Path
) -> None:
    paid = [issue_charged(), issue_charged()]
    free = issue_charged(Charge(exemption="other", exemption_note="条例第5条第2号"))
    made = receipts.make_receipt(
        registry.engine, LG, CLERK, clock, registry.cipher.audit_key,
        serials=[c.serial for c in [*paid, free]],
    )  # fmt: skip
    assert made.receipt_number == "R20261127-0001"
    assert made.total_yen == 600 and made.exempt_count == 1
    text = "".join(pdf_text(receipt_pdf(made), tmp_path).split())
    assert "領収書" in text and "R20261127-0001" in text and "600円" in text
    assert "免除" in text and "条例第5条第2号" in text
    with pytest.raises(JichiError) as twice:  # a fee is never on two receipts
        receipts.make_receipt(
            registry.engine, LG, CLERK, clock, registry.cipher.audit_key, serials=[paid[0].serial]
        )
    assert twice.value.code == "CNT-009"
    with registry.engine.connect() as conn:
        again = receipts.get_receipt(conn, LG, made.receipt_number)
    assert again.total_yen == 600 and len(again.lines) == 3


# -- 日計表 ---------------------------------------------------------------------------------


def test_the_daily_report_balances_against_the_certificates_issued(
    registry: Registry, issue_charged: Issue, tmp_path: Path
) -> None:
    issue_charged()
    issue_charged()
    issue_charged(Charge(exemption="official_use"))
    with registry.engine.connect() as conn:
        report = daily_report(conn, LG, TODAY)
        issued = conn.execute(
            sa.select(sa.func.count()).where(certificate.c.issued_on == TODAY)
        ).scalar_one()
    line = report.lines[RECORD_COPY]
    assert report.balanced, report.imbalances
    assert report.issued == issued == 3
    assert (line.issued, line.charged, line.exempt, line.takings_yen) == (3, 2, 1, 600)
    assert "一致" in report_csv(report) and report_csv(report).startswith("\ufeff")
    assert "600円" in "".join(pdf_text(report_pdf(report), tmp_path).split())


def test_an_imbalance_is_reported_by_serial(registry: Registry, issue_charged: Issue) -> None:
    lost = issue_charged()
    kept = issue_charged()
    with registry.engine.begin() as conn:  # a fee row lost behind the report's back
        conn.execute(certificate_charge.delete().where(certificate_charge.c.serial == lost.serial))
        conn.execute(
            certificate_charge.update()
            .where(certificate_charge.c.serial == kept.serial)
            .values(serial="ghost")
        )
    with registry.engine.connect() as conn:
        report = daily_report(conn, LG, TODAY)
    assert not report.balanced
    found = {(i.what, i.reference) for i in report.imbalances}
    assert ("no_charge", lost.serial) in found and ("no_charge", kept.serial) in found
    assert ("no_certificate", "ghost") in found
    assert "不一致" in report_csv(report)


# -- 誤交付の取消 ---------------------------------------------------------------------------


def test_a_void_shows_in_verification_and_refunds_in_the_daily_report(
    registry: Registry, issue_charged: Issue
) -> None:
    wrong = issue_charged()
    engine, k = registry.engine, registry.cipher.audit_key
    with pytest.raises(JichiError) as clerk:
        voids.void_certificate(engine, LG, wrong.serial, "別人に交付", CLERK, clock, k)
    assert clerk.value.code == "AUTH-002"
    with pytest.raises(JichiError) as no_reason:
        voids.void_certificate(engine, LG, wrong.serial, " ", SUPERVISOR, clock, k)
    assert no_reason.value.code == "CNT-013"
    done = voids.void_certificate(engine, LG, wrong.serial, "別人に交付", SUPERVISOR, clock, k)
    assert done.refund_yen == 300
    with pytest.raises(JichiError) as twice:
        voids.void_certificate(engine, LG, wrong.serial, "again", SUPERVISOR, clock, k)
    assert twice.value.code == "CNT-012"
    reprint = issue_charged()
    voids.link_replacement(engine, LG, wrong.serial, reprint.serial)
    with engine.connect() as conn:
        checked = verify(conn, wrong.verification_code, wrong.pdf)
        fine = verify(conn, reprint.verification_code)
        report = daily_report(conn, LG, TODAY)
        seqs = dict(
            conn.execute(sa.select(certificate.c.serial, certificate.c.seq)).all()  # type: ignore[arg-type]
        )
        entries = conn.execute(
            sa.select(audit_log.c.subject_person_id).where(audit_log.c.action == "certificate.void")
        ).all()
        linked = voids.voided(conn, LG, wrong.serial)
    assert checked.voided and "取消" in checked.message_ja and checked.voided_on == TODAY
    assert not fine.voided
    assert reprint.serial != wrong.serial and seqs[reprint.serial] == seqs[wrong.serial] + 1
    assert linked is not None and linked.replacement_serial == reprint.serial
    assert [e.subject_person_id for e in entries] == list(wrong.subject_person_ids)
    line = report.lines[RECORD_COPY]
    assert (line.issued, line.voided, line.takings_yen, line.refunds_yen) == (2, 1, 600, 300)
    assert report.net_yen == 300 and report.balanced


def test_a_void_of_another_day_refunds_on_the_day_of_the_void(
    registry: Registry, issue_charged: Issue
) -> None:
    wrong = issue_charged()
    later = NOW + timedelta(days=3)
    voids.void_certificate(
        registry.engine, LG, wrong.serial, "記載誤り", SUPERVISOR, lambda: later,
        registry.cipher.audit_key,
    )  # fmt: skip
    with registry.engine.connect() as conn:
        issue_day = daily_report(conn, LG, TODAY)
        void_day = daily_report(conn, LG, date(2026, 11, 30))
    assert issue_day.takings_yen == 300 and issue_day.refunds_yen == 0
    assert void_day.refunds_yen == 300 and void_day.issued == 0 and void_day.balanced


# -- statistics ---------------------------------------------------------------------------


def test_statistics_count_today_and_the_month_by_kind(
    registry: Registry, issue_charged: Issue
) -> None:
    issue_charged()
    with registry.engine.connect() as conn:
        today, month = today_and_month(conn, LG, TODAY)
        elsewhere, _ = today_and_month(conn, "131016", TODAY)
    assert today.certificates == {"record_copy_personal": 1} == month.certificates
    assert today.notifications == {"move_in": 1}
    assert elsewhere.certificates == {} and elsewhere.notifications == {}
    svg = bar_chart_svg("c1", "証明書 <今日>", [("住民票の写し（個人票）", 1)])
    assert 'role="img"' in svg and "&lt;今日&gt;" in svg and "住民票の写し（個人票） 1件" in svg


def test_the_counter_day_tables_are_under_row_level_security(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's (SQLite: the stores' filters only)")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
                "WHERE p.polname = 'jichi_tenant' AND c.relrowsecurity AND c.relforcerowsecurity"
            )
        ).all()
    covered = {r.relname for r in rows}
    tables = {"reception", "reception_step", "fee_schedule", "certificate_charge", "receipt",
              "certificate_void"}  # fmt: skip
    assert tables <= covered

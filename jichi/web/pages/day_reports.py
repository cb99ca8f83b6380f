"""領収書, 日計表, 誤交付の取消 and the supervisor's statistics: thin pages.

* ``POST /counter/receipts`` makes a 領収書 over the chosen certificates' fees and shows
  it (``/counter/receipts/show?number=``, the PDF at ``/counter/receipts/pdf?number=``).
* ``/counter/daily-report?day=`` is the 日計表 with its balance (「一致」 or each
  imbalance by number), as CSV and PDF too; the supervisor voids a certificate issued
  by mistake from it (``POST /counter/certificates/void``).
* ``/counter/statistics`` shows today's and this month's notifications and
  certificates by kind, each as an SVG chart with the same figures in a table beside it.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from jichi.kernel.clock import jst_date
from jichi.kernel.errors import JichiError
from jichi.registry.certificates import CertificateKind
from jichi.registry.counter_day import errors as e
from jichi.registry.counter_day import receipts, voids
from jichi.registry.counter_day.daily_report import daily_report, report_csv
from jichi.registry.counter_day.fees import EXEMPTIONS
from jichi.registry.counter_day.printing import receipt_pdf, report_pdf
from jichi.registry.counter_day.statistics import bar_chart_svg, today_and_month
from jichi.security.policy import SUPERVISOR_ROLES
from jichi.web.pages.common import STAFF_ROLES, Form, Page, PageRoute, counter_page
from jichi.web.pages.counter import FILED_TITLES

router = APIRouter(prefix="/counter", include_in_schema=False, route_class=PageRoute)

MAX_SERIALS = 50


def _day(page: Page, text: str) -> date:
    if not text:
        return jst_date(page.registry.clock())
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise JichiError(e.BAD_DAY, field="day") from None


# -- 領収書 ---------------------------------------------------------------------------------


@router.post("/receipts")
def make_receipt(request: Request, form: Form) -> Response:
    page = counter_page(request, form)
    actor = page.require("receipt.issue", *STAFF_ROLES)
    registry = page.registry
    serials = [str(v)[:200] for v in form.getlist("serials")][:MAX_SERIALS]
    reception_id = str(form.get("reception_id", "")).strip()[:36] or None
    made = receipts.make_receipt(
        registry.engine,
        registry.lg_code,
        actor,
        registry.clock,
        registry.cipher.audit_key,
        serials=serials,
        reception_id=reception_id,
    )
    return page.redirect(f"/counter/receipts/show?number={made.receipt_number}")


def _receipt(page: Page, number: str) -> receipts.Receipt:
    with page.registry.engine.connect() as conn:
        return receipts.get_receipt(conn, page.registry.lg_code, number.strip()[:40])


@router.get("/receipts/show")
def show_receipt(request: Request, number: str = "") -> Response:
    page = counter_page(request)
    page.require("receipt.issue", *STAFF_ROLES)
    return page.render("counter/receipt.html", receipt=_receipt(page, number))


@router.get("/receipts/pdf")
def receipt_file(request: Request, number: str = "") -> Response:
    page = counter_page(request)
    page.require("receipt.issue", *STAFF_ROLES)
    found = _receipt(page, number)
    return Response(
        receipt_pdf(found),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{found.receipt_number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# -- 日計表 and 誤交付の取消 ----------------------------------------------------------------


def _report_page(
    page: Page,
    day: date,
    *,
    errors: dict[str, str] | None = None,
    voided: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    with page.registry.engine.connect() as conn:
        report = daily_report(conn, page.registry.lg_code, day)
    actor = page.actor
    supervisor = actor is not None and actor.role in {r.value for r in SUPERVISOR_ROLES}
    return page.render(
        "counter/daily_report.html",
        status_code=status_code,
        report=report,
        supervisor=supervisor,
        errors=errors or {},
        values=values or {},
        voided=voided,
    )


@router.get("/daily-report")
def report_page(request: Request, day: str = "") -> Response:
    page = counter_page(request)
    page.require("daily_report.read", *STAFF_ROLES)
    return _report_page(page, _day(page, day))


@router.get("/daily-report/csv")
def report_file_csv(request: Request, day: str = "") -> Response:
    page = counter_page(request)
    page.require("daily_report.read", *STAFF_ROLES)
    found = _day(page, day)
    with page.registry.engine.connect() as conn:
        report = daily_report(conn, page.registry.lg_code, found)
    return Response(
        report_csv(report).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="daily-report-{found}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/daily-report/pdf")
def report_file_pdf(request: Request, day: str = "") -> Response:
    page = counter_page(request)
    page.require("daily_report.read", *STAFF_ROLES)
    found = _day(page, day)
    with page.registry.engine.connect() as conn:
        report = daily_report(conn, page.registry.lg_code, found)
    return Response(
        report_pdf(report),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="daily-report-{found}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/certificates/void")
def void(request: Request, form: Form) -> Response:
    """誤交付の取消 (supervisor): the certificate is void from now on, its fee refunded."""
    page = counter_page(request, form)
    actor = page.require("certificate.void", *SUPERVISOR_ROLES)
    registry = page.registry
    values = {
        "serial": str(form.get("serial", "")).strip()[:200],
        "reason": str(form.get("reason", "")).strip(),
    }
    day = jst_date(registry.clock())
    try:
        voids.void_certificate(
            registry.engine,
            registry.lg_code,
            values["serial"],
            values["reason"],
            actor,
            registry.clock,
            registry.cipher.audit_key,
        )
    except JichiError as error:
        if error.http_status == 403:
            raise
        field = error.field if error.field in values else "serial"
        return _report_page(
            page, day, errors={field: error.message_ja}, values=values, status_code=422
        )
    return _report_page(page, day, voided=values["serial"])


# -- statistics ---------------------------------------------------------------------------


def _rows(counted: dict[str, int], labels: dict[str, str]) -> list[tuple[str, int]]:
    return sorted(
        ((labels.get(kind, kind), n) for kind, n in counted.items()), key=lambda r: (-r[1], r[0])
    )


@router.get("/statistics")
def statistics(request: Request) -> Response:
    page = counter_page(request)
    page.require("statistics.read", *SUPERVISOR_ROLES)
    day = jst_date(page.registry.clock())
    with page.registry.engine.connect() as conn:
        today, month = today_and_month(conn, page.registry.lg_code, day)
    certificate_labels = {k.value: k.label_ja for k in CertificateKind}
    charts = []
    for chart_id, title, counted, labels in (
        ("notes-today", "今日の届出（種類別）", today.notifications, FILED_TITLES),
        ("notes-month", "今月の届出（種類別）", month.notifications, FILED_TITLES),
        ("certs-today", "今日の証明書の発行（種類別）", today.certificates, certificate_labels),
        ("certs-month", "今月の証明書の発行（種類別）", month.certificates, certificate_labels),
    ):
        rows = _rows(counted, labels)
        charts.append((chart_id, title, rows, bar_chart_svg(chart_id, title, rows)))
    return page.render(
        "counter/statistics.html",
        day=day,
        charts=charts,
        voided_today=today.voided,
        voided_month=month.voided,
        exemptions=EXEMPTIONS,
    )

"""One visitor's counter day in Chromium, by keyboard alone (issue 10's Done-when line).

受付 (窓口番号) → 転入 with three mistakes, all shown at once and fixed in one round →
確認 → 記録 → the new resident's 住民票の写し with its fee from the municipality's fee
table → 領収書 (its PDF read back with pdftotext: amount, 領収書番号, 窓口番号) → the
日計表, which counts that certificate and its takings and balances against the
certificates issued.  The 窓口番号 is carried from the 受付 into the 転入, the
certificate and the receipt.  Its own server and database, so the 日計表 holds only this
visit.  Every step of the main path is Tab, Enter, Space or an arrow key (no click);
axe-core checks every page the clerk sees on the way.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jichi.kernel.clock import today as clock_today
from jichi.registry.certificates import CertificateKind
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day import fees
from tests.e2e.browser.conftest import LG, PASSWORD, Server
from tests.e2e.browser.test_accessibility import check, report
from tests.e2e.browser.test_counter import focused
from tests.e2e.browser.test_counter_day_ui import tab_to
from tests.e2e.browser.test_review import FIXES, TYPED, tab_through

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOUSEHOLD_FEE = 350  # the municipality's own amount, set in the morning (not the example)


def press(
    page: Any, name: str, *, key: str = "Enter", navigates: bool = True, limit: int = 200
) -> None:
    """Tab to the link or button named ``name`` (its text or aria-label), press ``key`` and
    wait for the page it opens (unless it ``navigates`` nowhere: a download).  Tab goes
    round the page, so a link above the focus (the menu) is reached too."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append((now["label"] or now["text"])[:20])
        if name in {now["label"], now["text"]}:
            if not navigates:
                page.keyboard.press(key)
                return
            with page.expect_navigation():
                page.keyboard.press(key)
            return
    pytest.fail(f"「{name}」 was not reached by Tab: {seen}")


def fill_by_keyboard(page: Any, values: dict[str, str | int], until: str) -> None:
    """Tab through a form: type each text, press ArrowDown n times in each select, stop on
    the control named ``until`` (focused, not pressed)."""
    for _ in range(120):
        page.keyboard.press("Tab")
        now = focused(page)
        value = values.get(now["id"])
        if isinstance(value, str):
            page.keyboard.press("Control+a")
            page.keyboard.type(value)
        elif isinstance(value, int):
            for _ in range(value):
                page.keyboard.press("ArrowDown")
        if until in {now["label"], now["text"]}:
            return
    pytest.fail(f"「{until}」 was not reached by Tab")


def sign_in_by_keyboard(page: Any) -> None:
    page.goto("/counter/login")
    assert focused(page)["id"] == "f-staff_id"
    page.keyboard.type("kakaricho-ito")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/")


def pdf_text(download: Any, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    saved = tmp_path / "receipt.pdf"
    download.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"
    out = subprocess.run(
        ["pdftotext", "-layout", str(saved), "-"], check=True, capture_output=True, timeout=30
    )
    return out.stdout.decode("utf-8")


def test_one_visitors_day_from_reception_to_a_balanced_daily_report(
    fresh_server: Server, fresh_page: Any, tmp_path: Path
) -> None:
    page = fresh_page
    seen: dict[str, list[dict[str, Any]]] = {}
    today = clock_today()
    moved_in = today - timedelta(days=2)
    typed = {  # three mistakes (test_review.TYPED), dated from today
        **TYPED,
        "f-effective_date": moved_in.isoformat(),
        "f-persons-0-date_of_birth": (moved_in + timedelta(days=1)).isoformat(),
    }
    sign_in_by_keyboard(page)

    # The morning: the supervisor enters the ordinance's amount for 世帯連記式.
    press(page, "受付・処理待ち")
    press(page, "手数料の表")
    check(page, "fees", seen)
    tab_to(page, "f-fee-record_copy_household")
    page.keyboard.press("Control+a")
    page.keyboard.type(str(HOUSEHOLD_FEE))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=手数料を保存しました")
    with fresh_server.engine.connect() as conn:
        table = fees.fee_table(conn, LG)
    kind = CertificateKind.RECORD_COPY_HOUSEHOLD
    assert table.fee(kind) == HOUSEHOLD_FEE and kind not in table.example

    # 受付: the visitor comes to notify a 転入 and gets 窓口番号 1.
    press(page, "受付・処理待ち")
    check(page, "receptions (empty)", seen)
    tab_to(page, "f-purpose")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # 届出（転入・転出・転居など）
    tab_to(page, "f-visitor_name")
    page.keyboard.type("カクニン　様")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ticket-number")
    assert page.locator("#ticket-number").inner_text() == "1"
    assert "届出（転入・転出・転居など）" in page.get_by_role("status").first.inner_text()
    check(page, "receptions (one received)", seen)

    # 転入 from the 受付: three mistakes at once, the summary focused, fixed in one round.
    press(page, "窓口番号1の転入届の入力へ")
    page.wait_for_url("**/counter/notifications/move_in?reception_id=*")
    assert "窓口番号 1 番" in page.locator("#reception-ticket").inner_text()
    check(page, "move_in (from the reception)", seen)
    tab_through(page, typed, sex=True)
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    # the browser applies autofocus after load: wait for it (a timeout fails the test)
    page.wait_for_function("document.activeElement.classList.contains('error-summary')")
    links = page.locator(".error-summary a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets == [f"#{name}" for name in FIXES], targets
    for name in FIXES:
        assert page.locator(f"#{name}").get_attribute("aria-invalid") == "true"
    assert "窓口番号 1 番" in page.locator("#reception-ticket").inner_text()  # still the visit
    check(page, "move_in (three errors)", seen)
    tab_through(page, FIXES)
    page.keyboard.press("Enter")

    # 確認, then 記録.
    page.wait_for_selector("text=まだ記録していません")
    assert page.get_by_role("heading", level=1).inner_text() == "転入届の確認"
    assert "確認　太郎" in page.locator("table.review-person").first.inner_text()
    check(page, "confirm", seen)
    page.wait_for_function("document.activeElement !== document.body")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "記録する"
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/recorded/**")
    assert "窓口番号 1 番" in page.locator("#reception-ticket").inner_text()
    assert "記載（転入）" in page.locator("main").inner_text()
    check(page, "recorded", seen)

    # The certificate for the new resident, charged to 窓口番号 1.
    press(page, "確認　太郎さんの住民票の写し")
    page.wait_for_url("**/counter/certificates?person_id=*&reception_id=*")
    assert "窓口番号 1 番" in page.locator("#reception-ticket").inner_text()
    assert f"1通 {HOUSEHOLD_FEE}円" in page.locator("#f-fee").inner_text()
    check(page, "certificate form", seen)
    fill_by_keyboard(
        page,
        {
            "f-requester_name": "確認　太郎",
            "f-id_document": 1,  # マイナンバーカード
            "f-requester_date_of_birth": "1980-04-02",
            "f-requester_sex": 1,  # 男
            "f-requester_address": "大字的場8-8-8",
        },
        until="発行する",
    )
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.wait_for_url("**/counter/certificates/issue")
    assert page.locator("#fee").inner_text() == f"{HOUSEHOLD_FEE}円"
    serial = page.locator("#serial").inner_text()
    check(page, "certificate issued", seen)

    # 領収書, and its PDF read back.
    press(page, "領収書を作る")
    page.wait_for_url("**/counter/receipts/show?number=*")
    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(rf"R{today:%Y%m%d}-0001", number), number
    assert page.locator("#receipt-total").inner_text() == f"{HOUSEHOLD_FEE}円"
    assert page.locator("#receipt-ticket").inner_text() == "1"
    assert serial in page.locator("main").inner_text()
    check(page, "receipt", seen)
    with page.expect_download() as info:
        press(page, "領収書のPDF（印刷用）", navigates=False)
    text = pdf_text(info.value, tmp_path)
    assert number in text
    assert re.search(r"窓口番号\s+1\b", text), text
    assert "住民票の写し" in text and f"{HOUSEHOLD_FEE}円" in text
    assert re.search(rf"合計（1通）\s+{HOUSEHOLD_FEE}円", text), text

    # 日計表: the certificate's count and takings, balanced against what was issued.
    press(page, "日計表")
    page.wait_for_url("**/counter/daily-report")
    assert "照合：一致" in page.locator("#balance").inner_text()
    assert page.locator("#issued-total").inner_text() == "1"
    assert page.locator("#takings-total").inner_text() == f"{HOUSEHOLD_FEE}円"
    row = page.locator("tbody tr", has_text=kind.label_ja).inner_text()
    assert re.match(rf"{re.escape(kind.label_ja)}\s+1\s+1\s+0\s+{HOUSEHOLD_FEE}円", row), row
    assert f"領収書 1 枚、合計 {HOUSEHOLD_FEE}円" in page.locator("main").inner_text()
    with fresh_server.engine.connect() as conn:
        issued = conn.execute(
            sa.select(certificate.c.serial).where(
                certificate.c.lg_code == LG, certificate.c.issued_on == today
            )
        ).all()
    assert [r.serial for r in issued] == [serial]
    check(page, "daily report", seen)

    # The queue: 窓口番号 1 now names the new resident (for a second certificate), then
    # the visit is finished.
    press(page, "受付・処理待ち")
    assert page.get_by_role("link", name="窓口番号1の証明書の発行へ").count() == 1
    check(page, "receptions (the visit named)", seen)
    press(page, "窓口番号1を完了へ")  # the visitor leaves: the 受付 is finished
    finished = page.locator("#done-title + ul").inner_text()
    assert "1番　届出（転入・転出・転居など）　完了" in finished
    assert not any(seen.values()), report(seen)

"""The funds authority's app in Chromium, end to end, with axe on every page.

An organisation is registered; its accountant signs in with a filing token, enters a report
field by field on the step pages with two mistakes, sees both errors at their lines at
once, fixes them, confirms and files; the
authority's clerk publishes it; the public search on the same app finds the donor.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import uvicorn

from jichi.funds import filer_tokens
from jichi.funds.organizations import Establishment, OrganizationKind, OrganizationState
from jichi.funds.registrations import record
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction
from jichi.web.funds.app import create_funds_app
from tests.e2e.browser.conftest import _free_port
from tests.e2e.browser.test_accessibility import check, report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AUTHORITY = "130001"
PASSWORD = "kenchou-2026"


def annual(first: int, second: int, declared: int) -> str:
    """The report's JSON; ``declared`` is the income from donations the filer wrote down."""
    donors = [
        {
            "donor_id": "d0",
            "kind": "個人",
            "name": "髙橋花子",
            "address": "東京都千代田区霞が関1-2-3",
            "occupation": "医師",
        },
        {
            "donor_id": "d1",
            "kind": "個人",
            "name": "山田太郎",
            "address": "東京都港区芝公園4-2-8",
            "occupation": "会社員",
        },
    ]
    body = {
        "organization_name": "あおば後援会",
        "organization_kind": OrganizationKind.OTHER.value,
        "year": 2026,
        "carried_over": 0,
        "income": {"donations": declared, "total": declared},
        "donors": donors,
        "donations": [
            {"donor_id": "d0", "amount": first, "on": "2026-04-01"},
            {"donor_id": "d1", "amount": second, "on": "2026-05-01"},
        ],
        "expenditure_total": 0,
        "carried_forward": declared,
    }
    return json.dumps(body, ensure_ascii=False, indent=2)


@pytest.fixture(scope="module")
def funds_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Any]]:
    path = tmp_path_factory.mktemp("funds") / "funds.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with write_transaction(engine) as conn:
        create_staff(conn, "ken-tanaka", AUTHORITY, "clerk", "田中", password=PASSWORD)
    record(
        engine,
        "aoba",
        Establishment(
            date(2020, 4, 1),
            OrganizationState(
                organization_id="aoba",
                name="あおば後援会",
                kind=OrganizationKind.OTHER,
                representative="青葉 一郎",
                treasurer="青葉 花子",
            ),
        ),
    )
    token = filer_tokens.issue(engine, "aoba", by="ken-tanaka")
    app = create_funds_app(engine, authority=AUTHORITY, keys=Keys.derive(b"f" * 32))
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", token, engine
    uv.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def funds_page(browser: Any, funds_server: tuple[str, str, Any]) -> Iterator[Any]:
    context = browser.new_context(
        base_url=funds_server[0], locale="ja-JP", viewport={"width": 1100, "height": 800}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_file_with_two_mistakes_fix_publish_and_find(
    funds_page: Any, funds_server: tuple[str, str, Any]
) -> None:
    page, token = funds_page, funds_server[1]
    seen: dict[str, list[dict[str, Any]]] = {}
    page.goto("/")
    check(page, "funds home", seen)
    page.goto("/filer/sign-in")
    page.get_by_role("button", name="ログイン").click()
    check(page, "filer sign-in errors", seen)
    assert page.locator("#organization_id-error").is_visible()
    page.get_by_label("政治団体の ID").fill("aoba")
    page.get_by_label("提出用トークン").fill(token)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/filer")
    check(page, "filer overview", seen)

    # The report, field by field, with two mistakes: 160万円 from one person (over 150万円)
    # and a declared income from donations that does not add up.
    page.get_by_label("報告する年分（西暦）").fill("2026")
    page.get_by_role("button", name="入力を始める").click()
    page.wait_for_url("**/filer/drafts/2026/organization")
    assert page.get_by_label("政治団体の名称").input_value() == "あおば後援会"
    assert page.get_by_label("会計責任者の氏名").input_value() == "青葉 花子"
    check(page, "draft: organisation", seen)
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/income")
    page.get_by_label("寄附（円）", exact=True).fill("100,000")
    page.get_by_label("本年の収入額（合計）（円）").fill("100,000")
    check(page, "draft: income", seen)
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/donations")
    for n, (name, address, job, amount) in enumerate(
        [
            ("髙橋花子", "東京都千代田区霞が関1-2-3", "医師", "100,000"),
            ("山田太郎", "東京都港区芝公園4-2-8", "会社員", "1,600,000"),
        ]
    ):
        page.get_by_role("button", name="寄附の行を追加").click()
        page.wait_for_load_state("load")
        line = page.get_by_role("group", name=f"寄附 {n + 1}行目")
        line.get_by_label("寄附者の区分").select_option("個人")
        line.get_by_label("寄附者の氏名・名称").fill(name)
        line.get_by_label("住所（団体は主たる事務所の所在地）").fill(address)
        line.get_by_label("職業（個人のみ）").fill(job)
        line.get_by_label("金額（円）").fill(amount)
        line.get_by_label("年月日").fill("令和8年4月1日" if n == 0 else "2026-05-01")
    check(page, "draft: donations", seen)
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/tickets")
    check(page, "draft: party tickets", seen)
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/expenditures")
    check(page, "draft: expenditures", seen)
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/assets")
    page.get_by_label("翌年への繰越額（円）").fill("100,000")
    check(page, "draft: assets", seen)
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/confirm")

    summary = page.locator("#error-summary")
    assert "誤りがあります（2件）" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # focused
    assert page.get_by_role("button", name="提出する").count() == 0
    check(page, "draft: confirm with two errors", seen)
    summary.get_by_role("link", name=re.compile("山田太郎")).click()
    page.wait_for_url("**/filer/drafts/2026/donations#donations-1")
    row = page.locator("fieldset#donations-1.has-error")
    assert row.is_visible() and "政治資金規正法" in row.locator(".error").first.inner_text()
    assert page.locator("#error-summary").is_visible()  # the whole report's errors, here too
    check(page, "draft: donations with errors", seen)
    page.get_by_role("group", name="寄附 2行目").get_by_label("金額（円）").fill("１６０，０００")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state("load")
    assert "誤りがあります（1件）" in page.locator("#error-summary").inner_text()
    page.locator("#error-summary").get_by_role("link").first.click()
    page.wait_for_url("**/filer/drafts/2026/income#income_donations")
    assert page.locator("#income_donations[aria-invalid=true]").is_visible()
    check(page, "draft: income with its error", seen)
    page.get_by_label("寄附（円）", exact=True).fill("260,000")
    page.get_by_label("本年の収入額（合計）（円）").fill("260,000")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_load_state("load")
    # The carry-forward now disagrees with the corrected income: shown, and fixed, at once.
    page.locator("#error-summary").get_by_role("link", name=re.compile("翌年繰越")).click()
    page.wait_for_url("**/filer/drafts/2026/assets#carried_forward")
    page.get_by_label("翌年への繰越額（円）").fill("260,000")
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url("**/filer/drafts/2026/confirm")
    assert page.locator("#error-summary").count() == 0
    assert "最初の提出（第1版）" in page.locator("main").inner_text()
    check(page, "draft: confirm", seen)
    page.get_by_role("button", name="提出する").click()
    page.wait_for_url("**/filer?filed=2026-1")
    assert "第1版" in page.get_by_role("status").inner_text()
    check(page, "filer filed", seen)
    page.goto("/funds/search?name=高橋")
    assert page.locator("table tbody tr th", has_text="髙橋花子").count() == 0  # not yet public
    page.goto("/filer")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/")

    page.goto("/authority/sign-in")
    check(page, "staff sign-in", seen)
    page.get_by_role("button", name="ログイン").click()
    assert page.locator("#staff_id-error").is_visible()
    check(page, "staff sign-in errors", seen)
    page.get_by_label("職員 ID").fill("ken-tanaka")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/authority")
    check(page, "receipts", seen)
    page.get_by_role("link", name="あおば後援会").click()
    page.wait_for_url("**/authority/reports/aoba/2026/1")
    check(page, "report review", seen)
    page.get_by_role("button", name="公表する").click()
    page.wait_for_url("**/authority?published=*")
    assert "公表しました" in page.get_by_role("status").inner_text()
    check(page, "receipts after publication", seen)
    page.goto("/authority/organizations")
    assert "設立届" in page.locator("main").inner_text()
    check(page, "organizations", seen)

    page.goto("/funds/search")
    page.get_by_label("氏名・名称").fill("高橋")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state("load")
    assert page.locator("table tbody tr th", has_text="髙橋花子").count() >= 1
    check(page, "public search after publication", seen)
    page.get_by_label("政治団体", exact=True).select_option(label="あおば後援会")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("img", name=re.compile("あおば後援会の収入の内訳")).is_visible()
    income = page.get_by_role("table", name=re.compile("収入の内訳"))
    assert "260,000" in income.inner_text()  # 個人寄附 of 2026, as in the chart
    check(page, "public search: income chart of one organisation", seen)
    assert not any(seen.values()), report(seen)


def test_an_amendment_shows_its_diff_and_a_filer_is_refused_the_authority_pages(
    funds_page: Any, funds_server: tuple[str, str, Any]
) -> None:
    from jichi.funds.filings import file_report
    from jichi.funds.reports import parse_report

    page, engine = funds_page, funds_server[2]
    record(
        engine,
        "kaede",
        Establishment(
            date(2021, 4, 1),
            OrganizationState(
                organization_id="kaede",
                name="かえで会",
                kind=OrganizationKind.OTHER,
                representative="楓 一郎",
            ),
        ),
    )
    token = filer_tokens.issue(engine, "kaede", by="ken-tanaka")
    first = json.loads(annual(100_000, 60_000, 160_000))
    first["organization_name"] = "かえで会"
    file_report(engine, "kaede", parse_report(first), filed_on=date(2027, 3, 1))
    seen: dict[str, list[dict[str, Any]]] = {}
    page.goto("/filer/sign-in")
    page.get_by_label("政治団体の ID").fill("kaede")
    page.get_by_label("提出用トークン").fill(token)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/filer")
    page.locator("summary", has_text="上級者向け").click()
    corrected = {**first, "donations": [{**first["donations"][0]}, {**first["donations"][1]}]}
    corrected["donations"][1]["amount"] = 70_000
    corrected["income"] = {"donations": 170_000, "total": 170_000}
    corrected["carried_forward"] = 170_000
    page.get_by_label("収支報告書（JSON）").fill(json.dumps(corrected, ensure_ascii=False))
    page.get_by_role("button", name="確認する").click()
    page.wait_for_load_state("load")
    assert "第1版の訂正（第2版）" in page.locator("main").inner_text()
    page.get_by_role("button", name="提出する").click()  # no reason: refused at its field
    page.wait_for_load_state("load")
    assert page.locator("#reason-error").is_visible()
    check(page, "amendment without a reason", seen)
    page.get_by_label("訂正の理由（訂正のときだけ）").fill("寄附金額の誤記")
    page.get_by_role("button", name="提出する").click()
    page.wait_for_url("**/filer?filed=2026-2")
    page.goto("/authority")
    assert "受付機関（130001）の職員だけ" in page.locator("main").inner_text()
    check(page, "denied to a filer", seen)
    page.goto("/filer")
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/")
    page.goto("/authority/sign-in")
    page.get_by_label("職員 ID").fill("ken-tanaka")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/authority")
    page.goto("/authority/reports/kaede/2026/2")
    changes = page.locator("table", has_text="訂正前").inner_text()
    assert "donations[1].amount" in changes and "60,000" in changes and "70,000" in changes
    check(page, "amendment review with its diff", seen)
    page.goto("/authority/reports/kaede/2026/9")
    assert "提出されていません" in page.locator("main").inner_text()
    check(page, "report not found", seen)
    assert not any(seen.values()), report(seen)

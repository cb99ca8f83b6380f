"""WCAG 2.2 AA in the real browser: axe-core on every main page, and a form by keyboard.

``node_modules/axe-core/axe.min.js`` (npm devDependency, installed by ``npm ci``) is
injected into each page as Chromium renders it — with the design tokens' real colours,
fonts and layout — and run for the rules tagged wcag2a, wcag2aa, wcag21aa and wcag22aa.
Any violation fails the test with the rule, its help text and the elements it found.
Pages are checked in the states a clerk sees: empty, with results, with inline errors,
after recording, the network tasks, 広域交付 (the form, its errors, waiting, ready,
issued and refused, with a second node as the 住所地) and 本人通知 pages (with a notice
letter), and the supervisor's and the resident's pages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.conftest import screenshot, sign_in
from tests.e2e.browser.test_counter import file_family, focused
from tests.e2e.browser.test_forms import members, move_out
from tests.e2e.browser.test_network_pages import (
    open_residence_check,
    third_party_copy,
    waiting_requests,
)
from tests.e2e.browser.test_remote_copy_ui import holder_with_family, send_request

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def axe_run(page: Any) -> dict[str, Any]:
    """axe-core's verdict on the page as rendered: violations and how many rules passed."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (package.json devDependencies)")
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return {passes: r.passes.length, violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '),
                                          summary: n.failureSummary}))}))};
        }""",
        TAGS,
    )
    return result


def axe_violations(page: Any) -> list[dict[str, Any]]:
    return list(axe_run(page)["violations"])


def check(page: Any, where: str, seen: dict[str, list[dict[str, Any]]]) -> None:
    """Run axe on the page as it is now; remember what it found under ``where``."""
    page.wait_for_load_state("load")
    result = axe_run(page)
    assert result["passes"] >= 10, f"{where}: axe checked almost nothing ({result['passes']})"
    seen[where] = list(result["violations"])


def report(seen: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, violations in seen.items():
        for v in violations:
            targets = ", ".join(n["target"] for n in v["nodes"][:5])
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} — {targets}")
    return "\n".join(lines)


def test_axe_finds_a_violation_when_there_is_one(page: Any) -> None:
    """The check itself works: an unlabelled input and grey-on-white text are caught."""
    page.set_content(
        '<html lang="ja"><head><title>t</title></head><body><main>'
        '<input type="text"><p style="color:#aaa;background:#fff">薄い文字</p>'
        "</main></body></html>"
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "color-contrast"} <= found


def test_every_counter_page_meets_wcag_22_aa(
    browser: Any, server: Any, page: Any, tmp_path: Path
) -> None:
    seen: dict[str, list[dict[str, Any]]] = {}
    page.goto("/counter/login")
    check(page, "login", seen)
    page.get_by_role("button", name="ログイン").click()  # empty: inline errors
    check(page, "login with errors", seen)
    sign_in(page, "kakaricho-ito")
    check(page, "search", seen)
    file_family(page, "点検", "テンケン")
    family = members(page)
    household_url = page.url.split("?")[0]
    check(page, "household after recording", seen)
    file_family(page, "隣家", "リンカ")  # a neighbour at the same address (merge targets)
    page.goto("/counter/")
    page.get_by_label("フリガナ").fill("テンケン")
    page.get_by_role("button", name="検索", exact=True).click()
    page.locator("#results tbody tr").first.wait_for()
    check(page, "search with results", seen)
    page.goto(f"/counter/residents/{family['一郎']}")
    check(page, "person and timeline", seen)

    page.goto("/counter/notifications/move_in")
    check(page, "move_in", seen)
    page.get_by_role("button", name="入力内容を確認する").last.click()
    check(page, "move_in with errors", seen)
    page.goto("/counter/notifications/ex_officio_record")
    check(page, "ex_officio_record", seen)
    for kind in (
        "relocation",
        "move_out",
        "household_split",
        "household_merge",
        "household_composition",
        "head_change",
        "birth",
        "death",
    ):
        page.goto(f"{household_url}/{kind}")
        check(page, kind, seen)
    page.goto(f"{household_url}/household_merge")
    page.locator("#f-notified_date").fill("")
    page.get_by_role("button", name="入力内容を確認する").click()
    check(page, "household_merge with errors", seen)
    for kind in (
        "family_register_change",
        "former_surname",
        "attach_individual_number",
        "ex_officio_removal",
        "correction",
    ):
        page.goto(f"/counter/residents/{family['春子']}/{kind}")
        check(page, kind, seen)
    page.goto(f"/counter/residents/{family['春子']}/ex_officio_removal")
    page.get_by_role("button", name="入力内容を確認する").click()
    check(page, "ex_officio_removal with errors", seen)
    for kind in ("foreign_resident_change", "alias"):  # the form itself, whoever it is for
        page.goto(f"/counter/residents/{family['春子']}/{kind}")
        check(page, kind, seen)
    move_out(page, household_url, "点検 夏美（子）")
    for kind in ("confirm_move_out", "cancel_move_out", "restoration"):
        page.goto(f"/counter/residents/{family['夏美']}/{kind}")
        check(page, kind, seen)

    page.goto(f"/counter/certificates?person_id={family['一郎']}")
    check(page, "certificate form", seen)
    # A proxy: 本人 would need the basic four from a document (issue 9), not the point here.
    page.get_by_label("請求者の種別").select_option("proxy")
    page.locator("#f-requester_name").fill("代理　一郎")
    page.get_by_label("委任状を確認した（代理人は必須）").check()
    page.get_by_role("button", name="プレビュー（発行しない）").click()
    page.wait_for_url("**/certificates/preview")
    check(page, "certificate preview", seen)
    page.get_by_role("button", name="発行する").click()
    page.wait_for_url("**/certificates/issue")
    check(page, "certificate issued", seen)
    task_id = open_residence_check(server)
    waiting_requests(server)
    page.goto("/counter/network")
    check(page, "network tasks", seen)
    page.locator(f"li.task:has(#task-{task_id})").get_by_role("button").click()
    check(page, "network task with errors", seen)
    page.goto("/counter/remote_copies/new")
    check(page, "remote copy form", seen)
    page.get_by_role("button", name="請求を住所地に送る").click()
    check(page, "remote copy form with errors", seen)
    holder = holder_with_family(server, tmp_path, "点検", "テンケン")
    remote = send_request(page, "点検")
    check(page, "remote copy waiting", seen)
    holder.settle()  # also refuses the request waiting_requests() left for 千代田　花子
    page.goto(remote)
    check(page, "remote copy ready", seen)
    page.get_by_role("button", name="交付する").click()
    page.wait_for_url("**/issue")
    check(page, "remote copy issued", seen)
    page.goto("/counter/network")
    page.locator("tr", has_text="住所地が拒否").get_by_role("link").first.click()
    assert "断られました" in page.locator("#state").inner_text()
    check(page, "remote copy refused", seen)
    page.goto(f"/counter/residents/{family['一郎']}/issuance_notification")
    check(page, "issuance notification", seen)
    page.get_by_role("button", name="本日から登録する").click()
    check(page, "issuance notification registered", seen)
    third_party_copy(server, family["一郎"])
    page.goto("/counter/issuance_notices")
    check(page, "issuance notices", seen)
    page.get_by_role("link", name="通知書を印刷").first.click()
    page.wait_for_url("**/letter")
    check(page, "issuance notice letter", seen)
    page.goto("/counter/audit")
    check(page, "audit", seen)
    page.goto("/counter/households/no-such-household")
    check(page, "error page", seen)

    page.goto(f"/counter/residents/{family['一郎']}")
    page.get_by_role("button", name="本人確認コードを発行").click()
    code = page.locator(".code").inner_text().strip()
    check(page, "access code issued", seen)
    resident_context = browser.new_context(base_url=server.url, locale="ja-JP")
    resident = resident_context.new_page()
    resident.goto("/me/login")
    check(resident, "resident sign-in", seen)
    resident.get_by_label("確認コード").fill(code)
    resident.get_by_label("生年月日").fill("昭和53年5月1日")
    resident.get_by_role("button", name="確認する").click()
    resident.wait_for_url("**/me/")
    check(resident, "resident record", seen)
    resident.goto("/verify")
    check(resident, "verify", seen)
    resident_context.close()

    assert len(seen) >= 35
    assert not any(seen.values()), "WCAG 2.2 AA violations:\n" + report(seen)


def test_a_form_is_filled_and_submitted_with_the_keyboard_alone(page: Any) -> None:
    """世帯主変更届: Tab to each input, type, choose with the arrow keys, Enter to record."""
    sign_in(page)
    household_url = file_family(page, "鍵入力", "カギニュウリョク").split("?")[0]
    page.goto(household_url + "/head_change")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "本文へ移動"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    order = []
    for _ in range(40):  # Tab through the form: each stop is visible and in page order
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["outline"] == "solid" and now["width"] >= 2, now
        order.append(now["id"] or now["text"])
        if now["id"] == "f-effective_date":
            page.keyboard.type("R8.11.26")
        elif now["id"] == "f-new_head_id":
            for _ in range(2):  # 変わらない → 一郎 → 春子
                page.keyboard.press("ArrowDown")
        elif now["id"].startswith("f-relationships-"):
            label = page.evaluate(
                "document.querySelector(`label[for='${document.activeElement.id}']`).innerText"
            )
            page.keyboard.type({"一郎": "夫", "春子": "世帯主", "夏美": "子"}[_given(label)])
        elif now["text"] == "入力内容を確認する":
            break
    else:
        pytest.fail(f"the submit button was not reached by Tab: {order}")
    assert order.index("f-effective_date") < order.index("f-new_head_id")
    screenshot(page, "counter-keyboard-head-change")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=まだ記録していません")  # the 確認 page, its notice focused
    page.wait_for_function("document.activeElement !== document.body")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "記録する"  # the first control after what will change
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/recorded/**")
    page.wait_for_function("document.activeElement !== document.body")  # autofocus
    assert focused(page)["text"].startswith("世帯主変更届を記録しました")  # the notice has focus
    text = page.locator("tbody").inner_text()
    assert "鍵入力　春子" in text and "世帯主" in text and "夫" in text


def test_an_error_is_fixed_with_the_keyboard_alone(page: Any) -> None:
    """The error summary takes focus; Tab + Enter on its link lands on the input."""
    sign_in(page)
    household_url = file_family(page, "鍵誤り", "カギアヤマリ").split("?")[0]
    page.goto(household_url + "/household_split")
    page.locator("#f-effective_date").focus()
    page.keyboard.type("R8.13.1")  # no 13th month
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement !== document.body")  # autofocus
    assert "error-summary" in page.evaluate("document.activeElement.className")
    page.keyboard.press("Tab")
    link = focused(page)
    assert link["tag"] == "A" and "13月" in link["text"] and link["outline"] == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#f-effective_date"
    assert focused(page)["id"] == "f-effective_date"
    page.keyboard.press("Control+A")
    page.keyboard.type("R8.11.26")
    assert re.fullmatch(r"R8\.11\.26", page.locator("#f-effective_date").input_value())


def _given(label: str) -> str:
    """The given name in a 続柄 label: 「鍵入力　春子さんの続柄（現在: 妻）」 → 春子."""
    return label.split("\u3000", 1)[1].split("さん", 1)[0]


def test_public_places_history_meets_wcag_22_aa(page: Any) -> None:
    """The public 市町村数の推移 page: its chart has a text alternative and a data table.

    The table is drawn from the change data: its 1999-03-31 row must read 3,232.
    """
    seen: dict[str, list[dict[str, Any]]] = {}
    page.goto("/places/history")
    check(page, "places history", seen)
    svg = page.locator("svg").first
    assert svg.get_attribute("role") == "img" or svg.get_attribute("aria-labelledby")
    assert page.locator("table").count() >= 1
    row = page.locator("tr:has(time[datetime='1999-03-31'])")
    assert "3,232" in row.inner_text()
    assert not any(seen.values()), report(seen)


def test_public_funds_search_meets_wcag_22_aa(page: Any, server: Any) -> None:
    """The public 政治資金 search: empty, with a result and its chart, and with field errors."""
    from datetime import date

    from jichi.funds.filings import file_report
    from jichi.funds.organizations import OrganizationKind
    from jichi.funds.publication import publish
    from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
    from jichi.security.actor import Actor

    donor = Donor(
        donor_id="d1",
        kind=DonorKind.INDIVIDUAL,
        name="髙橋花子",
        address="東京都千代田区霞が関1-2-3",
        occupation="医師",
    )
    filing = AnnualReport(
        organization_name="あおば後援会",
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(donations=120_000, total=120_000),
        donors=(donor,),
        donations=(Donation(donor_id="d1", amount=120_000, on=date(2026, 4, 1)),),
        expenditure_total=0,
        carried_forward=120_000,
    )
    seen: dict[str, list[dict[str, Any]]] = {}
    page.goto("/funds/search")
    check(page, "funds search empty", seen)
    file_report(server.engine, "axe-org", filing, filed_on=date(2027, 3, 1))
    publish(server.engine, "axe-org", 2026, 1, Actor("axe-pref", "130001", "clerk"))
    page.goto("/funds/search")
    page.get_by_label("氏名・名称").fill("高橋")
    page.get_by_role("button", name="検索").click()
    page.wait_for_load_state("load")
    assert page.locator("table tbody tr th", has_text="髙橋花子").count() >= 1
    check(page, "funds search results", seen)
    page.goto("/funds/search?year=20x6")
    check(page, "funds search errors", seen)
    assert page.locator("#year-error").is_visible()
    assert not any(seen.values()), report(seen)


def test_my_number_card_pages_meet_wcag_22_aa(page: Any) -> None:
    """The card's counter pages: overview, 交付, PIN reset, 一時停止・解除, 有効期間変更, 通知書."""
    seen: dict[str, list[dict[str, Any]]] = {}
    sign_in(page)
    file_family(page, "札番", "フダバン")
    family = members(page)
    overview = f"/counter/mynumber/residents/{family['一郎']}"
    page.goto(overview)
    check(page, "card overview", seen)
    page.get_by_role("button", name="交付申請を受け付ける").click()
    page.wait_for_url("**done=applied")
    check(page, "card applied", seen)
    page.get_by_role("button", name="カードの到着を記録する").click()
    page.wait_for_url("**done=manufactured")
    page.get_by_role("link", name="カードを交付する（本人確認・暗証番号の設定）").click()
    page.wait_for_url("**/deliver")
    check(page, "card delivery", seen)
    page.get_by_role("button", name="交付する").click()
    page.locator(".error-summary").wait_for()
    check(page, "card delivery with errors", seen)
    page.locator("#f-identity_document").select_option("drivers_license")
    for name, pin in (
        ("signature", "ABC123"),
        ("user_authentication", "4821"),
        ("resident_registry", "5930"),
        ("text_input", "7164"),
    ):
        page.locator(f"#f-pin-{name}").fill(pin)
        page.locator(f"#f-pin-{name}_confirm").fill(pin)
    page.get_by_role("button", name="交付する").click()
    page.wait_for_url("**done=delivered")
    check(page, "card delivered", seen)
    page.get_by_role("link", name="暗証番号の初期化（再設定）").click()
    page.wait_for_url("**/pin_reset")
    check(page, "card PIN reset", seen)
    page.get_by_role("button", name="初期化する").click()
    page.locator(".error-summary").wait_for()
    check(page, "card PIN reset with errors", seen)
    page.goto(overview)
    page.get_by_role("link", name="有効期間変更（外国人住民）").click()
    page.wait_for_url("**/validity_change")
    check(page, "card validity change", seen)
    page.get_by_role("button", name="変更する").click()
    page.locator(".error-summary").wait_for()
    check(page, "card validity change with errors", seen)
    page.goto(f"{overview}/notice")
    check(page, "individual number notice", seen)
    page.goto(overview)
    page.locator("#f-reason").select_option("loss")
    page.get_by_role("button", name="一時停止する").click()
    page.wait_for_url("**done=suspended")
    check(page, "card suspended", seen)
    page.get_by_role("link", name="一時停止を解除する（窓口でのみ）").click()
    page.wait_for_url("**/resume")
    check(page, "card resume", seen)
    page.get_by_role("button", name="解除する").click()
    page.locator(".error-summary").wait_for()
    check(page, "card resume with errors", seen)
    assert len(seen) == 13
    assert not any(seen.values()), "WCAG 2.2 AA violations:\n" + report(seen)

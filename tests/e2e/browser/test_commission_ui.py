"""A municipal election from roll to results in Chromium, with axe on every page.

The commission's staff (role ``election``) sign in at the counter's sign-in page and land
on the list of elections; they build the roll at the 定時登録 base date and compare it
with a later build, register a mayoral election with its candidates (first with an
error, fixed by keyboard), add an 期日前投票所 and a 当日投票所, download a district's
入場整理券, check a voter in by typing the id and
pressing Enter (the scanner's way) and are refused the second time with where and when,
enter the tally twice as two people, and declare the result; the public page then says
確定.  axe-core (WCAG 2.2 AA) runs on every page on the way, in each state shown.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser.conftest import LG, Server, screenshot
from tests.e2e.browser.test_accessibility import check, report
from tests.integration.web.commission_world import (
    BASE_DATE,
    COMMISSION,
    PASSWORD,
    election_form,
    family,
    staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in_commission(page: Any, staff_id: str) -> None:
    page.goto("/counter/login")
    page.get_by_label("職員 ID").fill(staff_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/counter/elections/")


def test_a_municipal_election_from_roll_to_results(page: Any, server: Server) -> None:
    staff(server.engine, LG)
    people = family(server.app.state.registry, surname="選挙")
    seen: dict[str, list[dict[str, Any]]] = {}
    sign_in_commission(page, COMMISSION[0])
    check(page, "選挙の一覧（空）", seen)

    page.get_by_role("link", name="選挙人名簿", exact=True).click()
    check(page, "選挙人名簿", seen)
    page.get_by_label("基準日").fill(BASE_DATE)
    page.get_by_label("先に行う登録").select_option("periodic")
    page.get_by_role("button", name="調製する").click()
    page.wait_for_url("**/roll/*?built=1")
    assert "登録者 2人" in page.locator("[role=status]").inner_text()
    check(page, "調製した名簿（人数・抄本）", seen)
    screenshot(page, "commission-roll")
    page.get_by_role("link", name="選挙人名簿", exact=True).click()
    page.get_by_label("基準日").fill("2026-12-01")
    page.get_by_role("button", name="調製する").click()
    page.wait_for_url("**/roll/*?built=1")
    page.get_by_role("link", name="選挙人名簿", exact=True).click()
    page.get_by_role("button", name="差分を表示する").click()
    page.wait_for_url("**/roll/diff?*")
    check(page, "名簿の差分", seen)

    page.get_by_role("link", name="選挙の登録", exact=True).click()
    check(page, "選挙の登録", seen)
    form = election_form()
    page.get_by_label("選挙ID").fill(form["election_id"])
    page.get_by_label("選挙の種類").select_option(form["kind"])
    page.get_by_label("選挙区").fill(form["district"])
    page.get_by_label("公示日・告示日").fill(form["announced_on"])
    page.get_by_label("投票日").fill(form["polling_day"])
    page.get_by_label("政党・政治団体（1行に1つ）").fill(form["parties"])
    page.get_by_label("候補者（1行に1人）").fill(form["candidates"])
    page.get_by_role("button", name="登録する").click()  # 定数 left empty
    summary = page.locator(".error-summary")
    assert "定数" in summary.inner_text() and "seats" not in summary.inner_text()
    check(page, "選挙の登録（誤りの表示）", seen)
    page.get_by_role("link", name="定数", exact=False).first.click()
    page.keyboard.type("1")
    page.keyboard.press("Enter")  # submits the form from the focused input
    page.wait_for_url("**/counter/elections/2026-mayor?created=1")
    check(page, "選挙（登録直後）", seen)
    page.get_by_label("投票所ID").fill("s1")
    page.get_by_label("名称").fill("期日前投票所（本庁）")
    page.get_by_label("種類").select_option("early")
    page.get_by_label("投票区").fill("1")
    page.get_by_role("button", name="投票所を登録する").click()
    page.get_by_label("投票所ID").fill("d1")
    page.get_by_label("名称").fill("第1投票所（的場小学校）")
    page.get_by_label("種類").select_option("day")
    page.get_by_label("投票区").fill("1")
    page.get_by_role("button", name="投票所を登録する").click()
    page.get_by_role("link", name="投票所入場整理券（PDF）").click()
    assert "第1投票所（的場小学校）" in page.locator("table").inner_text()
    check(page, "入場整理券", seen)
    with page.expect_download() as download:
        page.get_by_role("link", name="投票区1の入場整理券 1/1（PDF）").click()
    assert download.value.suggested_filename == "tickets-2026-mayor-1-1of1.pdf"
    page.get_by_role("link", name="選挙の画面に戻る").click()
    page.get_by_role("link", name="期日前投票所（本庁）（s1）").click()
    check(page, "受付", seen)
    taro = people.voters[0]
    page.keyboard.type(taro)  # the input has the focus, as the scanner expects
    page.keyboard.press("Enter")
    assert "受け付けました" in page.locator("[role=status]").inner_text()
    check(page, "受付（受け付けた）", seen)
    page.keyboard.type(taro)
    page.keyboard.press("Enter")
    alert = page.locator("[role=alert]").inner_text()
    assert "受付済みです" in alert and "期日前投票所（本庁）" in alert and COMMISSION[0] in alert
    check(page, "受付（二重投票の拒否）", seen)
    screenshot(page, "commission-desk-refused")
    page.get_by_role("button", name="オフライン受付に切り替えた").click()
    assert "二重投票の危険があります" in page.locator("[role=alert]").first.inner_text()
    check(page, "受付（オフライン）", seen)

    tally = {"開票区（必須）": "1", "川越 一郎（c1）": "120", "的場 花子（c2）": "80", "白票": "3"}

    def enter_tally() -> None:
        page.goto("/counter/elections/2026-mayor/tally")
        for label, value in tally.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_label("按分する票（1行に1種類）").fill("かわ,6,c1 c2")
        page.get_by_role("button", name="入力する").click()

    enter_tally()
    assert "1人目の入力" in page.locator("[role=status]").inner_text()
    check(page, "開票の入力（1人目）", seen)
    page.get_by_role("button", name="ログアウト").click()
    sign_in_commission(page, COMMISSION[1])
    enter_tally()
    assert "照合しました" in page.locator("[role=status]").inner_text()
    check(page, "開票の入力（照合済み）", seen)
    page.get_by_role("link", name="開票結果へ").click()
    assert "速報" in page.locator("h1").inner_text()
    assert "123.600" in page.locator("table").first.inner_text()
    check(page, "開票結果（速報）", seen)
    page.get_by_role("button", name="確定する").click()
    assert "確定" in page.locator("h1").inner_text()
    check(page, "開票結果（確定）", seen)
    page.get_by_role("link", name="公開の結果ページ").click()
    assert "確定しました" in page.locator("main").inner_text()
    check(page, "公開の開票結果", seen)
    screenshot(page, "commission-results-public")
    assert not any(seen.values()), report(seen)
    assert len(seen) >= 14


def test_the_pr_results_pages_show_seats_and_pass_axe(
    fresh_page: Any, fresh_server: Server
) -> None:
    """比例代表: the seats section (parties, passed-on seat, winners by 惜敗率, rules) on
    the commission's and the public results page, 衆院 and 参院, with axe on each."""
    from jichi.elections import election_store
    from jichi.elections.tally import Tally
    from jichi.store.engine import write_transaction
    from tests.integration.web.test_pr_results_pages import (
        HOC_PR,
        HOR_PR,
        district_elections,
        enter_both,
    )

    engine = fresh_server.engine
    staff(engine, LG)
    with write_transaction(engine) as conn:
        election_store.save(conn, HOR_PR)
        election_store.save(conn, HOC_PR)
    district_elections(engine)
    enter_both(engine, HOR_PR, Tally(votes={}, party_votes={"P党": 300_000, "Q党": 130_000}))
    votes = {"r1": 5_000, "r2": 30_000, "r3": 50_000, "s1": 41_000, "s2": 0}
    enter_both(engine, HOC_PR, Tally(votes=votes, party_votes={"R党": 100_000, "S党": 50_000}))
    page = fresh_page
    seen: dict[str, list[dict[str, Any]]] = {}
    sign_in_commission(page, COMMISSION[0])
    for election_id in ("hor-pr", "hoc-pr"):
        page.goto(f"/counter/elections/{election_id}/results")
        assert "政党別の議席" in page.locator("main").inner_text()
        page.get_by_text("ドント式の商（議席を得た順）").click()  # open the details too
        check(page, f"開票結果（比例代表 {election_id}）", seen)
        page.goto(f"/elections/{election_id}/results")
        assert "当選人" in page.locator("main").inner_text()
        check(page, f"公開の開票結果（比例代表 {election_id}）", seen)
    assert not any(seen.values()), report(seen)
    assert len(seen) == 4

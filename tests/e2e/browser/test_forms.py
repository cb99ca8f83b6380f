"""The counter's other notification forms in a real browser.

世帯合併・世帯構成変更 (household forms), 転出確定・転出取消, 戸籍の届出による記載の変更,
旧氏, 個人番号の記載, 通称 and 外国人住民の記載事項 (person forms), 職権記載 (a family form),
and the supervisor's 職権消除 and 回復, which a clerk neither sees nor may open.  Each
test makes a mistake first and checks the Japanese message sits next to the right input,
then fixes it and checks what was recorded.
"""

from __future__ import annotations

from typing import Any

import pytest

from jichi.registry.commands import MoveIn
from jichi.security.actor import Actor
from tests.e2e.browser.conftest import LG, Server, screenshot, sign_in
from tests.e2e.browser.test_counter import file_family

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def members(page: Any) -> dict[str, str]:
    """The household page's members: given name → person id."""
    found = {}
    for link in page.locator("tbody tr td:first-child a").all():
        person_id = (link.get_attribute("href") or "").rsplit("/", 1)[-1]
        found[link.inner_text().split("\u3000")[-1]] = person_id
    return found


def household_id(url: str) -> str:
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def errors_shown(page: Any) -> dict[str, str]:
    """Every inline error: the id of the input it belongs to → its text."""
    shown = {}
    for item in page.locator(".field-error").all():
        shown[(item.get_attribute("id") or "").removesuffix("-error")] = item.inner_text()
    return shown


def summary_has_focus(page: Any) -> bool:
    return bool(page.evaluate("document.activeElement.classList.contains('error-summary')"))


def follow_summary_link(page: Any, index: int = 0) -> str:
    """Activate an error summary link by keyboard; the focused input's id."""
    page.locator(".error-summary a").nth(index).focus()
    page.keyboard.press("Enter")
    target = page.locator(".error-summary a").nth(index).get_attribute("href") or ""
    page.locator(target).focus()  # what a browser does for an in-page link to an input
    return str(page.evaluate("document.activeElement.id"))


def test_merging_two_households_at_the_same_address(page: Any) -> None:
    sign_in(page)
    into_url = file_family(page, "併合", "ヘイゴウ")
    into = household_id(into_url)
    source_url = file_family(page, "合併", "ガッペイ")
    page.goto(source_url.split("?")[0] + "/household_merge")
    assert page.get_by_role("heading", name="世帯合併届").is_visible()
    page.locator("#f-notified_date").fill("")
    page.get_by_role("button", name="入力内容を確認する").click()
    shown = errors_shown(page)
    assert "異動日を入力してください" in shown["f-effective_date"]
    assert "移る先の世帯を入力してください" in shown["f-into_household_id"]
    assert page.locator("#f-into_household_id").get_attribute("aria-invalid") == "true"
    assert summary_has_focus(page)

    page.locator("#f-effective_date").fill("R8.11.27")
    page.locator("#f-notified_date").fill("R8.11.27")
    page.get_by_label("合併先の世帯（同じ住所）").select_option(
        label="世帯主 併合　一郎 の世帯（3人）"
    )
    page.get_by_role("button", name="入力内容を確認する").click()
    # Every member needs a 続柄 to the new head: the first missing one is named.
    shown = errors_shown(page)
    assert len(shown) == 1
    (field, message) = next(iter(shown.items()))
    assert field.startswith("f-relationships-") and "続柄" in message
    assert page.locator("#f-effective_date").input_value() == "R8.11.27"  # nothing lost
    screenshot(page, "counter-household-merge-error", full_page=True)

    page.get_by_label("合併　一郎さんの続柄").fill("弟")
    page.get_by_label("合併　春子さんの続柄").fill("弟の妻")
    page.get_by_label("合併　夏美さんの続柄").fill("弟の子")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "世帯合併届を記録しました" in page.get_by_role("status").inner_text()
    page.goto(f"/counter/households/{into}")
    rows = page.locator("tbody tr")
    assert rows.count() == 6
    text = page.locator("tbody").inner_text()
    assert "弟の妻" in text and "併合　一郎" in text
    screenshot(page, "counter-household-merge", full_page=True)


def test_moving_one_member_into_another_household_at_the_same_address(page: Any) -> None:
    sign_in(page)
    into = household_id(file_family(page, "構成先", "コウセイサキ"))
    source_url = file_family(page, "構成", "コウセイ").split("?")[0]
    family = members(page)
    page.goto(source_url + "/household_composition")
    page.locator("#f-effective_date").fill("R8.11.27")
    page.get_by_label("移る先の世帯（同じ住所）").select_option(
        label="世帯主 構成先　一郎 の世帯（3人）"
    )
    page.get_by_role("button", name="入力内容を確認する").click()
    assert "対象となる方を入力してください" in errors_shown(page)["f-person_ids"]
    page.get_by_label("構成 夏美（子）").check()
    page.get_by_label("構成　夏美さんの続柄").fill("同居人")
    screenshot(page, "counter-household-composition", full_page=True)
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "世帯構成変更届を記録しました" in page.get_by_role("status").inner_text()
    page.goto(source_url)
    assert page.locator("tbody tr").count() == 2  # the household she left
    page.goto(f"/counter/residents/{family['夏美']}")
    assert "同居人" in page.locator("dl.record").inner_text()
    page.goto(f"/counter/households/{into}")
    assert page.locator("tbody tr").count() == 4


def move_out(page: Any, household_url: str, who: str) -> None:
    page.goto(household_url + "/move_out")
    page.locator("#f-planned_date").fill("R8.12.1")
    page.get_by_label(who).check()
    page.locator("#f-destination-prefecture").fill("東京都")
    page.locator("#f-destination-municipality").fill("新宿区")
    page.locator("#f-destination-town").fill("西新宿")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")


def test_confirming_and_cancelling_a_move_out(page: Any) -> None:
    sign_in(page)
    household_url = file_family(page, "転出", "テンシュツ").split("?")[0]
    family = members(page)
    move_out(page, household_url, "転出 夏美（子）")
    move_out(page, household_url, "転出 春子（妻）")

    # 転出取消: 夏美 stays after all.
    page.goto(f"/counter/residents/{family['夏美']}")
    assert "除票" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("link", name="転出取消").click()
    page.get_by_label("届出日").fill("R8.13.40")
    page.get_by_role("button", name="入力内容を確認する").click()
    assert "f-notified_date" in errors_shown(page)
    page.locator("#f-notified_date").fill("")
    assert follow_summary_link(page) == "f-notified_date"
    page.keyboard.type("R8.11.27")
    page.get_by_label("メモ").fill("本人から転出を取りやめた旨の申出")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "転出取消を記録しました" in page.get_by_role("status").inner_text()
    page.goto(f"/counter/residents/{family['夏美']}")
    assert "除票" not in page.get_by_role("heading", level=1).inner_text()
    assert "転出取消" in page.locator("table").last.inner_text()

    # 転出確定: 春子's 転入通知 arrived from 新宿区, with another date and address.
    page.goto(f"/counter/residents/{family['春子']}")
    page.get_by_role("link", name="転出確定（転入通知の受理）").click()
    page.locator("#f-moved_on").fill("R8.12.40")
    page.get_by_role("button", name="入力内容を確認する").click()
    assert "f-moved_on" in errors_shown(page)
    page.locator("#f-moved_on").fill("R8.12.3")
    page.locator("#f-new_address-prefecture").fill("東京都")
    page.locator("#f-new_address-municipality").fill("新宿区")
    page.locator("#f-new_address-town").fill("西新宿")
    page.locator("#f-new_address-block").fill("2-8-1")
    screenshot(page, "counter-confirm-move-out", full_page=True)
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.goto(f"/counter/residents/{family['春子']}")
    record = page.locator("dl.record").inner_text()
    assert "令和8年12月3日" in record and "2-8-1" in record
    # confirmed: neither form is offered any more
    assert page.get_by_role("link", name="転出取消").count() == 0
    assert page.get_by_role("link", name="転出確定（転入通知の受理）").count() == 0


def test_only_a_supervisor_removes_ex_officio_and_restores(browser: Any, page: Any) -> None:
    sign_in(page)
    household_url = file_family(page, "消除", "ショウジョ").split("?")[0]
    family = members(page)
    person_url = f"/counter/residents/{family['夏美']}"
    page.goto(person_url)
    assert page.get_by_role("link", name="職権消除").count() == 0  # not for a clerk
    response = page.goto(person_url + "/ex_officio_removal")
    assert response is not None and response.status == 403
    assert "権限" in page.locator("main").inner_text()

    page.context.clear_cookies()
    sign_in(page, "kakaricho-ito")
    page.goto(person_url)
    page.get_by_role("link", name="職権消除").click()
    assert page.get_by_text("係長（責任者）の操作です").is_visible()
    page.locator("#f-effective_date").fill("R8.11.27")
    page.get_by_role("button", name="入力内容を確認する").click()
    assert "理由を入力してください" in errors_shown(page)["f-reason"]
    assert page.locator("#f-reason").get_attribute("aria-invalid") == "true"
    screenshot(page, "counter-ex-officio-removal-error", full_page=True)
    page.locator("#f-reason").fill("令和8年11月の実態調査で居住の事実なし（調査書 第12号）")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "職権消除" in page.get_by_role("heading", level=1).inner_text()
    page.goto(household_url)
    assert page.locator("tbody tr").count() == 2

    page.goto(person_url)
    page.get_by_role("link", name="回復").click()
    page.locator("#f-reason").fill("別の方と取り違えて消除したため（本人の来庁により確認）")
    screenshot(page, "counter-restoration", full_page=True)
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.goto(person_url)
    assert "除票" not in page.get_by_role("heading", level=1).inner_text()
    assert "回復" in page.locator("table").last.inner_text()
    page.goto(household_url)
    assert page.locator("tbody tr").count() == 3
    page.goto(f"/counter/audit?person_id={family['夏美']}")
    log = page.locator("main").inner_text()
    assert "職権消除" in log and "回復" in log and "kakaricho-ito" in log


def test_family_register_change_and_former_surname(page: Any) -> None:
    sign_in(page)
    file_family(page, "戸籍", "コセキ")
    family = members(page)
    page.goto(f"/counter/residents/{family['夏美']}")
    page.get_by_role("link", name="戸籍の届出による記載の変更").click()
    assert page.locator("#f-name-family").input_value() == "戸籍"  # starts as it stands
    page.locator("#f-effective_date").fill("R8.11.22")
    page.locator("#f-name-family").fill("")
    page.get_by_role("button", name="入力内容を確認する").click()
    shown = errors_shown(page)
    assert "戸籍の届出を入力してください" in shown["f-event"]
    page.get_by_label("戸籍の届出").select_option("婚姻")
    page.locator("#f-name-family").fill("婚家")
    page.locator("#f-name-family_kana").fill("コンカ")
    page.locator("#f-honseki").fill("埼玉県川越市元町二丁目")
    page.locator("#f-family_register_head").fill("婚家　太郎")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.goto(f"/counter/residents/{family['夏美']}")
    record = page.locator("dl.record").inner_text()
    assert "婚家　夏美" in record and "コンカ" in record and "元町二丁目" in record

    page.get_by_role("link", name="旧氏の記載・削除").click()
    page.locator("#f-family").fill("戸籍")
    page.get_by_role("button", name="入力内容を確認する").click()
    shown = errors_shown(page)
    assert shown, "a 旧氏 without its reading is refused"
    assert "f-family_kana" in shown or "f-family" in shown
    page.locator("#f-family_kana").fill("コセキ")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.goto(f"/counter/residents/{family['夏美']}")
    assert "旧氏" in page.locator("table").last.inner_text()


def test_attaching_an_individual_number_only_when_the_basic_four_match(page: Any) -> None:
    sign_in(page)
    file_family(page, "番号", "バンゴウ")
    family = members(page)
    page.goto(f"/counter/residents/{family['一郎']}")
    page.get_by_role("link", name="個人番号の記載").click()
    page.locator("#f-individual_number").fill("12345")
    page.get_by_role("button", name="入力内容を確認する").click()
    shown = errors_shown(page)
    assert "f-individual_number" in shown
    assert {"f-name", "f-date_of_birth", "f-address"} <= set(shown)
    screenshot(page, "counter-attach-number-error", full_page=True)


@pytest.fixture
def foreign_resident(server: Server) -> str:
    """A 外国人住民 (no form files one: the 転入 form has no foreign items yet)."""
    cmd = MoveIn.model_validate(
        {
            "effective_date": "2026-11-20",
            "address": {"lg_code": LG, "town": "大字的場", "block": "7-7"},
            "previous_address": {"abroad": True, "town": "ベトナム"},
            "persons": [
                {
                    "name": {"family": "NGUYEN", "given": "VAN AN", "family_kana": "グエン"},
                    "date_of_birth": "1995-05-05",
                    "sex": "male",
                    "relationship": "世帯主",
                    "foreign": {
                        "nationality": "ベトナム",
                        "category": "中長期在留者",
                        "status_of_residence": "技能実習",
                        "period_of_stay": "1年",
                        "period_expires": "2027-11-19",
                        "residence_card_number": "AB12345678CD",
                    },
                }
            ],
        }
    )
    applied = server.app.state.registry.apply(cmd, Actor("clerk-sato", LG, "clerk"))
    household = applied.result["household_id"]
    found = server.app.state.registry.household(household, Actor("clerk-sato", LG, "clerk"))
    return str(found[1][0].person_id)


def test_a_foreign_residents_status_and_alias(page: Any, foreign_resident: str) -> None:
    sign_in(page)
    page.goto(f"/counter/residents/{foreign_resident}")
    assert page.get_by_role("link", name="旧氏の記載・削除").count() == 0  # Japanese only
    page.get_by_role("link", name="外国人住民の記載事項の変更").click()
    assert page.locator("#f-foreign-nationality").input_value() == "ベトナム"
    page.locator("#f-effective_date").fill("R8.11.26")
    page.locator("#f-foreign-residence_card_number").fill("12345")
    page.get_by_role("button", name="入力内容を確認する").click()
    assert "f-foreign-residence_card_number" in errors_shown(page)
    page.locator("#f-foreign-residence_card_number").fill("EF87654321GH")
    page.locator("#f-foreign-status_of_residence").fill("特定技能")
    page.locator("#f-foreign-period_expires").fill("2029-11-19")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.goto(f"/counter/residents/{foreign_resident}")
    page.get_by_role("link", name="通称の記載・削除").click()
    page.locator("#f-alias-family").fill("中村")
    page.locator("#f-alias-given").fill("安")
    page.locator("#f-alias-family_kana").fill("ナカムラ")
    page.locator("#f-alias-given_kana").fill("アン")
    page.locator("#f-evidence-0-issuer").fill("株式会社的場製作所")
    page.locator("#f-evidence-0-document").fill("社員証")
    page.get_by_role("button", name="入力内容を確認する").click()
    summary = page.locator(".error-summary").inner_text()
    assert "資料" in summary or "通称" in summary  # one document is not enough
    page.locator("#f-evidence-1-issuer").fill("川越信用金庫")
    page.locator("#f-evidence-1-document").fill("預金通帳")
    screenshot(page, "counter-alias", full_page=True)
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.goto(f"/counter/residents/{foreign_resident}")
    assert "通称" in page.locator("table").last.inner_text()


def test_recording_a_resident_ex_officio(page: Any) -> None:
    sign_in(page)
    page.get_by_role("link", name="職権記載").click()
    page.wait_for_url("**/counter/notifications/ex_officio_record*")  # the new page, loaded
    assert page.get_by_role("heading", name="職権記載").is_visible()
    assert page.get_by_label("カードの読み取り結果（JSON）").count() == 0
    page.locator("#f-effective_date").fill("R8.9.1")
    page.locator("#f-address-town").fill("大字的場")
    page.locator("#f-address-block").fill("3-3")
    page.locator("#f-persons-0-name-family").fill("職権")
    page.locator("#f-persons-0-name-given").fill("記子")
    page.locator("#f-persons-0-date_of_birth").fill("S60.1.1")
    page.locator("#f-persons-0-sex").select_option("female")
    page.locator("#f-persons-0-relationship").fill("世帯主")
    page.get_by_role("button", name="入力内容を確認する").last.click()
    assert "理由を入力してください" in errors_shown(page)["f-reason"]
    page.locator("#f-reason").fill("実態調査により令和8年9月から居住していることを確認")
    page.get_by_role("button", name="入力内容を確認する").last.click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    assert "職権記載を記録しました" in page.get_by_role("status").inner_text()
    assert "職権　記子" in page.locator("tbody").inner_text()

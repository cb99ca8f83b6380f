"""A resident signs in with a one-time code and sees who accessed their record."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser.conftest import screenshot, sign_in
from tests.e2e.browser.test_counter import file_family

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_resident_signs_in_with_a_one_time_code_and_sees_the_clerks_accesses(
    browser: Any, server: Any, page: Any
) -> None:
    sign_in(page)
    file_family(page, "本人", "ホンニン")
    page.get_by_role("link", name="本人　一郎").click()
    page.get_by_role("button", name="本人確認コードを発行").click()
    code = page.locator(".code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    screenshot(page, "counter-access-code")

    resident_context = browser.new_context(base_url=server.url, locale="ja-JP")
    resident = resident_context.new_page()
    resident.goto("/me/")
    assert "/me/login" in resident.url
    resident.get_by_label("確認コード").fill(code)
    resident.get_by_label("生年月日").fill("1978-05-02")  # wrong: the code is now used up
    resident.get_by_role("button", name="確認する").click()
    assert "正しくない" in resident.get_by_role("alert").inner_text()

    page.get_by_role("button", name="本人確認コードを発行").click()
    code = page.locator(".code").inner_text().strip()
    resident.get_by_label("確認コード").fill(code)
    resident.get_by_label("生年月日").fill("昭和53年5月1日")
    resident.get_by_role("button", name="確認する").click()
    resident.wait_for_url("**/me/")
    assert resident.get_by_role("heading", name="本人　一郎 様の住民票").is_visible()
    log = resident.locator("section", has=resident.get_by_role("heading", name="アクセス記録"))
    text = log.inner_text()
    assert "佐藤" in text and "窓口職員" in text  # the clerk by name, not by staff id
    assert "clerk-sato" not in text
    assert "住民票の照会" in text and "窓口での照会" in text
    assert "転入の記録" in text and "本人確認コードの発行" in text
    assert "ご本人" in text
    screenshot(page=resident, name="me-record", full_page=True)
    resident.get_by_role("button", name="ログアウト").click()
    resident.goto("/me/")
    assert "/me/login" in resident.url
    screenshot(resident, "me-login")
    resident_context.close()

"""Certificates at the counter in a real browser: issue, print, verify.

A clerk files a 転入 for a family, splits the household, issues a household copy and a
personal copy; the downloaded PDFs' text (``pdftotext -layout``) has the right names and
items and leaves out the defaults (本籍, 個人番号, 住民票コード); the public verification
page accepts the real PDF and rejects one with a changed byte.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jichi.registry import issuance_notification
from jichi.registry.certificates.tables import certificate
from jichi.registry.issuance_notification import issuance_notice
from jichi.security.actor import Actor
from jichi.security.tables import audit_log
from tests.e2e.browser.conftest import LG, Server, screenshot, sign_in
from tests.e2e.browser.test_counter import fill_move_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HONSEKI = "埼玉県川越市元町一丁目"


def text_of(pdf: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    return re.sub(r"[ \u3000]+", "", out)


def member_ids(page: Any) -> dict[str, str]:
    """The household page's members: given name → person id."""
    ids = {}
    for link in page.locator("tbody tr td:first-child a").all():
        person_id = (link.get_attribute("href") or "").rsplit("/", 1)[-1]
        ids[link.inner_text().split("\u3000")[-1]] = person_id
    return ids


def issue_and_download(page: Any, tmp_path: Path, name: str, shot: str = "") -> tuple[Path, str]:
    page.get_by_role("button", name="プレビュー（発行しない）").click()
    page.wait_for_url("**/counter/certificates/preview")
    assert "まだ発行していません" in page.get_by_role("status").inner_text()
    assert page.locator("#serial").count() == 0 and page.locator("#verification-code").count() == 0
    if shot:
        screenshot(page, shot, full_page=True)
    page.get_by_role("button", name="発行する").click()
    page.wait_for_url("**/counter/certificates/issue")
    assert "発行しました" in page.get_by_role("status").inner_text()
    code = page.locator("#verification-code").inner_text().strip()
    with page.expect_download() as info:
        page.get_by_role("button", name="発行（印刷用PDF）").click()
    path = tmp_path / f"{name}.pdf"
    info.value.save_as(str(path))
    return path, code


def test_a_clerk_issues_household_and_personal_copies_and_the_public_verifies_them(
    page: Any, tmp_path: Path
) -> None:
    sign_in(page)
    fill_move_in(
        page,
        "証明",
        "ショウメイ",
        [
            ("一郎", "イチロウ", "S53.5.1", "male", "世帯主"),
            ("春子", "ハルコ", "1981-03-03", "female", "妻"),
            ("夏美", "ナツミ", "H20.7.7", "female", "子"),
        ],
    )
    for i in range(3):
        page.locator(f"#f-persons-{i}-honseki").fill(HONSEKI)
        page.locator(f"#f-persons-{i}-family_register_head").fill("証明　一郎")
    page.get_by_role("button", name="入力内容を確認する").last.click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.get_by_role("link", name="世帯を表示").first.click()
    page.wait_for_url("**/counter/households/**")
    household_url = page.url.split("?")[0]
    family = member_ids(page)
    assert set(family) == {"一郎", "春子", "夏美"}

    page.get_by_role("link", name="世帯分離届").click()
    page.locator("#f-effective_date").fill("R8.11.25")
    page.get_by_label("証明 夏美（子）").check()
    page.get_by_label("新しい世帯の世帯主").select_option(label="証明　夏美（子）")
    page.get_by_role("button", name="入力内容を確認する").click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")

    # 世帯連記式, whole household, with 続柄 asked for: the two who stayed, nothing else.
    page.goto(f"/counter/certificates?person_id={family['一郎']}")
    assert page.get_by_label("住民票の写し（世帯連記式）").is_checked()
    assert not page.get_by_label("本籍・筆頭者").is_checked()
    assert not page.get_by_label("個人番号（本人・同一世帯の請求のみ）").is_checked()
    assert not page.get_by_label("住民票コード（本人・同一世帯の請求のみ）").is_checked()
    page.get_by_label("世帯全員（世帯連記式・記載事項証明書）").check()
    page.get_by_label("世帯主・続柄").check()
    # 本人: the clerk enters the basic four from the identity document (issue 9).
    page.locator("#f-requester_name").fill("証明　一郎")
    page.locator("#f-id_document").select_option("my_number_card")
    page.locator("#f-requester_date_of_birth").fill("1978-05-01")
    page.locator("#f-requester_sex").select_option("male")
    page.locator("#f-requester_address").fill("大字的場2-4-6")
    screenshot(page, "counter-certificate-form", full_page=True)
    household_pdf, household_code = issue_and_download(
        page, tmp_path, "household", shot="counter-certificate-preview"
    )
    screenshot(page, "counter-certificate-issued", full_page=True)
    text = text_of(household_pdf)
    assert "証明一郎" in text and "証明春子" in text
    assert "証明夏美" not in text  # she left the household
    assert "世帯主" in text and "妻" in text
    assert HONSEKI not in text  # 本籍 is left out unless asked for
    assert "以下余白" in text and "令和" in text

    # 個人票 for 夏美 in her new household, by a proxy: defaults only.
    page.goto(f"/counter/certificates?person_id={family['夏美']}")
    page.get_by_label("住民票の写し（個人票）").check()
    page.get_by_label("請求者の種別").select_option("proxy")
    page.get_by_label("請求者の氏名・名称").fill("代理　花子")
    page.get_by_label("委任状を確認した（代理人は必須）").check()
    personal_pdf, personal_code = issue_and_download(page, tmp_path, "personal")
    text = text_of(personal_pdf)
    assert "証明夏美" in text
    assert "証明一郎" not in text and "証明春子" not in text
    assert HONSEKI not in text and "世帯主" not in text

    # The public page: no sign-in, the real PDF is accepted, a changed byte is not.
    page.context.clear_cookies()
    page.goto(f"/verify?code={household_code}")
    assert "発行されたものです" in page.locator("#verdict").inner_text()
    shown = page.locator("main").inner_text()
    assert not any(given in shown for given in family)  # nothing personal
    page.locator("#f-pdf").set_input_files(str(household_pdf))
    page.get_by_role("button", name="検証する").click()
    assert "PDFも発行時のものと一致します" in page.locator("#verdict").inner_text()
    screenshot(page, "certificate-verify", full_page=True)

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(personal_pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    page.goto("/verify")
    page.locator("#f-code").fill(personal_code.lower().replace("-", " "))
    page.locator("#f-pdf").set_input_files(str(tampered))
    page.get_by_role("button", name="検証する").click()
    assert "改ざんされています" in page.locator("#verdict").inner_text()
    screenshot(page, "certificate-verify-tampered", full_page=True)
    assert page.url.endswith("/verify") and household_url


def counts(engine: Any, person_id: str) -> dict[str, int]:
    """What issuing leaves behind, and the reads a preview is audited as."""
    with engine.connect() as conn:
        return {
            "certificates": conn.execute(
                sa.select(sa.func.count()).select_from(certificate)
            ).scalar_one(),
            "notices": conn.execute(
                sa.select(sa.func.count())
                .select_from(issuance_notice)
                .where(issuance_notice.c.person_id == person_id)
            ).scalar_one(),
            "issue_audits": conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_log)
                .where(audit_log.c.action == "certificate.issue")
            ).scalar_one(),
            "preview_reads": conn.execute(
                sa.select(sa.func.count())
                .select_from(audit_log)
                .where(
                    audit_log.c.action == "resident.read",
                    audit_log.c.subject_person_id == person_id,
                    audit_log.c.purpose.like("certificate-preview:%"),
                )
            ).scalar_one(),
        }


def test_a_preview_issues_nothing_but_is_audited_as_a_read(page: Any, server: Server) -> None:
    sign_in(page)
    fill_move_in(page, "見本", "ミホン", [("通子", "ミチコ", "S50.2.2", "female", "世帯主")])
    page.get_by_role("button", name="入力内容を確認する").last.click()
    page.get_by_role("button", name="記録する", exact=True).click()
    page.wait_for_url("**/counter/recorded/**")
    page.get_by_role("link", name="世帯を表示").first.click()
    page.wait_for_url("**/counter/households/**")
    person_id = member_ids(page)["通子"]
    clerk = Actor("clerk-sato", LG, "clerk")
    issuance_notification.register(
        server.engine,
        LG,
        person_id,
        clerk,
        date(2026, 11, 1),
        audit_key=server.app.state.registry.cipher.audit_key,
    )

    page.goto(f"/counter/certificates?person_id={person_id}")
    page.get_by_label("住民票の写し（個人票）").check()
    page.get_by_label("請求者の種別").select_option("proxy")
    page.get_by_label("請求者の氏名・名称").fill("代理　一郎")
    page.get_by_label("委任状を確認した（代理人は必須）").check()
    before = counts(server.engine, person_id)
    page.get_by_role("button", name="プレビュー（発行しない）").click()
    page.wait_for_url("**/counter/certificates/preview")
    assert page.locator("img.certificate-preview").is_visible()
    after = counts(server.engine, person_id)
    assert after["certificates"] == before["certificates"]  # no row, so no 通番 taken
    assert after["notices"] == before["notices"]  # no 本人通知
    assert after["issue_audits"] == before["issue_audits"]
    assert after["preview_reads"] == before["preview_reads"] + 1  # audited as a read

    # Back to the form with the choices kept, then issue: now everything is written.
    page.get_by_role("button", name="請求の内容を変える").click()
    assert page.get_by_label("住民票の写し（個人票）").is_checked()
    assert page.get_by_label("請求者の氏名・名称").input_value() == "代理　一郎"
    page.get_by_role("button", name="プレビュー（発行しない）").click()
    page.get_by_role("button", name="発行する").click()
    page.wait_for_url("**/counter/certificates/issue")
    serial = page.locator("#serial").inner_text()
    issued = counts(server.engine, person_id)
    assert issued["certificates"] == before["certificates"] + 1
    assert issued["notices"] == before["notices"] + 1
    assert issued["issue_audits"] == before["issue_audits"] + 1
    with server.engine.connect() as conn:
        stored = conn.execute(sa.select(certificate.c.serial)).scalars().all()
    assert serial in stored

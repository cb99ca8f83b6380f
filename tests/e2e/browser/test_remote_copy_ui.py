"""広域交付 in a real browser (Chromium), by keyboard alone.

The browser server is 川越市 (its web app never talks to the network).  The test makes
千代田区 a node of its own — its own SQLite database, the 山田-like 広域 family filed
there — and a 川越市 node over the server's database, both on one in-process transport:
what the node processes would do.  A clerk opens 「広域交付」 from the menu (the
municipality input has focus), fills the form with the keyboard, forgets the identity
check (the error is shown at the checkbox, which has focus), fixes it and sends; the
status page says 待機中; the nodes exchange the request and the answer; the page's poll
announces the answer; the clerk issues the copy and downloads the PDF, whose text names
the person asked for and both municipalities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jichi.network.flows.tables import remote_copy
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport
from jichi.registry.certificates import CertificateKind
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day import fees
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.store import migrate
from jichi.store.engine import make_engine
from tests.e2e.browser.conftest import LG, Server, screenshot, sign_in
from tests.integration.certificates.conftest import pdf_text
from tests.integration.network.conftest import run_async

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOLDER = "131016"  # 東京都千代田区


@dataclass
class Holder:
    """千代田区's node and 川越市's, on one transport (what the node processes do)."""

    node: Node
    here: Node

    def settle(self) -> None:
        async def rounds() -> None:
            for _ in range(10):
                moved = await self.here.send() + await self.node.send()
                moved += await self.node.receive_all() + await self.here.receive_all()
                if not moved:
                    return

        run_async(rounds())


def holder_with_family(server: Server, tmp_path: Path, family: str, kana: str) -> Holder:
    """千代田区 with a family of three filed a month ago; 川越市's node on the server's db."""
    engine = make_engine(f"sqlite:///{tmp_path / 'chiyoda.db'}")
    migrate.upgrade(engine)
    transport = InProcessTransport()
    node = Node(engine, HOLDER, transport, cipher=FieldCipher(Keys.derive(b"a" * 32)))
    here = Node(server.engine, LG, transport, cipher=FieldCipher(Keys.derive(b"b" * 32)))
    moved_in = node.today() - timedelta(days=30)

    def person(given: str, reading: str, born: str, sex: str, relationship: str) -> dict[str, Any]:
        return {
            "name": {"family": family, "given": given, "family_kana": kana, "given_kana": reading},
            "date_of_birth": born,
            "sex": sex,
            "relationship": relationship,
            "honseki": "東京都千代田区千代田1番",
            "family_register_head": f"{family}　太郎",
        }

    node.registry.apply(
        node.registry.parse(
            {
                "kind": "move_in",
                "effective_date": moved_in.isoformat(),
                "notified_date": moved_in.isoformat(),
                "address": {
                    "prefecture": "東京都",
                    "municipality": "千代田区",
                    "town": "千代田",
                    "block": "1-1",
                    "lg_code": HOLDER,
                },
                "previous_address": {
                    "prefecture": "",
                    "municipality": "",
                    "town": "アメリカ合衆国",
                    "abroad": True,
                },
                "persons": [
                    person("太郎", "タロウ", "1980-04-02", "male", "世帯主"),
                    person("花子", "ハナコ", "1982-09-15", "female", "妻"),
                    person("一郎", "イチロウ", "2013-01-20", "male", "子"),
                ],
            }
        ),
        Actor("clerk-chiyoda", HOLDER, "clerk"),
    )
    return Holder(node, here)


def active(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id || document.activeElement.name"))


def fill_request(page: Any, family: str) -> None:
    """The form by keyboard: municipality, 同一世帯, the requester, one person; no check."""
    page.get_by_role("link", name="広域交付", exact=True).click()
    page.wait_for_url("**/counter/remote_copies/new")
    assert active(page) == "f-holder"
    page.keyboard.type("千代田区")
    page.keyboard.press("Escape")  # close the list's suggestions
    page.keyboard.press("Tab")
    assert active(page) == "requester_type"  # the checked choice: 本人
    page.keyboard.press("ArrowDown")  # → 同一世帯の方
    page.keyboard.press("Tab")
    page.keyboard.type(f"{family}　太郎")
    page.keyboard.press("Tab")
    page.keyboard.type("S55.4.2")
    page.keyboard.press("Tab")  # 住民票コード: not known
    page.keyboard.press("Tab")
    assert active(page) == "f-id_document"
    page.keyboard.type("運転免許証")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert active(page) == "f-id_checked"
    page.keyboard.press("Tab")  # the box is not ticked: the clerk forgot
    assert active(page) == "kind"
    page.keyboard.press("Tab")
    assert active(page) == "scope"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # → 次に入力する方
    page.keyboard.press("Tab")
    assert active(page) == "f-subjects-0-name"
    page.keyboard.type(f"{family} 花子")
    page.keyboard.press("Tab")
    page.keyboard.type("1982-09-15")


def send_request(page: Any, family: str, holder: str = "東京都千代田区 131016") -> str:
    """The form filled by mouse (for the other tests); returns the status page's URL."""
    page.goto("/counter/remote_copies/new")
    page.locator("#f-holder").fill(holder)
    page.get_by_label("同一世帯の方", exact=True).check()
    page.locator("#f-requester_name").fill(f"{family}　太郎")
    page.locator("#f-requester_dob").fill("1980-04-02")
    page.locator("#f-id_document").fill("マイナンバーカード")
    page.locator("#f-id_checked").check()
    page.get_by_label("次に入力する方（同一世帯の方）").check()
    page.locator("#f-subjects-0-name").fill(f"{family}　花子")
    page.locator("#f-subjects-0-dob").fill("1982-09-15")
    page.get_by_role("button", name="請求を住所地に送る").click()
    page.wait_for_url("**/counter/remote_copies/*?sent=1")
    return str(page.url.split("?")[0])


def test_a_clerk_requests_and_issues_a_remote_copy_by_keyboard(
    page: Any, server: Server, tmp_path: Path
) -> None:
    holder = holder_with_family(server, tmp_path, "広域", "コウイキ")
    sign_in(page)
    fill_request(page, "広域")
    screenshot(page, "counter-remote-copy-form", full_page=True)
    page.keyboard.press("Enter")  # sends the form

    page.wait_for_url("**/counter/remote_copies")
    assert active(page) == "f-id_checked"  # the error's input has focus
    box = page.locator("#f-id_checked")
    assert box.get_attribute("aria-invalid") == "true"
    assert "チェックを付けてください" in page.locator("#f-id_checked-error").inner_text()
    assert "チェックを付けてください" in page.get_by_role("alert").inner_text()
    assert page.locator("#f-holder").input_value() == "千代田区"  # kept as typed
    assert page.locator("#f-subjects-0-name").input_value() == "広域 花子"
    screenshot(page, "counter-remote-copy-error", full_page=True)
    page.keyboard.press("Space")
    assert box.is_checked()
    page.keyboard.press("Shift+Tab")  # back to the document's input; Enter sends
    assert active(page) == "f-id_document"
    page.keyboard.press("Enter")

    page.wait_for_url("**/counter/remote_copies/*?sent=1")
    assert "請求を受け付けました" in page.get_by_role("status").first.inner_text()
    assert page.locator("#state").inner_text() == "待機中"
    assert "NOD-021" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="交付する").count() == 0
    request_id = page.url.split("?")[0].rsplit("/", 1)[-1]
    with server.engine.connect() as conn:
        stored = conn.execute(
            sa.select(remote_copy.c.status, remote_copy.c.requested_by).where(
                remote_copy.c.request_id == request_id
            )
        ).one()
    assert tuple(stored) == ("pending", "clerk-sato")

    holder.settle()  # the node processes: request to 千代田区, answer back

    announced = page.locator("#poll-status")
    announced.filter(has_text="返事が届きました").wait_for(timeout=15_000)
    assert "交付できます" in announced.inner_text()
    page.get_by_role("link", name="最新の状態を表示").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/counter/remote_copies/{request_id}")
    assert page.locator("#state").inner_text() == "交付できます"
    screenshot(page, "counter-remote-copy-ready", full_page=True)
    page.get_by_role("button", name="交付する").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/issue")
    assert "交付しました" in page.get_by_role("status").first.inner_text()
    screenshot(page, "counter-remote-copy-issued", full_page=True)

    with page.expect_download() as info:
        page.get_by_role("button", name="印刷用PDF").click()
    path = tmp_path / "remote.pdf"
    info.value.save_as(str(path))
    text = re.sub(r"[ \u3000]+", "", pdf_text(path.read_bytes(), tmp_path))
    assert "広域花子" in text and "広域太郎" not in text and "広域一郎" not in text
    assert "広域交付" in text and "住所地東京都千代田区" in text and "交付地埼玉県川越市" in text
    with server.engine.connect() as conn:
        copies = conn.execute(
            sa.select(sa.func.count())
            .select_from(certificate)
            .where(certificate.c.request_id == request_id)
        ).scalar_one()
        fee = fees.fee_table(conn, LG).fee(CertificateKind.RECORD_COPY_HOUSEHOLD)
    assert copies == 1
    # Charged at this counter like any certificate: its fee, then its 領収書.
    assert page.locator("#fee").inner_text() == f"{fee:,}円"
    serial = page.locator("#serial").inner_text()
    page.get_by_role("button", name="領収書を作る").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/receipts/show?number=*")
    assert page.locator("#receipt-total").inner_text() == f"{fee:,}円"
    assert serial in page.locator("main").inner_text()

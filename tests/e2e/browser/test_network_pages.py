"""ネットワークの処理待ち and 本人通知制度 in a real browser (Chromium).

The network page lists a real task (opened as a node opens it), a card move-in waiting
for the old municipality and a 広域交付 request waiting for the 住所地 (both taken by the
real flow functions on the server's database); a supervisor cannot close the task without
a note, then closes it with one, by keyboard, and the closing is audited.

本人通知制度: a clerk registers a resident from the person page, a third party gets a
copy, the notice waits on 「本人通知の送付」, its letter says the date, document, copies
and requester class but never who asked, and marking it sent sets ``sent_at``, audited.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.network.flows import errors as e
from jichi.network.flows.card_move import CardMoveIn, request_card_move_in
from jichi.network.flows.remote_copy import RemoteCopyDraft, request_remote_copy
from jichi.network.flows.tables import node_task
from jichi.network.flows.tasks import TaskKind, open_task
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.issuance_notification import issuance_notice
from jichi.registry.model import Address
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from tests.e2e.browser.conftest import LG, Server, screenshot, sign_in
from tests.e2e.browser.test_counter import file_family
from tests.e2e.browser.test_forms import members

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OLD = "131016"  # 東京都千代田区
CLERK = Actor("clerk-sato", LG, "clerk")


def open_residence_check(server: Server) -> str:
    """A 実態調査 task as the node's six-month sweep opens it; returns its id."""
    subject = str(uuid.uuid4())
    reason = JichiError(
        e.RESIDENCE_CHECK, name="網田　太郎", person_id=subject, notified="2026-05-20", months=6
    )
    with write_transaction(server.engine) as conn:
        open_task(
            conn,
            lg_code=LG,
            kind=TaskKind.RESIDENCE_CHECK,
            subject_key=subject,
            reason=reason,
            now=server.app.state.registry.clock(),
        )
        found = conn.execute(
            sa.select(node_task.c.task_id).where(node_task.c.subject_key == subject)
        ).scalar_one()
    return str(found)


def waiting_requests(server: Server) -> None:
    """A card move-in and a 広域交付 request, taken by the real flows, both waiting."""
    node = Node(server.engine, LG, InProcessTransport(), cipher=FieldCipher(Keys.derive(b"b" * 32)))
    request_card_move_in(
        node,
        CardMoveIn(
            from_lg_code=OLD,
            resident_code="12345678901",
            effective_date=node.today() - timedelta(days=2),
            address=Address(
                prefecture="埼玉県", municipality="川越市", town="大字的場", block="3-3-3"
            ),
        ),
        CLERK,
    )
    request_remote_copy(
        node,
        RemoteCopyDraft.model_validate(
            {
                "holder_lg_code": OLD,
                "requester": {"name": "千代田　花子", "date_of_birth": "1985-06-01"},
                "id_document": "運転免許証",
            }
        ),
        CLERK,
    )


def third_party_copy(server: Server, person_id: str) -> None:
    registry = server.app.state.registry
    issue(
        registry,
        Protection(registry),
        CertificateRequest(
            kind=CertificateKind.RECORD_COPY_PERSONAL,
            person_ids=(person_id,),
            requester=Requester(RequesterType.THIRD_PARTY, name="株式会社債権回収"),
            request_id=str(uuid.uuid4()),
            purpose="貸金の回収のため",
        ),
        CLERK,
        municipality_settings(LG, "見本　太郎"),
    )


def test_a_supervisor_closes_a_network_task_with_a_note(page: Any, server: Server) -> None:
    task_id = open_residence_check(server)
    waiting_requests(server)
    sign_in(page, "kakaricho-ito")
    page.get_by_role("link", name="ネットワークの処理待ち").click()
    page.wait_for_url("**/counter/network")
    task = page.locator("li.task", has=page.locator(f"#task-{task_id}"))
    assert "実態調査" in task.inner_text() and "網田　太郎" in task.inner_text()
    assert "NOD-014" in task.inner_text()
    body = page.locator("main").inner_text()
    assert "転出地の返事待ち" in body and "住所地の返事待ち" in body
    screenshot(page, "counter-network-tasks", full_page=True)

    task.get_by_role("button", name="このタスクを閉じる").click()  # no note yet
    note = page.locator(f"#f-note-{task_id}")
    assert note.get_attribute("aria-invalid") == "true"
    assert "メモに記入" in page.locator(".error-summary").inner_text()
    with server.engine.connect() as conn:
        still_open = conn.execute(
            sa.select(node_task.c.closed_at).where(node_task.c.task_id == task_id)
        ).scalar_one()
    assert still_open is None

    page.locator(".error-summary a").first.click()  # the summary link takes focus there
    assert page.evaluate("document.activeElement.id") == f"f-note-{task_id}"
    page.keyboard.type("現地調査で居住を確認。職権消除は不要")
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/network?closed=*")
    assert "タスクを閉じました" in page.locator(".notice").inner_text()
    assert page.locator(f"#task-{task_id}").count() == 0
    with server.engine.connect() as conn:
        row = conn.execute(sa.select(node_task).where(node_task.c.task_id == task_id)).one()
        audited = conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.detail).where(
                audit_log.c.action == "network.task.close"
            )
        ).all()
    assert (
        row.closed_by == "kakaricho-ito"
        and row.closed_note == "現地調査で居住を確認。職権消除は不要"
    )
    assert any(a.actor == "kakaricho-ito" and task_id in a.detail for a in audited)


def test_a_clerk_registers_a_resident_and_sends_the_notice(page: Any, server: Server) -> None:
    sign_in(page)
    file_family(page, "通知", "ツウチ")
    family = members(page)
    page.goto(f"/counter/residents/{family['一郎']}")
    page.get_by_role("link", name="本人通知制度（事前登録）").click()
    page.get_by_role("button", name="本日から登録する").click()
    page.wait_for_url("**/issuance_notification?done=registered")
    assert "登録しました" in page.locator(".notice").inner_text()
    assert "登録中です" in page.locator("main").inner_text()
    screenshot(page, "counter-issuance-notification-registered", full_page=True)
    page.get_by_role("button", name="登録を更新する").click()  # too early: refused, shown
    assert "1か月前" in page.locator(".error-summary").inner_text()

    third_party_copy(server, family["一郎"])
    page.get_by_role("link", name="本人通知の送付").click()
    page.wait_for_url("**/counter/issuance_notices")
    row = page.locator("tbody tr", has=page.get_by_role("link", name="通知　一郎"))
    assert (
        "第三者（個人・法人）" in row.inner_text() and "住民票の写し（個人票）" in row.inner_text()
    )
    screenshot(page, "counter-issuance-notices", full_page=True)

    row.get_by_role("link", name="通知書を印刷").click()
    page.wait_for_url("**/letter")
    letter = page.locator("main").inner_text()
    assert "通知　一郎　様" in letter and "本人通知" in letter
    assert "住民票の写し（個人票）" in letter and "1通" in letter and "第三者" in letter
    assert "債権回収" not in letter and "貸金" not in letter  # never who asked, or why
    screenshot(page, "counter-issuance-notice-letter", full_page=True)
    page.get_by_role("link", name="本人通知の送付に戻る").click()

    row = page.locator("tbody tr", has=page.get_by_role("link", name="通知　一郎"))
    row.get_by_role("button", name="送付済みにする").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter/issuance_notices?sent=*")
    assert "送付済みにしました" in page.locator(".notice").inner_text()
    assert page.get_by_role("link", name="通知　一郎").count() == 0
    with server.engine.connect() as conn:
        sent = conn.execute(
            sa.select(issuance_notice.c.sent_at).where(
                issuance_notice.c.person_id == family["一郎"]
            )
        ).scalar_one()
        audited = conn.execute(
            sa.select(audit_log.c.action).where(audit_log.c.subject_person_id == family["一郎"])
        ).scalars()
        actions = set(audited)
    assert sent is not None
    assert {"issuance_notification.register", "issuance_notice.sent"} <= actions
    page.goto(f"/counter/residents/{family['一郎']}/issuance_notification")
    assert "未送付" not in page.locator("main").inner_text()

"""事務の委託 at the entrusted counter in Chromium: axe on the form, its errors and the copy.

A server of its own (川越市): the test files 川島町's demo registry into the same database
(one deployment, ``SharedDatabaseHolders``) and a 委託 of 川島町's copies to 川越市.  The
menu then offers 「事務の委託」; the clerk sends the empty form (every error at once), then
fills it for one of 川島町's residents and gets the copy with its 発行番号 and fee.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from jichi.kernel.era import format_wareki
from jichi.places import cooperation_store
from jichi.registry.demo import populate
from jichi.registry.model import ResidentRecord
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.store.engine import write_transaction
from tests.e2e.browser.conftest import LG, Server, sign_in
from tests.e2e.browser.test_accessibility import check, report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOLDER = "113468"  # 埼玉県比企郡川島町


def _entrusting(server: Server) -> ResidentRecord:
    """川島町's registry beside 川越市's, and its 委託 of copies to 川越市; one resident."""
    cipher = server.app.state.registry.cipher
    populate(Registry(server.engine, HOLDER, cipher), Actor("demo", HOLDER, "admin"), 5, 3)
    contract = {
        "id": "kawajima-kawagoe",
        "kind": "entrustment",
        "name": "住民票の写し等の交付事務の委託（川島町→川越市）",
        "valid_from": "2020-04-01",
        "services": ["record_copy_personal", "record_copy_household"],
        "basis": "事務委託規約",
        "members": [
            {"lg_code": HOLDER, "role": "entrusting"},
            {"lg_code": LG, "role": "entrusted"},
        ],
    }
    with write_transaction(server.engine) as conn:
        cooperation_store.save(conn, cooperation_store.from_json(contract), at=datetime.now(UTC))
        rows = conn.execute(
            sa.select(resident.c.record).where(
                resident.c.lg_code == HOLDER, resident.c.status == "active"
            )
        )
        return ResidentRecord.model_validate(rows.first().record)  # type: ignore[union-attr]


def test_the_entrusted_counter_meets_wcag_22_aa(fresh_page: Any, fresh_server: Server) -> None:
    person = _entrusting(fresh_server)
    page = fresh_page
    seen: dict[str, list[dict[str, Any]]] = {}
    sign_in(page, "kakaricho-ito")
    page.get_by_role("link", name="事務の委託").click()
    page.wait_for_url("**/counter/entrusted_copies")
    check(page, "entrusted copy form", seen)
    page.get_by_role("button", name="交付する").click()
    page.locator(".error-summary").wait_for()
    assert page.locator(".field-error").count() >= 5
    check(page, "entrusted copy form with errors", seen)
    page.locator("#f-holder").select_option(HOLDER)
    page.get_by_label("住民票の写し（個人票）").check()
    page.locator("#f-requester_name").fill(person.name.text())
    page.locator("#f-requester_dob").fill(format_wareki(person.date_of_birth))
    page.locator("#f-id_document").select_option("my_number_card")
    page.locator("#f-id_checked").check()
    page.get_by_role("button", name="交付する").click()
    page.get_by_role("heading", name="交付しました").wait_for()
    assert page.locator("#serial").inner_text().strip()
    assert page.locator("#fee").inner_text().endswith("円")
    check(page, "entrusted copy issued", seen)
    assert not any(seen.values()), "WCAG 2.2 AA violations:\n" + report(seen)

"""One visit, one 窓口番号: a 受付 for a 転入 names the new resident, and the certificates
asked for at the same visit are charged to it and printed on its 領収書 with the number.

On both databases.  Before this, a 受付 taken for a 届出 never named anyone, so its
certificates could not be charged to it and the 領収書 did not say whose visit it was.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.registry.counter_day import receipts, reception
from jichi.registry.counter_day.charges import Charge
from jichi.registry.counter_day.printing import receipt_pdf
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.tables import audit_log
from tests.integration.certificates.conftest import pdf_text
from tests.integration.counter_day.conftest import Issue
from tests.integration.registry.conftest import CLERK, LG, NOW


def clock() -> datetime:
    return NOW


def test_a_reception_for_a_move_in_names_the_new_resident_once(
    registry: Registry, family: list[str]
) -> None:
    k = registry.cipher.audit_key
    engine = registry.engine
    opened = reception.open_reception(engine, LG, CLERK, clock, k, purpose="notification")
    assert opened.person_id is None
    named = reception.attach_person(engine, LG, opened.reception_id, family[0], CLERK, clock, k)
    assert named.person_id == family[0] and named.version == opened.version + 1
    # The visit is about one resident: naming another later keeps the first.
    again = reception.attach_person(engine, LG, opened.reception_id, family[1], CLERK, clock, k)
    assert again.person_id == family[0]
    with engine.connect() as conn:
        stored = reception.get(conn, LG, opened.reception_id)
        audited = conn.execute(
            sa.select(audit_log.c.subject_person_id).where(audit_log.c.action == "reception.attach")
        ).all()
    assert stored.person_id == family[0]
    assert [r.subject_person_id for r in audited] == [family[0]]


def test_a_reception_names_only_a_resident_of_its_own_municipality(
    registry: Registry, family: list[str]
) -> None:
    k = registry.cipher.audit_key
    engine = registry.engine
    opened = reception.open_reception(engine, LG, CLERK, clock, k, purpose="notification")
    with pytest.raises(JichiError) as unknown:
        reception.attach_person(
            engine, LG, opened.reception_id, "00000000-0000-4000-8000-000000000000", CLERK, clock, k
        )
    assert unknown.value.code == "REG-003"
    other = Actor("clerk-other", "131016", "clerk")
    with pytest.raises(JichiError) as tenant:
        reception.attach_person(engine, LG, opened.reception_id, family[0], other, clock, k)
    assert tenant.value.field == "actor"
    with engine.connect() as conn:
        assert reception.get(conn, LG, opened.reception_id).person_id is None
        assert reception.find(conn, LG, "not-a-uuid") is None
        assert reception.find(conn, LG, opened.reception_id) is not None


def test_the_receipt_of_a_visit_prints_its_ticket_number(
    registry: Registry, family: list[str], issue_charged: Issue, tmp_path: Path
) -> None:
    k = registry.cipher.audit_key
    engine = registry.engine
    reception.open_reception(engine, LG, CLERK, clock, k, purpose="certificate")  # 1: another
    visit = reception.open_reception(engine, LG, CLERK, clock, k, purpose="notification")
    reception.attach_person(engine, LG, visit.reception_id, family[0], CLERK, clock, k)
    issue_charged(Charge(reception_id=visit.reception_id))
    issue_charged(Charge(reception_id=visit.reception_id))
    with engine.connect() as conn:
        assert receipts.open_fees(conn, LG, visit.received_on) == {visit.reception_id: (2, 600)}
    made = receipts.make_receipt(engine, LG, CLERK, clock, k, reception_id=visit.reception_id)
    assert made.ticket_number == visit.ticket_number == 2
    with engine.connect() as conn:
        again = receipts.get_receipt(conn, LG, made.receipt_number)
    assert again.ticket_number == 2 and again.total_yen == 600
    text = " ".join(pdf_text(receipt_pdf(again), tmp_path).split())
    assert made.receipt_number in text and "窓口番号 2" in text and "600円" in text


def test_a_receipt_without_a_reception_prints_no_ticket_number(
    registry: Registry, issue_charged: Issue, tmp_path: Path
) -> None:
    cert = issue_charged()
    made = receipts.make_receipt(
        registry.engine, LG, CLERK, clock, registry.cipher.audit_key, serials=[cert.serial]
    )
    assert made.ticket_number is None
    assert "窓口番号" not in pdf_text(receipt_pdf(made), tmp_path)

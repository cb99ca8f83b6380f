"""広域交付 is charged at the issuing counter like any certificate (both databases).

川越市 (B) issues the copy of a 千代田区 (A) resident: the fee is B's, from B's fee table,
recorded with the copy in its issue transaction; it goes on B's 領収書 and into B's
日計表, which balances; an exemption (公用) records 0 with its reason; a wrong exemption
refuses before a number is taken; a retry of the same request charges nothing again.
Before this, a 広域交付 copy had no charge at all and B's 日計表 reported it unbalanced.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from jichi.kernel.clock import jst_date
from jichi.kernel.errors import JichiError
from jichi.network.flows import remote_copy as rc
from jichi.network.flows import remote_copy_issue as rci
from jichi.registry.certificates import CertificateKind
from jichi.registry.certificates.tables import certificate
from jichi.registry.counter_day import fees, receipts
from jichi.registry.counter_day.charges import Charge, charge_of
from jichi.registry.counter_day.daily_report import daily_report
from jichi.registry.counter_day.printing import receipt_pdf
from jichi.security.actor import Actor
from tests.integration.certificates.conftest import pdf_text
from tests.integration.network.flows.conftest import NEW, NEW_CLERK, OLD, World
from tests.integration.network.flows.test_remote_copy import HANAKO, SETTINGS, ask

HOUSEHOLD = CertificateKind.RECORD_COPY_HOUSEHOLD
NEW_SUPERVISOR = Actor("kakaricho-suzuki", NEW, "supervisor")
OLD_SUPERVISOR = Actor("kakaricho-tanaka", OLD, "supervisor")


def ready(world: World) -> rc.RemoteCopy:
    world.settle_the_family_in_old()
    done = ask(world, subjects=[HANAKO], requester_type="same_household")
    assert done.status is rc.Status.READY, done.reason_ja
    return done


def set_fee(world: World, node_lg: str, actor: Actor, yen: int) -> None:
    node = world.new if node_lg == NEW else world.old
    fees.set_fee(
        node.engine, node_lg, HOUSEHOLD, yen, actor, world.clock(), node.registry.cipher.audit_key
    )


def test_the_copy_is_charged_the_issuing_counters_fee_and_balances_its_day(
    world: World, tmp_path: Path
) -> None:
    done = ready(world)
    set_fee(world, NEW, NEW_SUPERVISOR, 450)  # B's ordinance
    set_fee(world, OLD, OLD_SUPERVISOR, 200)  # A's: not the one charged
    issued = rci.issue_remote_copy(world.new, done.request_id, NEW_CLERK, SETTINGS)
    again = rci.issue_remote_copy(world.new, done.request_id, NEW_CLERK, SETTINGS)  # 印刷用PDF
    assert again.serial == issued.serial
    engine = world.engines[NEW]
    day = jst_date(world.clock())
    with engine.connect() as conn:
        charged = charge_of(conn, NEW, issued.serial)
        report = daily_report(conn, NEW, day)
    assert charged is not None
    assert (charged.kind, charged.fee_yen, charged.standard_fee_yen) == (HOUSEHOLD.value, 450, 450)
    assert charged.requester_type == "same_household" and charged.exemption == ""
    assert report.balanced, report.imbalances
    assert report.issued == 1 and report.takings_yen == 450
    line = report.lines[HOUSEHOLD]
    assert (line.issued, line.charged, line.exempt, line.takings_yen) == (1, 1, 0, 450)

    made = receipts.make_receipt(
        engine, NEW, NEW_CLERK, world.clock, world.new.registry.cipher.audit_key,
        serials=[issued.serial],
    )  # fmt: skip
    assert made.total_yen == 450 and [li.serial for li in made.lines] == [issued.serial]
    text = " ".join(pdf_text(receipt_pdf(made), tmp_path).split())
    assert made.receipt_number in text and "450円" in text and HOUSEHOLD.label_ja in text
    with engine.connect() as conn:
        after = daily_report(conn, NEW, day)
    assert after.balanced and after.receipts == 1 and after.receipts_yen == 450


def test_an_official_use_exemption_records_nothing_to_pay_with_its_reason(
    world: World,
) -> None:
    done = ready(world)
    issued = rci.issue_remote_copy(
        world.new,
        done.request_id,
        NEW_CLERK,
        SETTINGS,
        charge=Charge(exemption="official_use", exemption_note="千代田区福祉課の照会"),
    )
    with world.engines[NEW].connect() as conn:
        charged = charge_of(conn, NEW, issued.serial)
        report = daily_report(conn, NEW, jst_date(world.clock()))
    assert charged is not None
    assert (charged.fee_yen, charged.standard_fee_yen, charged.exemption) == (
        0,
        300,
        "official_use",
    )
    assert charged.exemption_note == "千代田区福祉課の照会"
    assert report.balanced and report.takings_yen == 0
    assert report.lines[HOUSEHOLD].exempt == 1


def test_a_wrong_exemption_refuses_before_a_number_is_taken(world: World) -> None:
    done = ready(world)
    with pytest.raises(JichiError) as refused:
        rci.issue_remote_copy(
            world.new, done.request_id, NEW_CLERK, SETTINGS, charge=Charge(exemption="other")
        )
    assert refused.value.code == "CNT-007" and refused.value.field == "exemption_note"
    with world.engines[NEW].connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(certificate)).scalar_one() == 0
    assert rc.get_remote_copy(world.new, done.request_id).status is rc.Status.READY

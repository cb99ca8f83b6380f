"""広域交付 (住基法12条の4): 千代田区 holds the 山田 family's records; 川越市 issues the copy.

Two nodes with their own databases (SQLite files, PostgreSQL databases) over the
in-process transport.  What is checked: the copy names exactly the person asked for
(pdftotext), states 住所地 and 交付地, carries no 本籍・筆頭者; a duplicate delivery
gives one certificate; a person under a support measure, a removed record, an unknown
person and a forged answer are refused or failed with a typed reason and no PDF; both
municipalities audit their part.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jichi.kernel.errors import JichiError
from jichi.network.flows import remote_copy as rc
from jichi.network.flows import remote_copy_answer as rca
from jichi.network.flows import remote_copy_issue as rci
from jichi.network.flows.tables import remote_copy
from jichi.network.messages import Envelope
from jichi.registry.certificates import municipality_settings
from jichi.registry.certificates.tables import certificate
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty
from jichi.registry.tables import outbox
from jichi.security.audit import audit_log
from tests.integration.certificates.conftest import pdf_text
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import (
    ABROAD,
    NEW,
    NEW_CLERK,
    OLD,
    OLD_CLERK,
    World,
    address,
    move_out,
    person,
)

SETTINGS = municipality_settings(NEW, "川越　花子")
TARO = {"name": "山田　太郎", "date_of_birth": "1980-04-02"}
HANAKO = {"name": "山田 花子", "date_of_birth": "1982-09-15"}  # a half-width space: same name
ICHIRO = {"name": "山田　一郎", "date_of_birth": "2013-01-20"}


def flat(text: str) -> str:
    return re.sub(r"[ \u3000]+", "", text)


def draft(**data: Any) -> rc.RemoteCopyDraft:
    base: dict[str, Any] = {
        "holder_lg_code": OLD,
        "requester": TARO,
        "id_document": "マイナンバーカード",
    }
    return rc.RemoteCopyDraft.model_validate(base | data)


def ask(world: World, **data: Any) -> rc.RemoteCopy:
    asked = rc.request_remote_copy(world.new, draft(**data), NEW_CLERK)
    assert asked.status is rc.Status.PENDING and asked.code == "NOD-021"
    run_async(world.settle())
    return rc.get_remote_copy(world.new, asked.request_id)


def count(world: World, lg: str, table: sa.Table, *where: Any) -> int:
    with world.engines[lg].connect() as conn:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return int(conn.execute(query).scalar_one())


def actions(world: World, lg: str, prefix: str) -> list[tuple[str, str | None]]:
    with world.engines[lg].connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.subject_person_id)
            .where(audit_log.c.action.startswith(prefix))
            .order_by(audit_log.c.seq)
        ).all()
    return [(r.action, r.subject_person_id) for r in rows]


def test_a_household_member_gets_the_copy_of_one_person_and_only_that_person(
    world: World, tmp_path: Path
) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    done = ask(world, subjects=[HANAKO], requester_type="same_household")
    assert done.status is rc.Status.READY, done.reason_ja

    issued = rci.issue_remote_copy(world.new, done.request_id, NEW_CLERK, SETTINGS)
    assert issued.pdf.startswith(b"%PDF") and issued.lg_code == NEW
    assert issued.subject_person_ids == (family["花子"].person_id,)
    text = flat(pdf_text(issued.pdf, tmp_path))
    assert "山田花子" in text and "ヤマダハナコ" in text
    assert "太郎" not in text and "一郎" not in text  # nobody else, not even as 世帯主
    assert "広域交付" in text and "住所地東京都千代田区" in text and "交付地埼玉県川越市" in text
    assert "東京都千代田区長から通知を受けた" in text  # the 認証文 names the 住所地
    assert "埼玉県川越市長" in text and "川越花子" in text  # certified by the issuing mayor
    assert "千代田1番" not in text  # 本籍 is never on a 広域交付 copy
    assert "東京都千代田区千代田1-1" in text  # the address the 住所地 holds
    assert "12345678902" not in text  # 住民票コード not asked for

    # Audited at both: A provided 花子 only (and checked her against the gate);
    # B logged the request, the answer and the issue.
    provided = actions(world, OLD, "network.remote_copy.provide")
    assert provided == [("network.remote_copy.provide", family["花子"].person_id)]
    gate = actions(world, OLD, "restriction.")
    assert gate == [("restriction.granted", family["花子"].person_id)]
    assert [a for a, _ in actions(world, NEW, "network.remote_copy")] == [
        "network.remote_copy.request",
        "network.remote_copy.answer",
    ]
    assert [a for a, _ in actions(world, NEW, "certificate.")] == ["certificate.issue"]
    assert rc.get_remote_copy(world.new, done.request_id).status is rc.Status.ISSUED
    # 川越市 holds no record of 花子: the copy came from the 住所地's answer.
    assert world.records(NEW) == []


def test_the_whole_household_with_relationships_in_print_order(
    world: World, tmp_path: Path
) -> None:
    world.settle_the_family_in_old()
    done = ask(
        world,
        whole_household=True,
        items=["relationship", "resident_code", "previous_address"],
    )
    assert done.status is rc.Status.READY, done.reason_ja
    issued = rci.issue_remote_copy(world.new, done.request_id, NEW_CLERK, SETTINGS)
    assert len(issued.subject_person_ids) == 3
    text = flat(pdf_text(issued.pdf, tmp_path))
    assert text.index("山田太郎") < text.index("山田花子") < text.index("山田一郎")
    assert "世帯全員" in text and "妻" in text and "12345678901" in text
    assert "千代田1番" not in text


def test_a_duplicate_delivery_gives_one_answer_and_one_certificate(world: World) -> None:
    world.settle_the_family_in_old()
    asked = rc.request_remote_copy(world.new, draft(), NEW_CLERK)
    run_async(world.settle())
    # Every message delivered again (a relay that crashed before marking them sent).
    for _subject, env in list(world.transport.log):
        if not env.topic.startswith("municipality."):
            continue  # the center, the 本籍地, the election commission: not these nodes
        to_old = env.topic.startswith(f"municipality.{OLD}.")
        run_async((world.old if to_old else world.new).handle(env))
    replies = count(world, OLD, outbox, outbox.c.topic == f"municipality.{NEW}.remote_copy_data")
    assert replies == 1
    # The answer again under a new message id (A answered twice): still one certificate.
    answer = next(env for _s, env in world.transport.log if env.topic.endswith("remote_copy_data"))
    run_async(world.new.handle(replace(answer, message_id=str(uuid.uuid4()), seq=answer.seq + 99)))
    first = rci.issue_remote_copy(world.new, asked.request_id, NEW_CLERK, SETTINGS)
    again = rci.issue_remote_copy(world.new, asked.request_id, NEW_CLERK, SETTINGS)
    assert again.replayed and again.serial == first.serial and again.pdf == first.pdf
    assert count(world, NEW, certificate) == 1


def test_a_person_under_a_support_measure_is_refused_even_when_asking_for_herself(
    world: World,
) -> None:
    world.settle_the_family_in_old()
    hanako = world.by_name(OLD)["花子"]
    Protection(world.old.registry).register(
        hanako.person_id,
        [OtherParty("山田　次郎", date(1979, 1, 1))],
        OLD_CLERK,
        basis="配偶者暴力相談支援センターの意見",
    )
    done = ask(world, requester=HANAKO)
    assert done.status is rc.Status.REFUSED
    assert done.code == "NOD-017" and done.refusal == "support_measure"
    assert "支援措置" in done.reason_ja
    with pytest.raises(JichiError) as refused:
        rci.issue_remote_copy(world.new, done.request_id, NEW_CLERK, SETTINGS)
    assert refused.value.code == "NOD-017" and "支援措置" in refused.value.message_ja
    assert count(world, NEW, certificate) == 0  # no PDF, no 発行番号
    assert actions(world, OLD, "restriction.") == [("restriction.refused", hanako.person_id)]
    assert actions(world, OLD, "network.remote_copy.refuse") == [
        ("network.remote_copy.refuse", hanako.person_id)
    ]
    assert actions(world, OLD, "network.remote_copy.provide") == []

    # The household copy asked for by 太郎 includes her: refused as well.
    whole = ask(world, whole_household=True)
    assert whole.refusal == "support_measure"
    assert count(world, NEW, certificate) == 0


@pytest.mark.parametrize(
    ("asked", "reason"),
    [
        ({"subjects": [{"name": "山田　花子", "date_of_birth": "1982-09-16"}]}, "not_found"),
        ({"requester": {"name": "山田　次郎", "date_of_birth": "1980-04-02"}}, "not_found"),
        ({"subjects": [{**HANAKO, "resident_code": "12345678901"}]}, "not_found"),
    ],
)
def test_a_person_the_holder_cannot_match_exactly_is_refused(
    world: World, asked: dict[str, Any], reason: str
) -> None:
    world.settle_the_family_in_old()
    done = ask(world, **asked)
    assert done.status is rc.Status.REFUSED and done.refusal == reason
    assert count(world, NEW, certificate) == 0


def test_someone_of_another_household_is_refused(world: World) -> None:
    world.settle_the_family_in_old()
    neighbour = person("三郎", "サブロウ", "1950-01-01", "male", "世帯主", "")
    neighbour["name"] = {**neighbour["name"], "family": "佐藤", "family_kana": "サトウ"}
    world.file(
        world.old,
        OLD_CLERK,
        kind="move_in",
        effective_date="2026-10-05",
        notified_date="2026-10-06",
        address=address(OLD, "2-2"),
        previous_address=ABROAD,
        persons=[neighbour],
    )
    done = ask(world, subjects=[{"name": "佐藤　三郎", "date_of_birth": "1950-01-01"}])
    assert done.status is rc.Status.REFUSED and done.refusal == "not_same_household"
    assert actions(world, OLD, "network.remote_copy.provide") == []


def test_a_removed_record_is_not_copied_remotely(world: World) -> None:
    world.settle_the_family_in_old()
    move_out(world)  # the 転出届, planned for 2026-11-25
    world.clock.advance(6)  # the planned day has passed
    world.old.sweep()  # the daily job: the records are now 除票
    done = ask(world)
    assert done.status is rc.Status.REFUSED and done.refusal == "removed"
    assert count(world, NEW, certificate) == 0


def test_a_forged_or_wrong_answer_is_never_printed(world: World) -> None:
    world.settle_the_family_in_old()
    family = world.by_name(OLD)
    asked = rc.request_remote_copy(
        world.new, draft(subjects=[HANAKO], requester_type="same_household"), NEW_CLERK
    )
    taro = family["太郎"]
    wrong = Envelope(
        message_id=str(uuid.uuid4()),
        topic=f"municipality.{NEW}.remote_copy_data",
        ordering_key=asked.request_id,
        sender=OLD,
        seq=1,
        created_at=world.clock(),
        payload={
            "request_id": asked.request_id,
            "lg_code": OLD,
            "status": "provided",
            "kind": "record_copy_household",
            "whole_household": False,
            "items": ["previous_address"],
            "head_name": None,
            "persons": [rca.items_of(taro, {"previous_address"})],  # 太郎, not 花子
        },
    )
    run_async(world.new.handle(wrong))
    failed = rc.get_remote_copy(world.new, asked.request_id)
    assert failed.status is rc.Status.FAILED and failed.code == "NOD-023"
    with pytest.raises(JichiError) as refused:
        rci.issue_remote_copy(world.new, asked.request_id, NEW_CLERK, SETTINGS)
    assert refused.value.code == "NOD-023"
    assert count(world, NEW, certificate) == 0
    # The real answer arriving later changes nothing: the request is settled.
    run_async(world.settle())
    assert rc.get_remote_copy(world.new, asked.request_id).status is rc.Status.FAILED


def test_an_answer_from_a_municipality_that_was_not_asked_is_a_task(world: World) -> None:
    world.settle_the_family_in_old()
    asked = rc.request_remote_copy(world.new, draft(), NEW_CLERK)
    stray = Envelope(
        message_id=str(uuid.uuid4()),
        topic=f"municipality.{NEW}.remote_copy_data",
        ordering_key=asked.request_id,
        sender="271004",
        seq=1,
        created_at=world.clock(),
        payload={"request_id": asked.request_id, "status": "provided", "persons": []},
    )
    run_async(world.new.handle(stray))
    assert rc.get_remote_copy(world.new, asked.request_id).status is rc.Status.PENDING
    assert [t.code for t in world.new.tasks()] == ["NOD-015"]


BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"requester_type": "third_party"}, "NOD-018", "requester_type"),
    ({"requester_type": "proxy"}, "NOD-018", "requester_type"),
    ({"items": ["honseki"]}, "NOD-019", "items.honseki"),
    ({"items": ["individual_number"]}, "NOD-019", "items.individual_number"),
    ({"items": ["history"]}, "NOD-019", "items.history"),
    ({"holder_lg_code": NEW}, "NOD-020", "holder_lg_code"),
    ({"kind": "removed_record_copy"}, "NOD-027", "kind"),
    ({"kind": "record_copy_personal", "whole_household": True}, "CRT-002", "subjects"),
]


@pytest.mark.parametrize(("data", "code", "field"), BAD)
def test_what_the_law_does_not_allow_is_refused_at_the_counter_and_nothing_is_sent(
    world: World, data: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(JichiError) as refused:
        rc.request_remote_copy(world.new, draft(**data), NEW_CLERK)
    assert refused.value.code == code and refused.value.field == field
    assert refused.value.message_ja and refused.value.message_en
    assert count(world, NEW, remote_copy) == 0 and world.unsent(NEW) == 0


def test_the_holder_checks_the_law_again_whatever_the_sender_says(world: World) -> None:
    """A request that skipped B's checks (an old or broken node) is refused by A too."""
    world.settle_the_family_in_old()
    asked = rc.request_remote_copy(world.new, draft(), NEW_CLERK)
    with world.engines[NEW].begin() as conn:
        row = conn.execute(sa.select(outbox).where(outbox.c.sent_at.is_(None))).first()
        assert row is not None
        payload = dict(row.payload)
        payload["draft"] = dict(payload["draft"]) | {"items": ["honseki"]}
        conn.execute(outbox.update().where(outbox.c.seq == row.seq).values(payload=payload))
    run_async(world.settle())
    done = rc.get_remote_copy(world.new, asked.request_id)
    assert done.status is rc.Status.REFUSED and done.refusal == "not_allowed"


def test_pending_until_the_answer_arrives(world: World) -> None:
    world.settle_the_family_in_old()
    asked = rc.request_remote_copy(world.new, draft(), NEW_CLERK)
    with pytest.raises(JichiError) as waiting:
        rci.issue_remote_copy(world.new, asked.request_id, NEW_CLERK, SETTINGS)
    assert waiting.value.code == "NOD-021"
    run_async(world.settle())
    assert rc.get_remote_copy(world.new, asked.request_id).status is rc.Status.READY
    with pytest.raises(JichiError) as unknown:
        rc.get_remote_copy(world.new, str(uuid.uuid4()))
    assert unknown.value.code == "NOD-022"

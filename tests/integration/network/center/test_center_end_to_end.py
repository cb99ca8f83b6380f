"""End to end: real registries file a birth and a move; the relay carries the outbox to
the center over the in-process transport; the center then verifies the person.

川越 and 千代田 share the test database with the center here (their tables are apart:
outbox rows carry their ``lg_code``, the center keeps its own ``center_*`` tables).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.network.center.agencies import add_agency, issue_token
from jichi.network.center.codes import allocate_codes
from jichi.network.center.receiver import CenterReceiver
from jichi.network.inbox import Outcome
from jichi.network.relay import Relay
from jichi.network.transport import InProcessTransport
from jichi.registry.service import Applied, Registry
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.store.engine import write_transaction
from jichi.web.center.app import create_center_app
from tests.integration.network.center.conftest import CHIYODA, KAWAGOE, history
from tests.integration.network.conftest import run_async

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
CIPHER = FieldCipher(Keys.derive(b"k" * 32))

KAWAGOE_HOME = {
    "prefecture": "埼玉県",
    "municipality": "川越市",
    "town": "大字的場",
    "block": "1-2-3",
    "postal_code": "350-1101",
    "lg_code": KAWAGOE,
}
CHIYODA_HOME = {
    "prefecture": "東京都",
    "municipality": "千代田区",
    "town": "千代田",
    "block": "1-1",
    "postal_code": "100-0001",
    "lg_code": CHIYODA,
}


def person(
    given: str, kana: str, born: str, sex: str, relationship: str, code: str
) -> dict[str, Any]:
    return {
        "name": {"family": "髙橋", "given": given, "family_kana": "タカハシ", "given_kana": kana},
        "date_of_birth": born,
        "sex": sex,
        "relationship": relationship,
        "honseki": "東京都千代田区千代田1番",
        "family_register_head": "髙橋　一郎" if relationship == "世帯主" else "",
        "resident_code": code,
    }


def file(registry: Registry, lg_code: str, **data: Any) -> Applied:
    return registry.apply(registry.parse(data), Actor("clerk", lg_code, "clerk"))


def test_a_birth_and_a_move_reach_the_center_which_then_verifies_the_child(
    engine: Engine,
) -> None:
    with write_transaction(engine) as conn:
        codes = allocate_codes(conn, KAWAGOE, 3).codes
    kawagoe = Registry(engine, KAWAGOE, CIPHER, clock=lambda: NOW)
    chiyoda = Registry(engine, CHIYODA, CIPHER, clock=lambda: NOW)

    parents = [
        person("一郎", "イチロウ", "1990-01-10", "male", "世帯主", codes[0]),
        person("花子", "ハナコ", "1992-03-03", "female", "妻", codes[1]),
    ]
    family = file(
        kawagoe,
        KAWAGOE,
        kind="move_in",
        effective_date="2026-10-01",
        address=KAWAGOE_HOME,
        previous_address=CHIYODA_HOME,
        persons=parents,
    )
    born = file(
        kawagoe,
        KAWAGOE,
        kind="birth",
        household_id=family.result["household_id"],
        child=person("三郎", "サブロウ", "2026-11-20", "male", "子", codes[2]),
    )
    # The family moves to 千代田: out of 川越 planned for 11-30, in at 千代田 on 11-26.
    file(
        kawagoe,
        KAWAGOE,
        kind="move_out",
        person_ids=[*family.person_ids, *born.person_ids],
        planned_date="2026-11-30",
        destination=CHIYODA_HOME,
    )
    file(
        chiyoda,
        CHIYODA,
        kind="move_in",
        effective_date="2026-11-26",
        address=CHIYODA_HOME,
        previous_address=KAWAGOE_HOME,
        persons=[*parents, person("三郎", "サブロウ", "2026-11-20", "male", "子", codes[2])],
    )

    transport = InProcessTransport()
    center = CenterReceiver(engine)

    async def carry() -> int:
        await Relay(engine, transport).run_until_idle()
        return await center.drain(transport)

    received = run_async(carry())
    # 3 people: move-in or birth at 川越, move-out at 川越, move-in at 千代田.
    assert received == 9
    assert {r.outcome for r in center.receipts} == {Outcome.APPLIED}

    with write_transaction(engine) as conn:
        agency = add_agency(
            conn,
            "日本年金機構",
            legal_ground="住民基本台帳法 別表第一",
            purposes=["年金給付の現況確認"],
            items=["name", "date_of_birth", "sex", "address", "status", "change", "lg_code"],
        )
        token = issue_token(conn, agency.agency_id)
    with TestClient(create_center_app(engine)) as client:
        by_code = client.post(
            "/v1/verify",
            json={"purpose": "年金給付の現況確認", "resident_code": codes[2]},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        by_four = client.post(
            "/v1/verify",
            json={
                "purpose": "年金給付の現況確認",
                "name": "高橋 三郎",
                "date_of_birth": "2026-11-20",
                "sex": "male",
                "address": "東京都千代田区千代田一丁目1番",
            },
            headers={"Authorization": f"Bearer {token}"},
        ).json()
    assert by_code["result"] == "match"
    assert by_code["identity"]["lg_code"] == CHIYODA
    assert by_code["identity"]["address"] == "東京都千代田区千代田1-1"
    assert by_code["identity"]["status"] == "active"
    assert by_code["identity"]["change"] == {"reason": "move_in", "effective_date": "2026-11-26"}
    assert by_four["result"] == "match"
    assert by_four["resident_code"] == codes[2]
    steps = [(row.sender, row.reason, row.status) for row in history(engine, codes[2])]
    assert steps == [
        (KAWAGOE, "birth", "active"),
        (KAWAGOE, "move_out", "removed"),
        (CHIYODA, "move_in", "active"),
    ]

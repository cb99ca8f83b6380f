"""Empty states: after the last member's 死亡 the household page says so and links to the
removed records (除票); before, it showed a heading and one sentence, with nowhere to go.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.security.tables import audit_log
from tests.integration.registry.conftest import CLERK, ELSEWHERE, address, person
from tests.integration.web.signed_in import Counter, counter, sign_in


def alone_then_dead(app: Counter) -> tuple[str, str]:
    registry = app.registry
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": address("9-9-9"),
                "previous_address": ELSEWHERE,
                "persons": [
                    person("鈴木", "一人", ("スズキ", "カズト"), "1940-01-01", "male", "世帯主")
                ],
            }
        ),
        CLERK,
    )
    person_id = applied.person_ids[0]
    registry.apply(
        registry.parse({"kind": "death", "person_id": person_id, "effective_date": "2026-11-25"}),
        CLERK,
    )
    return person_id, applied.result["household_id"]


def test_after_the_last_death_the_household_page_links_to_the_removed_record(
    engine: Engine,
) -> None:
    app = counter(engine)
    person_id, household_id = alone_then_dead(app)
    sign_in(app.client)

    page = app.client.get(f"/counter/households/{household_id}").text

    main = page.split('id="main"', 1)[1]
    assert "この世帯に現在の世帯員はいません" in main
    assert "世帯員全員の住民票が消除されています" in main
    assert f'<a href="/counter/residents/{person_id}">鈴木　一人</a>' in main
    row = re.search(r"<tr>\s*<td><a href=\"/counter/residents/.*?</tr>", main, re.S)
    assert row is not None and "死亡" in row.group(0) and "令和8年11月25日" in row.group(0)
    assert f'href="/counter/certificates?person_id={person_id}"' in main


def test_listing_the_removed_members_is_audited_under_each(engine: Engine) -> None:
    app = counter(engine)
    person_id, household_id = alone_then_dead(app)
    sign_in(app.client)
    app.client.get(f"/counter/households/{household_id}")
    with engine.connect() as conn:
        actions = set(
            conn.execute(
                sa.select(audit_log.c.action).where(audit_log.c.subject_person_id == person_id)
            ).scalars()
        )
    assert "resident.search" in actions


def test_a_household_with_members_lists_no_removed_records(engine: Engine) -> None:
    app = counter(engine)
    sign_in(app.client)
    page = app.client.get(f"/counter/households/{app.household_id}").text
    assert "消除された住民票（除票）" not in page and "山田" in page

"""Registry statistics on both databases: the 人口動態 identity, demo vs official table."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.demo import populate
from jichi.registry.service import Registry
from jichi.registry.statistics_source import statistics_source
from jichi.registry.tables import registry_event
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.statistics.compare import compare
from jichi.statistics.official import edition
from jichi.statistics.service import (
    TOTAL_AREA,
    published,
    published_all,
    registry_tables,
    to_csv,
    to_json,
)
from jichi.statistics.tables import tabulate

LG = "112011"  # 埼玉県川越市
START = date(2020, 1, 1)
ADD_REASONS = ("birth", "move_in", "move_in_from_abroad", "ex_officio_record", "import")
REMOVE_REASONS = ("death", "move_out", "move_out_abroad", "ex_officio_removal")

# One person's history: a list of (kind, reason, days after START); replay sorts by date.
_step = st.one_of(
    st.tuples(st.just("recorded"), st.sampled_from(ADD_REASONS), st.integers(0, 1500)),
    st.tuples(st.just("removed"), st.sampled_from(REMOVE_REASONS), st.integers(0, 1500)),
    st.tuples(st.just("restored"), st.just("restoration"), st.integers(0, 1500)),
    st.tuples(st.just("changed"), st.just("relocation"), st.integers(0, 1500)),
)
_history = st.lists(st.lists(_step, min_size=1, max_size=5), min_size=1, max_size=12)


def _insert(engine: Engine, people: list[list[tuple[str, str, int]]], lg: str) -> None:
    rows = []
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for n, steps in enumerate(people):
        person = str(uuid.uuid4())
        record = {
            "person_id": person,
            "sex": "male" if n % 2 else "female",
            "date_of_birth": "1980-05-0" + str(1 + n % 9),
            "household_id": f"h{n // 3}",
            "address": {"town": "大字的場" if n % 3 else "元町"},
        }
        for kind, reason, days in steps:
            day = START + timedelta(days=days)
            changes = record if kind == "recorded" else {}
            if kind == "changed":
                changes = {"address": {"town": "新宿町"}}
            rows.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "notification_id": str(uuid.uuid4()),
                    "lg_code": lg,
                    "person_id": person,
                    "kind": kind,
                    "reason": reason,
                    "effective_date": day,
                    "notified_date": day,
                    "recorded_at": now,
                    "recorded_by": "test",
                    "changes": changes,
                    "corrects": None,
                    "late": False,
                }
            )
    with engine.begin() as conn:
        conn.execute(sa.insert(registry_event), rows)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=_history, first=st.integers(-10, 1510), length=st.integers(0, 800))
def test_births_minus_deaths_plus_in_minus_out_is_the_change(
    engine: Engine, people: list[list[tuple[str, str, int]]], first: int, length: int
) -> None:
    lg = f"9{uuid.uuid4().int % 10**5:05d}"  # a fresh code per example: no clean-up needed
    _insert(engine, people, lg)
    since = START + timedelta(days=first)
    on = since + timedelta(days=length)
    with engine.connect() as conn:
        before = statistics_source(conn, lg, since)
        after = statistics_source(conn, lg, on, since)
    table = tabulate(lg, on, after.residents, after.movements)
    change = len(after.residents) - len(before.residents)
    assert table.natural_change + table.social_change == change
    kinds = Counter(m.kind for m in after.movements)
    assert set(kinds) <= {"birth", "move_in", "other_in", "death", "move_out", "other_out"}
    assert all(since < m.effective_date <= on for m in after.movements)


def _demo(engine: Engine, residents: int = 150) -> date:
    now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    registry = Registry(engine, LG, FieldCipher(Keys.derive(b"s" * 32)), clock=lambda: now)
    summary = populate(registry, Actor("demo", LG, "admin"), residents, 3)
    assert summary.rejections == []
    return now.date()


def test_demo_registry_tables_match_the_official_pyramid_it_was_drawn_from(engine: Engine) -> None:
    today = _demo(engine, 300)
    tables = registry_tables(engine, LG, today)
    table = tables[LG]
    with engine.connect() as conn:
        active = conn.execute(
            sa.text("SELECT count(*) FROM resident WHERE lg_code = :lg AND status = 'active'"),
            {"lg": LG},
        ).scalar_one()
    assert table.population == active
    assert table.households > 0 and sum(table.household_sizes.values()) == table.households
    assert table.movements["move_in"] > 0 or table.movements["birth"] > 0

    report = compare(table, edition(date(2023, 1, 1)).get(LG))
    assert report.registry_population == active and report.official_population == 353183
    assert abs(sum(p for p, _ in report.shares.values()) - 1) < 1e-9
    assert abs(sum(q for _, q in report.shares.values()) - 1) < 1e-9
    # The demo draws ages from this pyramid but builds households first (children go with
    # parents) and ages everyone to 2026: same shape roughly, younger (docs/guide/statistics.md).
    assert 0 < report.total_variation < 0.3, report.largest_gaps()
    assert abs(report.registry_male_share - report.official_male_share) < 0.1

    cells = published(table)
    hidden = {name for name, cell in cells.items() if cell.value is None}
    assert all(cells[n].flag in ("primary", "secondary") for n in hidden)
    body = to_json(tables)
    assert body["areas"][0]["values"]["total.total"] == active
    csv_text = to_csv(tables, "dynamics")
    assert csv_text.startswith("区域,人口 男,人口 女,人口 計,世帯数,転入者数")
    by_town = registry_tables(engine, LG, today, by="town")
    towns = {name: t for name, t in by_town.items() if name != TOTAL_AREA}
    assert sum(t.population for t in towns.values()) == active and len(towns) > 1
    assert by_town[TOTAL_AREA].population == active
    # suppressed together: no cell can be had back from the other towns and the total
    everything = published_all(by_town)
    for name in everything[TOTAL_AREA]:
        column = [everything[a][name] for a in by_town if name in everything[a]]
        assert sum(1 for cell in column if cell.value is None) != 1, name


def test_by_district_needs_a_mapping_and_bad_periods_are_refused(engine: Engine) -> None:
    with pytest.raises(JichiError) as no_map:
        registry_tables(engine, LG, date(2026, 1, 1), by="district")
    assert no_map.value.code == "STA-003"
    with pytest.raises(JichiError) as bad:
        registry_tables(engine, LG, date(2026, 1, 1), since=date(2026, 2, 1))
    assert bad.value.code == "STA-006"
    with pytest.raises(JichiError) as choice:
        registry_tables(engine, LG, date(2026, 1, 1), by="ward")
    assert choice.value.code == "STA-005"
    tables = registry_tables(engine, LG, date(2026, 1, 1), by="district", districts={"元町": "第1"})
    assert list(tables) == [TOTAL_AREA] and tables[TOTAL_AREA].population == 0

"""本人確認情報 at the center: history, replays, and moves that arrive out of order."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from jichi.kernel.errors import JichiError
from jichi.network.center import holding
from jichi.network.center.tables import center_identity_history
from jichi.network.inbox import Outcome
from jichi.network.messages import Envelope
from jichi.store.engine import write_transaction
from tests.integration.network.center.conftest import (
    CHIYODA,
    CODE,
    KAWAGOE,
    YOKOHAMA,
    Municipality,
    deliver,
    history,
    holder,
)


def test_every_update_is_kept_and_the_latest_is_current(
    engine: Engine, kawagoe: Municipality
) -> None:
    born = kawagoe.update("birth", "1970-05-06")
    moved = kawagoe.update("relocation", "2020-04-01", address="埼玉県川越市大字的場9-9")
    renamed = kawagoe.update(
        "family_register_change", "2024-06-01", name="髙橋　一朗", address="埼玉県川越市大字的場9-9"
    )
    deliver(engine, [born, moved, renamed])
    rows = history(engine)
    assert [r.reason for r in rows] == ["birth", "relocation", "family_register_change"]
    assert [r.effective_date for r in rows] == [
        date(1970, 5, 6),
        date(2020, 4, 1),
        date(2024, 6, 1),
    ]
    current = holder(engine)
    assert current is not None
    assert current.name == "髙橋　一朗"
    assert current.address == "埼玉県川越市大字的場9-9"
    assert current.name_key == "高橋一朗"  # folded for search: 髙 → 高, no spaces
    assert current.has_individual_number is True
    assert current.individual_number_hash is None  # the number never travels on the bus
    assert current.history_id == rows[-1].history_id


def test_a_redelivered_update_is_filed_once(engine: Engine, kawagoe: Municipality) -> None:
    born = kawagoe.update("birth", "1970-05-06")
    receipts = deliver(engine, [born, born, born])
    assert [r.outcome for r in receipts] == [Outcome.APPLIED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len(history(engine)) == 1


def test_a_correction_with_an_old_effective_date_still_applies(
    engine: Engine, kawagoe: Municipality
) -> None:
    deliver(engine, [kawagoe.update("relocation", "2024-01-01")])
    deliver(engine, [kawagoe.update("ex_officio_correction", "1970-05-06", name="高橋　一郎")])
    current = holder(engine)
    assert current is not None and current.name == "高橋　一郎"
    assert current.reason == "ex_officio_correction"


def _move(old: Municipality, new: Municipality, planned: str, moved: str) -> list[Envelope]:
    first = old.update("ex_officio_record", "2010-01-01")
    out = old.update("move_out", planned, status="removed")
    arrive = new.update("move_in", moved)
    return [first, out, arrive]


@pytest.mark.parametrize("moved", ["2026-04-10", "2026-04-05"])  # on / before the planned day
@pytest.mark.parametrize("out_first", [True, False])
def test_either_arrival_order_ends_with_the_new_municipality_holding(
    engine: Engine, moved: str, out_first: bool
) -> None:
    first, out, arrive = _move(Municipality(KAWAGOE), Municipality(CHIYODA), "2026-04-10", moved)
    deliver(engine, [first, out, arrive] if out_first else [first, arrive, out])
    current = holder(engine)
    assert current is not None
    assert (current.lg_code, current.status, current.reason) == (CHIYODA, "active", "move_in")
    assert current.effective_date == date.fromisoformat(moved)
    assert len(history(engine)) == 3  # both municipalities' updates are kept


def _three_moves(code: str) -> dict[str, list[Envelope]]:
    """川越 → 千代田 (arriving before the planned move-out day) → 横浜."""
    a, b, c = Municipality(KAWAGOE), Municipality(CHIYODA), Municipality(YOKOHAMA)
    return {
        KAWAGOE: [
            a.update("ex_officio_record", "2001-01-01", code=code),
            a.update("move_out", "2020-03-31", status="removed", code=code),
        ],
        CHIYODA: [
            b.update("move_in", "2020-03-28", code=code),
            b.update("relocation", "2022-02-02", code=code, address="東京都千代田区丸の内1-1"),
            b.update("move_out", "2025-09-30", status="removed", code=code),
        ],
        YOKOHAMA: [c.update("move_in", "2025-10-01", code=code)],
    }


def _interleavings(lengths: dict[str, int]) -> list[tuple[str, ...]]:
    """Every order of senders that keeps each sender's own messages in order."""
    if not any(lengths.values()):
        return [()]
    orders = []
    for sender, left in lengths.items():
        if left:
            rest = _interleavings({**lengths, sender: left - 1})
            orders += [(sender, *order) for order in rest]
    return orders


def _in_order(chains: dict[str, list[Envelope]], order: tuple[str, ...]) -> list[Envelope]:
    cursors = dict.fromkeys(chains, 0)
    picked = []
    for sender in order:
        picked.append(chains[sender][cursors[sender]])
        cursors[sender] += 1
    return picked


def test_the_holder_does_not_depend_on_arrival_order_across_three_municipalities(
    engine: Engine,
) -> None:
    chains = _three_moves(CODE)
    orders = _interleavings({s: len(c) for s, c in chains.items()})
    assert len(orders) == 60  # 6! / (2! 3! 1!)
    for order in orders:  # the pure rule, over every order
        updates = [
            holding.Update(
                n,
                env.sender,
                env.seq,
                env.payload["status"],
                date.fromisoformat(env.payload["effective_date"]),
            )
            for n, env in enumerate(_in_order(chains, order))
        ]
        assert holding.current(updates).sender == YOKOHAMA
    for n, order in enumerate(orders[::12]):  # and a few full replays through the inbox
        code = f"4{n:010d}"
        deliver(engine, _in_order(_three_moves(code), order))
        current = holder(engine, code)
        assert current is not None
        assert (current.lg_code, current.status, current.reason) == (YOKOHAMA, "active", "move_in")
        assert len(history(engine, code)) == 6


def test_a_stale_move_in_from_an_earlier_stay_does_not_take_the_person_back(
    engine: Engine, kawagoe: Municipality, chiyoda: Municipality
) -> None:
    deliver(engine, [kawagoe.update("ex_officio_record", "2001-01-01")])
    deliver(engine, [kawagoe.update("move_out", "2019-03-31", status="removed")])
    stale = chiyoda.update("move_in", "2019-04-01")
    chiyoda_out = chiyoda.update("move_out", "2023-03-31", status="removed")
    deliver(engine, [kawagoe.update("move_in", "2023-04-01")])  # back to 川越
    deliver(engine, [stale])  # 千代田's old news arrives late
    current = holder(engine)
    assert current is not None and (current.lg_code, current.status) == (KAWAGOE, "active")
    deliver(engine, [chiyoda_out])
    current = holder(engine)
    assert current is not None and (current.lg_code, current.reason) == (KAWAGOE, "move_in")


def test_death_at_the_new_municipality_beats_the_old_move_out(
    engine: Engine, kawagoe: Municipality, chiyoda: Municipality
) -> None:
    first, out, arrive = _move(kawagoe, chiyoda, "2026-04-10", "2026-04-10")
    death = chiyoda.update("death", "2026-08-01", status="removed")
    deliver(engine, [first, arrive, death, out])
    current = holder(engine)
    assert current is not None
    assert (current.lg_code, current.status, current.reason) == (CHIYODA, "removed", "death")


def test_a_message_without_a_resident_code_is_skipped(
    engine: Engine, kawagoe: Municipality
) -> None:
    env = kawagoe.update("birth", "2026-11-01")
    env.payload["resident_code"] = None
    assert deliver(engine, [env])[0].outcome is Outcome.APPLIED
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(center_identity_history))
        assert count.scalar_one() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("sex", "other"), ("date_of_birth", "1970-13-01"), ("status", "gone"), ("lg_code", CHIYODA)],
)
def test_a_malformed_update_is_refused_and_nothing_is_written(
    engine: Engine, kawagoe: Municipality, field: str, value: str
) -> None:
    env = kawagoe.update("birth", "1970-05-06")
    env.payload[field] = value
    with pytest.raises(JichiError) as caught:
        deliver(engine, [env])
    assert caught.value.code == "CEN-001"
    assert caught.value.field == field
    assert history(engine) == [] and holder(engine) is None


def test_history_is_append_only(engine: Engine, kawagoe: Municipality) -> None:
    deliver(engine, [kawagoe.update("birth", "1970-05-06")])
    with pytest.raises(DBAPIError), write_transaction(engine) as conn:
        conn.execute(center_identity_history.update().values(name="改ざん"))
    with pytest.raises(DBAPIError), write_transaction(engine) as conn:
        conn.execute(center_identity_history.delete())
    assert [r.name for r in history(engine)] == ["髙橋　一郎"]
    assert history(engine)[0].resident_code == CODE

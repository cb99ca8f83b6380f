"""Resident codes handed out in blocks: never the same code twice."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import (
    IdKind,
    ResidentCodeScheme,
    resident_code_hypothesis_check_digit,
    validate,
)
from jichi.network.center.codes import allocate_codes
from jichi.network.center.tables import center_resident_code
from jichi.store.engine import write_transaction
from tests.integration.network.center.conftest import CHIYODA, KAWAGOE, Municipality, deliver


def _all_codes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(center_resident_code.c.resident_code)).scalars())


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    requests=st.lists(
        st.tuples(st.sampled_from([KAWAGOE, CHIYODA]), st.integers(1, 40)), min_size=1, max_size=4
    ),
    seed=st.integers(0, 2**32),
)
def test_allocations_never_repeat_a_code_even_when_draws_collide(
    engine: Engine, requests: list[tuple[str, int]], seed: int
) -> None:
    # A tiny draw range forces the allocator to meet codes it already gave out.
    rng = random.Random(seed)
    before = set(_all_codes(engine))
    handed: list[str] = []
    for lg_code, count in requests:
        with write_transaction(engine) as conn:
            try:
                block = allocate_codes(conn, lg_code, count, draw=lambda: rng.randrange(400))
            except JichiError as error:  # the small space can run out: say so, never repeat
                assert error.code == "CEN-007"
                continue
        assert len(block.codes) == count
        assert block.lg_code == lg_code
        handed += block.codes
    assert len(handed) == len(set(handed))
    assert not before & set(handed)
    stored = _all_codes(engine)
    assert len(stored) == len(set(stored))


def test_codes_are_eleven_digits_with_the_kernels_check_digit(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        block = allocate_codes(
            conn, KAWAGOE, 500, scheme=ResidentCodeScheme.MOD11_HYPOTHESIS, allocated_by="op"
        )
    assert len(set(block.codes)) == 500
    for code in block.codes:
        assert len(code) == 11 and code.isdigit()
        assert resident_code_hypothesis_check_digit(code[:10]) == int(code[10])
        checked = validate(
            IdKind.RESIDENT_CODE, code, resident_code_scheme=ResidentCodeScheme.MOD11_HYPOTHESIS
        )
        assert checked.warnings == ()


def test_a_code_already_in_use_at_the_center_is_never_handed_out(engine: Engine) -> None:
    used = "00000000011"  # draw 1 → base 0000000001 + its check digit
    assert used[:10] == "0000000001"
    used = used[:10] + str(resident_code_hypothesis_check_digit(used[:10]))
    deliver(engine, [Municipality(KAWAGOE).update("import", "2000-01-01", code=used)])
    draws = iter([1, 1, 2])
    with write_transaction(engine) as conn:
        block = allocate_codes(conn, CHIYODA, 1, draw=lambda: next(draws))
    assert used not in block.codes
    assert block.codes[0][:10] == "0000000002"


@pytest.mark.parametrize(
    ("lg_code", "count", "code"),
    [
        (KAWAGOE, 0, "CEN-006"),
        (KAWAGOE, 100_001, "CEN-006"),
        ("112012", 5, "ID-004"),  # wrong check digit of the local government code
    ],
)
def test_bad_allocation_requests_are_refused(
    engine: Engine, lg_code: str, count: int, code: str
) -> None:
    with pytest.raises(JichiError) as caught, write_transaction(engine) as conn:
        allocate_codes(conn, lg_code, count)
    assert caught.value.code == code
    assert _all_codes(engine) == []

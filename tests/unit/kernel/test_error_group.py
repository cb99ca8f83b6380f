"""Several errors of one input raised at once, without breaking the one-error API."""

from __future__ import annotations

import pytest

from jichi.kernel.errors import INVALID_INPUT, NOT_FOUND, Collector, JichiError, JichiErrors


def test_a_collector_raises_a_single_error_as_it_is() -> None:
    errors = Collector()
    with errors.check():
        raise JichiError(INVALID_INPUT, field="a")
    with pytest.raises(JichiError) as raised:
        errors.raise_if_any()
    assert type(raised.value) is JichiError and raised.value.field == "a"


def test_a_collector_raises_several_errors_as_one_group_in_order() -> None:
    errors = Collector()
    with errors.check():
        raise JichiError(INVALID_INPUT, field="a")
    errors.add(JichiErrors([JichiError(INVALID_INPUT, field="b"), JichiError(NOT_FOUND, what="x")]))
    with pytest.raises(JichiErrors) as raised:
        errors.raise_if_any()
    group = raised.value
    assert [e.field for e in group.errors] == ["a", "b", None]
    assert group.code == "GEN-001" and group.field == "a"  # the first member's, for old callers
    body = group.to_dict()
    assert body["code"] == "GEN-001"
    assert [m["code"] for m in body["errors"]] == ["GEN-001", "GEN-001", "GEN-002"]


def test_no_errors_raise_nothing_and_an_empty_group_is_a_bug() -> None:
    Collector().raise_if_any()
    with pytest.raises(ValueError):
        JichiErrors([])

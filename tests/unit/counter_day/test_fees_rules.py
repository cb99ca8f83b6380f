"""Fee rules for many cases (hypothesis): 通数 × the fee, 0 when exempt, bad input refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jichi.kernel.errors import JichiError
from jichi.registry.certificates.model import CertificateKind
from jichi.registry.counter_day import fees

KINDS = st.sampled_from(list(CertificateKind))
TABLES = st.dictionaries(KINDS, st.integers(0, fees.MAX_FEE)).map(
    lambda own: fees.FeeTable({**fees.example_fees(), **own}, frozenset())
)


@given(TABLES, KINDS, st.integers(1, fees.MAX_COPIES))
def test_a_charged_line_is_copies_times_the_fee(
    table: fees.FeeTable, kind: CertificateKind, copies: int
) -> None:
    assert fees.quote(table, kind, copies).total_yen == copies * table.fee(kind)


@given(TABLES, KINDS, st.integers(1, fees.MAX_COPIES), st.sampled_from(sorted(fees.EXEMPTIONS)))
def test_an_exempt_line_costs_nothing_whatever_the_fee(
    table: fees.FeeTable, kind: CertificateKind, copies: int, exemption: str
) -> None:
    assert fees.quote(table, kind, copies, exemption, "条例第5条").total_yen == 0


@given(st.integers(-(10**6), 10**7) | st.text(max_size=12))
def test_a_typed_fee_is_whole_yen_or_refused_with_its_field(value: int | str) -> None:
    text = str(value)
    try:
        amount = fees.parse_fee(CertificateKind.RECORD_COPY_PERSONAL, text)
    except JichiError as error:
        assert error.code == "CNT-005" and error.field == "fee.record_copy_personal"
    else:
        assert 0 <= amount < 10**6
        assert fees.parse_fee(CertificateKind.RECORD_COPY_PERSONAL, str(amount)) == amount
        if isinstance(value, int):
            assert amount == value  # a plain whole number is taken as it is


@given(st.integers(-5, 0) | st.integers(fees.MAX_COPIES + 1, 10**4))
def test_copies_out_of_range_are_refused(copies: int) -> None:
    table = fees.FeeTable(fees.example_fees(), frozenset())
    with pytest.raises(JichiError) as refused:
        fees.quote(table, CertificateKind.RECORD_COPY_PERSONAL, copies)
    assert refused.value.code == "CNT-015"

"""``bench scale`` loads the large center only at a size the disk and 25 minutes allow."""

from __future__ import annotations

from bench.center_scale import DISK_RESERVE, large_size, person_pool

SMALL = {"rows": 1_000_000, "bytes_per_person": 850.0, "rows_per_s": 16_000.0}
GIB = 1024**3


def test_twenty_million_fits_a_large_disk_and_a_fast_load() -> None:
    assert large_size(20_000_000, SMALL, 80 * GIB) == (20_000_000, "fits")


def test_a_small_disk_loads_the_largest_whole_million_that_fits() -> None:
    rows, why = large_size(20_000_000, SMALL, DISK_RESERVE + 5 * GIB)
    assert rows == 5_000_000  # 5 GiB ÷ (850 B × 1.15) = 5.49 million
    assert "disk" in why and "5,000,000" in why


def test_a_slow_load_is_cut_to_the_time_budget() -> None:
    slow = {**SMALL, "rows_per_s": 5_000.0}  # 25 min → 7.5 million
    rows, why = large_size(20_000_000, slow, 500 * GIB)
    assert rows == 7_000_000
    assert "25-minute" in why


def test_never_below_the_small_size() -> None:
    assert large_size(20_000_000, SMALL, DISK_RESERVE)[0] == 1_000_000


def test_the_pool_carries_jichi_search_keys() -> None:
    pool = person_pool(7)
    assert len(pool) == 5_000
    n, name, _kana, name_key, address, address_key, sex = pool[0]
    assert n == 0 and "　" in name and "　" not in name_key
    assert address.startswith("埼玉県川越市") and address_key and sex in ("male", "female")

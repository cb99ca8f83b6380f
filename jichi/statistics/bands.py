"""Five-year age bands as the 住民基本台帳に基づく人口 tables use them (0～4歳 … 100歳以上)."""

from __future__ import annotations

from datetime import date

from jichi.kernel.age import age_on

__all__ = ["BAND_COUNT", "BAND_LABELS", "BAND_LABELS_JA", "band_of", "band_of_age"]

BAND_COUNT = 21  # 0–4 … 95–99 and the open 100+
BAND_LABELS: tuple[str, ...] = (*(f"{lo}-{lo + 4}" for lo in range(0, 100, 5)), "100+")
BAND_LABELS_JA: tuple[str, ...] = (*(f"{lo}～{lo + 4}歳" for lo in range(0, 100, 5)), "100歳以上")


def band_of_age(age: int) -> int:
    """The band index of an age (the last band is open)."""
    return min(max(age, 0) // 5, BAND_COUNT - 1)


def band_of(date_of_birth: date, on: date) -> int:
    """The band of someone born on ``date_of_birth``, at the start of ``on`` (法の年齢)."""
    return band_of_age(age_on(date_of_birth, on))

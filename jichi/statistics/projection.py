"""Cohort-component projection (コーホート要因法) in five-year steps, float arithmetic.

One step moves every five-year cohort up a band:

    P[i](t+5) = P[i−1](t) × survival[i] × (1 + migration[i])          (i ≥ 1)
    P[last](t+5) = (P[last−1](t) + P[last](t)) × survival[last] × (1 + migration[last])

and fills the 0–4 band from the women of 15–49 with the 子ども女性比 (child-woman
ratio), split by the 0～4歳性比 (boys per 100 girls), as 社人研 does for ages 0–4
(facts/places_stats.md §3.3).  Every assumption is a :class:`Parameters` value that
loads from and saves to JSON; :mod:`jichi.statistics.parameters` derives them from two
tables (the cohort change ratio method: survival and net migration together in
``survival``, ``migration`` 0, because stock tables cannot tell them apart).

Floats are fine here: a projection is an estimate; results are rounded only when shown.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jichi.kernel.errors import JichiError
from jichi.statistics.errors import BAD_PARAMETERS

__all__ = ["SEXES", "Parameters", "Population", "Projection", "project", "step", "women_15_49"]

SEXES = ("male", "female")


@dataclass(frozen=True)
class Population:
    """A population by sex and band (floats: projected values are fractional)."""

    year: float  # the base date as a decimal year (2023.0 for 1 January 2023)
    male: tuple[float, ...]
    female: tuple[float, ...]

    @property
    def total(self) -> float:
        return sum(self.male) + sum(self.female)

    def share_from(self, band: int) -> float:
        """The share aged ``band``'s lower bound and over (65+ is band 13)."""
        total = self.total
        return (sum(self.male[band:]) + sum(self.female[band:])) / total if total else 0.0


@dataclass(frozen=True)
class Parameters:
    """Every assumption of one projection; ``survival``/``migration`` per target band.

    Index 0 of ``survival`` and ``migration`` is unused (the 0–4 band comes from births)
    and kept so index i always means "into band i".
    """

    name: str
    band_labels: tuple[str, ...]
    survival: dict[str, tuple[float, ...]]
    migration: dict[str, tuple[float, ...]]
    child_woman_ratio: float  # 0–4 ÷ women 15–49, at the end of the step
    sex_ratio_0_4: float  # boys per 100 girls aged 0–4
    step_years: int = 5
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.band_labels)
        for name, table in (("survival", self.survival), ("migration", self.migration)):
            for sex in SEXES:
                values = table.get(sex)
                if values is None or len(values) != n:
                    raise JichiError(
                        BAD_PARAMETERS,
                        field=f"{name}.{sex}",
                        reason=f"{n}個の値が必要です",
                        reason_en=f"{n} values required",
                    )
                if any(not math.isfinite(v) or (name == "survival" and v < 0) for v in values):
                    raise JichiError(
                        BAD_PARAMETERS,
                        field=f"{name}.{sex}",
                        reason="負または数でない値があります",
                        reason_en="negative or non-finite value",
                    )
        if self.child_woman_ratio < 0 or self.sex_ratio_0_4 < 0:
            raise JichiError(
                BAD_PARAMETERS,
                field="child_woman_ratio",
                reason="子ども女性比と性比は0以上です",
                reason_en="child-woman ratio and sex ratio must be ≥ 0",
            )

    @classmethod
    def neutral(cls, band_labels: tuple[str, ...]) -> Parameters:
        """Survival 1, migration 0, no births: the projection only ages people."""
        n = len(band_labels)
        return cls(
            "neutral",
            band_labels,
            {sex: (1.0,) * n for sex in SEXES},
            {sex: (0.0,) * n for sex in SEXES},
            0.0,
            105.0,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Parameters:
        try:
            data: dict[str, Any] = json.loads(text)
            return cls(
                name=str(data["name"]),
                band_labels=tuple(data["band_labels"]),
                survival={s: tuple(float(v) for v in data["survival"][s]) for s in SEXES},
                migration={s: tuple(float(v) for v in data["migration"][s]) for s in SEXES},
                child_woman_ratio=float(data["child_woman_ratio"]),
                sex_ratio_0_4=float(data["sex_ratio_0_4"]),
                step_years=int(data.get("step_years", 5)),
                source=str(data.get("source", "")),
                notes=[str(n) for n in data.get("notes", [])],
            )
        except (KeyError, TypeError, ValueError) as error:
            raise JichiError(
                BAD_PARAMETERS, field="json", reason=str(error), reason_en=str(error)
            ) from None

    @classmethod
    def load(cls, path: Path) -> Parameters:
        return cls.from_json(path.read_text(encoding="utf-8"))


def women_15_49(bands: tuple[float, ...]) -> float:
    """Women aged 15–49: bands 3..9 (15～19 … 45～49)."""
    return sum(bands[3:10])


def _age(
    bands: tuple[float, ...], survival: tuple[float, ...], migration: tuple[float, ...]
) -> list[float]:
    n = len(bands)
    out = [0.0] * n
    for i in range(1, n):
        source = bands[i - 1] + (bands[i] if i == n - 1 else 0.0)
        out[i] = source * survival[i] * (1.0 + migration[i])
    return out


def step(population: Population, parameters: Parameters) -> Population:
    """The population ``step_years`` later."""
    male = _age(population.male, parameters.survival["male"], parameters.migration["male"])
    female = _age(population.female, parameters.survival["female"], parameters.migration["female"])
    children = parameters.child_woman_ratio * women_15_49(tuple(female))
    ratio = parameters.sex_ratio_0_4
    male[0] = children * ratio / (100.0 + ratio)
    female[0] = children - male[0]
    return Population(population.year + parameters.step_years, tuple(male), tuple(female))


@dataclass(frozen=True)
class Projection:
    """The base population and every step up to the horizon."""

    steps: tuple[Population, ...]

    def at(self, year: float) -> Population:
        """The population in ``year``, linear between steps (none past the last)."""
        steps = self.steps
        if year <= steps[0].year:
            return steps[0]
        for before, after in itertools.pairwise(steps):
            if before.year <= year <= after.year:
                w = (year - before.year) / (after.year - before.year)
                return Population(
                    year,
                    tuple(a + (b - a) * w for a, b in zip(before.male, after.male, strict=True)),
                    tuple(
                        a + (b - a) * w for a, b in zip(before.female, after.female, strict=True)
                    ),
                )
        return steps[-1]


def project(base: Population, parameters: Parameters, until: float = 2050.0) -> Projection:
    """Steps from ``base`` until the first one on or after ``until``."""
    if len(base.male) != len(parameters.band_labels):
        raise JichiError(
            BAD_PARAMETERS,
            field="band_labels",
            reason="基準人口と前提値の年齢階級の数が違います",
            reason_en="the base population and the parameters have different bands",
        )
    steps = [base]
    while steps[-1].year < until:
        steps.append(step(steps[-1], parameters))
    return Projection(tuple(steps))

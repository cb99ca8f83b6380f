"""Projection assumptions derived from two population tables (コーホート変化率法).

From a table at t0 and one at t1 (about five years later) the cohort change ratio of
band i is ``P[i](t1) ÷ P[i−1](t0)`` (the open band: ``P[last](t1) ÷ (P[last−1](t0) +
P[last](t0))``): survival and net migration together, since stock tables cannot part
them.  The 子ども女性比 and 0～4歳性比 are those of t1.  A ratio whose denominator is 0
is set to 1 (nobody to age; documented, and listed in ``notes``).  The same function
serves the official tables and two registry tabulations of one municipality.
"""

from __future__ import annotations

from jichi.statistics.projection import SEXES, Parameters, Population, women_15_49

__all__ = ["cohort_change_parameters", "population_of"]


def population_of(year: float, male: tuple[float, ...], female: tuple[float, ...]) -> Population:
    return Population(year, tuple(float(v) for v in male), tuple(float(v) for v in female))


def cohort_change_parameters(
    name: str, band_labels: tuple[str, ...], before: Population, after: Population, source: str = ""
) -> Parameters:
    """The parameters that turn ``before`` into ``after`` (and so carry the trend on)."""
    n = len(band_labels)
    notes: list[str] = []
    survival: dict[str, tuple[float, ...]] = {}
    for sex in SEXES:
        old = getattr(before, sex)
        new = getattr(after, sex)
        ratios = [1.0]
        for i in range(1, n):
            denominator = old[i - 1] + (old[i] if i == n - 1 else 0.0)
            if denominator <= 0:
                notes.append(f"{sex} {band_labels[i]}: no one to age, ratio set to 1")
                ratios.append(1.0)
            else:
                ratios.append(new[i] / denominator)
        survival[sex] = tuple(ratios)
    women = women_15_49(after.female)
    children = after.male[0] + after.female[0]
    cwr = children / women if women > 0 else 0.0
    ratio = 100.0 * after.male[0] / after.female[0] if after.female[0] > 0 else 105.0
    if after.female[0] <= 0:
        notes.append("no girls aged 0-4: sex ratio set to 105")
    return Parameters(
        name=name,
        band_labels=band_labels,
        survival=survival,
        migration={sex: (0.0,) * n for sex in SEXES},
        child_woman_ratio=cwr,
        sex_ratio_0_4=ratio,
        step_years=5,
        source=source,
        notes=[
            "cohort change ratios: survival and net migration combined in `survival`",
            *notes,
        ],
    )

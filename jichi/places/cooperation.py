"""Wide-area cooperation (広域連携) as data: who works with whom, on what, and when.

The six arrangements of 地方自治法 the registry meets (facts §2): 定住自立圏 (形成協定 between
a 中心市 and each neighbour), 連携中枢都市圏 (連携協約 of a 連携中枢都市 with each neighbour),
広域連合 and 一部事務組合 (special local bodies with members), 事務の委託 (252条の14: one
body's 事務 done by another) and 連携協約 (252条の2).  Each is an :class:`Arrangement` with
members over time (a member joins and leaves on its own days) and the services it shares.

Only 事務の委託 grants anything to software: :func:`entrustment_for` answers whether the
counter of one member may issue another member's certificates of a kind on a day, and
under whose rules.  Everything else is data for lists and reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from jichi.kernel.errors import JichiError, define

NOT_ENTRUSTED = define(
    "COOP-001",
    "{on}に団体{holder}から団体{counter}への「{service}」の事務の委託はありません。",
    "on {on} municipality {holder} has not entrusted {service} to municipality {counter}",
    http_status=403,
    params=("on", "holder", "counter", "service"),
)
BAD_ARRANGEMENT = define(
    "COOP-002",
    "広域連携「{name}」を読めません: {reason}",
    "the arrangement {name} is not valid: {reason_en}",
    params=("name", "reason", "reason_en"),
)


class ArrangementKind(StrEnum):
    SETTLEMENT_AREA = "settlement_area"  # 定住自立圏
    METRO_CORE_AREA = "metro_core_area"  # 連携中枢都市圏
    WIDE_AREA_UNION = "wide_area_union"  # 広域連合
    PARTIAL_AFFAIRS_UNION = "partial_affairs_union"  # 一部事務組合
    ENTRUSTMENT = "entrustment"  # 事務の委託
    AGREEMENT = "agreement"  # 連携協約

    @property
    def label_ja(self) -> str:
        return _LABELS[self]


_LABELS = {
    ArrangementKind.SETTLEMENT_AREA: "定住自立圏",
    ArrangementKind.METRO_CORE_AREA: "連携中枢都市圏",
    ArrangementKind.WIDE_AREA_UNION: "広域連合",
    ArrangementKind.PARTIAL_AFFAIRS_UNION: "一部事務組合",
    ArrangementKind.ENTRUSTMENT: "事務の委託",
    ArrangementKind.AGREEMENT: "連携協約",
}

# Roles a member plays.  In a 事務の委託 the 委託団体 (entrusting) hands its 事務 to the
# 受託団体 (entrusted); the other kinds use 中心市 / 連携中枢都市 / 構成団体.
ENTRUSTING = "entrusting"
ENTRUSTED = "entrusted"
ROLES = frozenset({ENTRUSTING, ENTRUSTED, "center", "member"})

# Whose rules a certificate issued under a 委託 follows (wording, items, fees).  The brief
# and issue 15 say the entrusting municipality's; 地自法252条の16 is commonly read as making
# the entrusted body's rules apply (facts §2.1, SECONDARY): so it is the contract's field.
RULES = frozenset({ENTRUSTING, ENTRUSTED})


@dataclass(frozen=True)
class Membership:
    lg_code: str
    role: str
    valid_from: date
    valid_to: date | None = None  # the first day no longer a member

    def holds_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)


@dataclass(frozen=True)
class Arrangement:
    arrangement_id: str
    kind: ArrangementKind
    name: str
    valid_from: date
    valid_to: date | None
    members: tuple[Membership, ...]
    services: tuple[str, ...]  # certificate kinds for a 委託 (record_copy_personal …), or text
    rules_of: str = ENTRUSTING
    basis: str = ""  # the 告示 or 規約

    def holds_on(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def members_on(self, on: date, role: str | None = None) -> list[str]:
        """The members on ``on`` (of one role if given), in code order."""
        if not self.holds_on(on):
            return []
        return sorted(
            {m.lg_code for m in self.members if m.holds_on(on) and (role is None or m.role == role)}
        )


@dataclass(frozen=True)
class Entrustment:
    """What a 委託 grants on one day: ``counter`` may issue ``holder``'s ``service``."""

    arrangement: Arrangement
    holder: str
    counter: str
    service: str
    on: date

    @property
    def rules_lg_code(self) -> str:
        """The municipality whose certificate rules apply."""
        return self.holder if self.arrangement.rules_of == ENTRUSTING else self.counter


def check(arrangement: Arrangement) -> Arrangement:
    """COOP-002 for an arrangement that cannot mean anything."""

    def bad(reason: str, reason_en: str) -> JichiError:
        return JichiError(
            BAD_ARRANGEMENT,
            field="arrangement",
            name=arrangement.name,
            reason=reason,
            reason_en=reason_en,
        )

    if arrangement.valid_to is not None and arrangement.valid_to <= arrangement.valid_from:
        raise bad("終了日が開始日以前です", "it ends before it begins")
    if any(m.role not in ROLES for m in arrangement.members):
        raise bad("構成団体の役割が不明です", "a member has an unknown role")
    if arrangement.rules_of not in RULES:
        raise bad("適用する規則の団体が不明です", "rules_of must be entrusting or entrusted")
    if arrangement.kind is ArrangementKind.ENTRUSTMENT:
        roles = {m.role for m in arrangement.members}
        if not {ENTRUSTING, ENTRUSTED} <= roles:
            raise bad("委託団体と受託団体が必要です", "an entrustment needs both sides")
        if not arrangement.services:
            raise bad("委託する事務がありません", "an entrustment names its services")
    return arrangement


def entrustment_for(
    arrangements: Iterable[Arrangement], *, holder: str, counter: str, service: str, on: date
) -> Entrustment:
    """The 委託 letting ``counter`` issue ``holder``'s ``service`` on ``on``; COOP-001 if none.

    Both must be members on the day in their roles, the contract in force, and the service
    named in it: anything else is refused (tenancy stays by construction).
    """
    for arrangement in arrangements:
        if (
            arrangement.kind is not ArrangementKind.ENTRUSTMENT
            or service not in arrangement.services
        ):
            continue
        if holder in arrangement.members_on(on, ENTRUSTING) and counter in arrangement.members_on(
            on, ENTRUSTED
        ):
            return Entrustment(arrangement, holder, counter, service, on)
    raise JichiError(
        NOT_ENTRUSTED,
        field="holder",
        on=on.isoformat(),
        holder=holder,
        counter=counter,
        service=service,
    )


def arrangements_of(
    arrangements: Iterable[Arrangement], lg_code: str, on: date
) -> list[Arrangement]:
    """Every arrangement ``lg_code`` belongs to on ``on``."""
    return [a for a in arrangements if lg_code in a.members_on(on)]


def entrusted_to(
    arrangements: Iterable[Arrangement], counter: str, on: date, services: Iterable[str]
) -> list[Entrustment]:
    """What ``counter`` may issue on ``on`` as an entrusted member: one grant per holder and
    service among ``services``, in holder then service order.

    The entrusted counter's page offers only these (and shows its menu link only when
    there is one); the holder still decides each request with :func:`entrustment_for`.
    """
    wanted = tuple(services)
    found: list[Entrustment] = []
    for arrangement in arrangements:
        if arrangement.kind is not ArrangementKind.ENTRUSTMENT:
            continue
        if counter not in arrangement.members_on(on, ENTRUSTED):
            continue
        for holder in arrangement.members_on(on, ENTRUSTING):
            found.extend(
                Entrustment(arrangement, holder, counter, service, on)
                for service in wanted
                if service in arrangement.services
            )
    return sorted(found, key=lambda g: (g.holder, wanted.index(g.service)))

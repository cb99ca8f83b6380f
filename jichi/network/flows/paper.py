"""The paper move: the 転入 recorded from the 転出証明書 (令23条; 法22条2項).

The old municipality issues the 転出証明書 (``jichi.registry.certificates``); the
resident brings it, and the new municipality's clerk records the 転入 from what it
says.  :func:`move_in_from_certificate` builds that 転入届 from the certificate's
subjects (the records as printed), so the items travel unchanged: name and reading,
date of birth, sex, 続柄, 本籍・筆頭者, 住民票コード, 旧氏, 通称 and the foreign-resident
items.  The 転入 then sends its 転入通知 and the old municipality confirms the 転出
(:mod:`jichi.network.flows.move_in_notice`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from jichi.registry import commands as c
from jichi.registry.model import Address, ResidentRecord


def move_in_from_certificate(
    subjects: Sequence[ResidentRecord],
    *,
    address: Address,
    effective_date: date,
    notified_date: date | None = None,
    join_household_id: str | None = None,
    relationships: Mapping[str, str] | None = None,
) -> c.MoveIn:
    """The 転入届 for the people on one 転出証明書 (``relationships``: their person id → 続柄)."""
    first = subjects[0]
    return c.MoveIn(
        effective_date=effective_date,
        notified_date=notified_date,
        address=address,
        previous_address=first.address,
        persons=[
            c.NewPerson(
                name=r.name,
                date_of_birth=r.date_of_birth,
                sex=r.sex,
                relationship=(relationships or {}).get(r.person_id, r.relationship),
                honseki=r.honseki,
                family_register_head=r.family_register_head,
                resident_code=r.resident_code,
                foreign=r.foreign,
                qualifications=r.qualifications,
                former_surname=r.former_surname,
                alias=r.alias,
            )
            for r in subjects
        ],
        join_household_id=join_household_id,
        move_out_certificate_from=first.lg_code,
    )

"""What the center answers about a protected person, and what a municipality may ask.

Two rules the operator configures (docs/guide/center.md):

* ``protected_address_purposes``: the purposes for which an agency receives the address
  of a person under a DV等支援措置.  For any other purpose the address is **omitted**
  from the answer (the match itself and the other items are given).  Default: none.
* ``municipality_purposes``: the purposes a municipality's account may name at all —
  by default the ones the network flows use (転入, 広域交付, 本人確認).  Before, a
  municipality's account read anyone nationwide under any purpose it had registered.

The center learns that a person is protected from the municipality's
``center.identity`` update (a ``protected`` flag, never the details of the measure).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from jichi.kernel.errors import JichiError, define

DEFAULT_MUNICIPALITY_PURPOSES = frozenset({"転入", "広域交付", "本人確認"})
ENV_PROTECTED = "JICHI_CENTER_PROTECTED_ADDRESS_PURPOSES"
ENV_MUNICIPALITY = "JICHI_CENTER_MUNICIPALITY_PURPOSES"

MUNICIPALITY_PURPOSE = define(
    "CEN-020",
    "市区町村の利用者は、利用目的「{purpose}」では照会できません（認められた目的: {allowed}）。",
    "a municipality account may not verify for purpose {purpose!r} (allowed: {allowed})",
    http_status=403,
    params=("purpose", "allowed"),
)


@dataclass(frozen=True)
class CenterPolicy:
    protected_address_purposes: frozenset[str] = frozenset()
    municipality_purposes: frozenset[str] = DEFAULT_MUNICIPALITY_PURPOSES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CenterPolicy:
        """Comma-separated lists; an unset variable keeps the default."""
        env = os.environ if env is None else env
        protected = _list(env.get(ENV_PROTECTED))
        municipality = _list(env.get(ENV_MUNICIPALITY))
        return cls(
            protected_address_purposes=protected if protected is not None else frozenset(),
            municipality_purposes=(
                municipality if municipality is not None else DEFAULT_MUNICIPALITY_PURPOSES
            ),
        )

    def check(self, kind: str, purpose: str) -> None:
        """Refuse a municipality account's purpose outside the allowed list (CEN-020)."""
        if kind == "municipality" and purpose not in self.municipality_purposes:
            raise JichiError(
                MUNICIPALITY_PURPOSE,
                field="purpose",
                purpose=purpose[:100],
                allowed="、".join(sorted(self.municipality_purposes)) or "なし",
            )

    def masks_address(self, purpose: str) -> bool:
        """Whether a protected person's address is left out of answers for ``purpose``."""
        return purpose not in self.protected_address_purposes


def _list(raw: str | None) -> frozenset[str] | None:
    if raw is None:
        return None
    return frozenset(p.strip() for p in raw.split(",") if p.strip())

"""The online 転出届 as a signed document (引越しワンストップサービス, facts mynumber.md §5).

The resident's form becomes :class:`OnlineMoveOut`, serialised to canonical JSON (sorted
keys, no spaces, UTF-8) — those exact bytes are what the 署名用 key signs and what the
old municipality parses at receipt, so nothing outside the signature can change what is
recorded.  :func:`check_visit` holds the portal's own rules for the 来庁予定日: not before
the planned move-out, and within the 特例転入 window after it (30 days, the card rules'
``move_in_days_after_planned_move_out``).  The registry's rules (household, dates,
destination) apply when the 転出 is recorded through its normal channel.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from jichi.kernel.errors import JichiError
from jichi.mynumber.portal import errors as e
from jichi.mynumber.validity import CardRules

Text = Annotated[str, StringConstraints(max_length=200)]
KIND = "jichi.online_move_out.v1"


class OnlineMoveOut(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = KIND
    lg_code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")]  # 転出地
    filer_person_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    person_ids: Annotated[list[str], Field(min_length=1, max_length=30)]
    planned_date: date
    visit_on: date  # 来庁予定日 at the new municipality
    destination: dict[str, Text]  # the registry's Address fields, lg_code included
    challenge: Annotated[str, StringConstraints(max_length=200)]  # binds to one form view

    def canonical(self) -> bytes:
        data = self.model_dump(mode="json")
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8"
        )

    @classmethod
    def parse(cls, data: bytes) -> OnlineMoveOut:
        def bad(reason: str, reason_en: str) -> JichiError:
            return JichiError(e.BAD_DOCUMENT, field="document", reason=reason, reason_en=reason_en)

        try:
            form = cls.model_validate_json(data)
        except ValidationError:
            raise bad("項目が正しくありません", "fields invalid") from None
        if form.kind != KIND:
            raise bad("書式が違います", "wrong kind")
        if form.canonical() != data:
            raise bad("正規化されていません", "not canonical")
        return form


def check_visit(planned: date, visit_on: date, rules: CardRules | None = None) -> None:
    days = (rules or CardRules()).move_in_days_after_planned_move_out
    if visit_on < planned:
        raise JichiError(e.VISIT_BEFORE_MOVE, field="visit_on", planned=planned.isoformat())
    if visit_on > planned + timedelta(days=days):
        raise JichiError(e.VISIT_TOO_LATE, field="visit_on", days=days)

"""The public shape of a local government, shared by the API and the CLI's --json."""

from __future__ import annotations

from pydantic import BaseModel

from jichi.places.model import LocalGovernment


class LocalGovernmentOut(BaseModel):
    code: str
    name: str
    reading: str
    prefecture: str
    prefecture_code: str
    kind: str
    kind_ja: str
    parent_code: str | None
    northern_territories: bool

    @classmethod
    def of(cls, lg: LocalGovernment) -> LocalGovernmentOut:
        return cls(
            code=lg.code,
            name=lg.name,
            reading=lg.reading,
            prefecture=lg.prefecture,
            prefecture_code=lg.prefecture_code,
            kind=lg.kind.value,
            kind_ja=lg.kind.label_ja,
            parent_code=lg.parent_code,
            northern_territories=lg.northern_territories,
        )

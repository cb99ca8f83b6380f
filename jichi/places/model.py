"""Prefectures and municipalities as 総務省 lists them (全国地方公共団体コード).

One :class:`LocalGovernment` per 団体コード: the 47 都道府県, the 1,741 市区町村, the 171
行政区 of the 20 政令指定都市 and the 6 北方領土の村 that the official list carries but does not
count.  Names and kana are kept exactly as published; ``reading`` is the same kana in
full-width katakana.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What kind of local government a code names; the value is the API's spelling."""

    PREFECTURE = "prefecture"
    DESIGNATED_CITY = "designated_city"
    DESIGNATED_CITY_WARD = "designated_city_ward"
    SPECIAL_WARD = "special_ward"
    CITY = "city"
    TOWN = "town"
    VILLAGE = "village"

    @property
    def label_ja(self) -> str:
        """The Japanese term: 都道府県, 政令指定都市, 行政区, 特別区, 市, 町, 村."""
        return _LABELS_JA[self]


_LABELS_JA: dict[Kind, str] = {
    Kind.PREFECTURE: "都道府県",
    Kind.DESIGNATED_CITY: "政令指定都市",
    Kind.DESIGNATED_CITY_WARD: "行政区",
    Kind.SPECIAL_WARD: "特別区",
    Kind.CITY: "市",
    Kind.TOWN: "町",
    Kind.VILLAGE: "村",
}

# The kinds that make up the 1,741 市区町村 (northern-territory villages excepted).
MUNICIPALITY_KINDS: frozenset[Kind] = frozenset(
    {Kind.DESIGNATED_CITY, Kind.CITY, Kind.TOWN, Kind.VILLAGE, Kind.SPECIAL_WARD}
)


@dataclass(frozen=True)
class LocalGovernment:
    """A prefecture, municipality or designated-city ward, identified by its 団体コード.

    ``name`` is the municipality's name as published (wards include their city:
    ``札幌市中央区``); for a prefecture it is the prefecture's name.  ``name_kana`` is the
    source's half-width katakana; ``reading`` the same in full-width katakana.
    """

    code: str
    prefecture_code: str
    prefecture: str
    name: str
    name_kana: str
    reading: str
    kind: Kind
    parent_code: str | None
    northern_territories: bool = False

    @property
    def code5(self) -> str:
        """The 5-digit code without its check digit (e-Stat 標準地域コード)."""
        return self.code[:5]

    @property
    def is_prefecture(self) -> bool:
        return self.kind is Kind.PREFECTURE

    @property
    def is_municipality(self) -> bool:
        """One of the 1,741 市区町村: cities, towns, villages and Tokyo's 23 wards.

        Designated-city wards are parts of their city, not municipalities, and the six
        北方領土 villages are listed by 総務省 but not counted.
        """
        return self.kind in MUNICIPALITY_KINDS and not self.northern_territories

    @property
    def display_name(self) -> str:
        """Prefecture and name, as on an address: 東京都千代田区; 東京都 for the prefecture."""
        if self.kind is Kind.PREFECTURE:
            return self.prefecture
        return self.prefecture + self.name

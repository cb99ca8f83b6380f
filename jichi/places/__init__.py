"""Places: prefectures, municipalities and wards by 全国地方公共団体コード (総務省)."""

from jichi.places.catalog import (
    MUNICIPALITY,
    UNKNOWN_CODE,
    UNKNOWN_KIND,
    UNKNOWN_PREFECTURE,
    Catalog,
    CatalogDataError,
    default_catalog,
)
from jichi.places.model import Kind, LocalGovernment

__all__ = [
    "MUNICIPALITY",
    "UNKNOWN_CODE",
    "UNKNOWN_KIND",
    "UNKNOWN_PREFECTURE",
    "Catalog",
    "CatalogDataError",
    "Kind",
    "LocalGovernment",
    "default_catalog",
]

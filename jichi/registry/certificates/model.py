"""What a clerk asks for, what a municipality configures, and what comes out.

* :class:`CertificateRequest`: the kind, the persons, the optional items the requester
  chose, who asks and on what ground, and a ``request_id`` that makes a retry return the
  same certificate instead of a second one (U3).
* :class:`CertificateSettings`: the municipality's wording of the 認証文 per kind, the
  issuer (mayor, and acting officials by date), the terminal and printer for the
  発行番号, the optional seal image.
* :class:`Certificate`: the issued document's 発行番号, time, subjects, the SHA-256 of
  its PDF, its verification code and the PDF itself.

Sources for every default are in ``shared/docs/facts/certificates.md`` (cited as §n).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from jichi.registry.restrictions import Requester, RequesterType


class CertificateKind(StrEnum):
    RECORD_COPY_HOUSEHOLD = "record_copy_household"  # 住民票の写し（世帯連記式）
    RECORD_COPY_PERSONAL = "record_copy_personal"  # 住民票の写し（個人票）
    REMOVED_RECORD_COPY = "removed_record_copy"  # 除票の写し（個人票のみ, §1.1）
    RECORD_ITEMS_CERTIFICATE = "record_items_certificate"  # 住民票記載事項証明書 (§3)
    MOVE_OUT_CERTIFICATE = "move_out_certificate"  # 転出証明書 (§4)

    @property
    def label_ja(self) -> str:
        return _KIND_LABELS[self][0]

    @property
    def title_ja(self) -> str:
        """The title printed at the top of the sheet."""
        return _KIND_LABELS[self][1]

    @property
    def personal(self) -> bool:
        """個人票: one person per certificate (a 除票 is printed only this way, §0.1)."""
        return self in {CertificateKind.RECORD_COPY_PERSONAL, CertificateKind.REMOVED_RECORD_COPY}


_KIND_LABELS: dict[CertificateKind, tuple[str, str]] = {
    CertificateKind.RECORD_COPY_HOUSEHOLD: ("住民票の写し（世帯連記式）", "住民票"),
    CertificateKind.RECORD_COPY_PERSONAL: ("住民票の写し（個人票）", "住民票"),
    CertificateKind.REMOVED_RECORD_COPY: ("除票の写し", "除票"),
    CertificateKind.RECORD_ITEMS_CERTIFICATE: ("住民票記載事項証明書", "住民票記載事項証明書"),
    CertificateKind.MOVE_OUT_CERTIFICATE: ("転出証明書", "転出証明書"),
}

REQUESTER_LABELS: dict[RequesterType, tuple[str, str]] = {
    RequesterType.SELF: ("本人", "the person themself"),
    RequesterType.SAME_HOUSEHOLD: ("同一世帯の方", "a member of the same household"),
    RequesterType.PROXY: ("代理人", "a proxy"),
    RequesterType.THIRD_PARTY: ("第三者", "a third party"),
    RequesterType.PROFESSIONAL: ("職務上請求", "a professional (shokumu-jo seikyu)"),
}


@dataclass(frozen=True)
class Items:
    """The optional items (§0.3, §1.6): each 省略 unless asked for, except 転入前住所.

    ``relationship`` is 世帯主の氏名及び続柄; ``honseki`` is 本籍・筆頭者; ``history``
    the 異動履歴 of a 個人票; ``foreign_items`` the 法30条の45 items of a foreign
    resident (国籍・地域, 区分, 在留資格, 在留期間, 満了日, 在留カード等番号).
    ``previous_address`` (転入前住所) is a standard item printed by default.
    """

    relationship: bool = False
    honseki: bool = False
    individual_number: bool = False
    resident_code: bool = False
    previous_address: bool = True
    history: bool = False
    foreign_items: bool = False

    def chosen(self) -> list[str]:
        return [name for name, on in self.__dict__.items() if on]


ITEM_LABELS: dict[str, tuple[str, str]] = {
    "relationship": ("世帯主・続柄", "head of household and relationship"),
    "honseki": ("本籍・筆頭者", "honseki and family-register head"),
    "individual_number": ("個人番号", "individual number"),
    "resident_code": ("住民票コード", "resident code"),
    "previous_address": ("転入前住所", "previous address"),
    "history": ("異動履歴", "history of changes"),
    "foreign_items": ("外国人住民の記載事項", "foreign-resident items"),
}


@dataclass(frozen=True)
class CertificateRequest:
    """One certificate asked for at the counter.

    ``person_ids`` name the subjects; they must belong to one household.  With
    ``whole_household`` the certificate covers every current member of that household
    (the ids then only say which household).  A 個人票 and a 除票の写し name exactly one
    person.  ``request_id`` is the caller's idempotency key: the same id again returns
    the certificate already issued for it, never a second one.
    """

    kind: CertificateKind
    person_ids: tuple[str, ...]
    requester: Requester
    request_id: str
    items: Items = field(default_factory=Items)
    whole_household: bool = False
    purpose: str = ""  # 請求の事由 / 利用目的 (required for third parties)
    request_form_number: str = ""  # 職務上請求書の番号 (professionals)
    official_use: bool = False  # 「公用」 (spec 5.7)


@dataclass(frozen=True)
class Official:
    """認証者: the mayor, or an acting official (職務代理者) for a range of days."""

    title: str  # e.g. 埼玉県川越市長; must include the prefecture (spec 1.3.9, 5.6)
    name: str
    starts_on: date | None = None
    ends_on: date | None = None

    def covers(self, day: date) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (
            self.ends_on is None or day <= self.ends_on
        )


DEFAULT_CERTIFICATION_TEXT: Mapping[str, str] = {
    # Seen wordings (§1.7); the official ones are UNCONFIRMED, so all are configurable.
    "record_copy_household.whole": "この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
    "record_copy_household": "この写しは、住民票の原本と相違ないことを証明する。",
    "record_copy_personal": "この写しは、住民票の原本と相違ないことを証明する。",
    "removed_record_copy": "この写しは、除票の原本と相違ないことを証明する。",
    "record_items_certificate": "上記の事項は、住民票に記載されていることを証明する。",
    "move_out_certificate": "上記の者は、転出の届出をしたことを証明する。",
    # 広域交付 (法12条の4): issued here from the items the 住所地 sent.  Wording UNCONFIRMED.
    "record_copy_household.remote.whole": (
        "この写しは、{holder}長から通知を受けた世帯全員の住民票の記載事項により作成したもので、"
        "住民票の原本と相違ないことを証明する。"
    ),
    "record_copy_household.remote": (
        "この写しは、{holder}長から通知を受けた住民票の記載事項により作成したもので、"
        "住民票の原本と相違ないことを証明する。"
    ),
    "record_copy_personal.remote": (
        "この写しは、{holder}長から通知を受けた住民票の記載事項により作成したもので、"
        "住民票の原本と相違ないことを証明する。"
    ),
    # 事務の委託 (地方自治法252条の14): issued here for {holder}, which holds the record.
    # Wording UNCONFIRMED (facts §2.1): configurable like every 認証文.
    "record_copy_household.entrusted": (
        "この写しは、{holder}の住民票の原本と相違ないことを、事務の委託により証明する。"
    ),
    "record_copy_personal.entrusted": (
        "この写しは、{holder}の住民票の原本と相違ないことを、事務の委託により証明する。"
    ),
    "removed_record_copy.entrusted": (
        "この写しは、{holder}の除票の原本と相違ないことを、事務の委託により証明する。"
    ),
}


@dataclass(frozen=True)
class RemoteIssuance:
    """広域交付 (住基法12条の4): a copy issued here from what the 住所地 sent.

    The sheet states both municipalities: the one holding the 住民票 (住所地) and the
    one issuing the copy (交付地), whose mayor certifies it.
    """

    holder_lg_code: str
    holder_name: str  # e.g. 東京都千代田区
    issuer_name: str  # e.g. 埼玉県川越市
    # 事務の委託 instead of 広域交付: the arrangement's name and 規約, printed on the sheet
    # (jichi.registry.entrusted_issue); empty for a 広域交付.
    entrustment: str = ""
    entrustment_basis: str = ""


@dataclass(frozen=True)
class CertificateSettings:
    """A municipality's certificate settings.

    ``mayor`` is the 市区町村長; ``acting`` the 職務代理者 with their periods, chosen by
    the issue date.  ``certification_text`` maps a kind (``record_copy_household.whole``
    for a whole household) to its 認証文; missing keys use the defaults above.
    A 広域交付 uses ``<kind>.remote`` (and ``.remote.whole``), where ``{holder}`` is the
    住所地's name.
    ``terminal`` and ``printer`` go into the 発行番号 and may be blank (spec 5.5).
    ``overflow`` is the spec 5.8 parameter: ``"print"`` prints a name that cannot fit
    as far as the field allows, ``"blank"`` leaves the field empty; both raise an alert.
    """

    mayor: Official
    acting: tuple[Official, ...] = ()
    certification_text: Mapping[str, str] = field(default_factory=dict)
    terminal: str = ""
    printer: str = ""
    seal_svg: str | None = None  # the 電子公印, black, at most 25 mm square (spec 5.6)
    seal_note: str | None = None  # e.g. この印は黒色です。 / 公印省略
    omitted_mark: str = "＊＊＊"  # how an item left out is shown (UNCONFIRMED, §1.2)
    blank_mark: str = "【空欄】"  # an item with no value (MUNICIPAL, §1.2)
    end_mark: str = "以下余白"
    verify_url: str = ""  # the public verification page; the QR carries url?code=…
    overflow: Literal["print", "blank"] = "print"

    def issuer_on(self, day: date) -> Official:
        for official in self.acting:
            if official.covers(day):
                return official
        return self.mayor

    def certification_for(
        self, kind: CertificateKind, whole_household: bool, remote: RemoteIssuance | None = None
    ) -> str:
        texts = {**DEFAULT_CERTIFICATION_TEXT, **self.certification_text}
        if remote is not None and remote.entrustment:
            return texts[f"{kind.value}.entrusted"].replace("{holder}", remote.holder_name)
        if remote is not None:
            key = f"{kind.value}.remote"
            if whole_household and f"{key}.whole" in texts:
                key = f"{key}.whole"
            return texts[key].replace("{holder}", remote.holder_name)
        if whole_household and f"{kind.value}.whole" in texts:
            return texts[f"{kind.value}.whole"]
        return texts[kind.value]


@dataclass(frozen=True)
class Alert:
    """Something the clerk must look at before handing the certificate over (spec 5.8).

    ``kind`` is ``"overflow"`` (a value too long for its field even at the smallest
    size) or ``"missing_glyph"`` (a character or a base+IVS pair the font cannot
    draw); ``field`` names the field and ``person_id`` whose value it is.
    """

    kind: Literal["overflow", "missing_glyph"]
    field: str
    person_id: str
    detail: str = ""


@dataclass(frozen=True)
class Certificate:
    """An issued certificate.  ``pdf`` is the document; ``pdf_sha256`` its fingerprint."""

    serial: str  # 発行番号 without the page part, e.g. 20261127 川越市 本庁1 P001 000011
    lg_code: str
    kind: CertificateKind
    request_id: str
    issued_at: datetime
    subject_person_ids: tuple[str, ...]
    pdf_sha256: str
    verification_code: str
    page_count: int
    pdf: bytes = field(repr=False, default=b"")
    alerts: tuple[Alert, ...] = ()
    replayed: bool = False  # a retry of an earlier request: the same certificate again

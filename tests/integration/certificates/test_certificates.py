"""Certificates as PDF, on both databases: the right people, the right items, or nothing.

Each test issues real PDFs (WeasyPrint, IPAmj明朝) and reads them back with poppler's
``pdftotext -layout`` and ``pdffonts``, as a person checking the printout would.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.certificates import (
    Certificate,
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    Items,
    Official,
    issue,
    verify,
)
from jichi.registry.certificates.tables import certificate
from jichi.registry.model import Sex
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty, Requester, RequesterType
from jichi.registry.service import Registry
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.tables import audit_log
from tests.integration.certificates.conftest import pdf_fonts, pdf_text
from tests.integration.registry.conftest import (
    CLERK,
    ELSEWHERE,
    LG,
    MoveIn,
    person,
    yamada_family,
)
from tests.integration.registry.requesters import confirmed

# 本人 as the counter confirms them: the basic four from the identity document (issue 9).
SELF = Requester(
    RequesterType.SELF,
    "山田　太郎",
    date(1980, 4, 2),
    sex=Sex.MALE,
    address="川越市大字的場1-2-3",
    id_document="my_number_card",
)
FAMILY = replace(SELF, type=RequesterType.SAME_HOUSEHOLD)
SUPERVISOR = Actor("kakaricho-sato", LG, "supervisor")
CERTIFICATION = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"


def request(
    kind: CertificateKind,
    person_ids: list[str] | tuple[str, ...],
    *,
    requester: Requester = SELF,
    request_id: str | None = None,
    **extra: Any,
) -> CertificateRequest:
    return CertificateRequest(
        kind=kind,
        person_ids=tuple(person_ids),
        requester=requester,
        request_id=request_id or str(uuid.uuid4()),
        **extra,
    )


@pytest.fixture
def yamada(registry: Registry, move_in: MoveIn) -> dict[str, str]:
    """The 山田 family's person ids by given name."""
    applied = move_in()
    return {registry.read_record(pid, CLERK).name.given: pid for pid in applied.person_ids}


def certificate_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(certificate)))


def actions(engine: Engine, action: str) -> list[str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.subject_person_id).where(audit_log.c.action == action)
        )
        return [r.subject_person_id for r in rows]


def squeeze(text: str) -> str:
    """All white space removed: 山田　太郎 reads as one word, a wrapped line as one line."""
    return re.sub(r"\s+", "", text)


# -- 住民票の写し ---------------------------------------------------------------------------


def test_household_copy_prints_the_family_in_wareki_and_leaves_out_the_defaults(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
    tmp_path: Path,
) -> None:
    cert = issue(
        registry,
        protection,
        request(CertificateKind.RECORD_COPY_HOUSEHOLD, [yamada["太郎"]], whole_household=True),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(cert.pdf, tmp_path))
    for name in ("山田太郎", "山田花子", "山田一郎", "山田二葉"):
        assert name in text
    # Head first, then spouse, then children by birth (spec 5.2).
    assert text.index("山田太郎") < text.index("山田花子") < text.index("山田一郎")
    assert "昭和55年4月2日" in text and "平成26年6月30日" in text  # 和暦
    assert "1980" not in text  # never both calendars (§0.4)
    assert "令和8年11月27日" in text  # the issue date
    assert "埼玉県川越市長川越太郎" in text  # issuer with the prefecture
    # Left out by default: 続柄 (and the head line), 本籍, 住民票コード, 個人番号.
    assert "続柄" not in text and "妻" not in text and "世帯主" not in text
    assert "本籍" not in text and "千代田1番" not in text
    assert "12345678901" not in text and "123456789018" not in text
    assert "個人番号" not in text and "住民票コード" not in text
    assert "＊＊＊" in text  # how an item left out is shown
    assert "【空欄】" in text  # 旧氏 and the like, empty
    assert text.count("以下余白") == 1 and text.count(CERTIFICATION) == 1
    assert cert.page_count == 1 and "1/1" in text
    assert cert.serial == "20261127 川越市 本庁1 P001 000001"
    assert set(cert.subject_person_ids) == set(yamada.values())
    # Logged: the row and one audit entry per subject, without the number.
    (row,) = certificate_rows(engine)
    assert row.pdf_sha256 == cert.pdf_sha256 and row.requester_type == "self"
    assert sorted(actions(engine, "certificate.issue")) == sorted(yamada.values())


def test_chosen_items_are_printed_for_the_person_themself(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
    tmp_path: Path,
) -> None:
    items = Items(relationship=True, honseki=True, individual_number=True, resident_code=True)
    cert = issue(
        registry,
        protection,
        request(
            CertificateKind.RECORD_COPY_HOUSEHOLD, [yamada["太郎"], yamada["花子"]], items=items
        ),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(cert.pdf, tmp_path))
    assert "山田太郎" in text and "山田花子" in text and "山田一郎" not in text
    assert "続柄" in text and "妻" in text and "世帯主" in text
    assert "東京都千代田区千代田1番" in text and "筆頭者" in text
    assert "12345678901" in text and "123456789018" in text
    # Chosen members only: the shorter 認証文, not 世帯全員.
    assert "世帯全員" not in text and "この写しは、住民票の原本と相違ないことを証明する。" in text
    with engine.connect() as conn:
        details = [
            r.entry.detail
            for r in audit.entries_for_person(conn, yamada["太郎"])
            if r.entry.action == "certificate.issue"
        ]
    assert details and "123456789018" not in str(details)
    assert details[0]["items"] == [
        "relationship",
        "honseki",
        "individual_number",
        "resident_code",
        "previous_address",
    ]


def test_personal_copy_carries_one_person_with_history_on_request(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    tmp_path: Path,
) -> None:
    cert = issue(
        registry,
        protection,
        request(
            CertificateKind.RECORD_COPY_PERSONAL,
            [yamada["花子"]],
            requester=confirmed(registry, yamada["花子"]),
            items=Items(history=True, relationship=True),
        ),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(cert.pdf, tmp_path))
    assert "山田花子" in text and "昭和57年9月15日" in text
    assert "山田一郎" not in text and "山田二葉" not in text
    assert "世帯主山田太郎" in text and "妻" in text  # the head's name and 続柄, as asked
    assert "異動事由" in text and "転入" in text  # the history
    assert text.count("以下余白") == 1
    assert "この写しは、住民票の原本と相違ないことを証明する。" in text
    assert cert.subject_person_ids == (yamada["花子"],)


def test_more_than_four_members_take_two_sheets_with_page_numbers(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    move_in: MoveIn,
    tmp_path: Path,
) -> None:
    family = [
        *yamada_family(),
        person("山田", "三郎", ("ヤマダ", "サブロウ"), "2016-03-03", "male", "子"),
    ]
    ids = move_in(persons=family).person_ids
    cert = issue(
        registry,
        protection,
        request(
            CertificateKind.RECORD_COPY_HOUSEHOLD,
            ids[:1],
            whole_household=True,
            requester=confirmed(registry, ids[0]),
        ),
        CLERK,
        settings,
    )
    assert cert.page_count == 2
    first, last = (squeeze(pdf_text(cert.pdf, tmp_path, page=n)) for n in (1, 2))
    assert f"{cert.serial}1/2".replace(" ", "") in first
    assert f"{cert.serial}2/2".replace(" ", "") in last
    assert "1/2頁" in first and "2/2頁" in last
    assert sum(n in first for n in ("山田太郎", "山田花子", "山田一郎", "山田二葉")) == 4
    assert "山田三郎" in last and "山田三郎" not in first
    # The end mark and the 認証文 once, on the last page only.
    assert "以下余白" not in first and CERTIFICATION not in first
    assert last.count("以下余白") == 1 and last.count(CERTIFICATION) == 1
    assert "検証コード" in last and "検証コード" not in first


# -- the gate (U9) --------------------------------------------------------------------------


def test_a_third_party_is_refused_a_protected_persons_copy_and_nothing_is_issued(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    protection.register(
        yamada["花子"],
        [OtherParty("加害　次郎", date(1975, 3, 3))],
        SUPERVISOR,
        basis="配偶者暴力相談支援センター意見書",
    )
    creditor = Requester(RequesterType.THIRD_PARTY, "債権者　株式会社")
    with pytest.raises(JichiError) as raised:
        issue(
            registry,
            protection,
            request(
                CertificateKind.RECORD_COPY_HOUSEHOLD,
                [yamada["太郎"]],
                requester=creditor,
                whole_household=True,
                purpose="債権回収",
            ),
            CLERK,
            settings,
        )
    assert raised.value.code == "RES-001"
    assert certificate_rows(engine) == []
    assert actions(engine, "certificate.issue") == []
    # Every member is covered by 花子's measure (same household, same address: issue 9),
    # so the gate refuses at the first person it checks, and audits that refusal.
    refused = actions(engine, "restriction.refused")
    assert len(refused) == 1 and refused[0] in set(yamada.values())


def test_the_gate_runs_before_any_record_is_read(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    protection.register(yamada["一郎"], [OtherParty("加害　次郎")], SUPERVISOR, basis="意見書")
    reads_before = len(actions(engine, "resident.read"))
    with pytest.raises(JichiError) as raised:
        issue(
            registry,
            protection,
            request(
                CertificateKind.RECORD_COPY_HOUSEHOLD,
                [yamada["太郎"]],
                requester=Requester(RequesterType.PROXY, "代理　人"),
                whole_household=True,
            ),
            CLERK,
            settings,
        )
    assert raised.value.code == "RES-001"
    assert len(actions(engine, "resident.read")) == reads_before
    assert certificate_rows(engine) == []


def test_third_parties_may_not_have_the_number_or_the_code_and_must_give_a_purpose(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    third = Requester(RequesterType.THIRD_PARTY, "債権者")
    cases = [
        (dict(requester=third, purpose="相続", items=Items(individual_number=True)), "CRT-005"),
        (dict(requester=third, purpose="相続", items=Items(resident_code=True)), "CRT-005"),
        (dict(requester=third), "CRT-006"),
        (dict(requester=Requester(RequesterType.PROFESSIONAL, "弁護士")), "CRT-007"),
    ]
    for extra, code in cases:
        with pytest.raises(JichiError) as raised:
            issue(
                registry,
                protection,
                request(CertificateKind.RECORD_COPY_PERSONAL, [yamada["太郎"]], **extra),
                CLERK,
                settings,
            )
        assert raised.value.code == code
    assert certificate_rows(engine) == []


# -- verification ---------------------------------------------------------------------------


def test_verification_accepts_the_real_pdf_and_rejects_one_changed_byte(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    cert = issue(
        registry,
        protection,
        request(CertificateKind.RECORD_COPY_PERSONAL, [yamada["太郎"]]),
        CLERK,
        settings,
    )
    tampered = bytearray(cert.pdf)
    tampered[len(tampered) // 2] ^= 0x01
    with engine.connect() as conn:
        real = verify(conn, cert.verification_code, cert.pdf)
        changed = verify(conn, cert.verification_code, bytes(tampered))
        typed = verify(conn, cert.verification_code.lower().replace("-", " "))
        unknown = verify(conn, "0000-0000-0000-0000", cert.pdf)
        garbage = verify(conn, "山田太郎")
    assert real.issued and real.authentic is True
    assert real.kind is CertificateKind.RECORD_COPY_PERSONAL
    assert real.issued_on == date(2026, 11, 27) and real.municipality == "埼玉県川越市"
    assert changed.issued and changed.authentic is False
    assert typed.issued and typed.authentic is None  # without a PDF: issued, not checked
    assert not unknown.issued and not garbage.issued
    # Nothing personal in the answer.
    for answer in (real, changed, typed):
        shown = f"{answer!r} {answer.message_ja}"
        assert "山田" not in shown and yamada["太郎"] not in shown


# -- all or nothing, and retries (U3) -------------------------------------------------------


def test_the_same_request_id_twice_gives_one_certificate(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    asked = request(CertificateKind.RECORD_COPY_HOUSEHOLD, [yamada["太郎"]], whole_household=True)
    first = issue(registry, protection, asked, CLERK, settings)
    again = issue(registry, protection, asked, CLERK, settings)
    assert again.replayed and not first.replayed
    assert (again.serial, again.verification_code, again.pdf_sha256) == (
        first.serial,
        first.verification_code,
        first.pdf_sha256,
    )
    assert again.pdf == first.pdf
    assert len(certificate_rows(engine)) == 1
    assert len(actions(engine, "certificate.issue")) == 4
    assert len(actions(engine, "certificate.replay")) == 4
    # A copy that prints the head's name (not a subject) is re-made identically too.
    hanako = request(
        CertificateKind.RECORD_COPY_PERSONAL,
        [yamada["花子"]],
        requester=confirmed(registry, yamada["花子"]),
        items=Items(relationship=True),
    )
    once = issue(registry, protection, hanako, CLERK, settings)
    twice = issue(registry, protection, hanako, CLERK, settings)
    assert twice.replayed and twice.pdf == once.pdf
    # The id cannot be reused for somebody else's certificate.
    other = request(
        CertificateKind.RECORD_COPY_PERSONAL, [yamada["一郎"]], request_id=asked.request_id
    )
    with pytest.raises(JichiError) as raised:
        issue(registry, protection, other, CLERK, settings)
    assert raised.value.code == "CRT-008"
    assert len(certificate_rows(engine)) == 2


def test_a_failure_while_making_the_pdf_leaves_no_row_and_no_pdf(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    def broken(html: str) -> tuple[bytes, int]:
        raise OSError("printer spool full")

    asked = request(CertificateKind.RECORD_COPY_PERSONAL, [yamada["太郎"]])
    with pytest.raises(JichiError) as raised:
        issue(registry, protection, asked, CLERK, settings, pdf_maker=broken)
    assert raised.value.code == "CRT-014"
    assert certificate_rows(engine) == []
    assert actions(engine, "certificate.issue") == []
    # A retry with the same id then issues normally, once, with the first 通番.
    cert = issue(registry, protection, asked, CLERK, settings)
    assert cert.serial.endswith("000001") and len(certificate_rows(engine)) == 1


# -- 除票の写し and 転出証明書 ---------------------------------------------------------------


def test_removed_record_copy_and_move_out_certificate_after_a_move_out(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    tmp_path: Path,
) -> None:
    # A move-out dated before today (the registry clock is 2026-11-27): the record is removed
    # at once; one planned for later would stay active until its day.
    registry.apply(
        registry.parse(
            {
                "kind": "move_out",
                "person_ids": list(yamada.values()),
                "planned_date": "2026-11-26",
                "destination": ELSEWHERE,
            }
        ),
        CLERK,
    )
    removed = issue(
        registry,
        protection,
        request(CertificateKind.REMOVED_RECORD_COPY, [yamada["太郎"]]),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(removed.pdf, tmp_path))
    assert "除票" in text and "山田太郎" in text
    assert "消除事由転出" in text and "令和8年11月26日" in text
    assert "転出先（予定）東京都千代田区千代田1-1" in text
    assert "この写しは、除票の原本と相違ないことを証明する。" in text

    moving = issue(
        registry,
        protection,
        request(CertificateKind.MOVE_OUT_CERTIFICATE, list(yamada.values())),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(moving.pdf, tmp_path))
    assert "転出証明書" in text and "転出予定年月日令和8年11月26日" in text
    assert all(f"山田{given}" in text for given in yamada)

    with pytest.raises(JichiError) as raised:  # a current copy of a removed person
        issue(
            registry,
            protection,
            request(CertificateKind.RECORD_COPY_PERSONAL, [yamada["太郎"]]),
            CLERK,
            settings,
        )
    assert raised.value.code == "CRT-004"


def test_record_items_certificate_shows_the_basic_items(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    tmp_path: Path,
) -> None:
    cert = issue(
        registry,
        protection,
        request(
            CertificateKind.RECORD_ITEMS_CERTIFICATE,
            [yamada["一郎"]],
            requester=Requester(RequesterType.THIRD_PARTY, "株式会社　雇用主"),
            purpose="労働者名簿の作成",
            items=Items(previous_address=False),
        ),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(cert.pdf, tmp_path))
    assert "住民票記載事項証明書" in text and "山田一郎" in text and "平成22年1月20日" in text
    assert "埼玉県川越市大字的場1-2-3" in text and "男" in text
    assert "転入前住所" not in text and "山田太郎" not in text


def test_a_foreign_residents_birth_and_expiry_dates_are_in_the_western_calendar(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    move_in: MoveIn,
    tmp_path: Path,
) -> None:
    foreigner = person(
        "NGUYEN",
        "VAN AN",
        ("グエン", "ヴァン　アン"),
        "1990-02-02",
        "male",
        "世帯主",
        honseki="",
        foreign={
            "nationality": "ベトナム",
            "category": "中長期在留者",
            "status_of_residence": "技術・人文知識・国際業務",
            "period_of_stay": "5年",
            "period_expires": "2029-04-01",
            "residence_card_number": "AB12345678CD",
        },
    )
    pid = move_in(persons=[foreigner]).person_ids[0]
    cert = issue(
        registry,
        protection,
        request(
            CertificateKind.RECORD_COPY_PERSONAL,
            [pid],
            requester=confirmed(registry, pid),
            items=Items(foreign_items=True),
        ),
        CLERK,
        settings,
    )
    text = squeeze(pdf_text(cert.pdf, tmp_path))
    assert "NGUYEN" in text and "1990年2月2日" in text
    assert "在留期間の満了の日" in text and "2029年4月1日" in text and "ベトナム" in text
    assert "令和11年4月1日" not in text
    assert "外国人住民となった年月日令和8年11月20日" in text  # other dates stay 和暦
    assert "平成2年" not in text


# -- characters -----------------------------------------------------------------------------


def test_a_name_with_an_ivs_is_printed_with_embedded_glyphs(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    move_in: MoveIn,
    tmp_path: Path,
) -> None:
    kuzu_aj1 = "葛\U000e0100"  # Adobe-Japan1 collection: not in IPAmj明朝
    kuzu_mj = "葛\U000e0102"  # Moji_Joho collection: an IPAmj明朝 variant glyph
    ids = move_in(
        persons=[
            person(kuzu_mj + "西", "一", ("カサイ", "ハジメ"), "1970-01-01", "male", "世帯主"),
            person(kuzu_aj1 + "西", "二", ("カサイ", "ツギ"), "1972-02-02", "female", "妻"),
        ]
    ).person_ids
    records = {registry.read_record(pid, CLERK).name.given: pid for pid in ids}
    assert registry.read_record(records["一"], CLERK).name.family == kuzu_mj + "西"  # stored as is
    cert = issue(
        registry,
        protection,
        request(
            CertificateKind.RECORD_COPY_HOUSEHOLD,
            ids[:1],
            whole_household=True,
            requester=confirmed(registry, ids[0]),
        ),
        CLERK,
        settings,
    )
    fonts = pdf_fonts(cert.pdf, tmp_path)
    ipamj = [f for f in fonts if "IPAmjMincho" in f[0]]
    assert ipamj, fonts
    # Every font is embedded as a subset (emb, sub = yes yes).
    assert all(f[-5:-3] == ["yes", "yes"] for f in fonts), fonts
    raw = pdf_text(cert.pdf, tmp_path)
    assert "葛" in raw
    assert kuzu_mj in raw  # the variant glyph maps back to base + selector
    # The pair IPAmj明朝 cannot draw is reported, not silently replaced (spec 5.8).
    assert [(a.kind, a.person_id) for a in cert.alerts] == [("missing_glyph", records["二"])]
    assert "U+845B+E0100" in cert.alerts[0].detail


# -- no cross-talk under concurrency (U1) ----------------------------------------------------


@pytest.mark.slow
def test_concurrent_issuances_each_carry_exactly_their_own_person(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    move_in: MoveIn,
    engine: Engine,
    tmp_path: Path,
) -> None:
    count = 100
    people: dict[str, str] = {}
    for i in range(count):
        family = f"住民{i:03d}"
        applied = move_in(
            persons=[
                person(family, "試", ("ジュウミン", "タメシ"), "1990-01-01", "female", "世帯主")
            ]
        )
        people[applied.person_ids[0]] = family

    def one(pid: str) -> tuple[str, Certificate]:
        asked = request(
            CertificateKind.RECORD_COPY_PERSONAL, [pid], requester=confirmed(registry, pid)
        )
        return pid, issue(registry, protection, asked, CLERK, settings)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, list(people)))
    serials = set()
    for pid, cert in results:
        assert cert.subject_person_ids == (pid,)
        text = squeeze(pdf_text(cert.pdf, tmp_path))
        named = set(re.findall(r"住民\d{3}", text))
        assert named == {people[pid]}, (pid, named)
        serials.add(cert.serial)
    assert len(serials) == count  # every certificate its own 通番
    rows = certificate_rows(engine)
    assert len(rows) == count
    assert sorted(r.seq for r in rows) == list(range(1, count + 1))
    by_code = {r.verification_code: r for r in rows}
    with engine.connect() as conn:
        for _pid, cert in results:
            assert by_code[cert.verification_code].subject_person_ids == list(
                cert.subject_person_ids
            )
            assert verify(conn, cert.verification_code, cert.pdf).authentic is True


def test_an_issuer_title_without_the_prefecture_or_without_a_name_is_refused(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    asked = request(CertificateKind.RECORD_COPY_PERSONAL, [yamada["太郎"]])
    for mayor, code in (
        (Official("川越市長", "川越　太郎"), "CRT-011"),
        (Official("埼玉県川越市長", " "), "CRT-012"),
    ):
        with pytest.raises(JichiError) as raised:
            issue(registry, protection, asked, CLERK, replace(settings, mayor=mayor))
        assert raised.value.code == code
    assert certificate_rows(engine) == []


def test_concurrent_retries_of_one_request_give_one_certificate(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    asked = request(
        CertificateKind.RECORD_COPY_PERSONAL,
        [yamada["二葉"]],
        requester=confirmed(registry, yamada["二葉"]),
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: issue(registry, protection, asked, CLERK, settings), range(4))
        )
    assert len({(c.serial, c.pdf_sha256, c.pdf) for c in results}) == 1
    assert sum(not c.replayed for c in results) == 1
    assert len(certificate_rows(engine)) == 1
    assert actions(engine, "certificate.issue") == [yamada["二葉"]]

"""本人通知制度 (事前登録型) on both databases: who is told, what they are told, and when not.

A notice is written in the same transaction as the certificate, for a proxy, a third
party or a professional — never for the person, the household or a 公用請求 — and it
says the date, the document, the copies and the requester class, never the requester.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry import issuance_notification as ino
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    CertificateSettings,
    issue,
)
from jichi.registry.certificates.tables import certificate
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty, Requester, RequesterType
from jichi.registry.service import Registry
from jichi.security.actor import Actor
from jichi.security.keys import Keys
from tests.integration.registry.conftest import CLERK, LG, TODAY, MoveIn
from tests.integration.registry.requesters import HANAKO, TARO

AUDIT_KEY = Keys.derive(b"k" * 32).audit_key  # the registry fixture's key
SUPERVISOR = Actor("kakaricho-sato", LG, "supervisor")


@pytest.fixture
def yamada(registry: Registry, move_in: MoveIn) -> dict[str, str]:
    applied = move_in()
    return {registry.read_record(pid, CLERK).name.given: pid for pid in applied.person_ids}


def ask(person_id: str, requester: Requester, **extra: Any) -> CertificateRequest:
    if requester.type is RequesterType.THIRD_PARTY:
        extra.setdefault("purpose", "債権回収のため")
    if requester.type is RequesterType.PROFESSIONAL:
        extra.setdefault("request_form_number", "A-123456")
    return CertificateRequest(
        kind=CertificateKind.RECORD_COPY_PERSONAL,
        person_ids=(person_id,),
        requester=requester,
        request_id=str(uuid.uuid4()),
        **extra,
    )


def notice_rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(ino.issuance_notice)))


def test_registration_lasts_three_years_and_renews_from_one_month_before(
    registry: Registry, yamada: dict[str, str], engine: Engine
) -> None:
    taro = yamada["太郎"]
    first = ino.register(engine, LG, taro, CLERK, date(2026, 11, 27), audit_key=AUDIT_KEY)
    assert (first.starts_on, first.ends_on) == (date(2026, 11, 27), date(2029, 11, 26))
    with pytest.raises(JichiError) as raised:
        ino.register(engine, LG, taro, CLERK, date(2029, 10, 25), audit_key=AUDIT_KEY)
    assert raised.value.code == "INO-003"
    renewed = ino.register(engine, LG, taro, CLERK, date(2029, 10, 26), audit_key=AUDIT_KEY)
    assert renewed.renews == first.registration_id
    assert (renewed.starts_on, renewed.ends_on) == (date(2029, 11, 27), date(2032, 11, 26))
    with pytest.raises(JichiError) as again:
        ino.register(engine, LG, taro, CLERK, date(2029, 11, 1), audit_key=AUDIT_KEY)
    assert again.value.code == "INO-001"
    with engine.connect() as conn:
        assert ino.active(conn, LG, taro, date(2031, 1, 1)) == renewed
        assert ino.active(conn, LG, taro, date(2032, 11, 27)) is None


@pytest.mark.parametrize(
    ("requester", "official_use", "notified"),
    [
        (TARO, False, None),
        (replace(HANAKO, type=RequesterType.SAME_HOUSEHOLD), False, None),
        (Requester(RequesterType.PROXY, "代理　一郎"), False, "proxy"),
        (Requester(RequesterType.THIRD_PARTY, "債権者　株式会社"), False, "third_party"),
        (Requester(RequesterType.PROFESSIONAL, "司法書士　二郎"), False, "professional"),
        (Requester(RequesterType.THIRD_PARTY, "川越警察署"), True, None),
    ],
)
def test_a_notice_is_written_for_proxies_third_parties_and_professionals_only(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
    requester: Requester,
    official_use: bool,
    notified: str | None,
) -> None:
    taro = yamada["太郎"]
    ino.register(engine, LG, taro, CLERK, TODAY, audit_key=AUDIT_KEY)
    cert = issue(
        registry, protection, ask(taro, requester, official_use=official_use), CLERK, settings
    )
    rows = notice_rows(engine)
    if notified is None:
        assert rows == []
        return
    (row,) = rows
    assert row.person_id == taro and row.certificate_serial == cert.serial
    assert row.issued_on == TODAY and row.copies == 1
    assert row.document_kind == "record_copy_personal"
    assert row.document_label == "住民票の写し（個人票）"
    assert row.requester_class == notified
    # Never who asked: no name, no purpose, no form number anywhere in the notice.
    text = " ".join(str(v) for v in row._mapping.values())
    for secret in (requester.name, "債権回収", "A-123456"):
        assert secret not in text
    (notice,) = ino.notices(engine, LG, taro)
    assert notice.requester_class.label_ja in {
        "代理人",
        "第三者（個人・法人）",
        "特定事務受任者（8士業）",
    }


def test_only_registered_people_on_the_copy_get_a_notice(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    ino.register(engine, LG, yamada["花子"], CLERK, TODAY, audit_key=AUDIT_KEY)
    issue(
        registry,
        protection,
        CertificateRequest(
            kind=CertificateKind.RECORD_COPY_HOUSEHOLD,
            person_ids=(yamada["太郎"],),
            whole_household=True,
            requester=Requester(RequesterType.PROXY, "代理　一郎"),
            request_id=str(uuid.uuid4()),
        ),
        CLERK,
        settings,
    )
    assert [r.person_id for r in notice_rows(engine)] == [yamada["花子"]]
    assert ino.notices(engine, LG, yamada["太郎"]) == []


def test_the_notice_and_the_certificate_commit_or_roll_back_together(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    taro = yamada["太郎"]
    ino.register(engine, LG, taro, CLERK, TODAY, audit_key=AUDIT_KEY)

    def broken(html: str) -> tuple[bytes, int]:
        raise OSError("printer spool full")

    proxy = Requester(RequesterType.PROXY, "代理　一郎")
    with pytest.raises(JichiError):
        issue(registry, protection, ask(taro, proxy), CLERK, settings, pdf_maker=broken)
    assert notice_rows(engine) == []
    asked = ask(taro, proxy)
    issue(registry, protection, asked, CLERK, settings)
    issue(registry, protection, asked, CLERK, settings)  # a retry: the same certificate
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(certificate)).scalar() == 1
    assert len(notice_rows(engine)) == 1


def test_the_notice_never_blocks_and_a_refusal_writes_none(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    hanako = yamada["花子"]
    ino.register(engine, LG, hanako, CLERK, TODAY, audit_key=AUDIT_KEY)
    protection.register(
        hanako, [OtherParty("加害　次郎", date(1975, 3, 3))], SUPERVISOR, basis="意見書"
    )
    abuser = Requester(RequesterType.PROXY, "加害　次郎", date(1975, 3, 3))
    with pytest.raises(JichiError) as raised:
        issue(registry, protection, ask(hanako, abuser), CLERK, settings)
    assert raised.value.code.startswith("RES-")
    assert notice_rows(engine) == []


def test_a_registration_ends_on_death_or_on_request(
    registry: Registry,
    protection: Protection,
    settings: CertificateSettings,
    yamada: dict[str, str],
    engine: Engine,
) -> None:
    ichiro, hanako = yamada["一郎"], yamada["花子"]
    ino.register(engine, LG, hanako, CLERK, TODAY, audit_key=AUDIT_KEY)
    ended = ino.end(engine, LG, hanako, CLERK, TODAY, ino.EndReason.WITHDRAWN, audit_key=AUDIT_KEY)
    assert ended.end_reason == "withdrawn"
    with engine.connect() as conn:
        assert ino.active(conn, LG, hanako, TODAY) is None
    with pytest.raises(JichiError) as raised:
        ino.end(engine, LG, hanako, CLERK, TODAY, ino.EndReason.WITHDRAWN, audit_key=AUDIT_KEY)
    assert raised.value.code == "INO-002"

    ino.register(engine, LG, ichiro, CLERK, TODAY, audit_key=AUDIT_KEY)
    registry.apply(
        registry.parse(
            {
                "kind": "death",
                "person_id": ichiro,
                "effective_date": "2026-11-25",
            }
        ),
        CLERK,
    )
    with engine.connect() as conn:
        assert ino.active(conn, LG, ichiro, TODAY) is None
    removed = CertificateRequest(
        kind=CertificateKind.REMOVED_RECORD_COPY,
        person_ids=(ichiro,),
        requester=Requester(RequesterType.THIRD_PARTY, "債権者　株式会社"),
        request_id=str(uuid.uuid4()),
        purpose="相続手続",
    )
    issue(registry, protection, removed, CLERK, settings)
    assert notice_rows(engine) == []
    with pytest.raises(JichiError) as cannot:
        ino.register(engine, LG, ichiro, CLERK, TODAY, audit_key=AUDIT_KEY)
    assert cannot.value.code == "INO-004"

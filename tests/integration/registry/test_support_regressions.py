"""Issue 9, what was seen on main — one test per defect, each failing before the fix.

1. 本人 with any name obtained a protected person's copy.
2. The other party was recognised only by a date of birth the form never asks for.
3. No staff screen showed that a support measure exists.
4. A third party obtained the copy of the protected person's household head or child.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.certificates.tables import certificate
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty, Requester, RequesterType
from jichi.registry.service import Registry
from jichi.registry.tables import support_measure
from jichi.security import audit
from jichi.security.actor import Actor
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, LG, MoveIn
from tests.integration.registry.requesters import confirmed

SUPERVISOR = Actor("kakaricho-ito", LG, "supervisor")
ABUSER = OtherParty("加害　次郎", date(1975, 3, 3), address="東京都練馬区豊玉北6-12-1")
PASSWORD = "madoguchi-2026"


@pytest.fixture
def family(registry: Registry, move_in: MoveIn) -> dict[str, str]:
    applied = move_in()
    found = {registry.read_record(p, CLERK).name.given: p for p in applied.person_ids}
    Protection(registry).register(found["花子"], [ABUSER], SUPERVISOR, basis="意見書")
    return found


def ask(
    registry: Registry,
    person_id: str,
    requester: Requester,
    kind: CertificateKind = CertificateKind.RECORD_COPY_PERSONAL,
) -> JichiError:
    request = CertificateRequest(
        kind=kind,
        person_ids=(person_id,),
        requester=requester,
        request_id=str(uuid.uuid4()),
        purpose="債権回収" if requester.type is RequesterType.THIRD_PARTY else "",
    )
    with pytest.raises(JichiError) as raised:
        issue(
            registry, Protection(registry), request, CLERK, municipality_settings(LG, "川越　太郎")
        )
    return raised.value


def issued(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(certificate)).scalar_one())


def refusals(engine: Engine, person_id: str) -> int:
    with engine.connect() as conn:
        return sum(
            r.entry.action == "restriction.refused"
            for r in audit.entries_for_person(conn, person_id)
        )


def test_self_with_any_name_is_refused_and_audited(
    registry: Registry, family: dict[str, str], engine: Engine
) -> None:
    hanako = family["花子"]
    error = ask(registry, hanako, Requester(RequesterType.SELF, "誰か　知らない人"))
    assert error.code == "RES-010"  # no identity document recorded
    someone = Requester(
        RequesterType.SELF,
        "加害　次郎",
        date(1982, 9, 15),
        sex=confirmed(registry, hanako).sex,
        address="川越市大字的場1-2-3",
        id_document="drivers_license",
    )
    error = ask(registry, hanako, someone)
    assert error.code == "RES-011" and error.field == "requester.name"
    assert "氏名" in error.message_ja
    assert issued(engine) == 0 and refusals(engine, hanako) == 2


def test_same_household_must_be_a_member_of_the_household(
    registry: Registry, family: dict[str, str], move_in: MoveIn, engine: Engine
) -> None:
    from tests.integration.registry.conftest import address, person

    stranger = move_in(
        persons=[person("他人", "三郎", ("タニン", "サブロウ"), "1970-01-01", "male", "世帯主")],
        address=address(block="9-9-9"),
    ).person_ids[0]
    asked = confirmed(registry, stranger, RequesterType.SAME_HOUSEHOLD)
    assert ask(registry, family["一郎"], asked).code == "RES-011"
    assert issued(engine) == 0


def test_the_other_party_is_recognised_without_a_date_of_birth(
    registry: Registry, family: dict[str, str], engine: Engine
) -> None:
    protection = Protection(registry)
    by_name = Requester(RequesterType.THIRD_PARTY, "加害次郎")  # the form has no birth date
    by_address = Requester(RequesterType.PROXY, "代理　人", address="練馬区豊玉北六丁目12番1号")
    for requester in (by_name, by_address):
        with pytest.raises(JichiError) as raised:
            protection.check_request(family["花子"], requester, CLERK, channel="counter_copy")
        assert raised.value.code == "RES-002"
    namesake = Requester(RequesterType.THIRD_PARTY, "加害次郎", date(1990, 1, 1))
    with pytest.raises(JichiError) as other:
        protection.check_request(family["花子"], namesake, CLERK, channel="counter_copy")
    assert other.value.code == "RES-001"  # still refused: a third party


@pytest.mark.parametrize(
    ("member", "kind"),
    [
        ("太郎", CertificateKind.RECORD_COPY_PERSONAL),  # the household head
        ("一郎", CertificateKind.RECORD_COPY_PERSONAL),  # a child
        ("二葉", CertificateKind.RECORD_ITEMS_CERTIFICATE),
        ("太郎", CertificateKind.RECORD_COPY_HOUSEHOLD),
    ],
)
def test_a_third_party_is_refused_the_copies_of_the_household_members(
    registry: Registry,
    family: dict[str, str],
    engine: Engine,
    member: str,
    kind: CertificateKind,
) -> None:
    third = Requester(RequesterType.THIRD_PARTY, "債権者　株式会社")
    assert ask(registry, family[member], third, kind).code == "RES-001"
    assert issued(engine) == 0 and refusals(engine, family[member]) >= 1


def test_a_measure_naming_members_covers_those_members_only(
    registry: Registry, move_in: MoveIn
) -> None:
    ids = move_in().person_ids
    protection = Protection(registry)
    names = {registry.read_record(p, CLERK).name.given: p for p in ids}
    protection.register(
        names["花子"], [ABUSER], SUPERVISOR, basis="意見書", members=[names["一郎"]]
    )
    shown = protection.protected(list(names.values()))
    assert shown == {
        names["太郎"]: False,
        names["花子"]: True,
        names["一郎"]: True,
        names["二葉"]: False,
    }
    protection.register(names["二葉"], [ABUSER], SUPERVISOR, basis="意見書")  # the default
    with registry.engine.connect() as conn:
        stored = conn.execute(
            sa.select(support_measure.c.person_id).where(support_measure.c.members.is_(None))
        ).scalars()
        assert list(stored) == [names["二葉"]]  # SQL NULL: "the household at the address"


# -- every staff screen warns -----------------------------------------------------------------


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _client(registry: Registry, staff_id: str, role: str) -> TestClient:
    with write_transaction(registry.engine) as conn:
        create_staff(conn, staff_id, LG, role, "職員", password=PASSWORD)
    client = TestClient(create_app(registry.engine, municipality=LG, cipher=registry.cipher))
    token = _csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": staff_id, "password": PASSWORD}
    )
    return client


def test_every_staff_screen_warns_and_only_a_supervisor_sees_the_other_party(
    registry: Registry, family: dict[str, str]
) -> None:
    hanako, ichiro = family["花子"], family["一郎"]
    household = registry.read_record(hanako, CLERK).household_id
    clerk = _client(registry, "clerk-sato", "clerk")
    pages = {
        "person": clerk.get(f"/counter/residents/{hanako}").text,
        "member": clerk.get(f"/counter/residents/{ichiro}").text,
        "household": clerk.get(f"/counter/households/{household}").text,
        "form": clerk.get(f"/counter/certificates?person_id={ichiro}").text,
    }
    search = clerk.get("/counter/")
    results = clerk.post(
        "/counter/search/results", data={"csrf_token": _csrf(search.text), "name": "山田"}
    ).text
    for name, html in {**pages, "results": results}.items():
        assert "支援措置対象者" in html, name
        assert "加害" not in html and "練馬" not in html, name  # a clerk never sees who
    assert pages["household"].count('data-support-measure="1"') >= 5  # banner + 4 members
    supervisor = _client(registry, "kakaricho-sato", "supervisor")
    seen = supervisor.get(f"/counter/residents/{hanako}").text
    assert "支援措置対象者" in seen and "加害　次郎" in seen
    nobody = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": {
                    "prefecture": "埼玉県",
                    "municipality": "川越市",
                    "town": "大字的場",
                    "block": "5-5",
                    "lg_code": LG,
                },
                "previous_address": {
                    "prefecture": "東京都",
                    "municipality": "千代田区",
                    "town": "千代田",
                    "block": "1-1",
                },
                "persons": [
                    {
                        "name": {
                            "family": "別人",
                            "given": "一",
                            "family_kana": "ベツジン",
                            "given_kana": "ハジメ",
                        },
                        "date_of_birth": "1990-01-01",
                        "sex": "male",
                        "relationship": "世帯主",
                    }
                ],
            }
        ),
        CLERK,
    ).person_ids[0]
    assert "支援措置対象者" not in clerk.get(f"/counter/residents/{nobody}").text


def test_the_center_is_told_who_is_protected_without_the_details(
    registry: Registry, family: dict[str, str], engine: Engine
) -> None:
    from jichi.registry.tables import outbox

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox.c.topic, outbox.c.payload).where(outbox.c.topic == "center.identity")
        ).all()
    told = [r.payload for r in rows if r.payload.get("reason") == "support_measure"]
    # 太郎 (the head, covered by default) is the family member with a resident code.
    assert [(p["person_id"], p["protected"]) for p in told] == [(family["太郎"], True)]
    assert "加害" not in str(told) and "意見書" not in str(told)


def test_the_removed_record_of_a_member_who_moved_out_is_withheld_too(
    registry: Registry, family: dict[str, str], engine: Engine
) -> None:
    from tests.integration.registry.conftest import ELSEWHERE

    ichiro = family["一郎"]
    registry.apply(
        registry.parse(
            {
                "kind": "move_out",
                "person_ids": [ichiro],
                "planned_date": "2026-12-10",
                "destination": ELSEWHERE,
            }
        ),
        CLERK,
    )
    third = Requester(RequesterType.THIRD_PARTY, "債権者　株式会社")
    assert ask(registry, ichiro, third, CertificateKind.REMOVED_RECORD_COPY).code == "RES-001"
    assert issued(engine) == 0 and refusals(engine, ichiro) == 1


def test_self_is_confirmed_from_the_document_as_written_with_the_building(
    registry: Registry, move_in: MoveIn
) -> None:
    from jichi.registry.model import Sex
    from tests.integration.registry.conftest import address, person

    pid = move_in(
        persons=[person("髙橋", "一郎", ("タカハシ", "イチロウ"), "1970-05-06", "male", "世帯主")],
        address=address(block="2-5", building="コーポ的場101"),
    ).person_ids[0]
    written = Requester(
        RequesterType.SELF,
        "高橋 一郎",  # the variant kanji and a half-width space fold
        date(1970, 5, 6),
        sex=Sex.MALE,
        address="埼玉県川越市大字的場二丁目5番　コーポ的場１０１",
        id_document="drivers_license",
    )
    me = Protection(registry).confirm_requester([pid], written, CLERK, channel="counter_copy")
    assert me.confirmed and me.person_id == pid
    elsewhere = replace(written, address="埼玉県川越市大字的場二丁目6番")
    with pytest.raises(JichiError) as raised:
        Protection(registry).confirm_requester([pid], elsewhere, CLERK, channel="counter_copy")
    assert raised.value.code == "RES-011" and raised.value.field == "requester.address"


def test_the_issuance_notice_pages_warn_before_a_letter_goes_out(
    registry: Registry, family: dict[str, str], engine: Engine
) -> None:
    from datetime import UTC, datetime

    from jichi.registry import issuance_notification as ino
    from tests.integration.registry.conftest import TODAY

    taro = family["太郎"]  # covered by 花子's measure (same household, same address)
    ino.register(engine, LG, taro, CLERK, TODAY, audit_key=registry.cipher.audit_key)
    with write_transaction(engine) as conn:
        ino.record_notices(
            conn,
            lg_code=LG,
            person_ids=[taro],
            serial="20261127 川越市 000001",
            issued_on=TODAY,
            document_kind="record_copy_personal",
            document_label="住民票の写し（個人票）",
            requester_type=RequesterType.PROXY,
            official_use=False,
            at=datetime(2026, 11, 27, 1, tzinfo=UTC),
        )
    clerk = _client(registry, "clerk-sato", "clerk")
    listing = clerk.get("/counter/issuance_notices").text
    found = re.search(r"/counter/issuance_notices/([^/]+)/letter", listing)
    assert found is not None
    letter = clerk.get(f"/counter/issuance_notices/{found.group(1)}/letter").text
    for html in (listing, letter):
        main = html[html.find("<main") :]
        assert "支援措置対象者" in html and "加害" not in html, main[:3000]


def test_a_remote_copy_of_a_covered_member_is_refused_to_the_other_party(
    registry: Registry, move_in: MoveIn, engine: Engine
) -> None:
    """広域交付: the other party living in the household asks for the child's copy."""
    from tests.integration.registry.test_support_matrix import refusal_codes, via_remote

    ids = move_in().person_ids
    names = {registry.read_record(p, CLERK).name.given: p for p in ids}
    husband = OtherParty("山田　太郎")  # named by name only, as the 申出 gives it
    Protection(registry).register(names["花子"], [husband], SUPERVISOR, basis="意見書")
    taro = confirmed(registry, names["太郎"], RequesterType.SAME_HOUSEHOLD)
    assert via_remote(engine, registry, taro, names["一郎"]) is False
    assert "RES-002" in refusal_codes(engine)
    futaba = confirmed(registry, names["二葉"], RequesterType.SAME_HOUSEHOLD)
    assert via_remote(engine, registry, futaba, names["一郎"]) is True  # a sibling may

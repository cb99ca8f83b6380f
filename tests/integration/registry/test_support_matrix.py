"""Issue 9: a support measure holds on every channel, for every kind of requester.

The full product — channel × requester kind × with/without the measure — on SQLite and
PostgreSQL.  山田花子 is the protected person (the measure names no members, so it
covers her household at the same address: 太郎 the head and the children).  The other
party, 加害次郎, is known only by name and address, as the counter captures him.

Every cell asserts the outcome; a refused cell also asserts that an audit entry records
the refusal and that nothing was issued (no certificate row, no data sent).  The center
channel is an agency's request (the counter's requester kinds do not apply to it): there
"provided" means the answer carries the address, and every answer is in the provision log.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.network.center import identity as center_identity
from jichi.network.center.agencies import add_agency
from jichi.network.center.tables import center_provision
from jichi.network.center.verify import Query
from jichi.network.center.verify import verify as center_verify
from jichi.network.flows.remote_copy_answer import on_remote_copy_request
from jichi.network.messages import Envelope
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    fonts,
    issue,
    municipality_settings,
)
from jichi.registry.certificates.tables import certificate
from jichi.registry.protection import Protection
from jichi.registry.restrictions import OtherParty, Requester, RequesterType
from jichi.registry.service import Registry
from jichi.registry.tables import outbox
from jichi.security.actor import Actor
from jichi.security.staff import create_staff
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, LG, NOW, MoveIn
from tests.integration.registry.requesters import confirmed

# A WeasyPrint built without HarfBuzz-Subset warns on import; the PDF is still made.
pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")

SUPERVISOR = Actor("kakaricho-ito", LG, "supervisor")
ABUSER = OtherParty("加害　次郎", address="東京都練馬区豊玉北6-12-1")
PASSWORD = "madoguchi-2026"
SENDER = "131016"  # 千代田区 asks 川越市 (the 住所地) for a 広域交付

CHANNELS = (
    "counter_form",
    "service_issue",
    "remote_copy",
    "center_verify",
    "member_copy",
    "items_certificate",
)
REQUESTERS = ("self_match", "self_wrong_name", "same_household", "third_party", "other_party")
# Which family member each channel prints, and who asks as 同一世帯.
SUBJECT = {
    "counter_form": "花子",
    "service_issue": "花子",
    "remote_copy": "花子",
    "center_verify": "太郎",  # the head (covered by default) has a resident code
    "member_copy": "一郎",  # a child of the protected person: covered by default
    "items_certificate": "太郎",  # the household head: covered by default
}
KIND = {
    "counter_form": CertificateKind.RECORD_COPY_PERSONAL,
    "service_issue": CertificateKind.RECORD_COPY_PERSONAL,
    "remote_copy": CertificateKind.RECORD_COPY_PERSONAL,
    "center_verify": CertificateKind.RECORD_COPY_PERSONAL,  # (not a certificate)
    "member_copy": CertificateKind.RECORD_COPY_PERSONAL,
    "items_certificate": CertificateKind.RECORD_ITEMS_CERTIFICATE,
}
REFUSED_ACTIONS = ("restriction.refused", "network.remote_copy.refuse")


def expected(channel: str, requester: str, measure: bool) -> bool:
    """The rule: True when the certificate (or the data) is provided."""
    if channel == "center_verify":
        # An agency asks the center (the requester kind is the counter's, not the
        # agency's): the address of a protected person is withheld for a purpose that
        # is not on the operator's list — by default, every purpose.
        return not measure
    if requester == "self_wrong_name":
        return False  # 本人 means the subject, measure or not
    if channel == "remote_copy":
        # 広域交付: only 本人 / 同一世帯 (法12条の4), and never a protected person's copy.
        return requester in ("self_match", "same_household") and not measure
    if measure:
        return requester in ("self_match", "same_household")
    return True


@pytest.fixture(autouse=True)
def some_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real PDF, with a CJK font when the machine has one, else DejaVu (the gate
    is what is tested; glyphs only raise the missing_glyph alert)."""
    try:
        fonts.detect_font()
    except JichiError:
        fallback = fonts.FontChoice(
            fonts.FontCandidate("DejaVu Serif", "DejaVu Serif", "fonts-dejavu-core"),
            "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        )
        module = importlib.import_module("jichi.registry.certificates.issue")
        monkeypatch.setattr(module, "default_font", lambda: fallback)


@pytest.fixture
def family(registry: Registry, move_in: MoveIn) -> dict[str, str]:
    applied = move_in()
    return {registry.read_record(p, CLERK).name.given: p for p in applied.person_ids}


def requester_for(kind: str, registry: Registry, family: dict[str, str], subject: str) -> Requester:
    if kind == "self_match":
        return confirmed(registry, family[subject])
    if kind == "self_wrong_name":
        return replace(confirmed(registry, family[subject]), name="山田　良子")
    if kind == "same_household":
        other = "花子" if subject == "太郎" else "太郎"
        return confirmed(registry, family[other], RequesterType.SAME_HOUSEHOLD)
    if kind == "third_party":
        return Requester(RequesterType.THIRD_PARTY, "債権者　株式会社", address="東京都港区1-1")
    # The other party, spelled without the space, giving the address in kanji numerals.
    return Requester(RequesterType.THIRD_PARTY, "加害次郎", address="練馬区豊玉北六丁目12番1号")


def via_center(engine: Engine, registry: Registry, subject: str) -> bool:
    """The registry's identity updates reach the center (same database here), then the
    pension office asks by resident code: is the address in the answer?"""
    code = registry.read_record(subject, CLERK).resident_code
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(outbox).where(outbox.c.topic == "center.identity").order_by(outbox.c.seq)
        ).all()
    with write_transaction(engine) as conn:
        for row in rows:
            env = Envelope(
                message_id=row.message_id,
                topic=row.topic,
                ordering_key=row.ordering_key,
                sender=row.lg_code,
                seq=int(row.seq),
                payload=row.payload,
                created_at=datetime(2026, 11, 27, tzinfo=UTC),
            )
            update = center_identity.parse(env)
            if update is None:  # no resident code yet: the center skips it too
                continue
            center_identity.record(conn, env, update, now=datetime(2026, 11, 27, tzinfo=UTC))
        agency = add_agency(
            conn, "日本年金機構", legal_ground="別表第一", purposes=["年金給付の現況確認"]
        )
        (answer,) = center_verify(conn, agency, "年金給付の現況確認", [Query(resident_code=code)])
    assert answer.result.value == "match" and isinstance(answer.identity, dict)
    return "address" in answer.identity


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        issued = conn.execute(sa.select(sa.func.count()).select_from(certificate)).scalar_one()
        refused = conn.execute(
            sa.select(sa.func.count())
            .select_from(audit_log)
            .where(audit_log.c.action.in_(REFUSED_ACTIONS))
        ).scalar_one()
    return int(issued), int(refused)


# -- the channels: each returns True when provided, False when refused ----------------------


def via_service(registry: Registry, asked: Requester, person_id: str, kind: str) -> bool:
    request = CertificateRequest(
        kind=KIND[kind],
        person_ids=(person_id,),
        requester=asked,
        request_id=str(uuid.uuid4()),
        purpose="債権回収" if asked.type is RequesterType.THIRD_PARTY else "",
    )
    try:
        issue(
            registry, Protection(registry), request, CLERK, municipality_settings(LG, "川越　太郎")
        )
    except JichiError as error:
        assert error.code.startswith("RES-"), error
        return False
    return True


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def via_counter(registry: Registry, asked: Requester, person_id: str) -> bool:
    engine = registry.engine
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-sato", LG, "clerk", "佐藤", password=PASSWORD)
    app = create_app(engine, municipality=LG, cipher=registry.cipher)
    client = TestClient(app)
    token = _csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login", data={"csrf_token": token, "staff_id": "clerk-sato", "password": PASSWORD}
    )
    form = client.get(f"/counter/certificates?person_id={person_id}")
    rid = re.search(r'name="request_id" value="([^"]*)"', form.text)
    assert rid is not None
    data = {
        "csrf_token": _csrf(form.text),
        "subject": person_id,
        "request_id": rid.group(1),
        "kind": "record_copy_personal",
        "person_ids": person_id,
        "items": "previous_address",
        "requester_type": asked.type.value,
        "requester_name": asked.name,
        "requester_date_of_birth": asked.date_of_birth.isoformat() if asked.date_of_birth else "",
        "requester_sex": asked.sex.value if asked.sex else "",
        "requester_address": asked.address,
        "id_document": asked.id_document,
        "purpose": "債権回収" if asked.type is RequesterType.THIRD_PARTY else "",
    }
    answer = client.post("/counter/certificates/issue", data=data)
    if answer.status_code == 200:
        assert "発行しました" in answer.text
        return True
    assert answer.status_code == 403, answer.text[:2000]
    return False


def via_remote(engine: Engine, registry: Registry, asked: Requester, subject: Any) -> bool:
    """The 住所地's half of a 広域交付: the request arrives, the answer goes in the outbox."""
    node = Node(engine, LG, InProcessTransport(), cipher=registry.cipher, clock=lambda: NOW)
    record = registry.read_record(subject, CLERK)
    who = {"name": asked.name, "date_of_birth": (asked.date_of_birth or record.date_of_birth)}
    allowed = asked.type in (RequesterType.SELF, RequesterType.SAME_HOUSEHOLD)
    draft = {
        "holder_lg_code": LG,
        "kind": "record_copy_personal",
        "requester_type": asked.type.value,
        "requester": {"name": who["name"], "date_of_birth": who["date_of_birth"].isoformat()},
        "id_document": asked.id_document or "運転免許証",
        "subjects": [
            {"name": record.name.text(), "date_of_birth": record.date_of_birth.isoformat()}
        ]
        if allowed
        else [],
    }
    request_id = str(uuid.uuid4())
    env = Envelope(
        message_id=str(uuid.uuid4()),
        topic=f"municipality.{LG}.remote_copy_request",
        ordering_key=request_id,
        sender=SENDER,
        seq=1,
        payload={"request_id": request_id, "lg_code": SENDER, "draft": draft},
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    with write_transaction(engine) as conn:
        on_remote_copy_request(node, conn, env)
    with engine.connect() as conn:
        row = conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.seq.desc())).first()
    assert row is not None
    answer = row.payload
    if answer["status"] == "provided":
        assert [p["name"]["given"] for p in answer["persons"]] == [record.name.given]
        return True
    assert answer["status"] == "refused" and "persons" not in answer
    return False


@pytest.mark.parametrize("measure", [False, True], ids=["no_measure", "measure"])
@pytest.mark.parametrize("who", REQUESTERS)
@pytest.mark.parametrize("channel", CHANNELS)
def test_support_measure_matrix(
    channel: str,
    who: str,
    measure: bool,
    registry: Registry,
    family: dict[str, str],
    engine: Engine,
) -> None:
    if measure:
        Protection(registry).register(family["花子"], [ABUSER], SUPERVISOR, basis="意見書")
    subject = SUBJECT[channel]
    asked = requester_for(who, registry, family, subject)
    before_issued, before_refused = counts(engine)
    if channel == "counter_form":
        provided = via_counter(registry, asked, family[subject])
    elif channel == "remote_copy":
        provided = via_remote(engine, registry, asked, family[subject])
    elif channel == "center_verify":
        provided = via_center(engine, registry, family[subject])
    else:
        provided = via_service(registry, asked, family[subject], channel)
    issued, refused = counts(engine)
    assert provided is expected(channel, who, measure)
    if channel == "center_verify":
        assert issued == before_issued and provisions(engine) == 1  # the answer is logged
    elif provided:
        assert issued - before_issued == (0 if channel == "remote_copy" else 1)
    else:
        assert issued == before_issued  # nothing issued
        assert refused > before_refused  # and the refusal is in the audit log
    if measure and who == "other_party" and channel not in ("remote_copy", "center_verify"):
        assert "RES-002" in refusal_codes(engine)  # recognised as the other party, audited


def provisions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(center_provision)).scalar_one()
        )


def refusal_codes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.detail).where(audit_log.c.action == "restriction.refused")
        )
        return {str(json.loads(r.detail).get("code")) for r in rows}

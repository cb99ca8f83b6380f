"""The audit log and the resident's access log are readable: who, what, whose.

Before, both showed the stored ids as the primary text: ``clerk-suzuki``, a UUID cut to
eight characters, and purposes such as ``certificate:record_copy_household``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.registry.resident_access import ResidentAccess
from jichi.security.staff import create_staff
from jichi.security.tables import audit_log
from jichi.store.engine import write_transaction
from tests.integration.registry.conftest import CLERK, LG
from tests.integration.web.signed_in import PASSWORD, Counter, counter, csrf, sign_in

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
COPY = "certificate:record_copy_household"


def taro(app: Counter) -> str:
    found = app.registry.household(app.household_id, CLERK)
    assert found is not None
    return next(m.person_id for m in found[1] if m.name.given == "太郎")


def test_the_audit_log_names_the_staff_the_action_and_the_resident(engine: Engine) -> None:
    app = counter(engine)
    person_id = taro(app)
    app.registry.read_record(person_id, CLERK, purpose=COPY)
    sign_in(app.client)

    page = app.client.get("/counter/audit").text

    text = re.sub(r"<[^>]+>", " ", page.split("<tbody>", 1)[1])
    assert "鈴木" in text  # clerk-suzuki's display name
    assert "住民票の写し（世帯連記式）の交付" in text and COPY not in text
    assert "山田　太郎" in text
    links = re.findall(r'<a href="/counter/audit\?person_id=[^"]+">([^<]+)</a>', page)
    assert links and not any(UUID.search(t) or re.fullmatch(r"[0-9a-f]{8}…?", t) for t in links)


def test_showing_names_in_the_audit_log_is_itself_audited(engine: Engine) -> None:
    app = counter(engine)
    sign_in(app.client)

    def name_reads() -> int:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(audit_log)
                    .where(audit_log.c.action == "resident.name")
                ).scalar_one()
            )

    before = name_reads()
    app.client.get("/counter/audit")
    assert name_reads() - before == 4  # the four 山田 shown, one entry each


def test_an_auditor_sees_the_log_but_not_the_residents_names(engine: Engine) -> None:
    app = counter(engine)
    with write_transaction(engine) as conn:
        create_staff(conn, "kansa-mori", LG, "auditor", "森", password=PASSWORD)
    client = TestClient(app.client.app)
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "kansa-mori", "password": PASSWORD},
    )

    page = client.get("/counter/audit").text

    assert "住民（氏名は表示されません）" in page
    assert "山田" not in page.split("<tbody>", 1)[1]
    assert "鈴木" in page


def test_a_filter_on_one_person_says_whose_records_they_are(engine: Engine) -> None:
    app = counter(engine)
    person_id = taro(app)
    sign_in(app.client)
    page = app.client.get("/counter/audit", params={"person_id": person_id}).text
    assert "山田　太郎に関する記録" in page
    empty = app.client.get("/counter/audit", params={"person_id": "no-such-person"}).text
    assert "この住民に関する記録はありません。" in empty


def test_the_residents_access_log_names_the_staff_and_the_purpose(engine: Engine) -> None:
    app = counter(engine)
    person_id = taro(app)
    app.registry.read_record(person_id, CLERK, purpose=COPY)
    code = ResidentAccess(app.registry).issue(person_id, CLERK).code
    client = TestClient(app.client.app)
    token = csrf(client.get("/me/login").text)
    signed_in = client.post(
        "/me/login",
        data={"csrf_token": token, "code": code, "date_of_birth": "1980-04-02"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text

    page = client.get("/me/").text

    log = page.split('id="access-title"', 1)[1]
    assert "鈴木" in log and "clerk-suzuki" not in log
    assert "住民票の写し（世帯連記式）の交付" in log and COPY not in log

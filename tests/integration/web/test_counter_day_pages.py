"""The counter day's pages over HTTP, both databases: 受付 → fee → 領収書 → 日計表 → 取消.

The supervisor of signed_in.py opens a 受付, moves it through the queues (決裁
included), issues a 個人票 with its fee through the certificate page, makes the
領収書 and its PDF, finds the 日計表 balanced, voids the certificate and sees 取消
on the public verification page; the statistics page shows each chart with its table.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from tests.integration.web.signed_in import Counter, counter, csrf, sign_in


@pytest.fixture
def app(engine: Engine) -> Counter:
    return counter(engine)


def _ticket(html: str) -> str:
    found = re.search(r'id="ticket-number">(\d+)<', html)
    assert found is not None, html[:2000]
    return found.group(1)


def test_a_counter_day_from_reception_to_a_balanced_daily_report(app: Counter) -> None:
    client = app.client
    token = sign_in(client)
    first = client.post("/counter/receptions", data={"csrf_token": token, "purpose": "certificate"})
    second = client.post("/counter/receptions", data={"csrf_token": token, "purpose": "other"})
    assert first.status_code == 200 and (_ticket(first.text), _ticket(second.text)) == ("1", "2")
    blank = client.post("/counter/receptions", data={"csrf_token": token, "purpose": ""})
    assert blank.status_code == 422 and "用件を選んでください" in blank.text

    queue = client.get("/counter/receptions").text
    reception_id = re.findall(r'name="reception_id" value="([0-9a-f-]{36})"', queue)[0]
    for to in ("confirming", "approval", "issuing"):
        moved = client.post(
            "/counter/receptions/advance",
            data={"csrf_token": token, "reception_id": reception_id, "to": to},
            follow_redirects=False,
        )
        assert moved.status_code == 303, moved.text[:500]
    wrong = client.post(
        "/counter/receptions/advance",
        data={"csrf_token": token, "reception_id": reception_id, "to": "received"},
    )
    assert wrong.status_code == 409 and "進められません" in wrong.text

    fees = client.post(
        "/counter/fees",
        data={
            "csrf_token": token,
            "fee.record_copy_personal": "-5",
            "fee.removed_record_copy": "x",
        },
    )
    assert fees.status_code == 422
    assert 'id="f-fee-record_copy_personal-error"' in fees.text
    assert 'id="f-fee-removed_record_copy-error"' in fees.text  # every error at once
    values = {
        "fee.record_copy_household": "300",
        "fee.record_copy_personal": "350",
        "fee.removed_record_copy": "300",
        "fee.record_items_certificate": "300",
        "fee.move_out_certificate": "0",
    }
    saved = client.post("/counter/fees", data={"csrf_token": token, **values})
    assert saved.status_code == 200 and "保存しました" in saved.text

    form = client.get(
        f"/counter/certificates?person_id={app.person_id}&reception_id={reception_id}"
    )
    assert "1通 300円" in form.text  # the household copy is the default kind
    rid = re.search(r'name="request_id" value="([^"]+)"', form.text)
    assert rid is not None
    request = {
        "csrf_token": csrf(form.text),
        "subject": app.person_id,
        "request_id": rid.group(1),
        "reception_id": reception_id,
        "kind": "record_copy_personal",
        "person_ids": app.person_id,
        "items": "previous_address",
        "requester_type": "proxy",
        "requester_name": "代理　花子",
        "id_document": "drivers_license",
    }
    no_letter = client.post("/counter/certificates/issue", data=request)
    assert no_letter.status_code == 422 and "委任状" in no_letter.text
    issued = client.post("/counter/certificates/issue", data={**request, "power_of_attorney": "on"})
    assert issued.status_code == 200 and 'id="fee">350円' in issued.text
    serial = re.search(r'id="serial">([^<]+)<', issued.text)
    code = re.search(r'id="verification-code">([^<]+)<', issued.text)
    assert serial is not None and code is not None

    assert "領収書（1通 350円）" in client.get("/counter/receptions").text
    made = client.post(
        "/counter/receipts", data={"csrf_token": token, "reception_id": reception_id}
    )
    assert made.status_code == 200 and 'id="receipt-total">350円' in made.text
    number = re.search(r'id="receipt-number">([^<]+)<', made.text)
    assert number is not None
    assert "領収書（1通" not in client.get("/counter/receptions").text
    pdf = client.get(f"/counter/receipts/pdf?number={number.group(1)}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    report = client.get("/counter/daily-report")
    assert "照合：一致" in report.text and 'id="takings-total">350円' in report.text
    csv_file = client.get("/counter/daily-report/csv")
    assert csv_file.status_code == 200 and "一致" in csv_file.content.decode("utf-8-sig")
    assert client.get("/counter/daily-report/pdf").content.startswith(b"%PDF")
    assert client.get("/counter/daily-report?day=2026-13-01").status_code == 422

    no_reason = client.post(
        "/counter/certificates/void",
        data={"csrf_token": token, "serial": serial.group(1), "reason": ""},
    )
    assert no_reason.status_code == 422 and 'id="f-reason-error"' in no_reason.text
    voided = client.post(
        "/counter/certificates/void",
        data={"csrf_token": token, "serial": serial.group(1), "reason": "別の方に交付"},
    )
    assert voided.status_code == 200 and "取り消しました" in voided.text
    checked = client.get(f"/verify?code={code.group(1)}")
    assert "取消" in checked.text

    stats = client.get("/counter/statistics")
    assert stats.status_code == 200
    assert stats.text.count('role="img"') == 4 and stats.text.count("<table>") == 4
    assert "住民票の写し（個人票）" in stats.text and "転入届" in stats.text


def test_a_clerk_cannot_approve_void_or_see_statistics(app: Counter, engine: Engine) -> None:
    from jichi.security.staff import create_staff
    from jichi.store.engine import write_transaction

    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-kato", "112011", "clerk", "加藤", password="madoguchi-2026")
    client = app.client
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "clerk-kato", "password": "madoguchi-2026"},
    )
    token = csrf(client.get("/counter/receptions").text)
    assert client.get("/counter/statistics").status_code == 403
    void = client.post(
        "/counter/certificates/void", data={"csrf_token": token, "serial": "x", "reason": "y"}
    )
    assert void.status_code == 403
    client.post("/counter/receptions", data={"csrf_token": token, "purpose": "certificate"})
    queue = client.get("/counter/receptions").text
    reception_id = re.findall(r'name="reception_id" value="([0-9a-f-]{36})"', queue)[0]
    for to in ("confirming", "approval"):
        client.post(
            "/counter/receptions/advance",
            data={"csrf_token": token, "reception_id": reception_id, "to": to},
        )
    approve = client.post(
        "/counter/receptions/advance",
        data={"csrf_token": token, "reception_id": reception_id, "to": "issuing"},
    )
    assert approve.status_code == 403
    assert "係長の決裁待ち" in client.get("/counter/receptions").text


def test_a_reception_for_a_resident_links_to_the_certificate_form(app: Counter) -> None:
    client = app.client
    token = sign_in(client)
    form = client.get(f"/counter/receptions?person_id={app.person_id}")
    assert f'name="person_id" value="{app.person_id}"' in form.text
    opened = client.post(
        "/counter/receptions",
        data={"csrf_token": token, "purpose": "certificate", "person_id": app.person_id},
    )
    assert opened.status_code == 200 and _ticket(opened.text) == "1"
    assert f"/counter/certificates?person_id={app.person_id}&amp;reception_id=" in opened.text
    unknown = client.post(
        "/counter/receptions",
        data={"csrf_token": token, "purpose": "certificate", "person_id": "nobody"},
    )
    assert unknown.status_code == 422

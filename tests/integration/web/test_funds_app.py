"""The funds app over HTTP on both databases: filer and authority sign-in, filing with every
error at its line, 訂正, receipts, publication (audited), and what each user may not do."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.funds import filer_tokens
from jichi.funds.filings import versions
from jichi.funds.public_search import Search, search
from jichi.kernel.errors import JichiError
from jichi.security.tables import audit_log
from jichi.web.funds.app import create_funds_app
from tests.integration.web.funds_app_helpers import (
    AUTHORITY,
    csrf,
    filer_client,
    report,
    set_up,
    staff_client,
    submit,
)


def app_client(engine: Engine) -> TestClient:
    return TestClient(create_funds_app(engine, authority=AUTHORITY))


def test_a_report_with_two_mistakes_shows_both_at_their_lines_then_files(engine: Engine) -> None:
    token = set_up(engine)
    client = filer_client(app_client(engine), "org-1", token)
    wrong = report(100_000, 1_600_000, declared=100_000)  # over the cap, and a wrong sum
    answer = submit(client, wrong, "file")  # 提出 of a report with errors files nothing
    assert answer.status_code == 422
    assert "誤りがあります（2件）" in answer.text
    assert 'id="line-donations-1" class="has-error"' in answer.text
    assert 'id="line-income-donations" class="has-error"' in answer.text
    assert "FND-042" in answer.text and "FND-040" in answer.text
    assert "政治資金規正法" in answer.text  # the article is shown
    assert 'value="file"' not in answer.text  # no 提出 button while errors remain
    assert versions(engine, "org-1", 2026) == []
    checked = submit(client, report(100_000, 160_000), "check")
    assert checked.status_code == 200 and 'value="file"' in checked.text
    assert "最初の提出（第1版）" in checked.text
    filed = submit(client, report(100_000, 160_000), "file")
    assert filed.status_code == 303 and filed.headers["location"] == "/filer?filed=2026-1"
    assert "第1版" in client.get("/filer?filed=2026-1").text
    (version,) = versions(engine, "org-1", 2026)
    assert version.published_at is None


def test_an_amendment_needs_its_reason_and_becomes_version_two(engine: Engine) -> None:
    token = set_up(engine)
    client = filer_client(app_client(engine), "org-1", token)
    assert submit(client, report(100_000), "file").status_code == 303
    no_reason = submit(client, report(90_000), "file")
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text
    assert "訂正の理由を入力してください" in no_reason.text
    done = submit(client, report(90_000), "file", reason="金額の誤記")
    assert done.status_code == 303 and done.headers["location"].endswith("2026-2")
    assert [v.reason for v in versions(engine, "org-1", 2026)] == ["", "金額の誤記"]


def test_the_authority_reviews_diffs_and_publishes_with_an_audit_entry(engine: Engine) -> None:
    token = set_up(engine)
    filer = filer_client(app_client(engine), "org-1", token)
    submit(filer, report(100_000), "file")
    submit(filer, report(90_000), "file", reason="金額の誤記")
    staff = staff_client(app_client(engine))
    receipts = staff.get("/authority")
    assert receipts.status_code == 200
    assert "/authority/reports/org-1/2026/2" in receipts.text
    assert "/authority/reports/org-1/2026/1" not in receipts.text  # superseded, not awaiting
    page = staff.get("/authority/reports/org-1/2026/2")
    assert page.status_code == 200 and "第1版からの変更" in page.text
    assert "donations[0].amount" in page.text and "100,000" in page.text and "90,000" in page.text
    token_field = csrf(staff, "/authority/reports/org-1/2026/2")
    done = staff.post(
        "/authority/reports/org-1/2026/2/publish",
        data={"csrf_token": token_field},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with engine.connect() as conn:
        assert [(x.name, x.amount) for x in search(conn, Search()).lines] == [("髙橋花子", 90_000)]
        actions = conn.execute(sa.select(audit_log.c.action, audit_log.c.actor)).all()
    assert ("funds.report.publish", "pref-clerk") in [tuple(a) for a in actions]
    assert "/authority/reports/org-1/2026/2" not in staff.get("/authority").text
    again = staff.post(
        "/authority/reports/org-1/2026/2/publish",
        data={"csrf_token": token_field},
        follow_redirects=False,
    )
    assert again.status_code == 409 and "公表済み" in again.text
    # The public search on the same app finds the published donor.
    assert "髙橋花子" in TestClient(staff.app).get("/funds/search?name=高橋").text


def test_organizations_list_their_notifications(engine: Engine) -> None:
    set_up(engine)
    set_up(engine, "org-2")
    page = staff_client(app_client(engine)).get("/authority/organizations")
    assert page.status_code == 200
    assert "さくら後援会（org-1）" in page.text and "もみじ会（org-2）" in page.text
    assert page.text.count("<td>設立届</td>") == 2


def test_a_wrong_token_and_a_revoked_token_do_not_sign_in(engine: Engine) -> None:
    token = set_up(engine)
    set_up(engine, "org-2")
    client = app_client(engine)
    for org, given_token in (("org-1", token + "x"), ("org-2", token), ("org 1", token)):
        answer = client.post(
            "/filer/sign-in",
            data={
                "organization_id": org,
                "token": given_token,
                "csrf_token": csrf(client, "/filer/sign-in"),
            },
        )
        assert answer.status_code in (401, 422), org
        assert 'aria-invalid="true"' in answer.text
    signed = filer_client(app_client(engine), "org-1", token)
    overview = signed.get("/filer")
    assert overview.status_code == 200
    assert "&#34;organization_name&#34;: &#34;さくら後援会&#34;" in overview.text  # a blank to fill
    assert filer_tokens.revoke(engine, "org-1") == 1
    assert signed.get("/filer", follow_redirects=False).status_code == 303  # revoked at once
    with pytest.raises(JichiError) as caught, engine.connect() as conn:
        filer_tokens.authenticate(conn, "org-1", token)
    assert caught.value.code == "FND-080"


def test_a_filer_cannot_publish_nor_see_another_organisations_report(engine: Engine) -> None:
    token1 = set_up(engine)
    token2 = set_up(engine, "org-2")
    other = filer_client(app_client(engine), "org-2", token2)
    submit(other, report(70_000), "file")
    filer = filer_client(app_client(engine), "org-1", token1)
    for path in ("/authority", "/authority/reports/org-2/2026/1", "/authority/organizations"):
        answer = filer.get(path)
        assert answer.status_code == 403 and "受付機関（130001）の職員だけ" in answer.text
    refused = filer.post(
        "/authority/reports/org-2/2026/1/publish",
        data={"csrf_token": csrf(filer, "/filer")},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "寄附者0" not in filer.get("/filer").text  # org-2's filing is not listed
    with engine.connect() as conn:
        assert search(conn, Search()).lines == []


def test_other_bodies_staff_and_auditors_cannot_publish(engine: Engine) -> None:
    token = set_up(engine)
    submit(filer_client(app_client(engine), "org-1", token), report(70_000), "file")
    client = app_client(engine)
    answer = client.post(
        "/authority/sign-in",
        data={
            "staff_id": "city-clerk",
            "password": "correct horse battery",
            "csrf_token": csrf(client, "/authority/sign-in"),
        },
    )
    assert answer.status_code == 401 and 'id="password-error"' in answer.text
    auditor = staff_client(app_client(engine), "pref-audit")
    assert auditor.get("/authority/reports/org-1/2026/1").status_code == 200
    refused = auditor.post(
        "/authority/reports/org-1/2026/1/publish",
        data={"csrf_token": csrf(auditor, "/authority")},
    )
    assert refused.status_code == 403 and "権限がありません" in refused.text
    no_csrf = staff_client(app_client(engine)).post("/authority/reports/org-1/2026/1/publish")
    assert no_csrf.status_code == 403 and "WEB-001" in no_csrf.text
    assert versions(engine, "org-1", 2026)[0].published_at is None


def test_unsigned_visitors_are_sent_to_sign_in_and_bad_paths_are_404_pages(engine: Engine) -> None:
    client = app_client(engine)
    assert client.get("/filer", follow_redirects=False).headers["location"] == "/filer/sign-in"
    assert client.get("/authority", follow_redirects=False).headers["location"] == (
        "/authority/sign-in"
    )
    set_up(engine)
    staff = staff_client(app_client(engine))
    for path in (
        "/authority/reports/org-1/２０２６/1",
        "/authority/reports/org-1/2026/99999",
        "/authority/reports/%00/2026/1",
        "/authority/reports/org-1/2026/1",
    ):
        answer = staff.get(path)
        assert answer.status_code == 404 and "提出されていません" in answer.text, path


BAD_BODIES = [
    "",
    "{not json",
    "[]",
    '{"organization_name": "\\u0000"}',
    '{"organization_name": "\\ud800"}',
    "[" * 5000 + "]" * 5000,
    json.dumps({"year": "二〇二六"}),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_report_bodies_are_errors_at_the_field_never_a_500(engine: Engine, body: str) -> None:
    token = set_up(engine)
    client = filer_client(app_client(engine), "org-1", token)
    answer = submit(client, body, "file")
    assert answer.status_code == 422, body[:40]
    assert "誤り" in answer.text
    assert versions(engine, "org-1", 2026) == []


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from(["organization_id", "token", "staff_id", "password"]),
    value=st.text(max_size=300),
)
def test_any_sign_in_input_is_a_page_never_a_500(engine: Engine, field: str, value: str) -> None:
    client = app_client(engine)
    path = "/filer/sign-in" if field in ("organization_id", "token") else "/authority/sign-in"
    data: dict[str, Any] = {"csrf_token": csrf(client, path), field: value}
    answer = client.post(path, data=data)
    assert answer.status_code in (401, 422)
    assert '<html lang="ja">' in answer.text


def test_an_uploaded_json_file_is_checked_like_typed_json(engine: Engine) -> None:
    token = set_up(engine)
    client = filer_client(app_client(engine), "org-1", token)
    body = json.dumps(report(100_000, declared=1), ensure_ascii=False).encode()
    answer = client.post(
        "/filer/report",
        data={"action": "check", "csrf_token": csrf(client, "/filer")},
        files={"file": ("report.json", body, "application/json")},
    )
    assert (
        answer.status_code == 422 and 'id="line-income-donations" class="has-error"' in answer.text
    )
    not_utf8 = client.post(
        "/filer/report",
        data={"action": "check", "csrf_token": csrf(client, "/filer")},
        files={"file": ("report.json", "寄附".encode("cp932"), "application/json")},
    )
    assert not_utf8.status_code == 422 and 'id="file-error"' in not_utf8.text

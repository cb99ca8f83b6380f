"""The individual number appears in no log line, URL or page but the screens that must show it.

Issue 11's Done-when line, as one scan on both databases.  Two municipalities
(tests/integration/security/tenants.py) whose heads of household moved in with their
個人番号 and a My Number card applied for, then:

- forms that carry a number are posted: 個人番号の記載 for the wife (refused for a
  mismatch, then reviewed and recorded), a 転入 through the API with a wrong check
  digit, a free-text field holding a number (page and API), the 個人番号通知書, the
  head's own 住民票の写し with his 個人番号 (preview, issue, PDF), and his card made and
  handed over (PINs set); an agency sends a number to 住基ネット's center (refused);
- then every GET route of B's app (walked from ``app.routes`` like test_tenancy.py, real
  ids substituted) is asked by a signed-in clerk, supervisor and administrator (the
  election commission's pages), the API routes also with the supervisor's and the
  clerk's bearer tokens, the portal's with the head's card session;

and the number — plain, 4-4-4 with spaces or hyphens, full-width, percent-encoded or
JSON-escaped — must be in no body, no header, no redirect's URL, no log record emitted
from setup to the end (root logger at DEBUG, the access log's fields included), no audit
row and no other row of the database (it is stored encrypted), except the bodies of the
routes in ``MUST_SHOW`` — where the scan must then *find* it, so the allow-list is
needed and the PDF reader works.  No GET route is allowed to show it.  The certificate's
preview and issue pages show its first page as an image (the clerk checks the copy): the
text scan cannot read an image, and those pages carry the number in no text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.kernel.identifiers import IdKind, individual_number_check_digit, with_check_digit
from jichi.security.staff import create_staff, issue_token
from jichi.store.engine import write_transaction
from jichi.web.center.app import create_center_app
from jichi.web.pages import session as s
from tests.integration.security.number_scan import (
    Records,
    body_text,
    every_log_record,
    forms,
    leaked,
)
from tests.integration.security.tenants import (
    LG_B,
    NUMBERS,
    PASSWORD,
    Municipality,
    snapshot,
    two_municipalities,
)
from tests.integration.security.test_tenancy import resident_cookie, routes, served_app, url

MUST_SHOW: dict[tuple[str, str], str] = {
    ("POST", "/counter/mynumber/residents/{person_id}/notice.pdf"): (
        "the 個人番号通知書 (番号法7条): the one document that tells the person the number"
    ),
    ("POST", "/counter/certificates/pdf"): (
        "住民票の写し with the 個人番号 item (住基法12条5項), asked for by the person"
        " themself: the copy must carry it"
    ),
}
"""Routes whose *body* may carry the number, with why.  Headers and logs: never."""

WIFE_NUMBER = with_check_digit(IdKind.INDIVIDUAL_NUMBER, "73519284620")  # attached by form
MISMATCHED = with_check_digit(IdKind.INDIVIDUAL_NUMBER, "84620395720")  # refused: wrong DOB
_BASE = "84620395730"
WRONG_CHECK_DIGIT = _BASE + str((individual_number_check_digit(_BASE) + 1) % 10)
WATCHED = (*NUMBERS.values(), WIFE_NUMBER, MISMATCHED, WRONG_CHECK_DIGIT)


@dataclass
class Scan:
    """Every answer seen, and what leaked where."""

    leaks: list[str] = field(default_factory=list)
    answered: dict[str, int] = field(default_factory=dict)

    def check(self, method: str, path: str, how: str, response: Any) -> Any:
        where = f"{method} {path} ({how}, {response.status_code})"
        self.answered[f"{method} {path} {how}"] = response.status_code
        for name, value in response.headers.items():
            if found := leaked(f"{name}: {value}", WATCHED):
                self.leaks.append(f"{where} header {name}: {found}")
        shown = (method, path) in MUST_SHOW
        if not shown and (found := leaked(body_text(response.content), WATCHED)):
            self.leaks.append(f"{where} body: {found}")
        return response


def sign_in(client: TestClient, staff_id: str) -> str:
    """A real counter sign-in (the login itself is scanned too); the page's CSRF token."""
    token = _csrf(client.get("/counter/login").text)
    signed = client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": staff_id, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    return _csrf(client.get("/counter/").text)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def logs() -> Iterator[Records]:
    with every_log_record() as records:
        yield records


@pytest.fixture
def world(engine: Engine, logs: Records) -> tuple[Municipality, str]:
    """Both municipalities with numbers (set up under the log capture) and B's clerk token.

    B also gets a clerk and an administrator (the election commission's and the merger's
    pages are theirs), each signed in through the real form.
    """
    _a, b = two_municipalities(engine, numbers=True)
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-b", LG_B, "clerk", "加藤", password=PASSWORD)
        create_staff(conn, "admin-b", LG_B, "admin", "選管・合併", password=PASSWORD)
        clerk_token = issue_token(conn, "clerk-b", label="scan")
    return b, clerk_token


def post_forms(scan: Scan, app: Any, b: Municipality, supervisor: TestClient, csrf: str) -> None:
    """The forms that carry a number: accepted once, refused in every other way."""
    head, wife = b.ids["person_id"], b.ids["protected_person_id"]
    attach = "/counter/residents/{person_id}/{kind}"
    claim = {
        s.CSRF_FIELD: csrf,
        "notified_date": "2026-11-27",
        "name": "番町　花子",
        "date_of_birth": "1982-09-15",
        "sex": "female",
        "address": "東京都千代田区九段南4-5",
    }
    target = f"/counter/residents/{wife}/attach_individual_number"
    typed = forms(MISMATCHED)[4]  # as a clerk may type it: full-width, grouped by spaces
    wrong = {**claim, "individual_number": typed, "date_of_birth": "1982-09-16"}
    refused = scan.check("POST", attach, "mismatch", supervisor.post(target, data=wrong))
    assert refused.status_code == 422, refused.text
    good = {**claim, "individual_number": WIFE_NUMBER}
    review = scan.check("POST", attach, "review", supervisor.post(target, data=good))
    sealed = re.search(r'name="pending" value="([^"]+)"', review.text)
    assert review.status_code == 200 and sealed is not None, review.text
    confirm = {s.CSRF_FIELD: csrf, "pending": sealed.group(1), "step": "record"}
    done = scan.check(
        "POST", attach, "record", supervisor.post(target, data=confirm, follow_redirects=False)
    )
    assert done.status_code == 303, done.text
    scan.check("GET", "(after attach)", "redirect", supervisor.get(done.headers["location"]))
    note = {s.CSRF_FIELD: csrf, "note": f"番号は{NUMBERS[LG_B]}です"}
    free = supervisor.post(f"/counter/residents/{head}/correction", data=note)
    assert scan.check("POST", "/counter/residents/{person_id}/correction", "note", free)
    assert free.status_code in (400, 422) and "個人番号" in free.text, free.text
    bearer = {"Authorization": f"Bearer {b.token}"}
    api = TestClient(app, raise_server_exceptions=False)
    purpose = api.post(
        f"/api/registry/residents/{head}/read",
        json={"purpose": f"照会 {NUMBERS[LG_B][:4]}-{NUMBERS[LG_B][4:8]}-{NUMBERS[LG_B][8:]}"},
        headers=bearer,
    )
    scan.check("POST", "/api/registry/residents/{person_id}/read", "purpose", purpose)
    assert purpose.status_code == 422 and "TXT-015" in purpose.text, purpose.text
    move_in = api.post("/api/registry/notifications", json=_move_in(), headers=bearer)
    scan.check("POST", "/api/registry/notifications", "wrong check digit", move_in)
    assert move_in.status_code == 422 and "ID-004" in move_in.text, move_in.text
    pdf = supervisor.post(
        f"/counter/mynumber/residents/{head}/notice.pdf", data={s.CSRF_FIELD: csrf}
    )
    scan.check("POST", "/counter/mynumber/residents/{person_id}/notice.pdf", "notice", pdf)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text
    # the allow-list is needed: the scan reads the number in the 通知書 it lets through
    assert leaked(body_text(pdf.content), WATCHED) == [NUMBERS[LG_B]]
    certificate(scan, supervisor, head)
    card(scan, supervisor, csrf, b.ids["card_id"])


PINS = {
    "pin.signature": "ABC123",
    "pin.user_authentication": "4821",
    "pin.resident_registry": "5930",
    "pin.text_input": "7164",
}


def card(scan: Scan, supervisor: TestClient, csrf: str, card_id: str) -> None:
    """The head's My Number card made and handed over, so the card pages show a live card."""
    base = "/counter/mynumber/cards/{card_id}"
    made = supervisor.post(
        f"/counter/mynumber/cards/{card_id}/manufacture",
        data={s.CSRF_FIELD: csrf},
        follow_redirects=False,
    )
    assert scan.check("POST", f"{base}/manufacture", "card", made).status_code == 303, made.text
    data = {s.CSRF_FIELD: csrf, "identity_document": "drivers_license", "identity_note": "照合"}
    data |= PINS | {f"{k}_confirm": v for k, v in PINS.items()}
    handed = supervisor.post(
        f"/counter/mynumber/cards/{card_id}/deliver", data=data, follow_redirects=False
    )
    assert scan.check("POST", f"{base}/deliver", "card", handed).status_code == 303, handed.text


def certificate(scan: Scan, supervisor: TestClient, head: str) -> None:
    """The head's own 住民票の写し with his 個人番号: the preview and issue pages show none."""
    form = supervisor.get(f"/counter/certificates?person_id={head}")
    request_id = re.search(r'name="request_id" value="([^"]*)"', form.text)
    assert form.status_code == 200 and request_id is not None, form.text
    mine = {
        s.CSRF_FIELD: _csrf(form.text),
        "subject": head,
        "request_id": request_id.group(1),
        "kind": "record_copy_personal",
        "person_ids": head,
        "items": "individual_number",
        "requester_type": "self",
        "requester_name": "番町　太郎",
        "requester_date_of_birth": "1980-04-02",
        "requester_sex": "male",
        "requester_address": "千代田区九段南4-5",
        "id_document": "my_number_card",
    }
    for step in ("preview", "issue", "pdf"):
        answer = supervisor.post(f"/counter/certificates/{step}", data=mine)
        scan.check("POST", f"/counter/certificates/{step}", "self", answer)
        assert answer.status_code == 200, (step, answer.text)
    assert leaked(body_text(answer.content), WATCHED) == [NUMBERS[LG_B]]  # the copy has it


def the_center(scan: Scan, engine: Engine) -> None:
    """住基ネット's center never takes a number: an agency sending one is refused, logged nowhere.

    The center's app has POST routes only (and /healthz); it holds no number to show.
    """
    from tests.integration.network.center.conftest import PENSION_PURPOSE, pension_office

    _agency, token = pension_office(engine)
    bearer = {"Authorization": f"Bearer {token}"}
    basic_four = {
        "name": "番町 太郎",
        "date_of_birth": "1980-04-02",
        "sex": "male",
        "address": "東京都千代田区九段南4-5",
    }
    number = NUMBERS[LG_B]
    with TestClient(create_center_app(engine, hot_path=False)) as center:
        one = {"purpose": PENSION_PURPOSE, **basic_four, "individual_number": number}
        answer = center.post("/v1/verify", json=one, headers=bearer)
        assert scan.check("POST", "/v1/verify", "center", answer).status_code == 422
        many = {"purpose": PENSION_PURPOSE, "items": [{**basic_four, "note": number}]}
        answer = center.post("/v1/verify/bulk", json=many, headers=bearer)
        assert scan.check("POST", "/v1/verify/bulk", "center", answer).status_code == 422


def _move_in() -> dict[str, Any]:
    from tests.integration.registry.conftest import person
    from tests.integration.security.tenants import ADDRESS, LG_A

    return {
        "kind": "move_in",
        "effective_date": "2026-11-25",
        "address": {**ADDRESS[LG_B], "block": "7-8"},
        "previous_address": ADDRESS[LG_A],
        "persons": [
            person(
                "九段",
                "一人",
                ("クダン", "ヒトリ"),
                "1970-01-01",
                "male",
                "世帯主",
                individual_number=WRONG_CHECK_DIGIT,
            )
        ],
    }


def crawl(
    scan: Scan, app: Any, b: Municipality, clients: dict[str, TestClient], clerk_token: str
) -> None:
    """Every GET route of B, as each signed-in party, with B's real ids."""
    ids = {**b.ids, "code": LG_B}  # the public code lists and figures: B itself
    tokens = {"bearer": b.token, "clerk bearer": clerk_token}
    anonymous = TestClient(app, raise_server_exceptions=False)
    for method, path in sorted(set(routes(app))):
        if method != "GET" or "{encoded" in path or "{year}" in path:
            continue  # OCSP's DER and the funds downloads: no person in either
        target = url(path, ids) + f"?person_id={ids['person_id']}"
        for how, token in tokens.items() if path.startswith("/api/") else ():
            bearer = {"Authorization": f"Bearer {token}"}
            answer = anonymous.get(target, headers=bearer, follow_redirects=False)
            scan.check(method, path, how, answer)
        for how, client in clients.items():
            if path.startswith("/me") != (how == "resident"):
                continue
            scan.check(method, path, how, client.get(target, follow_redirects=False))


def test_the_number_never_leaks(
    engine: Engine, world: tuple[Municipality, str], logs: Records
) -> None:
    b, clerk_token = world
    app = served_app(engine, LG_B)
    scan = Scan()
    clerk = TestClient(app, raise_server_exceptions=False)
    supervisor = TestClient(app, raise_server_exceptions=False)
    sign_in(clerk, "clerk-b")
    admin = TestClient(app, raise_server_exceptions=False)
    sign_in(admin, "admin-b")
    csrf = sign_in(supervisor, b.supervisor.staff_id)
    resident = TestClient(app, raise_server_exceptions=False)
    resident.cookies.set(
        s.RESIDENT.cookie, resident_cookie(app, b.ids["person_id"], "c" * 32, lg_code=LG_B)
    )
    post_forms(scan, app, b, supervisor, csrf)
    the_center(scan, engine)
    parties = {"clerk": clerk, "supervisor": supervisor, "admin": admin, "resident": resident}
    crawl(scan, app, b, parties, clerk_token)

    # the crawl reached the pages about the people with numbers, not only sign-in forms
    for pid in (b.ids["person_id"], b.ids["protected_person_id"]):
        assert "記載あり" in supervisor.get(f"/counter/residents/{pid}").text  # both have one
    shown = {k for k, status in scan.answered.items() if status == 200}
    for must in (
        "GET /counter/residents/{person_id} supervisor",
        "GET /counter/residents/{person_id} clerk",
        "GET /api/registry/residents/{person_id} bearer",
        "GET /api/registry/residents/{person_id} clerk bearer",
        "GET /counter/mynumber/residents/{person_id} supervisor",
        "GET /counter/mynumber/residents/{person_id}/notice supervisor",
        "GET /counter/audit supervisor",
        "GET /counter/mynumber/cards/{card_id}/certificates supervisor",
        "GET /counter/elections/roll/{build_id} admin",
        "GET /me/ resident",
        "GET /me/portal/ resident",
    ):
        assert must in shown, must
    assert len(shown) >= 60, len(shown)
    assert not [k for k, status in scan.answered.items() if status >= 500]

    audit = snapshot(engine)
    rows = {name: "\n".join(map(str, table)) for name, table in audit.items()}
    assert rows["audit_log"] and NUMBERS[LG_B] not in rows["audit_log"]
    for name, text in rows.items():
        if found := leaked(text, WATCHED):
            scan.leaks.append(f"table {name}: {found}")
    for line in logs.lines:
        if found := leaked(line, WATCHED):
            scan.leaks.append(f"log: {line[:300]}")
    assert len(logs.lines) > 100  # the access log's records at least: the capture works
    assert not scan.leaks, "\n".join(scan.leaks)


def test_the_scan_sees_every_form_of_a_number() -> None:
    """The detector itself: a leak written any of these ways is found (no database)."""
    number = NUMBERS[LG_B]
    for form in forms(number):
        for text in (form, quote(form), json.dumps(form), f"番号は{form}です"):
            assert leaked(text, [number]) == [number], text
    assert not leaked(f"{number[:11]} {number[1:]}", [number])

"""The card's counter pages over HTTP on both databases: sign-in, errors at once, no PIN echo.

The individual number (山田 太郎's, from the registry cast) must appear on no page; only
the 個人番号通知書 PDF carries it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.mynumber.card import CardState
from jichi.mynumber.card_store import CardStore
from jichi.registry.service import Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.registry.conftest import CLERK, ELSEWHERE, LG, address, yamada_family
from tests.integration.security.number_scan import leaked

PASSWORD = "madoguchi-2026"
NUMBER = "123456789018"
GOOD_PINS = {
    "pin.signature": "ABC123",
    "pin.user_authentication": "4821",
    "pin.resident_registry": "5930",
    "pin.text_input": "7164",
}


class Counter:
    """A signed-in clerk's browser, keeping every HTML page it saw for the number scan."""

    def __init__(self, client: TestClient, registry: Registry, taro: str) -> None:
        self.client, self.registry, self.taro = client, registry, taro
        self.pages: list[str] = []
        token = _csrf(client.get("/counter/login").text)
        signed = client.post(
            "/counter/login",
            data={"csrf_token": token, "staff_id": "clerk-sato", "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        self.csrf = _csrf(self.get("/counter/").text)

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        self.pages.append(response.text)
        return response

    def post(self, url: str, data: dict[str, str] | None = None) -> Any:
        response = self.client.post(
            url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False
        )
        if response.headers.get("content-type", "").startswith("text/html"):
            self.pages.append(response.text)
        return response

    def cards(self) -> CardStore:
        return CardStore(self.registry.engine, LG)

    def card(self) -> Any:
        card = self.cards().live_card_of(self.taro)
        assert card is not None
        return card


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def counter(engine: Engine) -> Counter:
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-sato", LG, "clerk", "佐藤", password=PASSWORD)
    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"p" * 32)))
    registry: Registry = app.state.registry
    applied = registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": "2026-11-20",
                "address": address(),
                "previous_address": ELSEWHERE,
                "persons": yamada_family(),
            }
        ),
        CLERK,
    )
    taro = next(
        pid for pid in applied.person_ids if registry.read_record(pid, CLERK).name.given == "太郎"
    )
    return Counter(TestClient(app), registry, taro)


def _delivered(counter: Counter) -> str:
    base = f"/counter/mynumber/residents/{counter.taro}"
    assert counter.post(f"{base}/apply").status_code == 303
    card_id = counter.card().card_id
    assert counter.post(f"/counter/mynumber/cards/{card_id}/manufacture").status_code == 303
    data = {"identity_document": "drivers_license", "identity_note": "顔写真を照合"}
    data |= GOOD_PINS | {f"{k}_confirm": v for k, v in GOOD_PINS.items()}
    assert counter.post(f"/counter/mynumber/cards/{card_id}/deliver", data).status_code == 303
    return str(card_id)


def test_an_anonymous_visitor_is_sent_to_sign_in(engine: Engine) -> None:
    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"p" * 32)))
    response = TestClient(app).get("/counter/mynumber/residents/x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/counter/login?next=/counter/mynumber/")


def test_delivery_shows_every_error_at_once_and_never_echoes_a_pin(counter: Counter) -> None:
    base = f"/counter/mynumber/residents/{counter.taro}"
    counter.post(f"{base}/apply")
    card_id = counter.card().card_id
    counter.post(f"/counter/mynumber/cards/{card_id}/manufacture")
    form = counter.get(f"/counter/mynumber/cards/{card_id}/deliver")
    assert form.status_code == 200 and 'type="password"' in form.text
    bad = {
        "pin.signature": "abc12x",  # lower case: refused
        "pin.signature_confirm": "abc12x",
        "pin.user_authentication": "98765",
        "pin.resident_registry": "2468",
        "pin.resident_registry_confirm": "2469",
        "pin.text_input": "",
    }
    response = counter.post(f"/counter/mynumber/cards/{card_id}/deliver", bad)
    assert response.status_code == 422
    html = response.text
    assert "本人確認書類を選んでください" in html
    for field in ("signature", "user_authentication", "resident_registry_confirm", "text_input"):
        assert f'href="#f-pin-{field}"' in html, field
    for typed in ("abc12x", "98765", "2468", "2469"):
        assert typed not in html
    assert counter.card().state is CardState.ISSUED  # nothing was saved


def test_the_card_lifecycle_at_the_counter(counter: Counter) -> None:
    card_id = _delivered(counter)
    assert counter.card().state is CardState.ACTIVE
    overview = counter.get(f"/counter/mynumber/residents/{counter.taro}?done=delivered")
    assert "カードを交付しました" in overview.text and "有効" in overview.text
    # 一時停止 needs a reason; then it is suspended
    refused = counter.post(f"/counter/mynumber/cards/{card_id}/suspend", {"reason": ""})
    assert refused.status_code == 422
    assert "一時停止の理由" in refused.text
    assert (
        counter.post(f"/counter/mynumber/cards/{card_id}/suspend", {"reason": "loss"}).status_code
        == 303
    )
    assert counter.card().state is CardState.SUSPENDED
    counter.get(f"/counter/mynumber/cards/{card_id}/resume")
    missing = counter.post(f"/counter/mynumber/cards/{card_id}/resume", {})
    assert missing.status_code == 422 and "本人確認書類を選んでください" in missing.text
    lifted = counter.post(
        f"/counter/mynumber/cards/{card_id}/resume", {"identity_document": "passport"}
    )
    assert lifted.status_code == 303 and counter.card().state is CardState.ACTIVE
    # PIN reset: errors at once, then the new PIN works
    counter.get(f"/counter/mynumber/cards/{card_id}/pin_reset")
    wrong = counter.post(
        f"/counter/mynumber/cards/{card_id}/pin_reset",
        {"pin_kind": "user_authentication", "new_pin": "12", "new_pin_confirm": "12"},
    )
    assert wrong.status_code == 422
    assert 'href="#f-new_pin"' in wrong.text and 'href="#f-identity_document"' in wrong.text
    done = counter.post(
        f"/counter/mynumber/cards/{card_id}/pin_reset",
        {
            "identity_document": "my_number_card",
            "pin_kind": "user_authentication",
            "new_pin": "8080",
            "new_pin_confirm": "8080",
        },
    )
    assert done.status_code == 303
    from datetime import date

    from jichi.mynumber.pins import PinKind

    counter.cards().use_pin(card_id, PinKind.USER_AUTHENTICATION, "8080", date.today())
    # 有効期間変更 is for foreign residents with a limited stay: both field errors at once
    counter.get(f"/counter/mynumber/cards/{card_id}/validity_change")
    both = counter.post(
        f"/counter/mynumber/cards/{card_id}/validity_change",
        {"stay_expires_on": "not a date", "pin.resident_registry": "x"},
    )
    assert both.status_code == 422
    assert 'href="#f-stay_expires_on"' in both.text
    assert 'href="#f-pin-resident_registry"' in both.text
    national = counter.post(
        f"/counter/mynumber/cards/{card_id}/validity_change",
        {"stay_expires_on": "2030-01-01", "pin.resident_registry": "5930"},
    )
    assert national.status_code == 422 and "在留" in national.text
    assert counter.card().valid_until != date(2030, 1, 1)
    # audited per change, on the holder's own record
    with counter.registry.engine.connect() as conn:
        import sqlalchemy as sa

        actions = set(
            conn.execute(
                sa.text("SELECT action FROM audit_log WHERE subject_person_id = :p"),
                {"p": counter.taro},
            ).scalars()
        )
    assert {
        "mynumber.card.delivered",
        "mynumber.card.suspended",
        "mynumber.card.resumed",
    } <= actions


def test_the_notice_pdf_carries_the_number_and_no_page_does(counter: Counter) -> None:
    card_id = _delivered(counter)
    for url in (
        f"/counter/mynumber/residents/{counter.taro}",
        f"/counter/mynumber/residents/{counter.taro}/notice",
        f"/counter/mynumber/cards/{card_id}/pin_reset",
        f"/counter/mynumber/cards/{card_id}/validity_change",
    ):
        assert counter.get(url).status_code == 200, url
    pdf = counter.post(f"/counter/mynumber/residents/{counter.taro}/notice.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.headers["cache-control"] == "no-store"
    for html in counter.pages:  # every form of it (tests/integration/security/number_scan)
        assert not leaked(html, [NUMBER])
    # someone without a number on the record: a page error, no PDF
    hanako = next(
        pid
        for pid in counter.registry.household(
            counter.registry.read_record(counter.taro, CLERK).household_id, CLERK
        )[1]
        if pid.name.given == "花子"
    ).person_id
    none = counter.post(f"/counter/mynumber/residents/{hanako}/notice.pdf")
    assert none.status_code == 422 and "個人番号は住民票に記載されていない" in none.text


def test_another_municipalitys_card_is_not_found(counter: Counter, engine: Engine) -> None:
    from datetime import date

    from jichi.mynumber.validity import Holder

    theirs = CardStore(engine, "131016").apply(
        "p-elsewhere", Holder(date(1990, 1, 1)), date.today()
    )
    response = counter.get(f"/counter/mynumber/cards/{theirs.card_id}/deliver")
    assert response.status_code == 404 and "MYN-030" in response.text


def test_every_card_page_needs_a_signed_in_staff_member(engine: Engine) -> None:
    from fastapi.routing import APIRoute

    from jichi.web.pages import mynumber_card

    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"p" * 32)))
    client = TestClient(app)
    routes = [r for r in mynumber_card.router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 12
    for route in routes:
        path = route.path.replace("{person_id}", "p-1").replace("{card_id}", "c-1")
        method = next(iter(route.methods))
        response = client.request(method, path, data={}, follow_redirects=False)
        # GET: sent to sign-in; POST: refused before anything runs (no session, no CSRF)
        assert response.status_code in (303, 403), (method, path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/counter/login"), path


def test_staff_of_another_municipality_cannot_open_a_card_page(counter: Counter) -> None:
    with write_transaction(counter.registry.engine) as conn:
        create_staff(conn, "chiyoda-kato", "131016", "clerk", "加藤", password=PASSWORD)
    client = counter.client
    client.cookies.clear()
    token = _csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "chiyoda-kato", "password": PASSWORD},
        follow_redirects=False,
    )
    response = client.get(f"/counter/mynumber/residents/{counter.taro}", follow_redirects=False)
    assert response.status_code in (303, 403)
    assert "山田" not in response.text

"""やりとり履歴 on the portal: the hub over real HTTP, the portal's page, the audit entry.

The hub app runs in uvicorn on a free port (the portal reaches it as it would reach the
Digital Agency's system, with urllib); the municipality's app is driven with a test
client and a card session.  Both on SQLite and PostgreSQL.  The person's exchanges: one
provided (shown), one 不開示 (never shown, not even sent by the hub), and another
person's (never shown).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.kernel.identifiers import IdKind, with_check_digit
from jichi.mynumber.portal.hub_history import HubHistoryClient, from_env
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.audit import entries_for_person
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.web.app import create_app
from jichi.web.hub.app import create_hub_app
from jichi.web.pages import session as s
from tests.integration.mynumber.hub.world import World, build, code
from tests.integration.network.flows.conftest import ABROAD, address, person
from tests.ports import free_port

LG = "112011"
CIPHER = FieldCipher(Keys.derive(b"x" * 32))
TARO, OTHER = code(41), code(42)
NUMBER = with_check_digit(IdKind.INDIVIDUAL_NUMBER, "40404040404")  # 太郎's 個人番号


@dataclass
class Setup:
    world: World
    url: str
    portal_credential: str
    person_id: str


def _serve(app: object) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def exchange(world: World, requester: str, affair: str, item: str, provider: str, who: str,
             *, withhold: bool = False) -> None:  # fmt: skip
    api = world.hub.agencies
    api.offer(
        world.credentials[provider],
        agency_token=world.token(provider, who),
        item=item,
        value={"v": 1},
    )
    api.request(
        world.credentials[requester],
        agency_token=world.token(requester, who),
        affair=affair,
        item=item,
        provider=provider,
        withhold=withhold,
    )


@pytest.fixture
def setup(engine: Engine) -> Iterator[Setup]:
    world = build(engine)
    exchange(world, "nenkin", "pension-exemption", "resident_tax_income", "lg-112011", TARO)
    world.clock.at += timedelta(minutes=5)
    # 不開示 by the requester for this one exchange (23条2項)
    exchange(world, "jasso", "scholarship", "resident_tax_income", "lg-112011", TARO, withhold=True)
    # 不開示 by the catalogue line (生活保護 ← 年金給付)
    exchange(world, "lg-112011", "public-assistance", "pension_payment", "nenkin", TARO)
    exchange(world, "jasso", "scholarship", "resident_tax_income", "lg-131016", OTHER)
    registry = Registry(engine, LG, CIPHER)
    registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": (date.today() - timedelta(days=30)).isoformat(),
                "address": address(LG),
                "previous_address": ABROAD,
                "persons": [
                    {
                        **person("太郎", "タロウ", "1980-04-02", "male", "世帯主", TARO),
                        "individual_number": NUMBER,
                    }
                ],
            }
        ),
        Actor("clerk-suzuki", LG, "clerk"),
    )
    with engine.connect() as conn:
        person_id = conn.execute(
            sa.select(resident.c.person_id).where(resident.c.lg_code == LG)
        ).scalar_one()
    served = _serve(create_hub_app(world.hub))
    url = next(served)
    yield Setup(world, url, world.hub.issue_portal_credential(), person_id)
    next(served, None)


def portal_client(app: object, person_id: str) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    secret = s.secret_of(SimpleNamespace(app=app))  # type: ignore[arg-type]
    cookie = URLSafeTimedSerializer(secret, salt=s.RESIDENT.salt).dumps(
        {"csrf": "c" * 32, "person_id": person_id, "via": "card", "lg_code": LG}
    )
    client.cookies.set(s.RESIDENT.cookie, cookie)
    return client


def test_the_hub_answers_the_portal_with_the_persons_shown_exchanges_only(setup: Setup) -> None:
    entries = HubHistoryClient(setup.url, setup.portal_credential).history(TARO)
    assert [(e.requester_id, e.affair_id, e.item_id, e.provider_id) for e in entries] == [
        ("nenkin", "pension-exemption", "resident_tax_income", "lg-112011")
    ]
    shown = entries[0]
    assert (shown.requester_name, shown.provider_name) == ("日本年金機構", "埼玉県川越市")
    assert shown.item_name == "地方税関係情報（所得・課税）" and shown.result == "provided"
    assert shown.requested_at.tzinfo is not None
    # the hub keeps all three of 太郎's exchanges; two are 不開示
    assert len(setup.world.hub.history(TARO)) == 1
    other = HubHistoryClient(setup.url, setup.portal_credential).history(OTHER)
    assert [e.provider_id for e in other] == ["lg-131016"]


def test_only_the_portal_credential_reads_a_history_and_it_reads_nothing_else(
    setup: Setup,
) -> None:
    with pytest.raises(JichiError) as refused:
        HubHistoryClient(setup.url, setup.world.credentials["nenkin"]).history(TARO)
    assert refused.value.code == "PTL-018" and "HUB-013" in refused.value.message_ja
    assert TARO not in refused.value.message_ja + refused.value.message_en
    hub = TestClient(create_hub_app(setup.world.hub), raise_server_exceptions=False)
    bearer = {"Authorization": f"Bearer {setup.portal_credential}"}
    as_agency = hub.post("/v1/log", json={}, headers=bearer)
    assert as_agency.status_code == 401 and as_agency.json()["code"] == "HUB-011"
    forged = hub.post(
        "/v1/portal/history", json={"resident_code": TARO}, headers={"Authorization": "Bearer x"}
    )
    assert forged.status_code == 401 and forged.json()["code"] == "HUB-013"
    bad = hub.post("/v1/portal/history", json={"resident_code": "123"}, headers=bearer)
    assert bad.status_code == 422 and "123" not in bad.json().get("detail", "")


def test_an_unreachable_hub_is_a_typed_error_and_an_unset_one_is_none() -> None:
    with pytest.raises(JichiError) as down:
        HubHistoryClient(f"http://127.0.0.1:{free_port()}", "jichi_hub_x", timeout=2).history(TARO)
    assert down.value.code == "PTL-017"
    assert from_env({}) is None
    assert from_env({"JICHI_HUB_URL": "http://hub", "JICHI_HUB_PORTAL_CREDENTIAL": "c"}) == (
        HubHistoryClient("http://hub", "c")
    )


def test_the_resident_sees_the_history_page_and_the_reading_is_audited(
    setup: Setup, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = HubHistoryClient(setup.url, setup.portal_credential)
    app = create_app(engine, municipality=LG, cipher=CIPHER, hub_history=client)
    browser = portal_client(app, setup.person_id)
    home = browser.get("/me/portal/")
    assert home.status_code == 200 and 'href="/me/portal/exchanges"' in home.text
    page = browser.get("/me/portal/exchanges")
    assert page.status_code == 200, page.text
    assert "日本年金機構" in page.text and "国民年金保険料の免除等に関する事務" in page.text
    assert "1件" in page.text
    for hidden in ("独立行政法人日本学生支援機構", "年金給付関係情報", "生活保護"):
        assert hidden not in page.text
    assert TARO not in page.text
    with engine.connect() as conn:
        reads = [
            r.entry
            for r in entries_for_person(conn, setup.person_id)
            if r.entry.action == "mynumber.exchange_history.read"
        ]
    assert len(reads) == 1 and reads[0].detail == {"records": 1}
    assert reads[0].actor == "resident-self"
    again = browser.get("/me/portal/")
    assert "本人によるやりとり履歴の閲覧（マイナポータル）" in again.text
    assert "記載されています" in again.text  # 太郎 has a number; no portal page shows it
    for shown in (home.text, page.text, again.text, caplog.text):
        assert NUMBER not in shown and TARO not in shown


def test_without_a_hub_or_with_a_hub_down_the_page_says_so_and_nothing_is_audited(
    setup: Setup, engine: Engine
) -> None:
    down = HubHistoryClient(f"http://127.0.0.1:{free_port()}", "jichi_hub_x", timeout=2)
    for source, status, text in (
        (None, 200, "現在ご利用いただけません"),
        (down, 503, "接続できない"),
    ):
        app = create_app(engine, municipality=LG, cipher=CIPHER, hub_history=source)
        app.state.hub_history = source  # None must stay None, not the environment's
        page = portal_client(app, setup.person_id).get("/me/portal/exchanges")
        assert page.status_code == status and text in page.text
    with engine.connect() as conn:
        actions = {r.entry.action for r in entries_for_person(conn, setup.person_id)}
    assert "mynumber.exchange_history.read" not in actions
    refused = portal_client(create_app(engine, municipality=LG, cipher=CIPHER), "nobody")
    refused.cookies.clear()
    assert refused.get("/me/portal/exchanges", follow_redirects=False).status_code == 303

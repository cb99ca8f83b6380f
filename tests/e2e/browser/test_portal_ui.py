"""引越しワンストップ in Chromium: card issuance at the counter → portal login with the
token → online move-out signed in the chip → move-in finished at the other counter.

Two servers (川越市 112011, the old municipality; 千代田区 131016, the new one) on one
SQLite database with a JPKI CA, and SoftHSM2 as the cards' chips
(``JICHI_CHIP_PROVISION=softhsm``).  The resident's card reader — J-LIS's client software
in real life — is :class:`CardReader` run by the test, as ``jichi mynumber reader sign``
would run on the resident's computer; the browser only shows what to sign and takes the
reader's output.  The exchange hub runs as its own app (uvicorn) on the same database
file, with two exchanges about 一郎 — one shown, one 不開示 — that the portal's やりとり履歴
page fetches over HTTP with the portal credential.  axe-core checks every new page.
The network between the two municipalities runs in-process once the counter has taken
the move-in.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn

from jichi.mynumber import wiring
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.hub.catalogue import ILLUSTRATIVE, read
from jichi.mynumber.hub.keys import HubKey
from jichi.mynumber.hub.service import ExchangeHub
from jichi.mynumber.jpki import ca, token
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal.hub_history import HubHistoryClient
from jichi.mynumber.portal.reader import CardReader
from jichi.network.node import Node
from jichi.network.transport import InProcessTransport
from jichi.registry import repository as repo
from jichi.registry.service import Registry
from jichi.registry.tables import resident
from jichi.security.actor import Actor
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction
from jichi.web.app import create_app
from jichi.web.hub.app import create_hub_app
from tests.e2e.browser.conftest import PASSWORD, _free_port, screenshot
from tests.e2e.browser.test_accessibility import check, report
from tests.integration.network.conftest import run_async

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OLD, NEW = "112011", "131016"
CIPHER = FieldCipher(Keys.derive(b"q" * 32))
PINS = {"signature": "KAWA2026", "user_authentication": "4821", "resident_registry": "5930",
        "text_input": "7164"}  # fmt: skip


@dataclass
class Two:
    old: str
    new: str
    engine: Any


def _serve(app: Any) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Two]:
    root = tmp_path_factory.mktemp("portal")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(token.softhsm_config(root / "softhsm")))
        mp.setenv("JICHI_CHIP_PROVISION", "softhsm")
        token.refresh()
        engine = make_engine(f"sqlite:///{root / 'jichi.db'}")
        migrate.upgrade(engine)
        ca.create(root / "ca", b"portal-e2e")
        jpki = Jpki(engine, ca.load(root / "ca", b"portal-e2e"))
        with write_transaction(engine) as conn:
            create_staff(conn, "clerk-kawagoe", OLD, "clerk", "川越", password=PASSWORD)
            create_staff(conn, "clerk-chiyoda", NEW, "clerk", "千代田", password=PASSWORD)
        family(engine)
        hub = ExchangeHub(engine, key=HubKey(b"h" * 32))
        exchanges(hub, ICHIRO_CODE)
        hub_url, hub_server, hub_thread = _serve(create_hub_app(hub))
        history = HubHistoryClient(hub_url, hub.issue_portal_credential())
        served = [
            _serve(
                create_app(
                    engine, municipality=lg, cipher=CIPHER, jpki_service=jpki, hub_history=history
                )
            )
            for lg in (OLD, NEW)
        ]
        served.append((hub_url, hub_server, hub_thread))
        yield Two(served[0][0], served[1][0], engine)
        for _, server, thread in served:
            server.should_exit = True
            thread.join(timeout=10)
        engine.dispose()


ICHIRO_CODE = "23456789012"


def exchanges(hub: ExchangeHub, resident_code: str) -> None:
    """Two exchanges about the person: 年金機構 ← 川越市 (shown), 学生支援機構 ← 川越市 (不開示)."""
    hub.load_catalogue(read(ILLUSTRATIVE), by="test")
    today = date.today()
    valid = {"evaluated_on": today - timedelta(days=30), "valid_until": today + timedelta(days=900)}
    hub.record_pia("nenkin", "affair", "pension-exemption", **valid)
    hub.record_pia("jasso", "affair", "scholarship", **valid)
    hub.record_pia("lg-112011", "item", "resident_tax_income", **valid)
    agencies = ("nenkin", "jasso", "lg-112011")
    creds = {a: hub.issue_credential(a) for a in agencies}
    tokens = {
        a: hub.agencies.redeem(
            creds[a],
            hub.issue_request_number(resident_code=resident_code, agency_id=a, lg_code=OLD),
        )
        for a in agencies
    }
    hub.agencies.offer(
        creds["lg-112011"],
        agency_token=tokens["lg-112011"],
        item="resident_tax_income",
        value={"income": 3_100_000},
    )
    for requester, affair, withhold in (
        ("nenkin", "pension-exemption", False),
        ("jasso", "scholarship", True),
    ):
        hub.agencies.request(
            creds[requester],
            agency_token=tokens[requester],
            affair=affair,
            item="resident_tax_income",
            provider="lg-112011",
            withhold=withhold,
        )


def family(engine: Any) -> None:
    """札幌 一郎's household, with resident codes, as the network left them in 川越市."""
    registry = Registry(engine, OLD, CIPHER, listeners=wiring.registry_listeners())
    people = [("一郎", "イチロウ", "1978-05-01", "male", "世帯主", ICHIRO_CODE),
              ("春子", "ハルコ", "1981-03-03", "female", "妻", "23456789013"),
              ("夏美", "ナツミ", "2008-07-07", "female", "子", "23456789014")]  # fmt: skip
    registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": (date.today() - timedelta(days=90)).isoformat(),
                "address": {
                    "prefecture": "埼玉県",
                    "municipality": "川越市",
                    "town": "大字的場",
                    "block": "2-4-6",
                    "lg_code": OLD,
                },
                "previous_address": {
                    "prefecture": "",
                    "municipality": "",
                    "town": "カナダ",
                    "abroad": True,
                },
                "persons": [
                    {
                        "name": {
                            "family": "札幌",
                            "given": g,
                            "family_kana": "サッポロ",
                            "given_kana": k,
                        },
                        "date_of_birth": born,
                        "sex": sex,
                        "relationship": rel,
                        "resident_code": code,
                    }
                    for g, k, born, sex, rel, code in people
                ],
            }
        ),
        Actor("clerk-kawagoe", OLD, "clerk"),
    )


def person_id(engine: Any, given: str) -> str:
    with engine.connect() as conn:
        ids = set(conn.execute(sa.select(resident.c.person_id)).scalars())
        records = repo.load_records(conn, ids)
    return next(pid for pid, r in records.items() if r.name.given == given)


def reader(engine: Any, holder: str, purpose: Purpose, data: bytes, pin: str) -> str:
    """The resident's card reader: the card of ``holder``, the PIN typed at the reader."""
    card = next(c for c in CardStore(engine, OLD).cards_of(holder) if c.live)
    return (
        CardReader(engine, CardStore(engine, OLD))
        .sign(card.card_id, purpose, data, pin, date.today())
        .to_json()
    )


def counter_sign_in(page: Any, staff: str) -> None:
    page.goto("/counter/login")
    page.get_by_label("職員 ID").fill(staff)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/counter/")


def settle(engine: Any) -> None:
    transport = InProcessTransport()
    listeners = wiring.registry_listeners()  # as `jichi network node` wires them
    nodes = [Node(engine, lg, transport, cipher=CIPHER, listeners=listeners) for lg in (NEW, OLD)]

    async def run() -> None:
        for _ in range(6):
            moved = sum([await n.send() for n in nodes])
            moved += sum([await n.receive_all() for n in nodes])
            if not moved:
                return

    run_async(run())


def test_card_issuance_portal_login_online_move_out_and_move_in_elsewhere(
    browser: Any, two: Two
) -> None:
    seen: dict[str, list[dict[str, Any]]] = {}
    ichiro = person_id(two.engine, "一郎")
    clerk = browser.new_context(base_url=two.old, locale="ja-JP")
    page = clerk.new_page()
    counter_sign_in(page, "clerk-kawagoe")
    # 1. the counter: apply, arrival, 交付 with the four PINs, the certificates in the chip
    page.goto(f"/counter/mynumber/residents/{ichiro}")
    page.get_by_role("button", name="交付申請を受け付ける").click()
    page.wait_for_url("**done=applied")
    page.get_by_role("button", name="カードの到着を記録する").click()
    page.wait_for_url("**done=manufactured")
    page.get_by_role("link", name="カードを交付する（本人確認・暗証番号の設定）").click()
    page.locator("#f-identity_document").select_option("drivers_license")
    for name, pin in PINS.items():
        page.locator(f"#f-pin-{name}").fill(pin)
        page.locator(f"#f-pin-{name}_confirm").fill(pin)
    page.get_by_role("button", name="交付する").click()
    page.wait_for_url("**done=delivered")
    page.get_by_role("link", name="電子証明書の発行（鍵はカードの中で作成）").click()
    page.wait_for_url("**/certificates")
    check(page, "certificate issuance", seen)
    page.get_by_role("button", name="発行する").click()
    page.locator(".error-summary").wait_for()
    check(page, "certificate issuance with errors", seen)
    page.locator("#f-pin-signature").fill(PINS["signature"])
    page.locator("#f-pin-user_authentication").fill(PINS["user_authentication"])
    page.get_by_role("button", name="発行する").click()
    page.wait_for_url("**done=certificates")
    # 2. the resident: portal login with the card
    home = browser.new_context(base_url=two.old, locale="ja-JP")
    me = home.new_page()
    me.goto("/me/portal/")
    assert "/me/portal/login" in me.url
    check(me, "portal login", seen)
    challenge = me.locator("[data-challenge]").inner_text().strip()
    me.get_by_label("カードリーダーの読み取り結果").fill(
        reader(two.engine, ichiro, Purpose.AUTH, challenge.encode(), PINS["user_authentication"])
    )
    me.get_by_role("button", name="ログインする").click()
    me.wait_for_url("**/me/portal/")
    assert me.get_by_role("heading", name="札幌　一郎 様のマイナポータル").is_visible()
    check(me, "portal home", seen)
    screenshot(me, "portal-home", full_page=True)
    # the hub's やりとり履歴, fetched with the portal credential; the 不開示 one is not there
    me.locator("#exchange-history").get_by_role("link", name="やりとり履歴を見る").click()
    me.wait_for_url("**/me/portal/exchanges")
    table = me.locator("[data-exchanges]").inner_text()
    assert "日本年金機構" in table and "国民年金保険料の免除等に関する事務" in table
    assert "埼玉県川越市" in table and "地方税関係情報（所得・課税）" in table
    assert "学生支援機構" not in me.locator("main").inner_text()
    assert ICHIRO_CODE not in me.content()
    check(me, "portal exchange history", seen)
    screenshot(me, "portal-exchanges", full_page=True)
    me.get_by_role("link", name="マイナポータルのトップへ戻る").click()
    me.wait_for_url("**/me/portal/")
    assert "本人によるやりとり履歴の閲覧（マイナポータル）" in me.locator("main").inner_text()
    # 3. the online 転出, signed with the 署名用 certificate
    me.get_by_role("link", name="引越し（オンライン転出・来庁予定）").click()
    check(me, "online move-out form", seen)
    me.get_by_role("button", name="内容を確認して署名へ進む").click()
    me.locator(".error-summary").wait_for()
    check(me, "online move-out form with errors", seen)
    today = date.today()
    me.get_by_label("転出先の市区町村").fill("千代田区")
    me.get_by_label("町字").fill("千代田")
    me.get_by_label("番地").fill("1-1")
    me.get_by_label("転出予定日").fill((today + timedelta(days=7)).isoformat())
    me.get_by_label("来庁予定日（新しい市区町村の窓口）").fill(
        (today + timedelta(days=9)).isoformat()
    )
    me.get_by_label("札幌　春子（妻）").check()
    me.get_by_label("札幌　夏美（子）").check()
    me.get_by_role("button", name="内容を確認して署名へ進む").click()
    me.wait_for_url("**/me/portal/move-out")
    check(me, "online move-out signature", seen)
    document = me.locator("[data-document]").inner_text().strip()
    me.get_by_label("カードリーダーの読み取り結果").fill(
        reader(two.engine, ichiro, Purpose.SIGN, base64.b64decode(document), PINS["signature"])
    )
    me.get_by_role("button", name="署名して届け出る").click()
    me.wait_for_url("**done=moved")
    assert "転出予定" in me.locator("main").inner_text()
    # 4. 千代田区's counter: the reservation, the 特例転入 with the card and PIN, 継続利用
    other = browser.new_context(base_url=two.new, locale="ja-JP")
    desk = other.new_page()
    counter_sign_in(desk, "clerk-chiyoda")
    desk.get_by_role("link", name="来庁予定").click()
    desk.wait_for_url("**/counter/visits")
    assert "札幌　春子" in desk.locator("main").inner_text()
    check(desk, "visit reservations", seen)
    desk.locator("tbody a").first.click()
    desk.wait_for_url("**/counter/visits/*")
    check(desk, "visit", seen)
    desk.get_by_label("転入した日").fill(today.isoformat())
    challenge = desk.locator("[data-challenge]").inner_text().strip()
    desk.get_by_label("カードリーダーの読み取り結果").fill(
        reader(two.engine, ichiro, Purpose.AUTH, challenge.encode(), PINS["user_authentication"])
    )
    desk.get_by_role("button", name="特例転入を受け付ける").click()
    desk.wait_for_url("**done=requested")
    settle(two.engine)
    desk.reload()
    assert "転入を記録しました" in desk.locator("[data-status]").inner_text()
    check(desk, "visit registered", seen)
    # 継続利用 on the card that followed 一郎: his 住民基本台帳用 PIN at the counter
    pin = desk.get_by_label("札幌　一郎 さんの住民基本台帳用暗証番号（数字4桁）")
    pin.fill("0000")
    desk.get_by_role("button", name="カードの継続利用を記録する").click()
    desk.locator(".error-summary").wait_for()
    check(desk, "continued use with a wrong PIN", seen)
    desk.get_by_label("札幌　一郎 さんの住民基本台帳用暗証番号（数字4桁）").fill(
        PINS["resident_registry"]
    )
    desk.get_by_role("button", name="カードの継続利用を記録する").click()
    desk.wait_for_url("**done=continued")
    assert "記録済み: 1人 / 1人" in desk.locator("main").inner_text()
    # 一郎's card followed him: 千代田区's now, 川越市 no longer holds it
    assert CardStore(two.engine, OLD).cards_of(ichiro) == []
    with two.engine.connect() as conn:
        moved = conn.execute(
            sa.select(resident.c.person_id).where(
                resident.c.lg_code == NEW, resident.c.resident_code == ICHIRO_CODE
            )
        ).scalar_one()
    assert [(c.live, c.move) for c in CardStore(two.engine, NEW).cards_of(moved)] == [(True, None)]
    desk.goto(f"/counter/mynumber/residents/{moved}")
    assert desk.get_by_role("link", name="暗証番号の初期化（再設定）").is_visible()
    assert desk.get_by_role("button", name="一時停止する").is_visible()
    check(desk, "card at the new municipality", seen)
    page.goto(f"/counter/mynumber/residents/{ichiro}")
    assert page.get_by_role("button", name="一時停止する").count() == 0
    for context in (clerk, home, other):
        context.close()
    assert not any(seen.values()), "WCAG 2.2 AA violations:\n" + report(seen)

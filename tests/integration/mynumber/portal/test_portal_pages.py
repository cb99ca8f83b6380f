"""The portal and the counter over HTTP, two municipalities in one database (the demo).

千代田区's portal: card login through the reader, the resident's page (record, who read
it, card and certificates, the link to the やりとり履歴), the online 転出 signed in the chip.
川越市's counter: the 来庁予定, the 特例転入 with the card and PIN, 継続利用; the card
follows 太郎 to 川越市.  The network between them runs in-process (what the nodes' loops
do, with the My Number listeners `jichi network node` gives them).  Forms are fuzzed too.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber import wiring
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.pins import PinKind
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
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.mynumber.portal.helpers import (
    AUTH_PIN,
    PINS,
    SIGN_PIN,
    card_with_chip,
    cards,
)
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import ABROAD, NEW, OLD, address, yamada
from tests.integration.web.signed_in import PASSWORD, csrf, post_pairs

CIPHER = FieldCipher(Keys.derive(b"p" * 32))
CLERK_NEW = "madoguchi-kawagoe"


@dataclass
class Demo:
    engine: Engine
    jpki: Jpki
    old: TestClient
    new: TestClient
    card_id: str
    family: dict[str, str]

    def reader(self, purpose: Purpose, data: bytes, pin: str) -> str:
        today = date.today()
        reader = CardReader(self.engine, cards(self.engine, OLD))
        return reader.sign(self.card_id, purpose, data, pin, today).to_json()


@pytest.fixture
def demo(engine: Engine, cas: CaSet, softhsm: object) -> Demo:
    jpki = Jpki(engine, cas)
    registry = Registry(engine, OLD, CIPHER, listeners=wiring.registry_listeners())
    clerk = Actor("clerk-chiyoda", OLD, "clerk")
    today = date.today()
    registry.apply(
        registry.parse(
            {
                "kind": "move_in",
                "effective_date": (today - timedelta(days=60)).isoformat(),
                "address": address(OLD),
                "previous_address": ABROAD,
                "persons": yamada(),
            }
        ),
        clerk,
    )
    with engine.connect() as conn:
        ids = set(
            conn.execute(sa.select(resident.c.person_id).where(resident.c.lg_code == OLD)).scalars()
        )
        records = repo.load_records(conn, ids)
    family = {r.name.given: r.person_id for r in records.values()}
    taro = records[family["太郎"]]
    card_id = card_with_chip(engine, jpki, taro, today)
    with write_transaction(engine) as conn:
        create_staff(conn, CLERK_NEW, NEW, "clerk", "川越", password=PASSWORD)
    old = TestClient(create_app(engine, municipality=OLD, cipher=CIPHER, jpki_service=jpki))
    new = TestClient(create_app(engine, municipality=NEW, cipher=CIPHER, jpki_service=jpki))
    return Demo(engine, jpki, old, new, card_id, family)


def _pre(html: str, marker: str) -> str:
    found = re.search(rf"<pre[^>]*{marker}[^>]*>([^<]+)</pre>", html)
    assert found is not None, html[:2000]
    return found.group(1)


def login(demo: Demo, pin: str = AUTH_PIN) -> Any:
    page = demo.old.get("/me/portal/login")
    assert page.status_code == 200
    text = _pre(page.text, "data-challenge")
    output = demo.reader(Purpose.AUTH, text.encode(), pin)
    return demo.old.post(
        "/me/portal/login",
        data={"csrf_token": csrf(page.text), "challenge": text, "reader_output": output},
        follow_redirects=False,
    )


def move_out_form(demo: Demo, **changes: str) -> Any:
    page = demo.old.get("/me/portal/move-out")
    assert page.status_code == 200
    today = date.today()
    data: dict[str, Any] = {
        "csrf_token": csrf(page.text),
        "destination": "川越市",
        "town": "大字的場",
        "block": "1-2-3",
        "planned_date": (today + timedelta(days=7)).isoformat(),
        "visit_on": (today + timedelta(days=8)).isoformat(),
        "person_ids": [demo.family["花子"], demo.family["一郎"]],
    } | changes
    return demo.old.post("/me/portal/move-out", data=data)


def test_the_resident_signs_in_with_the_card_and_sees_their_page(demo: Demo) -> None:
    assert login(demo).headers["location"] == "/me/portal/"
    page = demo.old.get("/me/portal/")
    assert page.status_code == 200
    html = page.text
    assert "山田　太郎" in html and "千代田" in html
    assert "利用者証明用電子証明書" in html and "署名用電子証明書" in html
    assert 'href="/me/portal/exchanges"' in html  # やりとり履歴: test_portal_exchange_history
    assert "マイナポータルへのログイン" in html  # the login's own read, in the access log
    assert "残り3回" in html


def test_a_wrong_pin_at_the_reader_does_not_sign_in(demo: Demo) -> None:
    with pytest.raises(JichiError) as caught:
        login(demo, "9999")
    assert caught.value.code == "MYN-021"
    assert demo.old.get("/me/portal/", follow_redirects=False).status_code == 303


def test_a_code_sign_in_does_not_open_the_portal(demo: Demo) -> None:
    login(demo)
    demo.old.cookies.clear()
    assert (
        demo.old.get("/me/portal/", follow_redirects=False)
        .headers["location"]
        .startswith("/me/portal/login")
    )


def test_the_online_move_out_reaches_the_new_counter_and_ends_in_continued_use(
    demo: Demo,
) -> None:
    login(demo)
    review = move_out_form(demo)
    assert review.status_code == 200, review.text[:3000]
    encoded = _pre(review.text, "data-document")
    output = demo.reader(Purpose.SIGN, base64.b64decode(encoded), SIGN_PIN)
    signed = demo.old.post(
        "/me/portal/move-out/sign",
        data={"csrf_token": csrf(review.text), "document": encoded, "reader_output": output},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/me/portal/?done=moved"
    assert "転出予定" in demo.old.get("/me/portal/?done=moved").text
    # 川越市's counter sees the reservation
    token = csrf(demo.new.get("/counter/login").text)
    demo.new.post(
        "/counter/login", data={"csrf_token": token, "staff_id": CLERK_NEW, "password": PASSWORD}
    )
    listing = demo.new.get("/counter/visits")
    assert listing.status_code == 200 and "山田　花子" in listing.text
    found = re.search(r'href="/counter/visits/([0-9a-f-]{36})"', listing.text)
    assert found is not None
    visit = demo.new.get(f"/counter/visits/{found.group(1)}")
    text = _pre(visit.text, "data-challenge")
    card = demo.reader(Purpose.AUTH, text.encode(), AUTH_PIN)
    taken = demo.new.post(
        f"/counter/visits/{found.group(1)}/move_in",
        data={
            "csrf_token": csrf(visit.text),
            "challenge": text,
            "effective_date": date.today().isoformat(),
            "town": "大字的場",
            "block": "1-2-3",
            "reader_output": card,
        },
        follow_redirects=False,
    )
    assert taken.status_code == 303, taken.text[:3000]
    settle(demo.engine)
    after = demo.new.get(f"/counter/visits/{found.group(1)}")
    assert "転入を記録しました" in after.text, after.text[:3000]
    # the card followed 太郎 to 川越市 in the 転入's transaction (no longer 千代田区's)
    assert cards(demo.engine, OLD).cards_of(demo.family["太郎"]) == []
    taro = _new_id(demo.engine)
    moved = [c for c in cards(demo.engine, NEW).cards_of(taro) if c.live]
    assert [c.card_id for c in moved] == [demo.card_id] and moved[0].move is not None
    # 継続利用: the card checks 太郎's 住民基本台帳用 PIN (missing, wrong: the page again)
    url = f"/counter/visits/{found.group(1)}/continued_use"
    for pin, message in (("", "入力してください"), ("9999", "残り 2 回")):
        again = demo.new.post(url, data={"csrf_token": csrf(after.text), f"pin-{taro}": pin})
        assert again.status_code == 422 and message in again.text, again.text[:3000]
        assert "記録済み: 0人 / 1人" in again.text
    done = demo.new.post(
        url,
        data={"csrf_token": csrf(after.text), f"pin-{taro}": PINS[PinKind.RESIDENT_REGISTRY]},
        follow_redirects=False,
    )
    assert done.headers["location"].endswith("?done=continued")
    assert "記録済み: 1人 / 1人" in demo.new.get(done.headers["location"]).text
    card = cards(demo.engine, NEW).get(demo.card_id)
    assert card.move is None and card.pins[PinKind.RESIDENT_REGISTRY].failures == 0


def _new_id(engine: Engine) -> str:
    """太郎's person id at 川越市 (found by his 住民票コード)."""
    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.select(resident.c.person_id).where(
                    resident.c.lg_code == NEW, resident.c.resident_code == "12345678901"
                )
            ).scalar_one()
        )


def settle(engine: Engine) -> None:
    """The two nodes' loops, in one process over one database."""
    transport = InProcessTransport()
    listeners = wiring.registry_listeners()  # as `jichi network node` wires them
    nodes = [Node(engine, lg, transport, cipher=CIPHER, listeners=listeners) for lg in (NEW, OLD)]

    async def run() -> None:
        for _ in range(6):
            moved = 0
            for node in nodes:
                moved += await node.send()
            for node in nodes:
                moved += await node.receive_all()
            if not moved:
                return

    run_async(run())


FIELDS = ["reader_output", "challenge", "document", "destination", "town", "planned_date",
          "visit_on", "person_ids", "effective_date", "x"]  # fmt: skip
VALUES = ["", "\x00", "{}", '{"purpose":"auth","certificate":"AA==","signature":"AA=="}',
          "9" * 300, "R8.12.1", "[" * 3000, "川越市", "131016", "AAAA"]  # fmt: skip


@pytest.mark.slow
def test_no_portal_or_visit_form_makes_a_500(demo: Demo) -> None:
    login(demo)
    token_old = csrf(demo.old.get("/me/portal/").text)
    token = csrf(demo.new.get("/counter/login").text)
    demo.new.post(
        "/counter/login", data={"csrf_token": token, "staff_id": CLERK_NEW, "password": PASSWORD}
    )
    token_new = csrf(demo.new.get("/counter/visits").text)
    targets = [
        (demo.old, "/me/portal/move-out", token_old),
        (demo.old, "/me/portal/move-out/sign", token_old),
        (demo.new, "/counter/visits/x/move_in", token_new),
        (demo.new, "/counter/mynumber/cards/x/certificates", token_new),
    ]

    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        target=st.sampled_from(targets),
        pairs=st.lists(
            st.tuples(
                st.sampled_from(FIELDS), st.one_of(st.sampled_from(VALUES), st.text(max_size=20))
            ),
            max_size=8,
        ),
    )
    def fuzz(target: tuple[TestClient, str, str], pairs: list[tuple[str, str]]) -> None:
        client, url, csrf_token = target
        response = post_pairs(client, url, [("csrf_token", csrf_token), *pairs])
        assert response.status_code < 500, (url, pairs, response.text[:500])

    fuzz()

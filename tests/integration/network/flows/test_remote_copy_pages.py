"""広域交付 at the counter, over HTTP: 川越市's web app and 千代田区's node (both databases).

The web app is built on 川越市's database exactly as ``jichi serve`` builds it: it does
not talk to the network.  Its form writes the request and the outbox row; the test then
runs the nodes (the in-process transport, as in the flow tests) and the page shows what
the 住所地 answered.  Checked: every error of the form and of the flow is shown next to
its input (the first one focused) and nothing is written or sent; the round trip gives a
copy naming exactly the person asked for, with 広域交付 and both municipalities; the PDF
downloads again byte for byte and there is one certificate; a refusal shows the 住所地's
typed reason and 「交付する」 prints nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from jichi.network.flows.tables import remote_copy
from jichi.registry.certificates.tables import certificate
from jichi.registry.tables import outbox
from jichi.security.audit import audit_log
from jichi.security.staff import create_staff
from jichi.store.engine import write_transaction
from jichi.web.app import create_app
from tests.integration.certificates.conftest import pdf_text
from tests.integration.network.conftest import run_async
from tests.integration.network.flows.conftest import CIPHER, NEW, World

PASSWORD = "madoguchi-2026"
FORM = {
    "holder": "東京都千代田区 131016",  # as the list offers it
    "requester_type": "same_household",
    "requester_name": "山田　太郎",
    "requester_dob": "S55.4.2",
    "id_document": "マイナンバーカード",
    "id_checked": "on",
    "kind": "record_copy_household",
    "scope": "named",
    "subjects.0.name": "山田 花子",
    "subjects.0.dob": "1982-09-15",
    "items": "previous_address",
}


@pytest.fixture
def client(world: World, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("JICHI_MAYOR_NAME", "川越　梅子")
    engine = world.engines[NEW]
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-suzuki", NEW, "clerk", "鈴木", password=PASSWORD)
    return TestClient(create_app(engine, municipality=NEW, cipher=CIPHER))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient) -> str:
    token = csrf(client.get("/counter/login").text)
    client.post(
        "/counter/login",
        data={"csrf_token": token, "staff_id": "clerk-suzuki", "password": PASSWORD},
    )
    return csrf(client.get("/counter/remote_copies/new").text)


def flat(text: str) -> str:
    return re.sub(r"[ \u3000]+", "", text)


def count(world: World, table: sa.Table, *where: Any) -> int:
    with world.engines[NEW].connect() as conn:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return int(conn.execute(query).scalar_one())


def fid(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{fid(field)}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def focused(html: str) -> list[str]:
    """The ids (or names) of the elements that have ``autofocus``."""
    return re.findall(r'<(?:input|div)[^>]*?(?:id|name)="([^"]+)"[^>]*\sautofocus', html)


def test_the_form_opens_with_the_municipality_focused_and_only_the_allowed_items(
    client: TestClient,
) -> None:
    sign_in(client)
    html = client.get("/counter/remote_copies/new").text
    assert "広域交付の請求" in html and focused(html) == ["f-holder"]
    assert '<option value="東京都千代田区 131016">' in html  # the official list
    assert '<option value="北海道">' not in html  # no prefectures
    for item in ("relationship", "resident_code", "previous_address", "foreign_items"):
        assert f'name="items" value="{item}"' in html
    for never in ("honseki", "individual_number", "history"):
        assert f'value="{never}"' not in html
    assert "本籍・筆頭者（住民基本台帳法12条の4により記載しません）" in html
    assert 'href="/counter/remote_copies/new" aria-current="page"' in html  # the menu


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"holder": ""}, "holder", "住所地の市区町村を入力してください"),
        ({"holder": "川越市"}, "holder", "NOD-020"),  # this municipality itself
        ({"holder": "府中市"}, "holder", "東京都府中市 132063、広島県府中市 342084"),
        ({"holder": "存在しない市"}, "holder", "市区町村が見つかりません"),
        ({"holder": "999999"}, "holder", "地方公共団体コード"),
        ({"requester_type": "proxy"}, "requester_type", "NOD-018"),
        ({"requester_dob": "昭和99年1月1日"}, "requester_dob", "昭和"),
        ({"requester_code": "123"}, "requester_code", "住民票コード"),
        ({"id_document": ""}, "id_document", "確認した本人確認書類を入力してください"),
        ({"id_checked": ""}, "id_checked", "チェックを付けてください"),
        ({"kind": "record_copy_personal", "scope": "household"}, "scope", "CRT-002"),
        ({"kind": "removed_record_copy"}, "kind", "NOD-027"),
        ({"kind": "no-such-kind"}, "kind", "選択肢から選んでください"),
        (
            {"scope": "named", "subjects.0.name": "", "subjects.0.dob": ""},
            "subjects.0.name",
            "1人以上",
        ),
        ({"subjects.1.name": "山田　一郎"}, "subjects.1.dob", "生年月日を入力してください"),
        ({"items": "honseki"}, "items", "NOD-019"),
        ({"items": "individual_number"}, "items", "ネットワークで送りません"),
    ],
)
def test_each_error_is_shown_at_its_input_focused_and_nothing_is_sent(
    client: TestClient, world: World, change: dict[str, str], field: str, message: str
) -> None:
    token = sign_in(client)
    data = {**FORM, **change, "csrf_token": token}
    response = client.post("/counter/remote_copies", data=data, follow_redirects=False)
    assert response.status_code in (403, 404, 422), response.text[:500]
    html = response.text
    assert message in error_of(html, field), (field, error_of(html, field))
    assert f'id="{fid(field)}"' in html and "error-summary" in html
    if field not in ("requester_type", "kind", "scope", "items"):
        assert re.search(rf'id="{fid(field)}"[^>]*aria-invalid="true"', html)
    assert focused(html)[:1] in ([fid(field)], [field])  # the input, or its group's choice
    assert data["holder"] in html or not data["holder"]  # what was typed stays
    assert count(world, remote_copy) == 0 and count(world, outbox) == 0


def test_a_request_at_the_counter_is_answered_by_the_holder_and_issued_once(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    world.settle_the_family_in_old()
    token = sign_in(client)
    sent = client.post(
        "/counter/remote_copies", data={**FORM, "csrf_token": token}, follow_redirects=False
    )
    assert sent.status_code == 303, sent.text[:500]
    url = sent.headers["location"].split("?")[0]
    request_id = url.rsplit("/", 1)[-1]
    waiting = client.get(sent.headers["location"]).text
    assert "請求を受け付けました" in waiting and '<span id="state">待機中</span>' in waiting
    assert "NOD-021" in waiting and "data-poll" in waiting and "交付する" not in waiting
    assert client.get(f"{url}/status").json() == {"status": "pending", "label": "待機中"}
    listed = client.get("/counter/network").text
    assert f'href="/counter/remote_copies/{request_id}"' in listed
    with world.engines[NEW].connect() as conn:
        topics = conn.execute(sa.select(outbox.c.topic, outbox.c.sent_at)).all()
    assert topics == [("municipality.131016.remote_copy_request", None)]  # the node sends

    run_async(world.settle())  # 川越市's node relays; 千代田区 applies and answers

    assert client.get(f"{url}/status").json()["status"] == "ready"
    ready = client.get(url).text
    assert '<span id="state">交付できます</span>' in ready and ">交付する</button>" in ready
    token = csrf(ready)
    issued = client.post(f"{url}/issue", data={"csrf_token": token})
    assert issued.status_code == 200 and "交付しました" in issued.text
    serial = re.search(r'<dd id="serial">([^<]+)</dd>', issued.text)
    assert serial is not None and "交付済み" in issued.text
    first = client.post(f"{url}/pdf", data={"csrf_token": token})
    again = client.post(f"{url}/pdf", data={"csrf_token": token})
    assert first.headers["content-type"] == "application/pdf"
    assert first.content.startswith(b"%PDF") and first.content == again.content
    assert count(world, certificate) == 1
    assert client.post(f"{url}/issue", data={"csrf_token": token}).text.count("同じ請求") == 1

    text = flat(pdf_text(first.content, tmp_path))
    assert "山田花子" in text and "ヤマダハナコ" in text
    assert "太郎" not in text and "一郎" not in text  # exactly the person asked for
    assert "広域交付" in text and "住所地東京都千代田区" in text and "交付地埼玉県川越市" in text
    assert "千代田1番" not in text  # 本籍 never
    assert "埼玉県川越市長" in text and "川越梅子" in text  # certified by 交付地's mayor
    assert serial.group(1).replace(" ", "").replace("\u3000", "") in text.replace("　", "")

    with world.engines[NEW].connect() as conn:
        audited = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.actor).order_by(audit_log.c.seq)
        ).all()
    actions = [(a.action, a.actor) for a in audited if not a.action.startswith("staff.")]
    assert ("network.remote_copy.request", "clerk-suzuki") in actions
    assert [a for a in actions if a[0] == "certificate.issue"] == [
        ("certificate.issue", "clerk-suzuki")
    ]


def test_a_refusal_shows_the_holders_reason_and_nothing_is_printed(
    client: TestClient, world: World
) -> None:
    world.settle_the_family_in_old()
    token = sign_in(client)
    data = {**FORM, "subjects.0.name": "山田　次郎", "csrf_token": token}  # nobody of that name
    sent = client.post("/counter/remote_copies", data=data, follow_redirects=False)
    url = sent.headers["location"].split("?")[0]
    run_async(world.settle())

    shown = client.get(url).text
    assert '<span id="state">断られました</span>' in shown and "NOD-017" in shown
    assert '<dd id="refusal">請求者または対象者に当たる住民票がありません</dd>' in shown
    assert "交付する" not in shown and "印刷用PDF" not in shown
    refused = client.post(f"{url}/issue", data={"csrf_token": csrf(shown)})
    assert refused.status_code == 409 and "交付できませんでした" in refused.text
    assert "NOD-017" in refused.text
    assert count(world, certificate) == 0


def test_an_unknown_request_and_a_signed_out_visitor(client: TestClient) -> None:
    assert client.get("/counter/remote_copies/new", follow_redirects=False).status_code == 303
    sign_in(client)
    missing = client.get("/counter/remote_copies/no-such-request")
    assert missing.status_code == 404 and "NOD-022" in missing.text


def test_the_copy_is_charged_at_this_counter_with_its_exemption_and_receipt(
    client: TestClient, world: World
) -> None:
    """The 交付 form shows this counter's fee; 「その他」 without its ground is refused at
    its input with nothing issued; 公用 is recorded, shown, put on a 領収書 and counted
    in a balanced 日計表."""
    world.settle_the_family_in_old()
    token = sign_in(client)
    sent = client.post(
        "/counter/remote_copies", data={**FORM, "csrf_token": token}, follow_redirects=False
    )
    url = sent.headers["location"].split("?")[0]
    run_async(world.settle())
    ready = client.get(url).text
    assert "1通 300円（住民票の写し（世帯連記式）" in ready and "デモ用の例" in ready
    assert 'id="f-exemption"' in ready and 'id="f-exemption_note"' in ready
    wrong = client.post(f"{url}/issue", data={"csrf_token": token, "exemption": "other"})
    assert wrong.status_code == 422
    assert error_of(wrong.text, "exemption_note") and "f-exemption_note" in wrong.text
    assert count(world, certificate) == 0 and ">交付する</button>" in wrong.text
    issued = client.post(
        f"{url}/issue",
        data={"csrf_token": token, "exemption": "official_use", "exemption_note": "照会"},
    )
    assert issued.status_code == 200 and "交付しました" in issued.text
    assert '<dd id="fee">免除（公用（官公署の職務上の請求））</dd>' in issued.text
    serial = re.search(r'<dd id="serial">([^<]+)</dd>', issued.text)
    assert serial is not None and ">領収書を作る</button>" in issued.text
    receipt = client.post(
        "/counter/receipts", data={"csrf_token": token, "serials": serial.group(1)}
    )
    assert receipt.status_code == 200 and 'id="receipt-total">0円' in receipt.text
    assert "公用" in receipt.text and serial.group(1) in receipt.text
    report = client.get("/counter/daily-report").text
    assert "照合：一致" in report and '<td id="issued-total">1</td>' in report
    later = client.get(url).text  # the status page names the receipt now
    assert "免除（公用" in later and "R" in later and "領収書を作る" not in later

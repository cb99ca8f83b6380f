"""Review, then record (issue 10 item 2): every form's 確認 page, 記録 once, the result
page and 記録の訂正, errors at their inputs (both databases)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.registry.tables import notification, registry_event
from tests.integration.registry.conftest import CLERK
from tests.integration.web.signed_in import Counter, counter, csrf, post_pairs, sign_in

URL = "/counter/notifications/move_in"


@pytest.fixture
def app(engine: Engine) -> Counter:
    return counter(engine)


def form(token: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "effective_date": "2026-11-20",
        "notified_date": "2026-11-20",
        "address.prefecture": "埼玉県",
        "address.municipality": "川越市",
        "address.town": "大字的場",
        "address.block": "5-6-7",
        "previous_address.prefecture": "東京都",
        "previous_address.municipality": "千代田区",
        "previous_address.town": "千代田",
        "persons.0.name.family": "佐藤",
        "persons.0.name.given": "一郎",
        "persons.0.name.family_kana": "サトウ",
        "persons.0.name.given_kana": "イチロウ",
        "persons.0.date_of_birth": "1980-04-02",
        "persons.0.sex": "male",
        "persons.0.relationship": "世帯主",
        **extra,
    }


def pending(html: str) -> str:
    found = re.search(r'name="pending" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def count(app: Counter, table: sa.Table = registry_event) -> int:
    with app.registry.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_confirm_page_says_what_will_change_and_records_nothing(app: Counter) -> None:
    token = sign_in(app.client)
    before = count(app)
    shown = app.client.post(URL, data=form(token))
    assert shown.status_code == 200, shown.text
    assert "転入届の確認" in shown.text and "まだ記録していません" in shown.text
    assert "佐藤　一郎（世帯主）— 記載" in shown.text
    assert "埼玉県川越市大字的場5-6-7" in shown.text and "異動事由" in shown.text
    assert ">記録する</button>" in shown.text and ">修正する</button>" in shown.text
    assert "佐藤" not in pending(shown.text)  # sealed, not only signed
    assert count(app) == before


def test_record_once_then_the_result_page_lists_the_follow_up(app: Counter) -> None:
    token = sign_in(app.client)
    sealed = pending(app.client.post(URL, data=form(token)).text)
    before = count(app, notification)
    body = {"csrf_token": token, "pending": sealed, "step": "record"}
    first = app.client.post(URL, data=body, follow_redirects=False)
    second = app.client.post(URL, data=body, follow_redirects=False)  # a double click
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/counter/recorded/")
    assert count(app, notification) == before + 1
    result = app.client.get(first.headers["location"])
    assert result.status_code == 200
    assert "転入届を記録しました" in result.text and "佐藤　一郎" in result.text
    assert "記載（転入）" in result.text
    assert "転入通知（転出元の市区町村へ）（団体コード 131016）" in result.text
    assert "本人確認情報の通知" in result.text
    assert "/counter/certificates?person_id=" in result.text
    assert "継続利用の手続" in result.text


def test_revise_goes_back_to_the_form_with_every_input_kept(app: Counter) -> None:
    token = sign_in(app.client)
    sealed = pending(app.client.post(URL, data=form(token)).text)
    back = app.client.post(URL, data={"csrf_token": token, "pending": sealed, "step": "revise"})
    assert back.status_code == 200 and "<form" in back.text
    for value in ("佐藤", "イチロウ", "1980-04-02", "5-6-7", "千代田"):
        assert f'value="{value}"' in back.text
    assert count(app, notification) == 1  # only the fixture's move-in


def test_a_tampered_or_foreign_payload_is_refused(app: Counter) -> None:
    token = sign_in(app.client)
    sealed = pending(app.client.post(URL, data=form(token)).text)
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    refused = app.client.post(URL, data={"csrf_token": token, "pending": flipped, "step": "record"})
    assert refused.status_code == 400 and "WEB-030" in refused.text
    other = app.client.post(
        "/counter/notifications/ex_officio_record",
        data={"csrf_token": token, "pending": sealed, "step": "record"},
    )
    assert other.status_code == 400 and "WEB-030" in other.text  # bound to its form
    app.client.cookies.clear()
    token = sign_in(app.client)  # a new session: the old page's payload is not valid
    replayed = app.client.post(URL, data={"csrf_token": token, "pending": sealed, "step": "record"})
    assert replayed.status_code == 400 and "WEB-030" in replayed.text
    assert count(app, notification) == 1


def test_three_mistakes_are_shown_at_their_inputs_at_once(app: Counter) -> None:
    token = sign_in(app.client)
    data = form(
        token,
        **{
            "previous_address.municipality": "千代田市",  # no such municipality (the form)
            "persons.0.name.family_kana": "Sato",  # not katakana (the domain)
            "persons.0.date_of_birth": "2026-11-25",  # after the move-in (the domain)
        },
    )
    shown = app.client.post(URL, data=data)
    assert shown.status_code == 422
    summary = shown.text.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'href="#(f-[^"]+)"', summary)
    assert links == [
        "f-previous_address-municipality",
        "f-persons-0-name-family_kana",
        "f-persons-0-date_of_birth",
    ]
    for link in links:
        assert f'id="{link}-error"' in shown.text  # and each at its input
    assert count(app, notification) == 1


def test_form_check_refusals_are_shown_at_their_inputs(app: Counter) -> None:
    token = sign_in(app.client)
    pairs: list[tuple[str, str | bytes]] = [
        *form(token).items(),
        ("persons.0.name.given", "again"),
    ]
    shown = post_pairs(app.client, URL, pairs)
    assert shown.status_code == 422 and "<form" in shown.text  # the form, not an error page
    assert 'id="f-persons-0-name-given-error"' in shown.text
    assert "同じ項目（persons.0.name.given）が二度以上送られました" in shown.text
    assert 'value="佐藤"' in shown.text  # the rest of the input is kept


def test_a_likely_duplicate_needs_the_distinct_person_reason(app: Counter) -> None:
    token = sign_in(app.client)
    found = app.registry.household(app.household_id, CLERK)
    assert found is not None
    head = next(m for m in found[1] if m.is_head)  # person_id is any member (sorted ids)
    same = form(
        token,
        **{
            "persons.0.name.family": head.name.family,
            "persons.0.name.given": head.name.given,
            "persons.0.name.family_kana": head.name.family_kana,
            "persons.0.name.given_kana": head.name.given_kana,
            "persons.0.date_of_birth": head.date_of_birth.isoformat(),
            "persons.0.sex": head.sex.value,
        },
    )
    refused = app.client.post(URL, data=same)
    assert refused.status_code == 409 and "別人として記録する理由" in refused.text
    same["distinct_person_reason"] = "本人確認書類で別人と確認"
    shown = app.client.post(URL, data=same)
    assert shown.status_code == 200, re.findall(r"<li>.*?</li>", shown.text)
    assert "「別人として記録」します" in shown.text


def test_a_mistaken_recording_is_undone_by_a_correction_from_the_result_page(
    app: Counter,
) -> None:
    token = sign_in(app.client)
    sealed = pending(app.client.post(URL, data=form(token)).text)
    done = app.client.post(
        URL, data={"csrf_token": token, "pending": sealed, "step": "record"}, follow_redirects=False
    )
    result_url = done.headers["location"]
    result = app.client.get(result_url)
    assert "記録の訂正" in result.text
    events = count(app)
    blank = app.client.post(f"{result_url}/correction", data={"csrf_token": token, "reason": ""})
    assert blank.status_code == 422 and 'id="f-reason-error"' in blank.text
    review = app.client.post(
        f"{result_url}/correction", data={"csrf_token": token, "reason": "別の方の届書を入力"}
    )
    assert review.status_code == 200 and "記録の訂正の確認" in review.text
    assert "— 消除" in review.text and count(app) == events
    recorded = app.client.post(
        f"{result_url}/correction",
        data={"csrf_token": token, "pending": pending(review.text), "step": "record"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert count(app) == events + 1  # a new event; nothing deleted
    again = app.client.get(result_url)
    assert "この記録は訂正されています" in again.text
    assert "訂正の内容を確認する" not in again.text


def test_a_person_form_records_through_its_confirm_page(app: Counter) -> None:
    token = sign_in(app.client)  # a supervisor
    url = f"/counter/residents/{app.person_id}/family_register_change"
    page = app.client.get(url).text
    assert "入力内容を確認する" in page
    head = app.registry.read_record(app.person_id, CLERK)
    data = {
        "csrf_token": csrf(page),
        "effective_date": "2026-11-25",
        "notified_date": "2026-11-25",
        "event": "転籍",
        "name.family": head.name.family,
        "name.given": head.name.given,
        "name.family_kana": head.name.family_kana,
        "name.given_kana": head.name.given_kana,
        "honseki": "埼玉県川越市元町1丁目1番",
        "family_register_head": head.family_register_head,
    }
    shown = app.client.post(url, data=data)
    assert shown.status_code == 200, shown.text
    assert "東京都千代田区千代田1番" in shown.text and "埼玉県川越市元町1丁目1番" in shown.text
    assert app.registry.read_record(app.person_id, CLERK).honseki == head.honseki
    done = app.client.post(
        url,
        data={"csrf_token": token, "pending": pending(shown.text), "step": "record"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/counter/recorded/")
    assert app.registry.read_record(app.person_id, CLERK).honseki == "埼玉県川越市元町1丁目1番"


def test_the_api_previews_a_notification_without_recording_it(app: Counter) -> None:
    found = app.registry.household(app.household_id, CLERK)
    assert found is not None
    body = {
        "kind": "relocation",
        "effective_date": "2026-11-25",
        "person_ids": [m.person_id for m in found[1]],  # the whole household moves
        "address": {**app.registry.read_record(app.person_id, CLERK).address.model_dump()},
    }
    body["address"]["block"] = "9-9"
    before = count(app)
    shown = app.client.post("/api/registry/notifications/preview", json=body, headers=app.bearer)
    assert shown.status_code == 200, shown.text
    person = shown.json()["persons"][0]
    assert person["action"] == "変更" and shown.json()["reason_ja"] == "転居"
    moved = {i["label"]: (i["before"], i["after"]) for i in person["items"]}["住所"]
    assert moved[0].endswith("1-2-3") and moved[1].endswith("9-9")
    assert count(app) == before
    same = {**body, "address": app.registry.read_record(app.person_id, CLERK).address.model_dump()}
    refused = app.client.post("/api/registry/notifications/preview", json=same, headers=app.bearer)
    assert refused.status_code == 422 and refused.json()["code"] == "REG-063"

"""転入 from a 転出証明書: the form takes each person's 住民票コード, checks it, records it.

Before, the 転入 form had no 住民票コード input: the code printed on the move-out
certificate was lost and a new resident got none (the API alone could carry it).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from httpx2 import Response
from sqlalchemy import Engine

from jichi.registry.tables import resident
from tests.integration.web.signed_in import Counter, counter, sign_in

CODE = "98765432109"


@pytest.fixture
def app(engine: Engine) -> Counter:
    return counter(engine)


def move_in(app: Counter, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": sign_in(app.client),
        "person_rows": "1",
        "effective_date": "2026-11-20",
        "notified_date": "2026-11-24",
        "address.town": "大字的場",
        "address.block": "5-6-7",
        "previous_address.prefecture": "東京都",
        "previous_address.municipality": "千代田区",
        "previous_address.town": "千代田",
        "previous_address.block": "1-1",
        "persons.0.name.family": "佐藤",
        "persons.0.name.given": "一郎",
        "persons.0.name.family_kana": "サトウ",
        "persons.0.name.given_kana": "イチロウ",
        "persons.0.date_of_birth": "1980-04-02",
        "persons.0.sex": "male",
        "persons.0.relationship": "世帯主",
        "persons.0.honseki": "東京都千代田区千代田1番",
        "persons.0.family_register_head": "佐藤　一郎",
        **extra,
    }


def record(app: Counter, data: dict[str, str]) -> Response:
    """Submit the form, then 記録する on its 確認 page."""
    shown = app.client.post("/counter/notifications/move_in", data=data)
    assert shown.status_code == 200, shown.text
    found = re.search(r'name="pending" value="([^"]+)"', shown.text)
    assert found, shown.text
    body = {"csrf_token": data["csrf_token"], "pending": found.group(1), "step": "record"}
    return app.client.post("/counter/notifications/move_in", data=body, follow_redirects=False)


def stored_codes(engine: Engine) -> set[str | None]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(resident.c.record)).scalars()
        return {r["resident_code"] for r in rows if r["name"]["family"] == "佐藤"}


def test_the_move_in_form_asks_for_each_persons_resident_code(app: Counter) -> None:
    sign_in(app.client)
    form = app.client.get("/counter/notifications/move_in").text
    assert 'name="persons.0.resident_code"' in form
    assert "転出証明書に記載の11桁" in form


def test_a_resident_code_from_the_move_out_certificate_is_recorded(
    app: Counter, engine: Engine
) -> None:
    data = move_in(app, **{"persons.0.resident_code": CODE})
    response = record(app, data)
    assert response.status_code == 303, response.text
    assert stored_codes(engine) == {CODE}


@pytest.mark.parametrize("bad", ["1234567890", "12345-67890", "abcdefghijk"])
def test_a_malformed_resident_code_is_shown_at_its_field(
    app: Counter, engine: Engine, bad: str
) -> None:
    data = move_in(app, **{"persons.0.resident_code": bad})
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code == 422
    assert re.search(r'id="f-persons-0-resident_code-error"', response.text), response.text
    assert stored_codes(engine) == set()


def test_the_resident_code_of_a_current_resident_is_refused(app: Counter, engine: Engine) -> None:
    taken = "12345678901"  # 山田　太郎's, moved in by the fixture
    data = move_in(app, **{"persons.0.resident_code": taken})
    response = app.client.post("/counter/notifications/move_in", data=data)
    assert response.status_code == 422
    assert "住民票コード" in response.text
    assert stored_codes(engine) == set()


def test_a_resident_code_typed_in_full_width_digits_is_stored_in_ascii(
    app: Counter, engine: Engine
) -> None:
    full_width = CODE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    data = move_in(app, **{"persons.0.resident_code": full_width})
    response = record(app, data)
    assert response.status_code == 303, response.text
    assert stored_codes(engine) == {CODE}

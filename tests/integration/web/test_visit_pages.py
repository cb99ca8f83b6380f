"""One visit over HTTP, both databases: a 受付 for a 届出 opens the 転入 form, the 転入
recorded from it names the new head on the 受付, and the result page's certificate links
carry the 窓口番号 into the certificate form (whose fee is then charged to the visit)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from jichi.registry.counter_day.tables import reception
from tests.integration.web.signed_in import Counter, counter, sign_in
from tests.integration.web.test_review_then_record import URL, form, pending


@pytest.fixture
def app(engine: Engine) -> Counter:
    return counter(engine)


def _open(app: Counter, token: str) -> str:
    opened = app.client.post(
        "/counter/receptions", data={"csrf_token": token, "purpose": "notification"}
    )
    assert opened.status_code == 200
    found = re.search(r"/counter/notifications/move_in\?reception_id=([0-9a-f-]{36})", opened.text)
    assert found is not None, opened.text[:3000]
    return found.group(1)


def test_a_move_in_from_a_reception_names_its_head_and_carries_the_ticket(app: Counter) -> None:
    token = sign_in(app.client)
    reception_id = _open(app, token)
    blank = app.client.get(f"{URL}?reception_id={reception_id}")
    assert f'name="reception_id" value="{reception_id}"' in blank.text
    assert "窓口番号 <strong>1</strong> 番の届出です" in blank.text
    typed = form(token, reception_id=reception_id)
    wrong = app.client.post(URL, data={**typed, "persons.0.name.family_kana": "sato"})
    assert wrong.status_code == 422
    assert f'name="reception_id" value="{reception_id}"' in wrong.text  # kept on errors
    shown = app.client.post(URL, data=typed)
    assert shown.status_code == 200, shown.text
    recorded = app.client.post(
        URL,
        data={"csrf_token": token, "pending": pending(shown.text), "step": "record"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    location = recorded.headers["location"]
    assert location.endswith(f"?reception_id={reception_id}")
    with app.registry.engine.connect() as conn:
        person_id = conn.execute(
            sa.select(reception.c.person_id).where(reception.c.reception_id == reception_id)
        ).scalar_one()
    assert person_id is not None
    result = app.client.get(location)
    assert "窓口番号 1 番" in result.text
    link = f"/counter/certificates?person_id={person_id}&amp;reception_id={reception_id}"
    assert link in result.text
    certificate = app.client.get(link.replace("&amp;", "&"))
    assert certificate.status_code == 200
    assert f'name="reception_id" value="{reception_id}"' in certificate.text
    assert "窓口番号 1 番</span>の手数料として記録" in certificate.text
    queue = app.client.get("/counter/receptions").text
    assert 'aria-label="窓口番号1の証明書の発行へ"' in queue
    assert "窓口番号1の転入届の入力へ" not in queue


def test_a_move_in_with_an_unknown_reception_is_recorded_without_one(app: Counter) -> None:
    token = sign_in(app.client)
    other = "00000000-0000-4000-8000-000000000000"
    blank = app.client.get(f"{URL}?reception_id={other}")
    assert blank.status_code == 200 and 'name="reception_id"' not in blank.text
    shown = app.client.post(URL, data=form(token, reception_id=other))
    recorded = app.client.post(
        URL,
        data={"csrf_token": token, "pending": pending(shown.text), "step": "record"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303 and "reception_id" not in recorded.headers["location"]
    plain = app.client.get(f"/counter/certificates?person_id={app.person_id}&reception_id=x")
    assert plain.status_code == 200 and 'name="reception_id" value=""' in plain.text

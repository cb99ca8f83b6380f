"""Places in time over HTTP: ``as_of`` on the places API, and the public count page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.web.app import create_app

KEYS = {
    "code",
    "name",
    "reading",
    "prefecture",
    "prefecture_code",
    "kind",
    "kind_ja",
    "parent_code",
    "northern_territories",
}


def test_show_as_of_gives_the_holder_of_that_day_or_a_404_or_422(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    old = client.get("/api/places/222011", params={"as_of": "2003-03-31"})
    assert old.status_code == 200 and set(old.json()) == KEYS
    assert (old.json()["name"], old.json()["kind"]) == ("静岡市", "city")
    gone = client.get("/api/places/222011", params={"as_of": "2005-04-01"})
    assert gone.status_code == 404 and gone.json()["code"] == "PLC-010"
    assert gone.headers["content-type"].startswith("application/problem+json")
    designated = client.get("/api/places/221007", params={"as_of": "2005-04-01"}).json()
    assert designated["kind"] == "designated_city"
    early = client.get("/api/places/131016", params={"as_of": "1970-04-19"})
    assert early.status_code == 422 and early.json()["code"] == "PLC-011"
    assert client.get("/api/places/131016").json()["name"] == "千代田区"


def test_list_as_of_filters_and_searches_the_past_list(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    then = client.get("/api/places", params={"as_of": "1999-03-31", "kind": "municipality"})
    assert then.status_code == 200 and len(then.json()) == 3255
    found = client.get(
        "/api/places", params={"as_of": "2005-03-31", "q": "こざ", "prefecture": "30"}
    )
    assert [p["name"] for p in found.json()] == ["古座町", "古座川町"]
    now = client.get("/api/places", params={"q": "こざ", "prefecture": "30"})
    assert [p["name"] for p in now.json()] == ["古座川町"]


def test_history_page_is_public_japanese_with_a_labelled_chart_and_its_table(
    engine: Engine,
) -> None:
    client = TestClient(create_app(engine))
    assert 'href="/places/history"' in client.get("/").text
    page = client.get("/places/history")
    assert page.status_code == 200 and 'lang="ja"' in page.text
    assert re.search(
        r'<svg [^>]*role="img"[^>]*aria-labelledby="chart-title chart-desc"', page.text
    )
    assert '<path class="line" d="M' in page.text
    # The table has the published figures at their dates, as the data gives them.
    for day, count in [("1999-03-31", "3,232"), ("2006-03-31", "1,821"), ("2010-03-31", "1,727")]:
        assert re.search(
            rf'<time datetime="{day}">[^<]+</time></th>\s*<td class="num">{count}</td>', page.text
        ), day
    assert re.search(
        r'<time datetime="2024-01-01">[^<]+</time></th>\s*<td class="num">1,718</td>\s*'
        r'<td class="num">1,741</td>',
        page.text,
    )

"""``/stats/…``: public pages, aggregate data only, accessible charts with tables, CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.web.app import create_app
from jichi.web.pages.stats import PUBLIC_ROUTES


def _paths(routes: list[Any]) -> Iterator[str]:
    """Every route path, also inside included routers (FastAPI ≥ 0.16x keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path
        elif hasattr(route, "original_router"):
            yield from _paths(route.original_router.routes)


def test_every_stats_route_is_classified_public_and_needs_no_sign_in(engine: Engine) -> None:
    app = create_app(engine)
    stats = {path for path in _paths(app.routes) if path.startswith("/stats")}
    assert stats == set(PUBLIC_ROUTES)
    client = TestClient(app)  # no session cookie: a member of the public
    for path in ("/stats/", "/stats/ranking.csv", "/stats/112011.csv", "/stats/112011"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path


def test_municipality_page_has_labelled_charts_and_their_tables(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    page = client.get("/stats/112011")
    assert page.status_code == 200 and 'lang="ja"' in page.text
    assert "埼玉県川越市の人口" in page.text
    for chart in ("pyramid", "trend"):
        assert re.search(
            rf'<svg [^>]*role="img"[^>]*aria-labelledby="{chart}-title {chart}-desc"', page.text
        ), chart
    assert (
        page.text.count('<rect class="male"') == 21
        and page.text.count('<rect class="female"') == 21
    )
    assert 'class="outline-2040"' in page.text and 'class="outline-2050"' in page.text
    # the published 2023 total and the three editions are in the tables
    assert "353,183" in page.text and "出典：総務省" in page.text
    assert re.search(
        r'<time datetime="2013-03-31">[^<]+</time></th><td class="num">[\d,]+</td><td>公表値',
        page.text,
    )
    assert client.get("/stats/999999").status_code == 404


def test_ranking_page_and_csv_in_utf8_and_cp932(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    page = client.get("/stats/", params={"sort": "population"})
    assert page.status_code == 200
    first = re.search(r'<th scope="row"><a href="/stats/(\d{6})">', page.text)
    assert first and first.group(1) == "141003"  # 横浜市 (designated cities count whole)
    utf8 = client.get("/stats/ranking.csv")
    assert utf8.headers["content-type"].startswith("text/csv; charset=utf-8")
    rows = list(csv.reader(io.StringIO(utf8.text)))
    assert rows[0][:3] == ["順位", "団体コード", "市区町村"] and len(rows) == 1 + 1741 + 1
    sjis = client.get("/stats/112011.csv", params={"encoding": "cp932"})
    assert sjis.headers["content-type"].startswith("text/csv; charset=shift_jis")
    text = sjis.content.decode("cp932")
    assert text.startswith("年,性別,総数,0～4歳") and "出典：総務省" in text
    bad = client.get("/stats/ranking.csv", params={"encoding": "latin-1"})
    assert bad.status_code == 422 and "STA-005" in bad.text  # a page: the design-system 422
    assert client.get("/stats/", params={"sort": "x"}).status_code == 422

"""The public results page: figures from the snapshot, as of any moment, ties shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.elections import election_store
from jichi.elections.apportion import AmbiguousGroup
from jichi.elections.counting import enter_tally, record_correction
from jichi.elections.model import Candidate, Election, ElectionType
from jichi.elections.tally import Tally
from jichi.web.app import create_app

E = Election(
    "nobeoka",
    "452033",
    ElectionType.MAYOR,
    "延岡市",
    1,
    date(2026, 10, 20),
    date(2026, 10, 27),
    candidates=(Candidate("taro", "延岡太郎"), Candidate("jiro", "延岡二郎")),
)
T = datetime(2026, 10, 27, 13, 0, tzinfo=UTC)


def test_the_page_shows_the_snapshot_of_the_asked_moment(engine: Engine) -> None:
    tally = Tally(
        {"taro": 330, "jiro": 130}, {"blank": 4}, (AmbiguousGroup("延岡", 10, ("taro", "jiro")),)
    )
    with engine.begin() as conn:
        election_store.save(conn, E)
        enter_tally(conn, E, "01", "a", tally, now=T)
        enter_tally(conn, E, "01", "b", tally, now=T)
        tie = {"candidate:jiro": 330 + Fraction(3300, 460)}  # a recount: equal to 延岡太郎
        record_correction(conn, "nobeoka", "01", tie, at=T + timedelta(hours=1))
    client = TestClient(create_app(engine))
    page = client.get(
        "/elections/nobeoka/results", params={"as_of": (T + timedelta(minutes=5)).isoformat()}
    )
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "開票結果：市区町村長選挙（延岡市）" in html and "337.173" in html and "132.826" in html
    assert "当選" in html and "白票" in html and 'lang="ja"' in html
    assert "くじで当選人を決めます" not in html
    later = client.get("/elections/nobeoka/results").text
    assert later.count("337.173") == 2 and "くじで当選人を決めます" in later
    assert "<td>当選</td>" not in later
    missing = client.get("/elections/none/results")
    assert missing.status_code == 404

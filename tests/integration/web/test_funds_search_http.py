"""The public funds search over HTTP: the API and the page, on both databases, no sign-in."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.funds.filings import file_report
from jichi.funds.organizations import OrganizationKind
from jichi.funds.publication import publish
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income
from jichi.security.actor import Actor
from jichi.web.app import create_app

STREET = "東京都千代田区霞が関一丁目2番3号"


def filed(engine: Engine, *people: tuple[str, int]) -> None:
    donors = tuple(
        Donor(
            donor_id=f"p{n}",
            kind=DonorKind.INDIVIDUAL,
            name=name,
            address=STREET,
            occupation="医師",
        )
        for n, (name, _) in enumerate(people)
    )
    gifts = tuple(
        Donation(donor_id=f"p{n}", amount=amount, on=date(2026, 4, 1))
        for n, (_, amount) in enumerate(people)
    )
    total = sum(a for _, a in people)
    report = AnnualReport(
        organization_name="さくら後援会",
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(donations=total, total=total),
        donors=donors,
        donations=gifts,
        expenditure_total=0,
        carried_forward=total,
    )
    file_report(engine, "org-1", report, filed_on=date(2027, 3, 1))
    publish(engine, "org-1", 2026, 1, Actor("pref-clerk", "130001", "clerk"))


def test_the_api_finds_a_published_donor_without_a_street_address(engine: Engine) -> None:
    filed(engine, ("髙橋花子", 120_000), ("山田太郎", 10_000), ("佐藤次郎", 80_000))
    client = TestClient(create_app(engine))
    answer = client.get("/api/funds/public/lines", params={"name": "高橋"})
    assert answer.status_code == 200
    (line,) = answer.json()["lines"]
    assert (line["name"], line["amount"], line["address"]) == (
        "髙橋花子",
        120_000,
        "東京都千代田区",
    )
    assert "name_key" not in line
    everyone = client.get("/api/funds/public/lines", params={"limit": 1}).json()
    assert everyone["lines"][0]["amount"] == 120_000 and everyone["next_cursor"]
    rest = client.get(
        "/api/funds/public/lines", params={"limit": 5, "cursor": everyone["next_cursor"]}
    ).json()
    assert [x["name"] for x in rest["lines"]] == ["佐藤次郎"]  # 山田 is under 5万円: unlisted
    (total,) = client.get("/api/funds/public/totals").json()
    assert (total["donations"], total["donations_unlisted"]) == (210_000, 10_000)
    assert client.get("/api/funds/public/top").json()[0]["name"] == "髙橋花子"
    bad = client.get("/api/funds/public/lines", params={"cursor": "x" * 50})
    assert bad.status_code == 422 and bad.json()["code"] == "FND-070"


def test_the_page_lists_shows_errors_at_their_fields_and_never_a_street(engine: Engine) -> None:
    filed(engine, ("髙橋花子", 120_000))
    client = TestClient(create_app(engine))
    page = client.get("/funds/search", params={"name": "高橋"})
    assert page.status_code == 200
    assert "髙橋花子" in page.text and "120,000" in page.text
    assert "霞が関" not in page.text and "東京都千代田区" in page.text
    bad = client.get("/funds/search", params={"year": "２０２６", "min_amount": "-5"})
    assert bad.status_code == 422
    assert 'id="year-error"' in bad.text and 'id="min_amount-error"' in bad.text
    assert "入力に誤りがあります（2件）" in bad.text
    nul = client.get("/funds/search", params={"name": "a\x00b", "cursor": "z" * 30})
    # A NUL in a URL is refused before any page runs (jichi.web.limits, WEB-023).
    assert nul.status_code == 400 and nul.json()["code"] == "WEB-023"
    assert client.get("/").status_code == 200


def test_bulk_files_download_with_their_checksum(engine: Engine) -> None:
    import hashlib

    filed(engine, ("髙橋花子", 120_000))
    client = TestClient(create_app(engine))
    sums = client.get("/api/funds/public/download/2026/SHA256SUMS")
    assert sums.status_code == 200
    listed = dict(reversed(row.split("  ")) for row in sums.text.splitlines())
    cp932 = client.get("/api/funds/public/download/2026/funds_2026_lines_cp932.csv")
    assert cp932.status_code == 200 and "shift_jis" in cp932.headers["content-type"]
    digest = hashlib.sha256(cp932.content).hexdigest()
    assert listed["funds_2026_lines_cp932.csv"] == digest == cp932.headers["x-checksum-sha256"]
    assert "髙橋花子" in cp932.content.decode("cp932")
    missing = client.get("/api/funds/public/download/2026/../../etc/passwd")
    assert missing.status_code == 404
    assert client.get("/api/funds/public/download/2026/nothing.csv").status_code == 404

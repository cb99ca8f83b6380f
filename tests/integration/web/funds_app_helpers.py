"""Shared set-up for the funds app's tests: an authority, its clerk, a registered organisation."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from jichi.funds import filer_tokens
from jichi.funds.organizations import Establishment, OrganizationKind, OrganizationState
from jichi.funds.registrations import record
from jichi.funds.reports import DonorKind
from jichi.security.staff import create_staff

AUTHORITY = "130001"
PASSWORD = "correct horse battery"


def set_up(engine: Engine, org: str = "org-1") -> str:
    """The authority's clerk, an auditor, a registered organisation; returns its filing token."""
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM staff")).scalar() == 0:
            create_staff(conn, "pref-clerk", AUTHORITY, "clerk", "県 職員", password=PASSWORD)
            create_staff(conn, "pref-audit", AUTHORITY, "auditor", "県 監査", password=PASSWORD)
            create_staff(conn, "city-clerk", "131016", "clerk", "区 職員", password=PASSWORD)
    record(
        engine,
        org,
        Establishment(
            date(2020, 4, 1),
            OrganizationState(
                organization_id=org,
                name="さくら後援会" if org == "org-1" else "もみじ会",
                kind=OrganizationKind.OTHER,
                representative="代表 一郎",
                treasurer="会計 花子",
            ),
        ),
    )
    return filer_tokens.issue(engine, org, by="pref-clerk")


def report(*amounts: int, declared: int | None = None) -> dict[str, Any]:
    """A report with one donor per amount; ``declared`` overrides income.donations (a mistake)."""
    total = sum(amounts)
    income = declared if declared is not None else total
    return {
        "organization_name": "さくら後援会",
        "organization_kind": OrganizationKind.OTHER.value,
        "year": 2026,
        "carried_over": 0,
        "income": {"donations": income, "total": income},
        "donors": [
            {
                "donor_id": f"d{n}",
                "kind": DonorKind.INDIVIDUAL.value,
                "name": f"寄附者{n}" if n else "髙橋花子",
                "address": "東京都千代田区霞が関1-2-3",
                "occupation": "会社員",
            }
            for n in range(len(amounts))
        ],
        "donations": [
            {"donor_id": f"d{n}", "amount": a, "on": "2026-04-01"} for n, a in enumerate(amounts)
        ],
        "expenditure_total": 0,
        "carried_forward": income,
    }


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def filer_client(client: TestClient, org: str, token: str) -> TestClient:
    answer = client.post(
        "/filer/sign-in",
        data={"organization_id": org, "token": token, "csrf_token": csrf(client, "/filer/sign-in")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def staff_client(client: TestClient, staff_id: str = "pref-clerk") -> TestClient:
    answer = client.post(
        "/authority/sign-in",
        data={
            "staff_id": staff_id,
            "password": PASSWORD,
            "csrf_token": csrf(client, "/authority/sign-in"),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def submit(client: TestClient, body: dict[str, Any] | str, action: str, **extra: str) -> Any:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(
        "/filer/report",
        data={"report": text, "action": action, "csrf_token": csrf(client, "/filer"), **extra},
        follow_redirects=False,
    )

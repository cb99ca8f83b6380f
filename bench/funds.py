"""``python -m bench funds``: the public donor search and the filing checks (PostgreSQL).

Two figures, each against a baseline of the same run:

* **search**: :func:`jichi.funds.public_search.search` (SQLAlchemy, the kernel's name
  folding, keyset paging, result objects) against the same plan written by hand and sent
  through psycopg with the key already folded — on ``--lines`` published lines (issue 13's
  target size is 5,000,000) loaded with COPY and ``VACUUM ANALYZE``d.  Queries are name
  fragments (a surname, or its first kanji) drawn Zipf-weighted from the same surnames as
  the lines, and amount floors.
* **validation**: :func:`jichi.funds.reports.check` on a report of ``--report-lines``
  donations (10,000 by default) against a plain pass over the same rows (sum per donor,
  compare to the cap) — the floor any check must pay.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa

from bench.common import Options, Postgres, Row, console, latency, progress, ratio
from bench.synthetic import FAMILIES
from jichi.funds.organizations import OrganizationKind
from jichi.funds.public_search import Search, search
from jichi.funds.reports import AnnualReport, Donation, Donor, DonorKind, Income, check
from jichi.kernel.text import name_search_key

COLUMNS = (
    "organization_id, year, seq, version, organization_name, kind, donor_kind, name, "
    "name_key, address, occupation, amount, given_on"
)
# The plan jichi uses, by hand: the page's keys from the name index, then their rows.
BASELINE_SQL = (
    "SELECT l.* FROM (SELECT organization_id, year, seq, amount FROM funds_public_line "
    "WHERE name_key LIKE %s ESCAPE '\\' AND amount >= %s "
    "ORDER BY amount DESC, organization_id, year, seq LIMIT %s) p "
    "JOIN funds_public_line l USING (organization_id, year, seq) "
    "ORDER BY p.amount DESC, p.organization_id, p.year, p.seq"
)


def load(conninfo: str, lines: int, seed: int) -> float:
    """COPY ``lines`` synthetic published lines; the seconds it took."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(FAMILIES))]
    started = time.perf_counter()
    with psycopg.connect(conninfo) as conn, progress() as bar:
        task = bar.add_task("funds lines", total=lines)
        with conn.cursor().copy(f"COPY funds_public_line ({COLUMNS}) FROM STDIN") as copy:
            for n in range(lines):
                family = rng.choices(FAMILIES, weights)[0]
                name = family[0] + rng.choice("一二三四五花太郎子美")
                org = f"org-{n % 20_000:05d}"
                copy.write_row(
                    (
                        org,
                        2015 + n % 10,
                        n,
                        1,
                        f"団体{n % 20_000}",
                        "寄附",
                        "個人",
                        name,
                        name_search_key(name),
                        "東京都千代田区",
                        "会社員",
                        rng.choice((50_001, 60_000, 100_000, 120_000, 500_000, 1_500_000)),
                        date(2015 + n % 10, 1, 1) + timedelta(days=n % 365),
                    )
                )
                if n % 10_000 == 0:
                    bar.update(task, completed=n)
        conn.commit()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE funds_public_line")
    return time.perf_counter() - started


def queries(count: int, seed: int) -> list[tuple[str, int]]:
    rng = random.Random(seed + 1)
    weights = [1 / (rank + 1) for rank in range(len(FAMILIES))]
    out = []
    for _ in range(count):
        surname = rng.choices(FAMILIES, weights)[0][0]
        typed = surname if rng.random() < 0.7 else surname[:1]
        out.append((typed, rng.choice((0, 100_000, 500_000))))
    return out


def measure_search(
    engine: sa.Engine, conninfo: str, typed: list[tuple[str, int]]
) -> dict[str, Any]:
    jichi_s: list[float] = []
    base_s: list[float] = []
    with engine.connect() as conn, psycopg.connect(conninfo, autocommit=True) as raw:
        for n, (name, floor) in enumerate(typed):
            order = ("jichi", "baseline") if n % 2 == 0 else ("baseline", "jichi")
            for mode in order:
                started = time.perf_counter()
                if mode == "jichi":
                    found = search(conn, Search(name=name, min_amount=floor, limit=20))
                    assert len(found.lines) <= 20
                    jichi_s.append(time.perf_counter() - started)
                else:
                    key = name_search_key(name).replace("%", "\\%").replace("_", "\\_")
                    raw.execute(BASELINE_SQL, (f"{key}%", floor, 21)).fetchall()
                    base_s.append(time.perf_counter() - started)
    j, b = latency(jichi_s), latency(base_s)
    return {
        "jichi": j,
        "baseline": b,
        "ratio_p50": ratio(j["p50_ms"], b["p50_ms"]),
        "ratio_p99": ratio(j["p99_ms"], b["p99_ms"]),
    }


def report_of(lines: int, seed: int) -> AnnualReport:
    rng = random.Random(seed + 2)
    donors = tuple(
        Donor(
            donor_id=f"d{n}",
            kind=DonorKind.INDIVIDUAL,
            name=f"寄附者{n}",
            address="東京都千代田区霞が関1-1",
            occupation="会社員",
        )
        for n in range(max(1, lines // 5))
    )
    gifts = tuple(
        Donation(
            donor_id=rng.choice(donors).donor_id,
            amount=rng.randint(1_000, 200_000),
            on=date(2026, 1, 1) + timedelta(days=rng.randrange(365)),
        )
        for _ in range(lines)
    )
    total = sum(g.amount for g in gifts)
    return AnnualReport(
        organization_name="ベンチ後援会",
        organization_kind=OrganizationKind.OTHER,
        year=2026,
        carried_over=0,
        income=Income(
            membership_fees=0, donations=total, business=0, loans=0, grants=0, other=0, total=total
        ),
        donors=donors,
        donations=gifts,
        expenditure_total=0,
        carried_forward=total,
    )


def plain_pass(report: AnnualReport) -> int:
    """The floor: one pass summing per donor and comparing with the cap."""
    totals: dict[str | None, int] = {}
    over = 0
    for gift in report.donations:
        totals[gift.donor_id] = totals.get(gift.donor_id, 0) + gift.amount
        if totals[gift.donor_id] > 1_500_000:
            over += 1
    return over


def measure_validation(lines: int, seed: int, rounds: int = 5) -> dict[str, Any]:
    report = report_of(lines, seed)
    checks: list[float] = []
    plain: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        findings = check(report)
        checks.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_pass(report)
        plain.append(time.perf_counter() - started)
    best_check, best_plain = min(checks), min(plain)
    return {
        "lines": lines,
        "findings": len(findings),
        "check_s": round(best_check, 6),
        "plain_s": round(best_plain, 6),
        "ratio": ratio(best_check, best_plain),
    }


def funds_lines(options: Options) -> int:
    """``--funds-lines``, or five published lines per resident of the run (5,000,000 at 1M)."""
    return options.funds_lines or 5 * options.residents


def run(options: Options, server: Postgres) -> dict[str, Any]:
    name, engine = server.migrated()
    try:
        conninfo = server.conninfo(name)
        console.log(f"loading {funds_lines(options):,} published funds lines")
        loaded = load(conninfo, funds_lines(options), options.seed)
        typed = queries(min(options.queries, 2_000), options.seed)
        searched = measure_search(engine, conninfo, typed)
        validated = measure_validation(options.funds_report_lines, options.seed)
    finally:
        engine.dispose()
        server.drop(name)
    return {
        "lines": funds_lines(options),
        "load_s": round(loaded, 3),
        "search": searched,
        "validation": validated,
    }


def rows(result: dict[str, Any]) -> list[Row]:
    s, v = result["search"], result["validation"]
    return [
        (
            f"funds search ({result['lines']:,} lines)",
            "p50 latency",
            f"{s['jichi']['p50_ms']:.2f} ms",
            f"{s['baseline']['p50_ms']:.2f} ms",
            f"{s['ratio_p50']:.2f}×",
            "",
        ),
        (
            "",
            "p99 latency",
            f"{s['jichi']['p99_ms']:.2f} ms",
            f"{s['baseline']['p99_ms']:.2f} ms",
            f"{s['ratio_p99']:.2f}×",
            "",
        ),
        (
            f"funds report check ({v['lines']:,} lines)",
            "seconds",
            f"{v['check_s']:.4f}",
            f"{v['plain_s']:.4f}",
            f"{v['ratio']:.2f}×",
            "",
        ),
    ]

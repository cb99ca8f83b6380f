"""``python -m bench certificates``: 住民票の写し (個人票) through ``issue`` vs a bare render.

jichi: :func:`jichi.registry.certificates.issue` for one person of a generated household,
on PostgreSQL — the support-measure gate, the audited reads, the 通番, WeasyPrint in
IPAmj明朝, the SHA-256, the ``certificate`` row, the audit entry and the 本人通知 check,
all in one call.

Baseline: WeasyPrint rendering the *same* HTML (the page jichi rendered for the previous
certificate, so the same size, fonts and QR code) to PDF with no database, gate or audit.
The two alternate, one of each at a time.  ``--count`` ÷ 10 certificates are timed (2,000
→ 200) after a short warm-up; a certificate costs about as much as a hundred
notifications.  Then :mod:`bench.certificates_parallel`: the same from two worker
processes at once against WeasyPrint alone in two processes (the throughput figure).
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from datetime import date, datetime
from typing import Any

from bench import certificates_parallel as parallel
from bench.common import LG, Options, Postgres, Row, cipher, console, latency, progress, ratio
from bench.synthetic import Population, move_in
from jichi.registry.certificates import (
    CertificateKind,
    CertificateRequest,
    issue,
    municipality_settings,
)
from jichi.registry.certificates.issue import to_pdf
from jichi.registry.protection import Protection
from jichi.registry.restrictions import Requester, RequesterType
from jichi.registry.service import JST, Registry
from jichi.security.actor import Actor

WARMUP = 5


def measure(engine: Any, options: Options) -> dict[str, Any]:
    registry = Registry(engine, LG, cipher())
    protection = Protection(registry)
    actor = Actor("bench-clerk", LG, "clerk")
    settings = municipality_settings(LG, "見本　太郎", terminal="bench", printer="P1")
    today: date = datetime.now(JST).date()
    count = max(10, options.count // 10)
    total = WARMUP + count
    population = Population(options.seed, today=today)
    rng = random.Random(options.seed + 3)
    people: list[str] = []
    for _ in range(total):
        applied = registry.apply(
            registry.parse(move_in(population.household(4), today, rng)), actor
        )
        people.append(applied.person_ids[0])
    pages: list[str] = []

    def capture(html: str) -> tuple[bytes, int]:
        pages.append(html)
        return to_pdf(html)

    jichi_times: list[float] = []
    base_times: list[float] = []
    sizes: list[int] = []
    with progress() as bar:
        task = bar.add_task("certificates (postgresql)", total=total)
        for index, person_id in enumerate(people):
            order = ("jichi", "baseline") if index % 2 or not pages else ("baseline", "jichi")
            record = registry.read_record(person_id, actor)
            requester = Requester(  # 本人, confirmed against the record (issue 9)
                RequesterType.SELF,
                record.name.text(),
                record.date_of_birth,
                sex=record.sex,
                address=record.address.text(),
                id_document="my_number_card",
            )
            for side in order:
                started = time.perf_counter()
                if side == "jichi":
                    cert = issue(
                        registry,
                        protection,
                        CertificateRequest(
                            kind=CertificateKind.RECORD_COPY_PERSONAL,
                            person_ids=(person_id,),
                            requester=requester,
                            request_id=str(uuid.uuid4()),
                        ),
                        actor,
                        settings,
                        pdf_maker=capture,
                    )
                    sizes.append(len(cert.pdf))
                else:
                    to_pdf(pages[-1])
                elapsed = time.perf_counter() - started
                if index >= WARMUP:
                    (jichi_times if side == "jichi" else base_times).append(elapsed)
            bar.advance(task)
    j, b = latency(jichi_times), latency(base_times)
    # The same page made again by WeasyPrint alone: the same bytes, text and fonts.
    again = to_pdf(pages[-1])[0]
    same = {
        "same_bytes": hashlib.sha256(again).hexdigest() == cert.pdf_sha256,
        "same_text": parallel.pdf_text(again) == parallel.pdf_text(cert.pdf),
    }
    return {
        "certificates": count,
        "warmup": WARMUP,
        "kind": "record_copy_personal",
        "pdf_bytes_mean": round(sum(sizes) / len(sizes)),
        "jichi": {"what": "issue() of a 個人票: gate, reads, 通番, render, row, audit", **j},
        "baseline": {"what": "WeasyPrint of the same HTML, no database, gate or audit", **b},
        "ratio": ratio(j["mean_ms"], b["mean_ms"]),
        "ratio_p50": ratio(j["p50_ms"], b["p50_ms"]),
        "ratio_p99": ratio(j["p99_ms"], b["p99_ms"]),
        "rerender": same,
        "people": people,
        "page": pages[-1],
    }


def run(options: Options, server: Postgres) -> dict[str, Any]:
    name, engine = server.migrated()
    try:
        result = measure(engine, options)
        people, page = result.pop("people"), result.pop("page")
        each = max(2, options.count // 40)  # 2,000 → 50 a process a round
        result["parallel"] = parallel.measure(engine, server.url(name), people, each, page)
        result["weasyprint_breakdown"] = parallel.breakdown(page)
    finally:
        engine.dispose()
        server.drop(name)
    console.log(f"certificates on PostgreSQL: {result['jichi']['per_s']:,.2f} PDFs/s")
    p = result["parallel"]
    console.log(f"certificates in {p['workers']} processes: {p['jichi']['per_s']:,.2f} PDFs/s")
    return result


def rows(result: dict[str, Any]) -> list[Row]:
    j, b = result["jichi"], result["baseline"]
    p = result["parallel"]
    return [
        (
            f"certificates ({result['certificates']:,}, postgresql)",
            "PDFs/s",
            f"{j['per_s']:,.2f}",
            f"{b['per_s']:,.2f}",
            f"{result['ratio']:.2f}×",
            "",
        ),
        (
            "",
            "p50 latency",
            f"{j['p50_ms']:.1f} ms",
            f"{b['p50_ms']:.1f} ms",
            f"{result['ratio_p50']:.2f}×",
            "",
        ),
        (
            "",
            "p99 latency",
            f"{j['p99_ms']:.1f} ms",
            f"{b['p99_ms']:.1f} ms",
            f"{result['ratio_p99']:.2f}×",
            "",
        ),
        (
            f"certificates, {p['workers']} processes ({p['certificates']:,})",
            "PDFs/s",
            f"{p['jichi']['per_s']:,.2f}",
            f"{p['baseline']['per_s']:,.2f}",
            f"{p['ratio']:.2f}×",
            "",
        ),
    ]

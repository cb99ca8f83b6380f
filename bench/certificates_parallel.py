"""Certificates from several worker processes at once, for one municipality (issue 10).

jichi: ``WORKERS`` spawned processes, each with its own engine, call
:func:`jichi.registry.certificates.issue` for 個人票 of one municipality as fast as they
can — the 通番 is reserved before the render and the lock held only to reserve and to
store, so their renders run side by side.  Baseline: the same number of processes
running WeasyPrint alone on the *same* HTML (a page jichi rendered), no database.
Each side runs twice, alternating (baseline, jichi, baseline, jichi), each phase
started together after every process has warmed up; PDFs/s is over the wall time.

Checked, not only timed: every jichi PDF of the phases is the one its row records
(SHA-256, found by its verification code) and the serials are unique and gap-free.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import LG, cipher

WORKERS = 2  # this machine has two cores
ROUNDS = 2


def _worker(
    side: str, url: str, person_ids: list[str], html: str, ready: Any, go: Any, out: Any
) -> None:
    """One process: warm up, wait for the start, issue (or render) its share."""
    from jichi.registry.certificates import CertificateKind, CertificateRequest, issue, preview
    from jichi.registry.certificates import municipality_settings as settings_for
    from jichi.registry.certificates.issue import to_pdf
    from jichi.registry.protection import Protection
    from jichi.registry.restrictions import Requester, RequesterType
    from jichi.registry.service import Registry
    from jichi.security.actor import Actor
    from jichi.store.engine import make_engine

    engine = make_engine(url)
    registry = Registry(engine, LG, cipher())
    protection = Protection(registry)
    clerk = Actor("bench-clerk", LG, "clerk")
    settings = settings_for(LG, "見本　太郎", terminal="bench", printer="P1")
    proxy = Requester(RequesterType.PROXY, "代理　花子")

    def asked(pid: str) -> CertificateRequest:
        return CertificateRequest(
            kind=CertificateKind.RECORD_COPY_PERSONAL,
            person_ids=(pid,),
            requester=proxy,
            request_id=str(uuid.uuid4()),
        )

    def one(pid: str) -> tuple[str, bytes]:
        cert = issue(registry, protection, asked(pid), clerk, settings)
        return cert.verification_code, cert.pdf

    # Warm: imports, fonts, the first layout, the catalogue and a connection (a 見本
    # takes the same gate, reads and render, and no 通番).
    to_pdf(html)
    preview(registry, protection, asked(person_ids[0]), clerk, settings)
    ready.put(1)
    go.wait()
    made: list[tuple[str, str]] = []  # (code, sha256) for the parent to verify
    for pid in person_ids:
        if side == "jichi":
            code, pdf = one(pid)
            made.append((code, hashlib.sha256(pdf).hexdigest()))
        else:
            to_pdf(html)
    engine.dispose()
    out.put(made)


def _phase(side: str, url: str, shares: list[list[str]], html: str) -> tuple[float, list[Any]]:
    """Run one side in ``len(shares)`` processes started together: wall seconds, results."""
    context = mp.get_context("spawn")
    ready, out, go = context.Queue(), context.Queue(), context.Event()
    procs = [
        context.Process(target=_worker, args=(side, url, share, html, ready, go, out))
        for share in shares
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=300)
    started = time.perf_counter()
    go.set()
    results = [out.get(timeout=3600) for _ in procs]
    wall = time.perf_counter() - started
    for proc in procs:
        proc.join(timeout=60)
    return wall, results


def pdf_text(pdf: bytes) -> str:
    """``pdftotext -layout`` of ``pdf`` (empty without poppler-utils)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return ""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [tool, "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout


def measure(engine: sa.Engine, url: str, people: list[str], each: int, html: str) -> dict[str, Any]:
    """``each`` certificates per process per round, ``WORKERS`` processes, ``ROUNDS`` rounds."""
    from jichi.registry.certificates import verify
    from jichi.registry.certificates.tables import certificate

    shares = [[people[(w * each + i) % len(people)] for i in range(each)] for w in range(WORKERS)]
    walls: dict[str, float] = {"jichi": 0.0, "baseline": 0.0}
    codes: list[tuple[str, str]] = []
    for _round in range(ROUNDS):
        for side in ("baseline", "jichi"):
            wall, results = _phase(side, url, shares, html)
            walls[side] += wall
            if side == "jichi":
                codes += [item for share in results for item in share]
    count = WORKERS * each * ROUNDS
    with engine.connect() as conn:
        c = certificate.c
        query = sa.select(c.verification_code, c.seq, c.pdf_sha256)
        rows = {r.verification_code: r for r in conn.execute(query)}
        verified = all(
            code in rows and rows[code].pdf_sha256 == digest and verify(conn, code).issued
            for code, digest in codes
        )
    seqs = sorted(r.seq for r in rows.values())
    jichi_rate = count / walls["jichi"]
    base_rate = count / walls["baseline"]
    return {
        "workers": WORKERS,
        "rounds": ROUNDS,
        "certificates": count,
        "jichi": {
            "what": f"issue() in {WORKERS} processes at once, one municipality",
            "wall_s": round(walls["jichi"], 3),
            "per_s": round(jichi_rate, 3),
        },
        "baseline": {
            "what": f"WeasyPrint alone on the same HTML in {WORKERS} processes",
            "wall_s": round(walls["baseline"], 3),
            "per_s": round(base_rate, 3),
        },
        "ratio": round(base_rate / jichi_rate, 3),  # cost ratio: jichi time ÷ baseline time
        "all_verified": verified and len(codes) == count,
        "serials_gap_free": seqs == list(range(1, len(seqs) + 1)),
    }


def breakdown(html: str, runs: int = 10) -> dict[str, Any]:
    """Where one WeasyPrint render of the page goes: layout, PDF writing, its parts.

    Medians over ``runs`` (after one warm-up); the parts of the PDF writing come from
    cProfile (the profiler's overhead inflates them a little, so they are shares).
    """
    import cProfile
    import pstats
    import statistics

    from weasyprint import HTML

    HTML(string=html).render().write_pdf()
    layout, write = [], []
    for _ in range(runs):
        started = time.perf_counter()
        document = HTML(string=html).render()
        middle = time.perf_counter()
        document.write_pdf()
        layout.append(middle - started)
        write.append(time.perf_counter() - middle)
    profiler = cProfile.Profile()
    document = HTML(string=html).render()
    profiler.enable()
    for _ in range(runs):
        document.write_pdf()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    parts = {"font_subsetting": 0.0, "compression": 0.0}
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if name == "_harfbuzz_subset" or name == "_fonttools_subset":
            parts["font_subsetting"] += row[3]
        elif "compress" in name and filename == "~":
            parts["compression"] += row[2]
    profiled_ms = total / runs * 1000
    return {
        "runs": runs,
        "layout_ms_p50": round(statistics.median(layout) * 1000, 1),
        "write_pdf_ms_p50": round(statistics.median(write) * 1000, 1),
        "write_pdf_profiled_ms": round(profiled_ms, 1),
        "share_of_write_pdf": {k: round(v / total, 3) for k, v in parts.items()},
    }

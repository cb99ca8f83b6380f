"""``python -m bench.jpki``: JPKI verification and OCSP throughput, as ratios in one run.

1. Signature verifications per second with a status check (jichi's ``verify`` with the
   CA's records as status source: chain, validity, signature, status) ÷ bare
   ``cryptography`` RSA verify of the same signature — the price of a full check.
2. OCSP answers per second and latency percentiles at ``--clients`` (default 32)
   concurrent clients (threads with httpx2) against a local uvicorn running jichi's
   responder on PostgreSQL.  Baseline: ``Responder.answer`` called in-process by one
   caller (no HTTP), so the ratio is what HTTP and 32-way concurrency add.

Prints a table with the load average before and after (the machine is shared) and writes
``bench/results/jpki-<UTC time>.json``.  Never run from unit tests (no timed assertions).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp

from bench.common import DEFAULT_ADMIN_URL, Postgres, latency, ratio
from jichi.mynumber.jpki import ca, verifiers
from jichi.mynumber.jpki.profiles import Holder
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.status import lookup
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.jpki.verify import verify
from jichi.store.engine import write_transaction
from jichi.web.app import create_app

RESULTS = Path(__file__).parent / "results"


def _holder(i: int) -> Holder:
    return Holder(
        f"bench-{i}",
        "112011",
        "山田　太郎",
        "埼玉県川越市1-2-3",
        datetime(1980, 4, 2).date(),
        "male",
    )


def _issue(jpki: Jpki, n: int) -> tuple[list[x509.Certificate], rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certs = []
    with write_transaction(jpki.engine) as conn:
        for i in range(n):
            certs.append(
                jpki.issuer.issue(conn, _holder(i), Purpose.SIGN, key.public_key(), token_label="b")
            )
    return certs, key


def bench_verify(
    jpki: Jpki, certs: Sequence[x509.Certificate], key: rsa.RSAPrivateKey, rounds: int
) -> dict[str, Any]:
    payload = b"bench payload " * 20
    signature = key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    public = certs[0].public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    started = time.perf_counter()
    for _ in range(rounds):
        public.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
    bare = time.perf_counter() - started

    def from_records(c: x509.Certificate, issuer: x509.Certificate) -> Any:
        with jpki.engine.connect() as conn:
            return lookup(conn, c.serial_number), "records"

    intermediates = [a.cert for a in jpki.cas.issuing.values()]
    started = time.perf_counter()
    for i in range(rounds):
        result = verify(
            certs[i % len(certs)],
            root=jpki.cas.root.cert,
            intermediates=intermediates,
            status_source=from_records,
            payload=payload,
            signature=signature,
        )
        assert result.ok, result.to_dict()
    full = time.perf_counter() - started
    return {
        "rounds": rounds,
        "bare_per_s": round(rounds / bare, 1),
        "full_per_s": round(rounds / full, 1),
        "ratio_full_over_bare": ratio(full, bare),
    }


def _request(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def bench_ocsp(
    jpki: Jpki, certs: Sequence[x509.Certificate], clients: int, per_client: int
) -> dict[str, Any]:
    import socket

    import uvicorn

    with write_transaction(jpki.engine) as conn:
        _, token = verifiers.register(conn, "bench")
    issuer = jpki.cas.for_purpose(Purpose.SIGN).cert
    requests = [_request(c, issuer) for c in certs]
    # baseline: the responder in-process, one caller
    started = time.perf_counter()
    for i in range(per_client):
        jpki.responder.answer(requests[i % len(requests)], token)
    in_process = (time.perf_counter() - started) / per_client

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(jpki.engine, jpki_service=jpki),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/jpki/ocsp"
    headers = {"Content-Type": "application/ocsp-request", "Authorization": f"Bearer {token}"}
    times: list[float] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        with httpx2.Client(timeout=60) as http:
            mine: list[float] = []
            for i in range(per_client):
                t = time.perf_counter()
                reply = http.post(url, content=requests[(k + i) % len(requests)], headers=headers)
                mine.append(time.perf_counter() - t)
                parsed = ocsp.load_der_ocsp_response(reply.content)
                assert parsed.certificate_status is ocsp.OCSPCertStatus.GOOD
            with lock:
                times.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    server.should_exit = True
    thread.join(timeout=15)
    summary = latency(times)
    return {
        "clients": clients,
        "answers": len(times),
        "answers_per_s": round(len(times) / wall, 1),
        "p50_ms": summary["p50_ms"],
        "p99_ms": summary["p99_ms"],
        "in_process_ms": round(in_process * 1000, 3),
        "ratio_p50_over_in_process": ratio(summary["p50_ms"], in_process * 1000),
    }


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.jpki")
    p.add_argument("--certificates", type=int, default=200)
    p.add_argument("--rounds", type=int, default=2000)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--per-client", type=int, default=50)
    p.add_argument(
        "--admin-url", default=os.environ.get("JICHI_BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL)
    )
    p.add_argument("--ca-dir", type=Path, default=Path("/tmp/jichi-bench-jpki-ca"))
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    server = Postgres(args.admin_url)
    try:
        _, engine = server.migrated()
        cas = ca.create(args.ca_dir, b"bench-passphrase")
        jpki = Jpki(engine, cas)
        certs, key = _issue(jpki, args.certificates)
        results = {
            "verify": bench_verify(jpki, certs, key, args.rounds),
            "ocsp": bench_ocsp(jpki, certs, args.clients, args.per_client),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "nproc": os.cpu_count(),
            "at": datetime.now(UTC).isoformat(),
        }
        engine.dispose()
    finally:
        server.drop_all()
        server.close()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"jpki-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

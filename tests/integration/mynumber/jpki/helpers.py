"""Shared helpers for the JPKI status tests: a live uvicorn server and openssl calls."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from tests.ports import free_port


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn on a free local port for the duration of the block."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def write_pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def openssl_ocsp(
    ca_dir: Path, issuer: str, leaf: Path, url: str, token: str | None
) -> subprocess.CompletedProcess[str]:
    """``openssl ocsp`` against the live responder, verifying the answer's signature."""
    command = [
        "openssl", "ocsp",
        "-issuer", str(ca_dir / f"{issuer}.pem"),
        "-cert", str(leaf),
        "-url", f"{url}/jpki/ocsp",
        "-CAfile", str(ca_dir / "root.pem"),
        "-verify_other", str(ca_dir / f"{issuer}.pem"),
        "-timeout", "20",
    ]  # fmt: skip
    if token is not None:
        command += ["-header", f"Authorization=Bearer {token}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def openssl_status(result: subprocess.CompletedProcess[str], leaf: Path) -> str:
    """good / revoked / unknown from openssl's ``FILE: status`` line."""
    for line in result.stdout.splitlines():
        if line.startswith(f"{leaf}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no status line: {result.stdout!r} {result.stderr!r}")

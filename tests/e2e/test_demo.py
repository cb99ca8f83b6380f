"""The README's main command: `jichi demo` starts a working server on embedded SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.ports import free_port


@pytest.mark.slow
def test_demo_starts_the_web_ui_and_api_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "JICHI_DATABASE_URL"}
    process = subprocess.Popen(
        [sys.executable, "-m", "jichi", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.3)
        assert health is not None and health.status_code == 200
        assert health.json()["database"] == "sqlite"
        assert (tmp_path / "jichi-demo.db").exists()
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert "埼玉県川越市" in home.text
        login = httpx.get(f"http://127.0.0.1:{port}/counter/login", timeout=5)
        assert login.status_code == 200 and "ログイン" in login.text
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()

"""Browser tests: a real uvicorn server on a free port, driven by Playwright in Debian's
Chromium (``/usr/bin/chromium``; no browser is downloaded).

One server per session against a temporary SQLite database migrated to head, with a clerk
(``clerk-sato``) and a supervisor (``kakaricho-ito``).  Each test gets a fresh browser
context (no cookies) and uses its own family, so tests do not depend on each other.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys
from jichi.security.staff import create_staff
from jichi.store import migrate
from jichi.store.engine import make_engine, write_transaction
from jichi.web.app import create_app
from tests.ports import free_port as _free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LG = "112011"  # 埼玉県川越市
PASSWORD = "madoguchi-2026"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"

playwright_api = pytest.importorskip("playwright.sync_api")


@dataclass(frozen=True)
class Server:
    url: str
    engine: Any
    app: Any = None  # the FastAPI app: its registry sets up what no form can


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("browser") / "jichi.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with write_transaction(engine) as conn:
        create_staff(conn, "clerk-sato", LG, "clerk", "佐藤", password=PASSWORD)
        create_staff(conn, "kakaricho-ito", LG, "supervisor", "伊藤", password=PASSWORD)
    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"b" * 32)))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", engine, app)
    uv.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


# Package scope: closed after this folder, as sync Playwright holds the thread's event loop.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (requirements/debian.txt)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(
        base_url=server.url, locale="ja-JP", viewport={"width": 1100, "height": 800}
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Any, staff_id: str = "clerk-sato") -> None:
    page.goto("/counter/login")
    page.get_by_label("職員 ID").fill(staff_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/counter/")


def screenshot(page: Any, name: str, *, full_page: bool = False) -> None:
    """Refresh docs/screenshots/NAME.png under ``JICHI_SCREENSHOTS=1`` (``make screenshots``).

    Otherwise the page is still rendered to an image (the step runs and cannot rot), but the
    tracked file is left alone, so a test run does not dirty the work tree.
    """
    image = page.screenshot(full_page=full_page, animations="disabled")
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("JICHI_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(image)


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of its own on a fresh database, for a test whose outcome the shared one's
    data would change (a 日計表 that must balance, a merger that needs quiet outboxes)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'day.db'}")
    migrate.upgrade(engine)
    with write_transaction(engine) as conn:
        create_staff(conn, "kakaricho-ito", LG, "supervisor", "伊藤", password=PASSWORD)
    app = create_app(engine, municipality=LG, cipher=FieldCipher(Keys.derive(b"d" * 32)))
    config = uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{config.port}", engine, app)
    uv.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def fresh_page(browser: Any, fresh_server: Server) -> Iterator[Any]:
    context = browser.new_context(
        base_url=fresh_server.url, locale="ja-JP", viewport={"width": 1100, "height": 800}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()

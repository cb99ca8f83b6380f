"""``jichi mynumber``: the issue contract, its errors, change and expire, on both databases.

The contract (docs/guide/mynumber.md): ``issue FILE`` prints ``resident_code,
individual_number`` lines on stdout, the same number for a code that has one; any bad
line is reported on stderr with its line number, nothing is issued, exit 2.  No other
output, ever, contains a number.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app
from jichi.kernel.identifiers import IdKind, validate
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.pins import PinKind
from jichi.mynumber.validity import Holder
from jichi.store.engine import make_engine

runner = CliRunner()
CODES = ["12345678901", "23456789012", "34567890123"]


@pytest.fixture
def db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("JICHI_DATABASE_URL", url)
    monkeypatch.setenv("JICHI_NUMBER_KEY", "Y2xpLXRlc3QtbnVtYmVyLWtleS1jbGktdGVzdC1udW1iZXIta2V5")
    return url


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_prints_the_contract_and_the_same_number_again(db: str, tmp_path: Path) -> None:
    first = runner.invoke(
        app, ["mynumber", "issue", str(write(tmp_path, "a.txt", "\n".join(CODES) + "\n"))]
    )
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert [line.split(",")[0] for line in lines] == CODES
    numbers = [line.split(",")[1] for line in lines]
    assert all(validate(IdKind.INDIVIDUAL_NUMBER, n).value == n for n in numbers)
    assert len(set(numbers)) == 3
    assert not any(n in first.stderr for n in numbers)  # only the contract's stdout
    again = runner.invoke(
        app,
        [
            "mynumber",
            "issue",
            str(write(tmp_path, "b.txt", f"{CODES[1]}\n\n４５６７８９０１２３４\n")),
        ],
    )
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[0] == lines[1]
    assert again.stdout.splitlines()[1].startswith("45678901234,")


def test_a_bad_line_issues_nothing_and_exits_2(db: str, tmp_path: Path) -> None:
    body = f"{CODES[0]}\n1234\n{CODES[1]}\nabcdefghijk\n"
    result = runner.invoke(app, ["mynumber", "issue", str(write(tmp_path, "bad.txt", body))])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "MYN-001: 2 行目" in result.stderr and "MYN-001: 4 行目" in result.stderr
    assert "line 2" in result.stderr and "line 4" in result.stderr
    assert "1234" not in result.stderr.replace("MYN-001", "")
    # nothing was issued: the good codes are new on the next run ... and get the numbers
    # they would have got (deterministic), which the center records only now
    ok = runner.invoke(app, ["mynumber", "issue", str(write(tmp_path, "ok.txt", CODES[0]))])
    assert ok.exit_code == 0
    missing = runner.invoke(app, ["mynumber", "issue", str(tmp_path / "missing.txt")])
    assert missing.exit_code == 2 and "MYN-003" in missing.stderr


def test_change_prints_no_number_and_the_old_one_is_gone(db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", CODES[0])
    old = runner.invoke(app, ["mynumber", "issue", str(path)]).stdout.strip().split(",")[1]
    changed = runner.invoke(
        app, ["mynumber", "change", CODES[0], "--origin", "request", "--reason", "漏えい"]
    )
    assert changed.exit_code == 0, changed.output
    new = runner.invoke(app, ["mynumber", "issue", str(path)]).stdout.strip().split(",")[1]
    assert new != old
    assert old not in changed.output and new not in changed.output
    bad = runner.invoke(
        app, ["mynumber", "change", CODES[0], "--origin", "whim", "--reason", "漏えい"]
    )
    assert bad.exit_code == 1 and "MYN-005" in bad.stderr and new not in bad.output


def test_expire_runs_the_deadlines_once(db: str) -> None:
    engine = make_engine(db)
    store = CardStore(engine, "112011")
    card = store.apply("p1", Holder(date(1980, 6, 15)), date(2026, 4, 1))
    store.manufacture(card.card_id, date(2026, 4, 1))
    pins = {k: ("ABC123" if k is PinKind.SIGNATURE else "1234") for k in PinKind}
    store.deliver(card.card_id, date(2026, 4, 2), identity_check="旅券", pins=pins)
    store.move_out(card.card_id, date(2026, 5, 1), date(2026, 4, 28))
    engine.dispose()
    day30 = (date(2026, 5, 1) + timedelta(30)).isoformat()
    day31 = (date(2026, 5, 1) + timedelta(31)).isoformat()
    before = runner.invoke(app, ["mynumber", "expire", "--as-of", day30])
    assert before.exit_code == 0 and "112011: 0 枚" in before.stdout
    fired = runner.invoke(app, ["mynumber", "expire", "--as-of", day31, "--lg-code", "112011"])
    assert fired.exit_code == 0 and "112011: 1 枚" in fired.stdout
    again = runner.invoke(app, ["mynumber", "expire", "--as-of", day31])
    assert again.exit_code == 0 and "112011: 0 枚" in again.stdout
    bad = runner.invoke(app, ["mynumber", "expire", "--as-of", "someday"])
    assert bad.exit_code == 1

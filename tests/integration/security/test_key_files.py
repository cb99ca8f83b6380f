"""The zero-set-up key file and JICHI_SECRET_KEY_FILE, on a real file system."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jichi.kernel.errors import JichiError
from jichi.security.keys import ENV_KEY, ENV_KEY_FILE, KEY_FILE_NAME, generate_secret, load_keys


def test_a_key_file_is_created_beside_a_sqlite_database_with_mode_0600(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'jichi.db'}"
    (tmp_path / "data").mkdir()
    keys = load_keys(url, environ={})
    path = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(url, environ={}) == keys  # the second start reads the same key
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE_NAME]  # no temporary left


def test_without_a_url_the_key_file_sits_beside_the_default_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JICHI_DATABASE_URL", raising=False)
    load_keys(environ={})
    assert (tmp_path / KEY_FILE_NAME).exists()


def test_a_postgresql_database_without_a_configured_key_is_refused_and_writes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JichiError) as caught:
        load_keys("postgresql://jichi@db/jichi", environ={})
    assert caught.value.code == "SEC-005"
    assert ENV_KEY in caught.value.message_en and ENV_KEY_FILE in caught.value.message_ja
    assert list(tmp_path.iterdir()) == []


def test_the_key_file_variable_reads_a_mounted_secret(tmp_path: Path) -> None:
    secret = generate_secret()
    path = tmp_path / "secret"
    path.write_text(secret + "\n")
    assert load_keys(environ={ENV_KEY_FILE: str(path)}) == load_keys(environ={ENV_KEY: secret})


def test_a_missing_key_file_fails_with_sec_004_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "missing"
    with pytest.raises(JichiError) as caught:
        load_keys(environ={ENV_KEY_FILE: str(path)})
    assert caught.value.code == "SEC-004"
    assert str(path) in caught.value.message_ja


def test_a_damaged_key_file_fails_with_sec_003_without_showing_its_content(
    tmp_path: Path,
) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("too-short\n")
    with pytest.raises(JichiError) as caught:
        load_keys(f"sqlite:///{tmp_path / 'jichi.db'}", environ={})
    assert caught.value.code == "SEC-003"
    assert "too-short" not in caught.value.message_ja + caught.value.message_en

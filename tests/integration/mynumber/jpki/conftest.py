"""JPKI test cast: a SoftHSM2 token directory per test, one CA per session, a 川越 family."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from jichi.mynumber.jpki import ca, revocation, token
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.profiles import Holder
from jichi.mynumber.jpki.service import Jpki
from jichi.registry.service import Actor, Registry
from jichi.security.crypto import FieldCipher
from jichi.security.keys import Keys

LG = "112011"  # 埼玉県川越市
CLERK = Actor("clerk-suzuki", LG, "clerk")
PASSPHRASE = b"test-ca-passphrase"
SO_PIN = "87654321"
PIN = "ABC123"  # 署名用 PIN rule: 6-16 upper-case letters and digits


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("jpki-ca")
    ca.create(directory, PASSPHRASE)
    return directory


@pytest.fixture(scope="session")
def cas(ca_dir: Path) -> CaSet:
    return ca.load(ca_dir, PASSPHRASE)


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh token directory for this test; the module re-reads its configuration."""
    conf = token.softhsm_config(tmp_path / "softhsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    token.refresh()
    yield conf


@pytest.fixture
def card(softhsm: Path) -> token.ChipToken:
    """One card: an initialised token with its user PIN (no keys yet)."""
    label = f"card-{uuid.uuid4().hex[:8]}"
    token.init_softhsm_token(label, so_pin=SO_PIN, pin=PIN)
    return token.ChipToken(label)


@pytest.fixture
def jpki(engine: Engine, cas: CaSet) -> Jpki:
    return Jpki(engine, cas)


@pytest.fixture
def registry(engine: Engine) -> Registry:
    cipher = FieldCipher(Keys.derive(b"k" * 32))
    return Registry(engine, LG, cipher, listeners=[revocation.make_listener()])


def address(block: str = "1-2-3") -> dict[str, Any]:
    return {
        "prefecture": "埼玉県",
        "municipality": "川越市",
        "town": "大字的場",
        "block": block,
        "postal_code": "350-1101",
        "lg_code": LG,
    }


ELSEWHERE = {
    "prefecture": "東京都",
    "municipality": "千代田区",
    "town": "千代田",
    "block": "1-1",
    "lg_code": "131016",
}


def move_in_family(registry: Registry) -> dict[str, str]:
    """山田 太郎 (head), 花子 (wife) and 一郎 (child, 11) move in; given name -> person id."""
    people = [
        ("太郎", ("ヤマダ", "タロウ"), "1980-04-02", "male", "世帯主"),
        ("花子", ("ヤマダ", "ハナコ"), "1982-09-15", "female", "妻"),
        ("一郎", ("ヤマダ", "イチロウ"), "2015-01-20", "male", "子"),
    ]
    cmd = registry.parse(
        {
            "kind": "move_in",
            "effective_date": datetime.now(UTC).date().isoformat(),
            "address": address(),
            "previous_address": ELSEWHERE,
            "persons": [
                {
                    "name": {"family": "山田", "given": g, "family_kana": k[0], "given_kana": k[1]},
                    "date_of_birth": born,
                    "sex": sex,
                    "relationship": rel,
                    "honseki": "東京都千代田区千代田1番",
                    "family_register_head": "山田　太郎" if rel == "世帯主" else "",
                }
                for g, k, born, sex, rel in people
            ],
        }
    )
    applied = registry.apply(cmd, CLERK)
    by_name: dict[str, str] = {}
    for pid in applied.person_ids:
        record = registry.read_record(pid, CLERK)
        by_name[record.name.given] = pid
    return by_name


def holder_of(registry: Registry, person_id: str) -> Holder:
    """The basic four as the composition root reads them from the registry."""
    record = registry.read_record(person_id, CLERK, purpose="jpki.issue")
    return Holder(
        person_id=person_id,
        lg_code=record.lg_code,
        name=record.name.text(),
        address=record.address.text(),
        date_of_birth=record.date_of_birth,
        sex=record.sex.value,
    )


def holder(name: str = "山田　太郎", born: date = date(1980, 4, 2)) -> Holder:
    return Holder(f"p-{uuid.uuid4().hex[:8]}", LG, name, "埼玉県川越市大字的場1-2-3", born, "male")

"""``jichi mynumber reader sign``: the reader's one JSON line signs the resident in."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from jichi.cli.main import app as cli
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.pins import PinKind
from jichi.mynumber.portal import challenge
from jichi.mynumber.portal.login import authenticate
from jichi.mynumber.portal.reader import ReaderOutput
from jichi.store.engine import write_transaction
from tests.integration.mynumber.portal.helpers import AUTH_PIN, card_with_chip, cards
from tests.integration.network.flows.conftest import OLD, World


@pytest.fixture
def card(world: World, cas: CaSet, softhsm: object) -> tuple[Engine, str, str]:
    world.settle_the_family_in_old()
    engine = world.engines[OLD]
    taro = world.by_name(OLD)["太郎"]
    card_id = card_with_chip(
        engine, Jpki(engine, cas, clock=world.clock), taro, world.clock.today()
    )
    return engine, taro.person_id, card_id


def _run(engine: Engine, card_id: str, text: str, pin: str) -> object:
    url = engine.url.render_as_string(hide_password=False)
    args = ["mynumber", "reader", "sign", "--card", card_id, "--lg-code", OLD,
            "--purpose", "auth", "--text", text, "--url", url]  # fmt: skip
    return CliRunner().invoke(cli, args, env={"JICHI_CARD_PIN": pin})


def test_the_reader_command_prints_a_line_the_portal_accepts(
    world: World, cas: CaSet, card: tuple[Engine, str, str]
) -> None:
    engine, taro, card_id = card
    with write_transaction(engine) as conn:
        text = challenge.issue(conn, OLD, world.clock())
    result = _run(engine, card_id, text, AUTH_PIN)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    line = result.stdout.strip()  # type: ignore[attr-defined]
    assert AUTH_PIN not in line
    output = ReaderOutput.parse(line, Purpose.AUTH)
    assert authenticate(engine, cas, OLD, text, output, world.clock()).person_id == taro


def test_a_wrong_pin_at_the_reader_command_is_counted_and_named_not_shown(
    card: tuple[Engine, str, str],
) -> None:
    engine, _, card_id = card
    result = _run(engine, card_id, "anything", "9999")
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert "MYN-021" in result.output and "9999" not in result.output  # type: ignore[attr-defined]
    failures = cards(engine, OLD).get(card_id).pins[PinKind.USER_AUTHENTICATION].failures
    assert failures == 1

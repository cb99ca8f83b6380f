"""The listeners a composition root hands to the registry and the card store.

One place, so the web app, the CLI and the network node wire the same chain
(ADR 0011): a registry event first revokes signing certificates (公的個人認証法第12条),
then ends the card (死亡, 国外転出), whose own event revokes what is left — all on the
registry's connection, in one transaction.
"""

from __future__ import annotations

from jichi.mynumber.jpki import revocation
from jichi.mynumber.jpki.card_events import make_card_listener
from jichi.mynumber.outbox import Listener
from jichi.mynumber.registry_events import make_registry_listener
from jichi.registry.service import EventListener


def card_listeners() -> list[Listener]:
    """For ``CardStore(listeners=…)``: 一時停止 and a card's end revoke its certificates."""
    return [make_card_listener()]


def registry_listeners() -> list[EventListener]:
    """For ``Registry(listeners=…)``: JPKI revocation first, then the card."""
    return [
        revocation.make_listener(),
        make_registry_listener(card_listeners=card_listeners()),
    ]

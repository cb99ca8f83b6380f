"""The in-process transport behaves like a JetStream stream with durable pull consumers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from jichi.kernel.errors import JichiError
from jichi.network.messages import Envelope
from jichi.network.transport import InProcessTransport, each, subject_matches

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a fresh thread: sync Playwright (browser tests) may hold this one's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def envelope(topic: str = "center.identity", seq: int = 1) -> Envelope:
    return Envelope(
        message_id=str(uuid.uuid4()),
        topic=topic,
        ordering_key="12345678901",
        sender="112011",
        seq=seq,
        payload={"n": seq},
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("jichi.>", "jichi.center.identity", True),
        ("jichi.>", "jichi", False),
        ("jichi.center.*", "jichi.center.identity", True),
        ("jichi.center.*", "jichi.center.identity.x", False),
        ("jichi.municipality.131016.>", "jichi.municipality.131016.move_in_notice", True),
        ("jichi.municipality.131016.>", "jichi.municipality.112011.move_in_notice", False),
        ("jichi.center.identity", "jichi.center.identity", True),
        ("jichi.center.identity", "jichi.center", False),
    ],
)
def test_subjects_match_like_nats_wildcards(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_a_republished_message_is_stored_once() -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        env = envelope()
        await transport.publish(env)
        await transport.publish(env)
        seen: list[Envelope] = []

        async def handle(e: Envelope) -> None:
            seen.append(e)

        assert await transport.pull("center", "jichi.center.>", handle) == 1
        assert await transport.pull("center", "jichi.center.>", handle) == 0
        assert seen == [env] and transport.duplicates == 1

    run_async(scenario())


def test_each_durable_consumer_sees_only_its_subjects_and_keeps_its_place() -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        await transport.publish(envelope("center.identity", 1))
        await transport.publish(envelope("election.roll", 2))
        await transport.publish(envelope("center.identity", 3))
        got: dict[str, list[int]] = {"center": [], "election": []}

        def handler(name: str):  # type: ignore[no-untyped-def]
            async def handle(e: Envelope) -> None:
                got[name].append(e.seq)

            return handle

        await transport.pull("center", "jichi.center.>", handler("center"), batch=1)
        await transport.pull("election", "jichi.election.>", handler("election"))
        await transport.pull("center", "jichi.center.>", handler("center"))
        assert got == {"center": [1, 3], "election": [2]}

    run_async(scenario())


def test_a_message_whose_handler_fails_is_delivered_again() -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        first, second = envelope(seq=1), envelope(seq=2)
        await transport.publish(first)
        await transport.publish(second)
        calls: list[int] = []

        async def flaky(e: Envelope) -> None:
            calls.append(e.seq)
            if len(calls) == 1:
                raise RuntimeError("database went away")

        with pytest.raises(RuntimeError):
            await transport.pull("c", "jichi.>", flaky)
        assert await transport.pull("c", "jichi.>", flaky) == 2
        assert calls == [1, 1, 2]

    run_async(scenario())


def test_a_transport_that_is_down_refuses_with_net_003() -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        transport.available = False
        with pytest.raises(JichiError) as caught:
            await transport.publish(envelope())
        assert caught.value.code == "NET-003"
        transport.available = True
        await transport.publish(envelope())
        assert len(transport.log) == 1

    run_async(scenario())


def test_a_subscription_keeps_pulling_until_stopped() -> None:
    async def scenario() -> None:
        transport = InProcessTransport()
        seen: list[int] = []

        async def handle(e: Envelope) -> None:
            seen.append(e.seq)

        sub = await transport.subscribe("c", "jichi.>", each(handle), idle=0.01)
        for seq in (1, 2, 3):
            await transport.publish(envelope(seq=seq))
        for _ in range(100):
            if len(seen) == 3:
                break
            await asyncio.sleep(0.01)
        await sub.stop()
        assert seen == [1, 2, 3]

    run_async(scenario())


def test_the_broker_url_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from jichi.network.transport import NatsTransport, nats_url

    monkeypatch.delenv("JICHI_NATS_URL", raising=False)
    assert nats_url() == "nats://127.0.0.1:4222"
    monkeypatch.setenv("JICHI_NATS_URL", "nats://broker.example:4222")
    assert NatsTransport().url == "nats://broker.example:4222"
    assert nats_url("nats://other:1") == "nats://other:1"


class SwallowingTransport(InProcessTransport):
    """A pull whose wait swallows the cancellation, as ``asyncio.wait_for`` can on
    Python 3.11 when the cancel arrives as the wait completes (a JetStream fetch)."""

    def __init__(self) -> None:
        super().__init__()
        self.pulls = 0
        self.swallowed = 0

    async def pull_batch(self, *args: Any, **kwargs: Any) -> int:
        self.pulls += 1
        try:
            await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            if self.swallowed:  # only the first (so a failing test still ends)
                raise
            self.swallowed += 1
            return 0  # the cancellation is lost here
        return 0


def test_a_subscription_stops_even_when_its_pull_swallows_the_cancellation() -> None:
    async def ignore(batch: list[Envelope]) -> None:
        return None

    async def main() -> int:
        transport = SwallowingTransport()
        subscription = await transport.subscribe("c", "jichi.>", ignore)
        await asyncio.sleep(0.12)  # a few pulls
        stopping = asyncio.ensure_future(subscription.stop())
        done, _ = await asyncio.wait({stopping}, timeout=5)
        assert stopping in done, "stop() did not return: the loop went on pulling"
        assert transport.swallowed == 1
        pulls = transport.pulls
        await asyncio.sleep(0.12)
        assert transport.pulls == pulls  # and nothing pulls after the stop
        return pulls

    assert run_async(main()) >= 2

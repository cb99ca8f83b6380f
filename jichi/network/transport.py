"""What carries envelopes between nodes: one small Protocol, two implementations.

Both behave like a JetStream stream with durable pull consumers, so the same relay,
inbox and tests run on either:

- ``publish`` stores the envelope once per ``message_id`` (a re-publish after a crash
  is dropped by the transport's de-duplication; the inbox is the final guard);
  ``publish_many`` sends a whole batch in order and awaits the acknowledgements
  together (one round trip per batch, not per message — ADR 0036), returning how many
  leading envelopes are stored;
- ``pull`` hands a batch of stored envelopes on the subjects a durable consumer follows
  to a handler, and acknowledges each only after the handler returned — a handler that
  raises leaves its message to be delivered again; ``pull_batch`` hands the whole batch
  to one handler (the inbox applies it in one transaction) and acknowledges it after;
- ``subscribe`` keeps pulling batches in the background until the subscription is
  stopped.  An empty pull *waits* for the next message (JetStream: a long-polling fetch;
  in process: an event set by ``publish``) instead of sleeping, so a message is handed
  over as soon as it is stored.

A transport that cannot take a message raises ``NET-003`` (:data:`TRANSPORT_UNAVAILABLE`);
the relay then leaves the outbox rows unsent and tries again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import nats
import nats.errors
import nats.js.errors
from nats.js.api import ConsumerConfig, StreamConfig

from jichi.kernel.errors import JichiError
from jichi.network import errors as e
from jichi.network.messages import SUBJECT_ROOT, Envelope

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], Awaitable[None]]
BatchHandler = Callable[[list[Envelope]], Awaitable[None]]
NATS_URL_VAR = "JICHI_NATS_URL"
NATS_REPLICAS_VAR = "JICHI_NATS_REPLICAS"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"


def nats_url(url: str | None = None) -> str:
    """The broker to use: explicit argument, then ``JICHI_NATS_URL``, then localhost.

    A cluster is several URLs separated by commas (``nats://a:4222,nats://b:4222``): the
    client connects to any and fails over to the others on its own.
    """
    return url or os.environ.get(NATS_URL_VAR) or DEFAULT_NATS_URL


def nats_servers(url: str | None = None) -> list[str]:
    """The servers of :func:`nats_url`, one URL each, as nats-py takes them."""
    return [part.strip() for part in nats_url(url).split(",") if part.strip()]


def stream_replicas(replicas: int | None = None) -> int:
    """Copies of the stream JetStream keeps: 1 on one server, 3 on a three-server cluster.

    With 3, a publish is acknowledged only once a quorum (two servers) has stored it, so
    losing any one server loses no acknowledged message.  ``JICHI_NATS_REPLICAS``; default 1.
    """
    if replicas is not None:
        return replicas
    raw = os.environ.get(NATS_REPLICAS_VAR, "").strip()
    return int(raw) if raw in {"1", "2", "3", "4", "5"} else 1


class Transport(Protocol):
    root: str

    async def publish(self, envelope: Envelope) -> None: ...

    async def publish_many(self, envelopes: Sequence[Envelope]) -> int: ...

    async def pull(
        self, consumer: str, subjects: str, handler: Handler, *, batch: int = 100
    ) -> int: ...

    async def pull_batch(
        self,
        consumer: str,
        subjects: str,
        handler: BatchHandler,
        *,
        batch: int = 100,
        wait: float | None = None,
    ) -> int: ...

    async def subscribe(
        self, consumer: str, subjects: str, handler: BatchHandler, *, idle: float = 0.2
    ) -> Subscription: ...

    async def close(self) -> None: ...


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcards: ``*`` matches one token, a final ``>`` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return i == len(want) - 1 and len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


def each(handler: Handler) -> BatchHandler:
    """A batch handler calling ``handler`` once per envelope, in order (for callers whose
    work is per message, like tests; the inbox takes a batch in one transaction)."""

    async def handle(envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            await handler(envelope)

    return handle


def unavailable(detail: str) -> JichiError:
    return JichiError(e.TRANSPORT_UNAVAILABLE, detail=detail)


class Subscription:
    """A background consumer; ``stop()`` ends it after the batch in hand.

    Each turn is one ``pull_batch`` that waits up to ``wait`` seconds for a first
    message, so an idle consumer costs one long poll per ``wait`` and a busy one never
    sleeps; only a failing pull (broker down) pauses ``idle`` seconds before the next.
    """

    def __init__(
        self,
        transport: Transport,
        consumer: str,
        subjects: str,
        handler: BatchHandler,
        idle: float,
        wait: float = 1.0,
    ) -> None:
        self.errors: list[BaseException] = []
        self._stopping = False
        self._task = asyncio.create_task(
            self._run(transport, consumer, subjects, handler, idle, wait)
        )

    async def _run(
        self,
        transport: Transport,
        consumer: str,
        subjects: str,
        handler: BatchHandler,
        idle: float,
        wait: float,
    ) -> None:
        while not self._stopping:
            try:
                await transport.pull_batch(consumer, subjects, handler, wait=wait)
            except Exception as exc:  # logged, kept for the caller; the loop goes on
                log.warning("consumer %s: %s", consumer, exc)
                self.errors.append(exc)
                await asyncio.sleep(idle)

    async def stop(self) -> None:
        """Cancel the pull in hand; the flag ends the loop even if the cancel is lost.

        On Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that arrives as
        its inner wait completes, and a JetStream fetch waits that way: the loop then
        went on pulling and ``stop`` never returned (``python -m bench network --nats``,
        ten nodes in one process).  With the flag it ends after that pull (``wait``).
        """
        self._stopping = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@dataclass
class _Consumer:
    subjects: str
    position: int = 0  # index into the log of the next message not yet handed out
    unacked: list[int] = field(default_factory=list)  # handed out, handler failed


class InProcessTransport:
    """A JetStream look-alike inside one process: a log, de-duplication, durable consumers.

    ``available = False`` makes it behave like a broker that is down (``publish`` raises
    NET-003), which is how tests and demos show the counter working without the network.
    """

    def __init__(self, root: str = SUBJECT_ROOT, *, deduplicate: bool = True) -> None:
        self.root = root
        self.deduplicate = deduplicate  # False: leave duplicates to the inbox (tests)
        self.available = True
        self.log: list[tuple[str, Envelope]] = []
        self._seen: set[str] = set()
        self._consumers: dict[str, _Consumer] = {}
        self.duplicates = 0
        self._stored: asyncio.Event | None = None  # set by publish: wakes waiting pulls

    async def publish(self, envelope: Envelope) -> None:
        if not self.available:
            raise unavailable("in-process transport is down")
        if self.deduplicate and envelope.message_id in self._seen:
            self.duplicates += 1
            return
        self._seen.add(envelope.message_id)
        self.log.append((envelope.subject(self.root), envelope))
        if self._stored is not None:
            self._stored.set()

    async def publish_many(self, envelopes: Sequence[Envelope]) -> int:
        stored = 0
        for envelope in envelopes:
            try:
                await self.publish(envelope)
            except JichiError:
                if stored:
                    return stored  # like JetStream: the prefix is stored, the rest is not
                raise
            stored += 1
        return stored

    def _take(self, consumer: str, subjects: str, batch: int) -> tuple[_Consumer, list[int]]:
        if not self.available:
            raise unavailable("in-process transport is down")
        state = self._consumers.setdefault(consumer, _Consumer(subjects))
        redeliver, state.unacked = state.unacked, []
        todo = list(redeliver)
        while len(todo) < batch and state.position < len(self.log):
            if subject_matches(subjects, self.log[state.position][0]):
                todo.append(state.position)
            state.position += 1
        return state, todo

    async def pull(
        self, consumer: str, subjects: str, handler: Handler, *, batch: int = 100
    ) -> int:
        state, todo = self._take(consumer, subjects, batch)
        for index, position in enumerate(todo):
            try:
                await handler(self.log[position][1])
            except BaseException:
                state.unacked.extend(todo[index:])  # not acknowledged: delivered again
                raise
        return len(todo)

    async def pull_batch(
        self,
        consumer: str,
        subjects: str,
        handler: BatchHandler,
        *,
        batch: int = 100,
        wait: float | None = None,
    ) -> int:
        state, todo = self._take(consumer, subjects, batch)
        if not todo and wait:
            if self._stored is None:
                self._stored = asyncio.Event()
            self._stored.clear()  # no await since _take: nothing stored in between
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stored.wait(), wait)
            state, todo = self._take(consumer, subjects, batch)
        if not todo:
            return 0
        try:
            await handler([self.log[position][1] for position in todo])
        except BaseException:
            state.unacked.extend(todo)  # not acknowledged: delivered again
            raise
        return len(todo)

    async def subscribe(
        self, consumer: str, subjects: str, handler: BatchHandler, *, idle: float = 0.05
    ) -> Subscription:
        return Subscription(self, consumer, subjects, handler, idle)

    async def close(self) -> None:
        self.available = False


class NatsTransport:
    """NATS JetStream: one durable stream over ``<root>.>``, durable pull consumers.

    Each envelope is published with the ``Nats-Msg-Id`` header set to its message id,
    so JetStream drops a re-publish inside the duplicate window; a consumer acknowledges
    a message only after the handler (and so the inbox transaction) has committed.
    Nothing connects at construction: the first publish or pull does, and a broker that
    is down raises NET-003 until it is back (the client then reconnects on its own).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        stream: str = "JICHI",
        root: str = SUBJECT_ROOT,
        duplicate_window: float = 3600.0,
        ack_wait: float = 30.0,
        timeout: float = 2.0,
        fetch_wait: float = 0.5,
        replicas: int | None = None,
    ) -> None:
        self.url = nats_url(url)
        self.replicas = stream_replicas(replicas)
        self.stream = stream
        self.root = root
        self.duplicate_window = duplicate_window
        self.ack_wait = ack_wait
        self.timeout = timeout
        self.fetch_wait = fetch_wait
        self._nc: Any = None
        self._js: Any = None
        self._subs: dict[str, Any] = {}

    async def connect(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            return
        try:
            nc = await nats.connect(
                servers=nats_servers(self.url),
                connect_timeout=self.timeout,
                reconnect_time_wait=0.25,
                max_reconnect_attempts=1,  # a first connection fails fast ...
                error_cb=_quiet,
                disconnected_cb=_noop,
                reconnected_cb=_noop,
            )
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise unavailable(f"cannot connect to {self.url}: {type(exc).__name__}") from exc
        nc.options["max_reconnect_attempts"] = -1  # ... an established one never gives up
        self._nc = nc
        self._js = nc.jetstream(timeout=self.timeout)
        try:
            await self._ensure_stream()
        except BaseException:
            await self.close()
            raise

    async def _ensure_stream(self) -> None:
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{self.root}.>"],
            duplicate_window=self.duplicate_window,
            num_replicas=self.replicas,
        )
        try:
            await self._js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            await self._js.add_stream(config)
        except (TimeoutError, nats.errors.Error) as exc:
            raise unavailable(f"stream {self.stream}: {type(exc).__name__}") from exc

    async def publish(self, envelope: Envelope) -> None:
        await self.connect()
        try:
            await self._js.publish(
                envelope.subject(self.root),
                envelope.encode(),
                stream=self.stream,
                headers={"Nats-Msg-Id": envelope.message_id},
            )
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise unavailable(f"publish to {self.stream}: {type(exc).__name__}") from exc

    async def publish_many(self, envelopes: Sequence[Envelope]) -> int:
        """Send the batch in order without waiting in between, then await every
        acknowledgement together (within ``timeout``): how many leading envelopes the
        stream stored.  A later one stored after an earlier failure is harmless — its
        row stays unsent, is published again, and de-duplication drops it."""
        if not envelopes:
            return 0
        await self.connect()
        futures: list[asyncio.Future[Any]] = []
        try:
            for envelope in envelopes:
                futures.append(
                    await self._js.publish_async(
                        envelope.subject(self.root),
                        envelope.encode(),
                        stream=self.stream,
                        headers={"Nats-Msg-Id": envelope.message_id},
                    )
                )
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            log.warning("publish to %s: %s", self.stream, type(exc).__name__)
        if not futures:
            raise unavailable(f"publish to {self.stream}: nothing sent")
        done, pending = await asyncio.wait(futures, timeout=self.timeout)
        for future in pending:
            future.cancel()
        stored = 0
        for future in futures:
            if future not in done or future.cancelled() or future.exception() is not None:
                break
            stored += 1
        if stored == 0:
            first = futures[0]
            cause = "timeout" if first in pending else type(first.exception()).__name__
            raise unavailable(f"publish to {self.stream}: {cause}")
        return stored

    async def _subscription(self, consumer: str, subjects: str) -> Any:
        sub = self._subs.get(consumer)
        if sub is None:
            sub = await self._js.pull_subscribe(
                subjects,
                durable=consumer,
                stream=self.stream,
                config=ConsumerConfig(ack_wait=self.ack_wait),
            )
            self._subs[consumer] = sub
        return sub

    async def pull_batch(
        self,
        consumer: str,
        subjects: str,
        handler: BatchHandler,
        *,
        batch: int = 100,
        wait: float | None = None,
    ) -> int:
        """Fetch up to ``batch`` messages (waiting up to ``wait`` seconds, default
        ``fetch_wait``, for the first: a long poll that returns as soon as one is
        stored), hand them to ``handler`` at once, then acknowledge them all; if the
        handler raises, every one is handed back (nak) for redelivery."""
        await self.connect()
        try:
            sub = await self._subscription(consumer, subjects)
            try:
                messages = await sub.fetch(batch, timeout=wait or self.fetch_wait)
            except TimeoutError:  # nothing to deliver within the wait
                return 0
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise unavailable(f"pull {consumer}: {type(exc).__name__}") from exc
        good: list[Any] = []
        envelopes: list[Envelope] = []
        for msg in messages:
            try:
                envelopes.append(Envelope.decode(msg.data))
            except JichiError as exc:
                log.error("consumer %s: dropping a malformed message: %s", consumer, exc)
                await msg.term()
                continue
            good.append(msg)
        if envelopes:
            try:
                await handler(envelopes)
            except BaseException:
                for unhandled in good:
                    with contextlib.suppress(Exception):
                        await unhandled.nak()
                raise
            for msg in good:
                await msg.ack()
        return len(messages)

    async def pull(
        self, consumer: str, subjects: str, handler: Handler, *, batch: int = 100
    ) -> int:
        await self.connect()
        try:
            sub = await self._subscription(consumer, subjects)
            try:
                messages = await sub.fetch(batch, timeout=self.fetch_wait)
            except TimeoutError:  # nothing to deliver within fetch_wait
                return 0
        except (TimeoutError, OSError, nats.errors.Error) as exc:
            raise unavailable(f"pull {consumer}: {type(exc).__name__}") from exc
        for index, msg in enumerate(messages):
            try:
                envelope = Envelope.decode(msg.data)
            except JichiError as exc:
                log.error("consumer %s: dropping a malformed message: %s", consumer, exc)
                await msg.term()
                continue
            try:
                await handler(envelope)
            except BaseException:
                # Not applied: hand it and the rest of the batch back for redelivery now
                # rather than after ack_wait (the inbox re-orders whatever comes back).
                for unhandled in messages[index:]:
                    with contextlib.suppress(Exception):
                        await unhandled.nak()
                raise
            await msg.ack()
        return len(messages)

    async def subscribe(
        self, consumer: str, subjects: str, handler: BatchHandler, *, idle: float = 0.2
    ) -> Subscription:
        return Subscription(self, consumer, subjects, handler, idle)

    async def delete_stream(self) -> None:
        """For tests and operators: drop the stream and every consumer on it."""
        await self.connect()
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self._js.delete_stream(self.stream)
        self._subs.clear()

    async def close(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        self._subs.clear()
        if nc is not None and not nc.is_closed:
            with contextlib.suppress(Exception):
                await nc.close()


async def _quiet(exc: Exception) -> None:
    log.debug("nats: %s", exc)


async def _noop() -> None:
    return None

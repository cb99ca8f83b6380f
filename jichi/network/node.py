"""A municipality node: one municipality's registry and its link to the network.

A node owns one database (its registry, outbox, inbox and tasks) and one transport:

* :meth:`Node.send` runs the outbox relay — what the counter committed goes out, at
  least once and in order; with the transport down it sends nothing and returns 0,
  and the counter keeps working (the rows queue);
* :meth:`Node.receive` pulls the messages addressed to ``municipality.<lg_code>.>``
  and applies them through :func:`jichi.network.inbox.receive_many` — at most once, in
  order per chain, the handlers' writes and the inbox rows of a pulled batch in one
  transaction; what that commits to the outbox (replies) wakes the relay at once;
* :meth:`Node.start` / :meth:`Node.stop` do both in the background (production).

Handlers live in :mod:`jichi.network.flows`, one module per message, and register
themselves by message kind in :mod:`jichi.network.flows.dispatch`; the node dispatches
by kind and imports no flow (nor does a flow import the node: it sees it as
:class:`~jichi.network.flows.dispatch.NodeContext`).  They act on the registry as
:attr:`Node.system`, the node's own actor (``system:network``), so every change a
message causes is audited as the network's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from jichi.kernel.clock import now as clock_now
from jichi.kernel.deadlines import Calendar
from jichi.kernel.errors import JichiError
from jichi.network import errors as ne
from jichi.network import inbox
from jichi.network.flows import dispatch
from jichi.network.flows import errors as e
from jichi.network.flows.settings import FlowSettings
from jichi.network.flows.tasks import Task, TaskKind, open_task, tasks
from jichi.network.messages import Envelope
from jichi.network.relay import Relay
from jichi.network.transport import Subscription, Transport
from jichi.registry.roll_forward import roll_forward
from jichi.registry.service import JST, EventListener, Registry
from jichi.security.actor import Actor, Role
from jichi.security.crypto import FieldCipher
from jichi.store.engine import write_transaction

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:network"


class Node:
    def __init__(
        self,
        engine: Engine,
        lg_code: str,
        transport: Transport,
        *,
        cipher: FieldCipher,
        settings: FlowSettings | None = None,
        calendar: Calendar | None = None,
        clock: Callable[[], datetime] = clock_now,
        batch_size: int = 100,
        listeners: Sequence[EventListener] = (),
    ) -> None:
        """``listeners`` go to the node's Registry, so moves arriving over the network
        (転入通知, 転出確定) reach the same in-process listeners as the counter's (ADR 0011);
        the creator (``jichi network node``) passes them — the network never imports My Number.
        """
        self.engine = engine
        self.lg_code = lg_code
        self.transport = transport
        self.settings = settings or FlowSettings()
        self.calendar = calendar or Calendar()
        self.clock = clock
        self.registry = Registry(
            engine, lg_code, cipher, calendar=self.calendar, clock=clock, listeners=listeners
        )
        self.relay = Relay(engine, transport, batch_size=batch_size, clock=clock)
        self.system = Actor(SYSTEM_ACTOR, lg_code, Role.SUPERVISOR.value)
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Subscription | None = None
        self._stop = asyncio.Event()

    # -- names ------------------------------------------------------------------------

    @property
    def consumer(self) -> str:
        """The durable consumer: one per node, so it resumes where it stopped."""
        return f"node-{self.lg_code}"

    @property
    def subjects(self) -> str:
        return f"{self.transport.root}.municipality.{self.lg_code}.>"

    def today(self) -> date:
        return self.clock().astimezone(JST).date()

    # -- sending and receiving -----------------------------------------------------------

    async def send(self) -> int:
        """Publish everything unsent; 0 (rows kept) when the transport is down."""
        try:
            return await self.relay.run_until_idle()
        except JichiError as exc:
            if exc.kind is not ne.TRANSPORT_UNAVAILABLE:
                raise
            log.warning("node %s: %s", self.lg_code, exc.message_en)
            return 0

    async def receive(self, *, batch: int = 100) -> int:
        """Pull one batch addressed to this municipality and apply it."""
        return await self.transport.pull_batch(
            self.consumer, self.subjects, self.handle_batch, batch=batch
        )

    async def receive_all(self) -> int:
        total = 0
        while count := await self.receive():
            total += count
        return total

    async def handle(self, envelope: Envelope) -> None:
        inbox.receive(self.engine, envelope, self.apply, clock=self.clock)
        self.relay.wake()

    async def handle_batch(self, envelopes: list[Envelope]) -> None:
        inbox.receive_many(self.engine, envelopes, self.apply, clock=self.clock)
        self.relay.wake()  # replies the handlers committed go out now

    def apply(self, conn: Connection, envelope: Envelope) -> None:
        """Dispatch one message to its flow, inside the inbox transaction."""
        parts = envelope.topic.split(".")
        handler = dispatch.handler_for(parts[-1]) if len(parts) == 3 else None
        if handler is None or parts[:2] != ["municipality", self.lg_code]:
            open_task(
                conn,
                lg_code=self.lg_code,
                kind=TaskKind.UNKNOWN_MESSAGE,
                subject_key=envelope.message_id,
                reason=JichiError(
                    e.NOT_APPLIED,
                    what=f"メッセージ（{envelope.topic}）",
                    what_en=f"message ({envelope.topic})",
                    code="-",
                    detail="このノードには処理がありません",
                    detail_en="this node has no handler for it",
                ),
                now=self.clock(),
                detail={"topic": envelope.topic, "sender": envelope.sender},
            )
            return
        handler(self, conn, envelope)

    # -- jobs ---------------------------------------------------------------------------

    def sweep(self, today: date | None = None) -> list[str]:
        """The daily jobs the flows registered (residence-check tasks for move-outs
        overdue a 転入通知), in one transaction: the keys of what they opened.

        Planned move-outs whose day has come become 除票 first (the registry's own daily
        roll-forward), so the jobs see them.
        """
        day = today or self.today()
        opened: list[str] = []
        with write_transaction(self.engine) as conn:
            roll_forward(conn, self.lg_code, day, self.clock())
            for _name, job in dispatch.daily_jobs():
                opened += job(self, conn, day)
        return opened

    def tasks(self, kind: TaskKind | None = None) -> list[Task]:
        with self.engine.connect() as conn:
            return tasks(conn, self.lg_code, kind)

    # -- background loop ---------------------------------------------------------------

    async def start(self, *, idle: float = 0.2, max_backoff: float = 30.0) -> None:
        self._stop.clear()
        self._tasks.append(
            asyncio.create_task(self.relay.run(self._stop, idle=idle, max_backoff=max_backoff))
        )
        self._subscription = await self.transport.subscribe(
            self.consumer, self.subjects, self.handle_batch, idle=idle
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._subscription is not None:
            await self._subscription.stop()
            self._subscription = None
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

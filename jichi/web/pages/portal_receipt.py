"""The old municipality receives a signed online 転出届 (引越しワンストップ, ADR 0025).

This is the composition step the portal page calls; it joins three contexts that may not
import each other (My Number's signature checks and reservations, the network's online
move-out, the registry's commands), which only the edge may do.  In order:

1. the 署名用 signature, chain, validity and **status at receipt** (the CA's records);
2. the signer is the signed-in resident and the document is for this municipality;
3. the 来庁予定日 rule; the 転出届 then goes through the registry's normal channel
   (:func:`jichi.network.flows.card_move.file_online_move_out`: household, age, window,
   and every registry rule), with the registry listeners that revoke the signing
   certificate the 転出 makes stale;
4. the card's move clock starts (特例転出) for every mover holding a card, and the
   来庁予定 is booked for the destination — one transaction for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from pydantic import ValidationError

from jichi.kernel.errors import JichiError
from jichi.mynumber import wiring as mynumber_wiring
from jichi.mynumber.card_store import CardStore
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.errors import NOT_ENABLED
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal import errors as pe
from jichi.mynumber.portal.move_out_form import OnlineMoveOut, check_visit
from jichi.mynumber.portal.reader import ReaderOutput
from jichi.mynumber.portal.signatures import check
from jichi.network.flows.card_move import file_online_move_out
from jichi.network.flows.settings import FlowSettings
from jichi.network.flows.visit_reservation import ReservationStore
from jichi.network.node import Node
from jichi.registry import repository as repo
from jichi.registry.service import JST, Registry
from jichi.security.actor import Actor, Role
from jichi.store.engine import write_transaction
from jichi.web.pages.remote_copy import CounterOnlyTransport


@dataclass(frozen=True)
class Receipt:
    notification_id: str
    reservation_id: str


def cas_of(request: Request) -> CaSet:
    jpki = getattr(request.app.state, "jpki", None)
    if jpki is None:
        raise JichiError(NOT_ENABLED)
    cas: CaSet = jpki.cas
    return cas


def portal_node(request: Request, registry: Registry) -> Node:
    """A node over the served registry whose Registry carries the My Number listeners."""
    state = request.app.state
    node: Node | None = getattr(state, "portal_node", None)
    if node is None or node.lg_code != registry.lg_code:
        node = Node(
            registry.engine,
            registry.lg_code,
            CounterOnlyTransport(),
            cipher=registry.cipher,
            settings=getattr(state, "flow_settings", None) or FlowSettings(),
            calendar=registry.calendar,
            clock=registry.clock,
            listeners=mynumber_wiring.registry_listeners(),
        )
        state.portal_node = node
    return node


def receive(
    node: Node,
    cas: CaSet,
    person_id: str,
    document: bytes,
    output: ReaderOutput,
    now: datetime,
) -> Receipt:
    registry = node.registry
    signer = check(registry.engine, cas, output, document, Purpose.SIGN, now)
    form = OnlineMoveOut.parse(document)
    if signer.person_id != person_id or form.filer_person_id != person_id:
        raise JichiError(pe.SIGNER_MISMATCH, field="signature")
    if form.lg_code != registry.lg_code or signer.lg_code != registry.lg_code:
        raise JichiError(pe.NOT_A_RESIDENT_HERE, field="document")
    check_visit(form.planned_date, form.visit_on)
    try:
        cmd = registry.parse(
            {
                "kind": "move_out",
                "person_ids": form.person_ids,
                "planned_date": form.planned_date.isoformat(),
                "destination": form.destination,
            }
        )
    except ValidationError:
        raise JichiError(
            pe.BAD_DOCUMENT, field="document", reason="転出届の項目", reason_en="move-out fields"
        ) from None
    cards = CardStore(
        registry.engine,
        registry.lg_code,
        listeners=mynumber_wiring.card_listeners(),
        actor=registry_actor(registry, person_id),
        audit_key=registry.cipher.audit_key,
    )
    holders = {pid: card for pid in form.person_ids if (card := cards.live_card_of(pid))}
    with registry.engine.connect() as conn:
        filer = repo.load_records(conn, {person_id}).get(person_id)
    if filer is None or not filer.resident_code:  # the new counter finds the data by it
        raise JichiError(pe.NO_RESIDENT_CODE, field="filer_person_id")
    applied = file_online_move_out(node, cmd, filer_id=person_id, card_holder_ids=list(holders))
    today = now.astimezone(JST).date()
    for card in holders.values():
        cards.move_out(card.card_id, form.planned_date, today)
    with write_transaction(registry.engine) as conn:
        records = repo.load_records(conn, set(form.person_ids))
        reservation_id = ReservationStore(registry.lg_code).book(
            conn,
            destination_lg_code=str(form.destination.get("lg_code", "")),
            notification_id=applied.notification_id,
            filer_person_id=person_id,
            resident_code=records[person_id].resident_code,
            visit_on=form.visit_on,
            planned_date=form.planned_date,
            persons=[
                {"name": records[pid].name.text(), "card_holder": pid in holders}
                for pid in form.person_ids
            ],
            destination=dict(form.destination),
            signer_serial=signer.serial,
            now=now,
        )
    return Receipt(applied.notification_id, reservation_id)


def registry_actor(registry: Registry, person_id: str) -> Actor:
    """The actor the network's online move-out records (``online:<person>``), for the card."""
    return Actor(f"online:{person_id}", registry.lg_code, Role.CLERK.value)

"""The fee of each certificate, recorded in the certificate's own issue transaction.

The certificate page passes :func:`recorder` to
:func:`jichi.registry.certificates.issue` as its ``after_store``: when the certificate
row is written, the ``certificate_charge`` row is written beside it (the fee from the
municipality's table, or 0 with the exemption and its reason), with the requester type,
the 本人確認書類 and the 委任状 seen, and the 受付 it belongs to.  Either both exist
or neither: the 日計表's balance rests on it.  A proxy's request must record the
委任状 (:func:`jichi.registry.requester_identity.check_power_of_attorney`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection

from jichi.registry.certificates.model import Certificate, CertificateRequest
from jichi.registry.counter_day.fees import check_exemption, fee_table
from jichi.registry.counter_day.tables import certificate_charge
from jichi.registry.requester_identity import check_power_of_attorney
from jichi.registry.service import JST
from jichi.security.actor import Actor

AfterStore = Callable[[Connection, Certificate], None]


@dataclass(frozen=True)
class Charge:
    """What the counter adds to a certificate request: the fee side of it."""

    exemption: str = ""
    exemption_note: str = ""
    reception_id: str | None = None
    power_of_attorney: bool = False


def check(request: CertificateRequest, charge: Charge) -> None:
    """Refuse before anything is issued: the exemption's reason and the 委任状."""
    check_exemption(charge.exemption, charge.exemption_note)
    check_power_of_attorney(request.requester, charge.power_of_attorney)


def recorder(
    request: CertificateRequest, charge: Charge, clerk: Actor, *, standard_fee: int | None = None
) -> AfterStore:
    """The ``after_store`` that records ``charge`` for the certificate just stored.

    The fee is the issuing municipality's table's, unless ``standard_fee`` is given (a copy
    issued under a 事務の委託 whose contract applies the entrusting member's rules: its
    fee comes with the holder's answer).
    """
    check(request, charge)
    exemption = charge.exemption or ("official_use" if request.official_use else "")

    def record(conn: Connection, cert: Certificate) -> None:
        if standard_fee is None:
            standard = fee_table(conn, cert.lg_code).fee(cert.kind)
        else:
            standard = standard_fee
        conn.execute(
            certificate_charge.insert().values(
                lg_code=cert.lg_code,
                serial=cert.serial,
                issued_on=cert.issued_at.astimezone(JST).date(),
                kind=cert.kind.value,
                reception_id=charge.reception_id or None,
                standard_fee_yen=standard,
                fee_yen=0 if exemption else standard,
                exemption=exemption,
                exemption_note=charge.exemption_note.strip(),
                requester_type=request.requester.type.value,
                id_document=request.requester.id_document,
                power_of_attorney=charge.power_of_attorney,
                receipt_number=None,
                charged_at=cert.issued_at,
                clerk=clerk.staff_id,
            )
        )

    return record


def charge_of(conn: Connection, lg_code: str, serial: str) -> sa.Row[tuple[object, ...]] | None:
    return conn.execute(
        sa.select(certificate_charge).where(
            certificate_charge.c.lg_code == lg_code, certificate_charge.c.serial == serial
        )
    ).first()

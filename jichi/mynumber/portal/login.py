"""Portal login: the challenge signed with the 利用者証明用 key inside the card (ADR 0025).

1. :func:`jichi.mynumber.portal.challenge.issue` gives the page a fresh challenge.
2. The resident's card reader signs it (:class:`jichi.mynumber.portal.reader.CardReader`).
3. :func:`authenticate` burns the challenge (committed on its own, so a refused
   signature cannot be retried with it), then checks the certificate and signature
   (:func:`jichi.mynumber.portal.signatures.check`) and that the certificate was issued by
   this municipality.  The result names the person; the caller binds the session to the
   person and the municipality.  The 利用者証明用 certificate carries no personal data:
   the person is found through the CA's issuance record, never through a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki.ca import CaSet
from jichi.mynumber.jpki.token import Purpose
from jichi.mynumber.portal import challenge
from jichi.mynumber.portal import errors as e
from jichi.mynumber.portal.reader import ReaderOutput
from jichi.mynumber.portal.signatures import check
from jichi.store.engine import write_transaction


@dataclass(frozen=True)
class SignedIn:
    person_id: str
    lg_code: str
    serial: str  # the 利用者証明用 certificate used


def authenticate(
    engine: Engine,
    cas: CaSet,
    lg_code: str,
    challenge_text: str,
    output: ReaderOutput,
    now: datetime,
) -> SignedIn:
    with write_transaction(engine) as conn:
        challenge.consume(conn, lg_code, challenge_text, now)
    row = check(engine, cas, output, challenge_text.encode("utf-8"), Purpose.AUTH, now)
    if row.lg_code != lg_code:
        raise JichiError(e.NOT_A_RESIDENT_HERE, field="certificate")
    return SignedIn(row.person_id, row.lg_code, row.serial)

"""JPKI over HTTP: the OCSP responder (RFC 6960) and verification for relying parties.

``POST /jpki/ocsp`` takes ``application/ocsp-request``; ``GET /jpki/ocsp/{base64}`` the
RFC 6960 Appendix A GET form.  Both need a registered verifier's bearer token
(``Authorization: Bearer …``); without one the answer is the OCSP ``unauthorized`` status.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jichi.kernel.errors import JichiError
from jichi.mynumber.jpki import errors as e
from jichi.mynumber.jpki.service import Jpki
from jichi.mynumber.jpki.verifiers import bearer

router = APIRouter(prefix="/jpki", tags=["jpki"])
OCSP_RESPONSE = "application/ocsp-response"
MAX_REQUEST = 64 * 1024


def _jpki(request: Request) -> Jpki:
    jpki: Jpki | None = getattr(request.app.state, "jpki", None)
    if jpki is None:
        raise JichiError(e.NOT_ENABLED)
    return jpki


@router.post("/ocsp", response_class=Response)
async def ocsp_post(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Response:
    body = await request.body()
    if len(body) > MAX_REQUEST:
        raise JichiError(e.BAD_OCSP_REQUEST, field="body")
    # the answer signs with RSA and writes the query log: off the event loop
    der = await run_in_threadpool(_jpki(request).responder.answer, body, bearer(authorization))
    return Response(der, media_type=OCSP_RESPONSE)


@router.get("/ocsp/{encoded:path}", response_class=Response)
def ocsp_get(
    encoded: str, request: Request, authorization: Annotated[str | None, Header()] = None
) -> Response:
    try:
        der = base64.b64decode(unquote(encoded), validate=False)
    except (binascii.Error, ValueError):
        der = b""
    answer = _jpki(request).responder.answer(der, bearer(authorization))
    return Response(answer, media_type=OCSP_RESPONSE)


class VerifyIn(BaseModel):
    certificate: Annotated[str, Field(max_length=20000, description="PEM")]
    payload_base64: str | None = Field(default=None, max_length=2_000_000)
    signature_base64: str | None = Field(default=None, max_length=4096)


def _b64(value: str | None, field: str) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise JichiError(e.BAD_SIGNATURE_INPUT, field=field) from None


@router.post("/verify")
def verify_certificate(
    body: VerifyIn, request: Request, authorization: Annotated[str | None, Header()] = None
) -> dict[str, object]:
    """Chain, validity, signature and status, with every failure as a JPKI-0xx reason."""
    result = _jpki(request).verify_for(
        bearer(authorization),
        body.certificate.encode("ascii", "replace"),
        payload=_b64(body.payload_base64, "payload_base64"),
        signature=_b64(body.signature_base64, "signature_base64"),
    )
    return result.to_dict()

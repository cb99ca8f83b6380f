"""Bearer-token authentication: every API call acts as one staff member of the served municipality.

The served municipality (``app.state.tenant``, set once by :func:`jichi.web.app.create_app`)
is passed to :func:`jichi.security.staff.authenticate`, which refuses a token of any other
municipality (AUTH-010) and every token on a server that serves none (AUTH-011).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.security.staff import UNAUTHENTICATED, authenticate
from jichi.security.tenancy import Tenant

bearer = HTTPBearer(auto_error=False, description="jichi_… token from `jichi staff token`")


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None:
        raise JichiError(UNAUTHENTICATED)
    with request.app.state.engine.connect() as conn:
        return authenticate(conn, credentials.credentials, served=served_tenant(request))


def served_tenant(request: Request) -> Tenant | None:
    """The municipality this app serves (None: it serves none, so no staff may sign in)."""
    tenant: Tenant | None = getattr(request.app.state, "tenant", None)
    return tenant


CurrentActor = Annotated[Actor, Depends(current_actor)]

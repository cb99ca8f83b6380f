"""Bearer-token authentication: every API call acts as one staff member."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from jichi.kernel.errors import JichiError
from jichi.security.actor import Actor
from jichi.security.staff import UNAUTHENTICATED, authenticate

bearer = HTTPBearer(auto_error=False, description="jichi_… token from `jichi staff token`")


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None:
        raise JichiError(UNAUTHENTICATED)
    with request.app.state.engine.connect() as conn:
        return authenticate(conn, credentials.credentials)


CurrentActor = Annotated[Actor, Depends(current_actor)]

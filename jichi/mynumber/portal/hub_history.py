"""やりとり履歴 from the exchange hub, as マイナポータル fetches it (ADR 0032).

The hub is another system on another machine (the Digital Agency's); the portal asks it
over HTTP with the portal's own credential (``jichi hub credential --portal``), which
reads histories and nothing else.  The signed-in person's resident code goes in the JSON
body — never in the URL, which proxies and access logs keep — and never into a log line
or an error message here.  What comes back is already filtered by the hub: 不開示
records (番号法23条2項) are not sent at all, so the portal cannot show them by mistake.

Configuration: ``JICHI_HUB_URL`` (the hub app's base URL) and
``JICHI_HUB_PORTAL_CREDENTIAL``; without both the portal says the history is not
available (nothing is guessed).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from jichi.kernel.errors import JichiError
from jichi.mynumber.hub.history import HistoryEntry
from jichi.mynumber.portal import errors as e

__all__ = ["HistorySource", "HubHistoryClient", "from_env"]

ENV_URL = "JICHI_HUB_URL"
ENV_CREDENTIAL = "JICHI_HUB_PORTAL_CREDENTIAL"
PATH = "/v1/portal/history"
MAX_ANSWER = 4 << 20  # 1,000 records fit in well under this


class HistorySource(Protocol):
    """Where the portal reads a person's やりとり履歴 from."""

    def history(self, resident_code: str) -> list[HistoryEntry]: ...


@dataclass(frozen=True)
class HubHistoryClient:
    """The hub's ``POST /v1/portal/history`` with the portal's credential."""

    base_url: str
    credential: str
    timeout: float = 5.0
    limit: int = 500

    def history(self, resident_code: str) -> list[HistoryEntry]:
        body = json.dumps({"resident_code": resident_code, "limit": self.limit}).encode()
        request = urllib.request.Request(
            self.base_url.rstrip("/") + PATH,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.credential}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read(MAX_ANSWER + 1)
        except urllib.error.HTTPError as refused:
            code = _problem_code(refused)
            raise JichiError(e.HUB_REFUSED, status=refused.code, code=code) from None
        except (urllib.error.URLError, TimeoutError, OSError):
            raise JichiError(e.HUB_UNAVAILABLE) from None
        try:
            if len(raw) > MAX_ANSWER:
                raise ValueError("answer too large")
            return [_entry(r) for r in json.loads(raw)["records"]]
        except (ValueError, KeyError, TypeError):
            raise JichiError(e.HUB_UNAVAILABLE) from None


def from_env(environ: Mapping[str, str] | None = None) -> HubHistoryClient | None:
    """The client the environment configures, or None when the hub is not configured."""
    env = os.environ if environ is None else environ
    url = env.get(ENV_URL, "").strip()
    credential = env.get(ENV_CREDENTIAL, "").strip()
    if not url or not credential:
        return None
    return HubHistoryClient(url, credential)


def _problem_code(refused: urllib.error.HTTPError) -> str:
    """The hub's problem code (HUB-0xx), for the message; the body says no more."""
    try:
        code = str(json.loads(refused.read(65536)).get("code", ""))
    except (ValueError, AttributeError, OSError):
        return "-"
    return code[:20] if code.startswith("HUB-") else "-"


def _entry(r: Mapping[str, Any]) -> HistoryEntry:
    provided = r.get("provided_at")
    return HistoryEntry(
        exchange_id=str(r["exchange_id"]),
        requested_at=datetime.fromisoformat(str(r["requested_at"])),
        provided_at=datetime.fromisoformat(str(provided)) if provided else None,
        requester_id=str(r["requester_id"]),
        requester_name=str(r["requester_name"]),
        provider_id=str(r["provider_id"]),
        provider_name=str(r["provider_name"]),
        affair_id=str(r["affair_id"]),
        affair_name=str(r["affair_name"]),
        item_id=str(r["item_id"]),
        item_name=str(r["item_name"]),
        result=str(r["result"]),
    )

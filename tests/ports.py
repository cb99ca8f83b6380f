"""Free loopback ports for the servers tests start (uvicorn, NATS, PostgreSQL)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port nobody listens on now (the kernel picks it; a race with another process is possible
    but harmless here: the server that then fails to bind fails its test loudly)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

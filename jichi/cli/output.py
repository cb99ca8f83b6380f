"""How every command reports a :class:`JichiError`: one place, so exit codes agree."""

from __future__ import annotations

import json
from typing import Any

import typer

from jichi.kernel.errors import JichiError

EXIT_REJECTED = 1
EXIT_REFUSED = 2
"""No credential, a wrong one, another municipality's or a role without the right."""
REFUSAL_CODES = frozenset(
    {"AUTH-001", "AUTH-002", "AUTH-024", "CLI-001", "CLI-002", "CLI-003", "CLI-004"}
)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False))


def error_payload(error: JichiError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message_ja": error.message_ja,
        "message_en": error.message_en,
        "field": error.field,
    }


def fail(error: JichiError) -> typer.Exit:
    """Print the error for a person (stderr) and return the exit to raise."""
    typer.echo(f"{error.code}: {error.message_ja}", err=True)
    typer.echo(f"{error.code}: {error.message_en}", err=True)
    return typer.Exit(EXIT_REFUSED if error.code in REFUSAL_CODES else EXIT_REJECTED)

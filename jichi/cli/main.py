"""The ``jichi`` command: one Typer app that mounts each context's commands."""

from __future__ import annotations

import typer

from jichi.cli import audit as audit_cli
from jichi.cli import auth as auth_cli
from jichi.cli import backup as backup_cli
from jichi.cli import center as center_cli
from jichi.cli import counter_day as counter_day_cli
from jichi.cli import db as db_cli
from jichi.cli import elections as elections_cli
from jichi.cli import era as era_cli
from jichi.cli import errors as errors_cli
from jichi.cli import funds as funds_cli
from jichi.cli import hub as hub_cli
from jichi.cli import ids as ids_cli
from jichi.cli import jpki as jpki_cli
from jichi.cli import mynumber as mynumber_cli
from jichi.cli import network as network_cli
from jichi.cli import places as places_cli
from jichi.cli import registry as registry_cli
from jichi.cli import serve as serve_cli
from jichi.cli import staff as staff_cli
from jichi.cli import stats as stats_cli

app = typer.Typer(
    name="jichi",
    help="jichi (自治): 自治体の基幹業務 — registry, network, My Number, elections, funds.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main(context: typer.Context) -> None:
    """jichi (自治): 自治体の基幹業務 — registry, network, My Number, elections, funds."""
    context.call_on_close(auth_cli.dispose_engines)


app.add_typer(ids_cli.app, name="id")
app.command("era")(era_cli.era)
app.add_typer(places_cli.app, name="places")
app.add_typer(db_cli.app, name="db")
app.add_typer(registry_cli.app, name="registry")
app.add_typer(staff_cli.app, name="staff")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(center_cli.app, name="center")
app.add_typer(network_cli.app, name="network")
app.add_typer(elections_cli.app, name="elections")
app.add_typer(funds_cli.app, name="funds")
app.add_typer(jpki_cli.app, name="jpki")
app.add_typer(stats_cli.app, name="stats")
app.add_typer(mynumber_cli.app, name="mynumber")
app.add_typer(hub_cli.app, name="hub")
app.add_typer(counter_day_cli.app, name="counter")
app.command("demo")(serve_cli.demo)
app.command("serve")(serve_cli.serve)
app.command("errors")(errors_cli.errors)
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)

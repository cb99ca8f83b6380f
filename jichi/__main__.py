"""Allows ``python -m jichi`` as well as the ``jichi`` script."""

from jichi.cli.main import app

app(prog_name="jichi")

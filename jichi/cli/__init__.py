"""Typer commands: thin adapters over the contexts."""

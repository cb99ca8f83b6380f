"""The exchange hub's HTTP API for agencies (its own app, like the center's)."""

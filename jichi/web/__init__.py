"""FastAPI: JSON API routers and server-rendered pages (thin adapters)."""

"""Storage: engine factory, table metadata, Alembic migrations."""

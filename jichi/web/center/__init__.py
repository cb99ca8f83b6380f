"""The national center's own web process (``jichi center serve``), apart from a municipality's."""

"""選挙 (elections): the voter roll, counting (按分) and seat allocation.

Pure rules over plain values (``seats``, ``apportion``, ``thresholds``, ``roll``): the
law is arithmetic and dates, so it is tested without a database.  Only ``jichi.web``
and ``jichi.cli`` import this package (import-linter contract in ``pyproject.toml``).
"""

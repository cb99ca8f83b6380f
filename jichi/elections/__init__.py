"""選挙 (elections): the voter roll, elections, polling, counting (按分), results and seats.

Pure rules over plain values (``seats``, ``apportion``, ``thresholds``, ``roll``, ``model``,
``tally``, ``offline.replay``, ``results.fold``): the law is arithmetic and dates, so it is
tested without a database.  The ``*_store``, ``polling``, ``counting`` and ``results``
modules persist them (migrations 0030-0033).  Only ``jichi.web`` and ``jichi.cli`` import
this package (import-linter contract in ``pyproject.toml``).
"""

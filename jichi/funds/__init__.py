"""Political funds (政治資金): party subsidy, the law's dates, organisations, annual reports.

Needs no resident data and never imports :mod:`jichi.registry` (an import-linter contract).
"""

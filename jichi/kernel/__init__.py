"""Kernel: identifiers, Japanese text, era dates, typed errors. Imports nothing of jichi."""

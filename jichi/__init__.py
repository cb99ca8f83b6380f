"""jichi (自治): open-source core software for Japanese local government."""

__version__ = "0.1.0"

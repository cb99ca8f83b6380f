"""Where the Digital Agency design tokens (``@digital-go-jp/design-tokens``) are served from.

The tokens are plain CSS custom properties, installed with npm from the repository's
``package.json`` (``npm ci``) and served as they are by a StaticFiles mount at
``/static/dads`` (``jichi/web/app.py``): no copy, no build step, and the version is the
one ``package-lock.json`` pins.  ``JICHI_DESIGN_TOKENS_DIR`` points elsewhere (an
installed wheel has no ``node_modules``); without the files the pages still work, in the
browser's default colours and type.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path("node_modules") / "@digital-go-jp" / "design-tokens" / "dist"
ENV_VAR = "JICHI_DESIGN_TOKENS_DIR"
MOUNT = "/static/dads"


def design_tokens_dir() -> Path | None:
    """The folder holding ``tokens.css``, or ``None`` when npm has not installed it."""
    configured = os.environ.get(ENV_VAR, "").strip()
    candidates = [Path(configured)] if configured else []
    candidates += [Path(__file__).resolve().parents[3] / PACKAGE, Path.cwd() / PACKAGE]
    for candidate in candidates:
        if (candidate / "tokens.css").is_file():
            return candidate
    return None

"""The store's URL: the default location and a form safe to print."""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV = "DIAG_HISTORY"
# user and password as SQLAlchemy's URL parser reads them: the password runs to the first "@"
_PASSWORD = re.compile(r"(?P<head>[A-Za-z][\w+.\-]*://[^:/@]*:)(?P<pw>[^@]*)@")


def data_dir() -> Path:
    """$XDG_DATA_HOME/diag, else ~/.local/share/diag (a relative XDG path is ignored, per spec)."""
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "diag"


def default_url() -> str:
    """$DIAG_HISTORY, else a SQLite file in the user's data directory."""
    return os.environ.get(ENV) or f"sqlite:///{data_dir() / 'history.sqlite'}"


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***."""
    return _PASSWORD.sub(lambda m: m.group("head") + "***@", url)


def password_of(url: str) -> str | None:
    m = _PASSWORD.search(url)
    return m.group("pw") if m and m.group("pw") else None


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message) with the URL's password removed wherever it appears."""
    pw = password_of(url)
    out = mask_url(text)
    return out.replace(pw, "***") if pw else out

"""History of diagnoses and sweeps (SQLAlchemy Core + Alembic; SQLite default, PostgreSQL).

Nothing heavy is imported with this package (`diag --help` imports diag.history.cli): the models
(pydantic) and the store (SQLAlchemy, Alembic) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from diag.history.errors import HistoryError, HistoryUrlError
from diag.history.url import default_url, mask_url

if TYPE_CHECKING:
    from diag.history.models import (
        Chronic,
        Experience,
        HistoryRow,
        SimilarCase,
        TicketHistory,
    )
    from diag.history.store import HistoryStore, open_store

__all__ = [
    "Chronic",
    "Experience",
    "HistoryError",
    "HistoryRow",
    "HistoryStore",
    "HistoryUrlError",
    "SimilarCase",
    "TicketHistory",
    "default_url",
    "mask_url",
    "open_store",
]

_LAZY = {
    "Chronic": "models",
    "Experience": "models",
    "HistoryRow": "models",
    "SimilarCase": "models",
    "TicketHistory": "models",
    "HistoryStore": "store",
    "open_store": "store",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"diag.history.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'diag.history' has no attribute {name!r}")

"""History of diagnoses and sweeps (SQLAlchemy Core + Alembic; SQLite default, PostgreSQL).

SQLAlchemy and Alembic are imported when a store is opened, not when this package is: `diag
--help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diag.history.errors import HistoryError, HistoryUrlError
from diag.history.models import Chronic, Experience, HistoryRow, SimilarCase, TicketHistory
from diag.history.url import default_url, mask_url

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name in ("HistoryStore", "open_store"):
        from diag.history import store

        return getattr(store, name)
    raise AttributeError(f"module 'diag.history' has no attribute {name!r}")

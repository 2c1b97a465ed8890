"""The history store's errors: what to check next, never a password."""

from __future__ import annotations

from diag.errors import DiagError


class HistoryError(DiagError):
    """The store cannot be opened or used (unreachable, locked, unwritable, not diag's)."""

    exit_code = 3


class HistoryUrlError(HistoryError):
    """The --history URL cannot be used as written (syntax, unknown database kind, no driver)."""

    exit_code = 2

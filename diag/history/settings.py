"""The recurrence settings' defaults (the CLI's --count/--days, env DIAG_CHRONIC_COUNT/DAYS).

Kept apart so that `diag --help` reads them without importing pydantic or SQLAlchemy.
"""

from __future__ import annotations

from datetime import timedelta

CHRONIC_COUNT = 3  # beginnings of the same fault ...
CHRONIC_DAYS = 7.0  # ... within this many days make a circuit chronic
CONTAINMENT = timedelta(hours=24)  # DOMAIN.md §4: a recurrence needs a containment plan in 24 h

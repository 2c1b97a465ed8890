"""History tests: a real SQLite file in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from diag.history.store import HistoryStore


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'diag' / 'history.sqlite'}"


@pytest.fixture
def store(store_url: str) -> Iterator[HistoryStore]:
    from diag.history import open_store

    with open_store(store_url) as s:
        yield s

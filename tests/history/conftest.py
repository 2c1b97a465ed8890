"""History tests: a real SQLite file in tmp_path; a real PostgreSQL server (a private cluster on
a free loopback port, started once for the session and stopped after it, see TESTING.md)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.services import PG_BIN, new_database, postgres_cluster

if TYPE_CHECKING:
    from diag.history.store import HistoryStore

_databases = itertools.count(1)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'diag' / 'history.sqlite'}"


@pytest.fixture
def store(store_url: str) -> Iterator[HistoryStore]:
    from diag.history import open_store

    with open_store(store_url) as s:
        yield s


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The `postgres` database of a private cluster: one server for every test that needs one."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 server binaries not installed")
    pytest.importorskip("psycopg", reason="psycopg (the test extra) is not installed")
    with postgres_cluster() as url:
        yield url


@pytest.fixture
def pg_fresh_url(pg_url: str) -> str:
    """A new, empty database in the session's cluster: this test's store alone."""
    return new_database(pg_url, f"diag_t{os.getpid()}_{next(_databases)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store's URL on each backend: a SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    return str(request.getfixturevalue("pg_fresh_url"))

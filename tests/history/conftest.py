"""History tests: a real SQLite file in tmp_path; a real PostgreSQL server (a private cluster on
a free loopback port, started once for the session and stopped after it, see TESTING.md)."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from diag.history.store import HistoryStore

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_databases = itertools.count(1)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'diag' / 'history.sqlite'}"


@pytest.fixture
def store(store_url: str) -> Iterator[HistoryStore]:
    from diag.history import open_store

    with open_store(store_url) as s:
        yield s


def _as_owner(argv: list[str]) -> list[str]:
    # the server refuses to run as root: run it as the postgres user then
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The `postgres` database of a private cluster: one server for every test that needs one."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 server binaries not installed")
    pytest.importorskip("psycopg", reason="psycopg (the test extra) is not installed")
    folder = Path(tempfile.mkdtemp(prefix="diag-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = folder / "data"
    subprocess.run(
        _as_owner(
            [str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "diag", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data)]
    opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner([*ctl, "-l", str(folder / "log"), "-w", "-o", opts, "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://diag:not-needed-pw@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_owner([*ctl, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_fresh_url(pg_url: str) -> str:
    """A new, empty database in the session's cluster: this test's store alone."""
    import sqlalchemy as sa

    name = f"diag_t{os.getpid()}_{next(_databases)}"
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store's URL on each backend: a SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    return str(request.getfixturevalue("pg_fresh_url"))

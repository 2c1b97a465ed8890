"""The same store, migrations and queries against a real PostgreSQL server: a private cluster on
a free loopback port, started for this module and stopped after it (see TESTING.md)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from history_helpers import NOW, doc_at, with_status

from diag.history import open_store

PG_BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = pytest.mark.skipif(
    not (PG_BIN / "initdb").exists(), reason="PostgreSQL 15 server binaries not installed"
)


def _as_owner(argv: list[str]) -> list[str]:
    # the server refuses to run as root: run it as the postgres user then
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
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


def test_store_on_postgresql(pg_url: str) -> None:
    hour = timedelta(hours=1)
    with open_store(pg_url) as s:
        assert "not-needed-pw" not in s.url
        s.record(doc_at("LAB-E1-AIS1", NOW - 50 * hour, ticket="TS05123"))
        s.record(with_status(doc_at("LAB-E1-AIS1", NOW - 40 * hour, ticket="TS05123"), "healthy"))
        for i in range(4):  # one outage seen by four sweeps
            s.record(doc_at("LAB-E1-AIS1", NOW - 10 * hour + i * 15 * timedelta(minutes=1)))
        s.record(doc_at("LAB-E1-AIS2", NOW - 3 * hour), sweep_id="SW-1")
    with open_store(pg_url) as s:  # re-open: already at head
        rows = s.timeline("LAB-E1-AIS1")
        assert [r.status for r in rows][:2] == ["fault_localized", "healthy"] and len(rows) == 6
        assert rows[0].started == NOW - 50 * hour
        chronic = s.chronic(count=2, days=7, now=NOW)
        assert [(c.reason, c.occurrences) for c in chronic] == [
            ("after-ticket", 1),
            ("segment", 2),
            ("rule", 2),
        ]
        assert chronic[0].containment_due == NOW - 10 * hour + timedelta(hours=24)
        exp = s.similar(doc_at("LAB-E1-AIS1", NOW))
        assert [c.row.circuit for c in exp.other_circuits] == ["LAB-E1-AIS2"]
        assert len(exp.same_circuit) == 5 and exp.same_circuit[0].started > rows[1].started
        assert s.sweep_done("SW-1") == {"LAB-E1-AIS2"}
        assert s.documents(sweep_id="SW-1")[0].circuit.id == "LAB-E1-AIS2"

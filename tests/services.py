"""Real servers for the tests, each private to the test session, on a free loopback port:
redis-server (Debian) and a PostgreSQL 15 cluster (see ../shared/TESTING.md)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """redis://127.0.0.1:PORT (no persistence); stopped after."""
    import redis

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="diag-redis-"))
    proc = subprocess.Popen(
        [
            REDIS,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"redis-server on port {port} did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _as_owner(argv: list[str]) -> list[str]:
    # the server refuses to run as root: run it as the postgres user then
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class PgServer:
    """A private PostgreSQL 15 cluster (trust auth) that a test may stop and start again."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="diag-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.port = free_port()
        self.data = self.folder / "data"
        subprocess.run(
            _as_owner(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "diag",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.url = f"postgresql+psycopg://diag:not-needed-pw@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        opts = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        self._ctl("-l", str(self.folder / "log"), "-w", "-o", opts, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[PgServer]:
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """postgresql+psycopg://diag@127.0.0.1:PORT/postgres (trust auth); stopped after."""
    with postgres_server() as server:
        yield server.url


def new_database(url: str, name: str) -> str:
    """A fresh database on the cluster at `url`; its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + f"/{name}"


def result_rows(db: str, sweep_id: str) -> dict[str, int]:
    """circuit -> result rows stored under the sweep, counted with SQL (not through diag)."""
    import sqlalchemy as sa

    engine = sa.create_engine(db)
    with engine.connect() as conn:
        got = conn.execute(
            sa.text("SELECT circuit, count(*) FROM diagnoses WHERE sweep_id = :s GROUP BY circuit"),
            {"s": sweep_id},
        )
        out = {c: int(n) for c, n in got}
    engine.dispose()
    return out

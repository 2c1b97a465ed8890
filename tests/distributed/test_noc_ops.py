"""What docs/noc.md tells a NOC to run, run for real on loopback: redis-server with the guide's
redis.conf (a password, an ACL user, AOF), `diag worker` against it, Flower, the PostgreSQL roles
of the guide's SQL, TLS with a CA and client certificates, and the systemd units in docs/systemd."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.distributed.noc_helpers import (
    CELERY,
    DEFAULT_PW,
    DIAG,
    DIAG_PW,
    DOCS,
    HOST,
    Proc,
    Redis,
    base_env,
    block,
    capture_doc,
    guide_redis,
    http_get,
    ping,
    sweep_doc,
    tls_files,
    wait_until,
)
from tests.services import REDIS, free_port, postgres_cluster


@pytest.fixture(scope="module")
def redis_guide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    r = guide_redis(tmp_path_factory.mktemp("redis"))
    r.start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture(scope="module")
def worker(redis_guide: Redis, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    """`diag worker` as the ACL user diag (URL with user and password, from the environment
    as the unit's EnvironmentFile gives it)."""
    tmp = tmp_path_factory.mktemp("worker")
    env = base_env(tmp, f"redis://diag:{DIAG_PW}@127.0.0.1:{redis_guide.port}/0")
    w = Proc([DIAG, "worker", "--region", "default", "--name", "noc@%h", "-c", "1"], env, tmp / "w")
    try:
        wait_until(lambda: "ready." in w.text() or w.p.poll() is not None, "worker ready", 60)
        assert w.p.poll() is None, w.text()
        yield w
    finally:
        w.stop()


def test_a_wrong_or_missing_redis_password_is_refused_in_words_without_the_password(
    redis_guide: Redis, tmp_path: Path
) -> None:
    for url in (
        f"redis://:Wrong-{DIAG_PW}@127.0.0.1:{redis_guide.port}/0",
        f"redis://diag:Wrong-{DIAG_PW}@127.0.0.1:{redis_guide.port}/0",
        f"redis://127.0.0.1:{redis_guide.port}/0",
    ):
        env = base_env(tmp_path, url)
        got = subprocess.run(
            [DIAG, "worker", "--region", "default"], env=env, capture_output=True, text=True
        )
        out = got.stdout + got.stderr
        assert got.returncode == 2, out
        assert "the broker redis://" in out and f"127.0.0.1:{redis_guide.port}" in out, out
        assert re.search(r"invalid username-password pair|authenticat", out, re.IGNORECASE), out
        assert DIAG_PW not in out and "Wrong-" not in out, out
        assert "Traceback" not in out, out


def test_the_worker_with_the_acl_user_answers_ping_and_never_shows_the_password(
    redis_guide: Redis, worker: Proc, tmp_path: Path
) -> None:
    # pinged through the default user's password (requirepass): both URL forms of the guide
    env = base_env(tmp_path, f"redis://:{DEFAULT_PW}@127.0.0.1:{redis_guide.port}/0")
    got = ping(env, f"noc@{HOST}")
    assert got.returncode == 0 and "pong" in got.stdout, got.stdout + got.stderr
    assert f"noc@{HOST}" in got.stdout
    log = worker.text()
    assert f"redis://diag:**@127.0.0.1:{redis_guide.port}/0" in log, log  # the banner, masked
    assert "diag.region.default" in log and "diag.control" in log
    assert DIAG_PW not in log and DIAG_PW not in worker.cmdlines()


def test_flower_as_the_guide_starts_it_lists_the_worker_its_queues_and_metrics(
    redis_guide: Redis, worker: Proc, tmp_path: Path
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    port = free_port()
    env = base_env(tmp_path, f"redis://diag:{DIAG_PW}@127.0.0.1:{redis_guide.port}/0")
    env["FLOWER_BASIC_AUTH"] = "noc:Flower-pw-3"  # the guide: auth from the environment
    args = [CELERY, "-A", "diag.distributed.app", "flower", "--address=127.0.0.1", f"--port={port}"]
    flower = Proc(args, env, tmp_path / "flower.log")
    base = f"http://127.0.0.1:{port}"
    name = f"noc@{HOST}"
    try:

        def listed() -> bool:
            assert flower.p.poll() is None, flower.text()
            try:
                status, body = http_get(f"{base}/api/workers?refresh=1", "noc:Flower-pw-3")
            except OSError:
                return False
            return status == 200 and name in json.loads(body)

        wait_until(listed, "Flower lists the worker", 40)
        assert http_get(f"{base}/api/workers")[0] == 401  # no password, no API
        status, body = http_get(f"{base}/api/queues/length", "noc:Flower-pw-3")
        assert status == 200
        queues = {q["name"]: q["messages"] for q in json.loads(body)["active_queues"]}
        assert queues == {"diag.region.default": 0, "diag.control": 0}

        def online() -> bool:
            samples = {
                (s.name, s.labels.get("worker")): s.value
                for fam in text_string_to_metric_families(http_get(f"{base}/metrics")[1].decode())
                for s in fam.samples
            }
            return samples.get(("flower_worker_online", name)) == 1.0

        wait_until(online, "flower_worker_online for the worker", 30)
        log = flower.text()
        assert f"redis://diag:**@127.0.0.1:{redis_guide.port}/0" in log, log
        assert DIAG_PW not in log and "Flower-pw-3" not in log
    finally:
        flower.stop()


def test_queued_tasks_survive_a_redis_restart_with_the_guides_aof(tmp_path: Path) -> None:
    import redis

    r = guide_redis(tmp_path)
    r.start()
    env = base_env(tmp_path, f"redis://diag:{DIAG_PW}@127.0.0.1:{r.port}/0")
    try:
        # the built-in lab's circuits, queued for workers that are not there
        got = subprocess.run(
            [DIAG, "sweep", "--distributed", "--detach", "--batch", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert got.returncode == 0, got.stdout + got.stderr
        client = redis.Redis(port=r.port, username="diag", password=DIAG_PW)
        before = client.llen("diag.region.default")
        assert before > 0
        client.close()
        r.stop()
        r.start()
        client = redis.Redis(port=r.port, username="diag", password=DIAG_PW)
        assert client.llen("diag.region.default") == before
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        client.close()
    finally:
        r.stop()


def test_tls_with_the_noc_ca_and_a_client_certificate_in_the_url(tmp_path: Path) -> None:
    """The guide's rediss:// URL: the query parameters that both kombu (the worker's queues)
    and redis-py (diag's own connections) read; a worker without the CA is refused."""
    pem = tls_files(tmp_path)
    tls = (
        "port 0\ntls-port {port}\n"
        f"tls-cert-file {pem['server']}\ntls-key-file {pem['server-key']}\n"
        f"tls-ca-cert-file {pem['ca']}\ntls-auth-clients yes\n"
    )
    (tmp_path / "r").mkdir()
    r = guide_redis(tmp_path / "r", extra=tls)
    import redis

    r.proc = subprocess.Popen(
        [REDIS, str(r.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    query = (
        f"ssl_cert_reqs=required&ssl_ca_certs={pem['ca']}"
        f"&ssl_certfile={pem['client']}&ssl_keyfile={pem['client-key']}"
    )
    url = f"rediss://diag:{DIAG_PW}@127.0.0.1:{r.port}/0?{query}"
    w: Proc | None = None
    try:
        client = redis.Redis.from_url(url)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                assert r.proc is not None and r.proc.poll() is None, "redis-server exited"
                return False

        wait_until(up, "redis-server with TLS up")
        client.close()
        env = base_env(tmp_path, url)
        w = Proc(
            [DIAG, "worker", "--region", "default", "--name", "tls@%h", "-c", "1"],
            env,
            tmp_path / "w",
        )
        wait_until(lambda: "ready." in w.text() or w.p.poll() is not None, "TLS worker ready", 60)
        assert w.p.poll() is None, w.text()
        got = ping(env, f"tls@{HOST}")
        assert got.returncode == 0 and "pong" in got.stdout, got.stdout + got.stderr
        assert DIAG_PW not in w.text()
        # without the client certificate: refused by the server, in words
        bare = f"rediss://diag:{DIAG_PW}@127.0.0.1:{r.port}/0?ssl_cert_reqs=required&ssl_ca_certs={pem['ca']}"
        no = subprocess.run(
            [DIAG, "worker", "--region", "default"],
            env=base_env(tmp_path, bare),
            capture_output=True,
            text=True,
        )
        assert no.returncode == 2 and "does not answer" in no.stderr, no.stdout + no.stderr
        assert DIAG_PW not in no.stderr
    finally:
        if w is not None:
            w.stop()
        r.stop()


def test_the_guides_postgresql_roles_migrate_write_and_read_as_described(tmp_path: Path) -> None:
    import sqlalchemy as sa

    from diag.history import open_store
    from diag.history.errors import HistoryError

    sql = block("roles.sql")
    with postgres_cluster() as admin:  # its superuser is called diag
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            # the guide's script, run as the superuser; \connect is psql's: done here by hand
            db_part, _, schema_part = sql.partition("\\connect diag")
            for stmt in filter(str.strip, db_part.split(";")):
                conn.execute(sa.text(stmt))
        engine.dispose()
        host = admin.split("@", 1)[1].rsplit("/", 1)[0]
        engine = sa.create_engine(
            f"postgresql+psycopg://diag@{host}/diag", isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as conn:
            for stmt in filter(str.strip, schema_part.split(";")):
                conn.execute(sa.text(stmt))
        engine.dispose()

        def url(role: str) -> str:
            return f"postgresql+psycopg://{role}:CHANGE-ME-{role.split('_')[1]}@{host}/diag"

        # before the owner ran the migrations: a worker cannot create the tables
        with pytest.raises(HistoryError, match="permission denied") as no:
            open_store(url("diag_worker"))
        assert "CHANGE-ME-worker" not in str(no.value)
        # the owner's first open creates them (what the guide's `diag history` step does)
        env = base_env(tmp_path, "redis://127.0.0.1:1/0")
        env["DIAG_HISTORY"] = url("diag_owner")
        first = subprocess.run(
            [DIAG, "history", "--chronic"], env=env, capture_output=True, text=True
        )
        assert first.returncode == 0, first.stdout + first.stderr
        # the worker role: opens at head (no DDL) and writes a sweep, its results and faults
        store = open_store(url("diag_worker"))
        sweep = sweep_doc("SW-noc-roles")
        assert store.start_sweep(sweep) is True
        doc = capture_doc()
        assert store.record(doc, sweep_id=sweep.id) is not None
        assert store.record(doc, sweep_id=sweep.id) is None  # once
        store.record_sweep(sweep.model_copy(update={"state": "complete"}))  # an upsert: UPDATE
        store.close()
        # the report role reads, and cannot write
        env["DIAG_HISTORY"] = url("diag_report")
        read = subprocess.run(
            [DIAG, "history", doc.circuit.id, "--json", "-"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert read.returncode == 0, read.stdout + read.stderr
        assert len(json.loads(read.stdout)) == 1
        report = open_store(url("diag_report"))
        with pytest.raises(HistoryError, match="permission denied"):
            report.start_sweep(sweep_doc("SW-noc-report"))
        report.close()


class _CaseKept(configparser.ConfigParser):
    """systemd keys are case-sensitive (ExecStart, not execstart)."""

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def _unit(name: str) -> configparser.ConfigParser:
    cp = _CaseKept(strict=False, interpolation=None, delimiters=("=",))
    cp.read(DOCS / "systemd" / name)
    return cp


def test_the_systemd_units_run_the_documented_commands() -> None:
    w = _unit("diag-worker@.service")["Service"]
    assert w["ExecStart"].split()[1:4] == ["worker", "--region", "%i"]
    assert w["ExecStart"].split()[0].endswith("/bin/diag")
    assert (w["Restart"], w["KillSignal"], w["KillMode"], w["User"]) == (
        "always",
        "SIGTERM",
        "mixed",
        "diag",
    )
    assert w["EnvironmentFile"] == "/etc/diag/diag.env"
    env = dict(
        ln.split("=", 1)
        for ln in (DOCS / "systemd" / "diag.env").read_text().splitlines()
        if ln and not ln.startswith("#")
    )
    # the warm shutdown waits for tasks: their hard limit is below the visibility timeout
    assert int(w["TimeoutStopSec"]) >= float(env["DIAG_VISIBILITY_TIMEOUT"])
    assert {"DIAG_BROKER", "DIAG_HISTORY", "DIAG_INVENTORY"} <= set(env)
    s = _unit("diag-scheduler.service")["Service"]
    assert s["ExecStart"].split()[1] == "scheduler" and s["Restart"] == "always"
    assert s["EnvironmentFile"] == "/etc/diag/diag.env"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    # the units' /opt/diag/venv/bin/diag pointed at this venv's (verify checks it exists)
    for f in (DOCS / "systemd").glob("*.service"):
        text = f.read_text().replace("/opt/diag/venv/bin/diag", DIAG)
        (tmp_path / f.name.replace("@.", "@north.")).write_text(text)
    units = sorted(str(p) for p in tmp_path.glob("*.service"))
    got = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    assert got.returncode == 0 and not got.stderr.strip(), got.stdout + got.stderr

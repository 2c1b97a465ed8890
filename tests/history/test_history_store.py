"""The history store on a real SQLite file: migrations, recording, timelines, sweeps."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from diag.history import HistoryError, HistoryUrlError, open_store
from diag.history.store import HistoryStore
from diag.sweep.model import CircuitResult, Selection, SweepCounts, SweepDocument
from tests.history.history_helpers import NOW, doc_at, with_status


def _sqlite_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _head() -> str:
    """The newest migration shipped (one head: the migrations form a line)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from diag.history.connect import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    (head,) = ScriptDirectory.from_config(cfg).get_heads()
    return head


def test_migrates_an_empty_file_and_reopens_idempotently(store_url: str) -> None:
    path = _sqlite_file(store_url)
    assert not path.parent.exists()  # the folders are created on open
    with open_store(store_url) as s:
        s.record(doc_at("LAB-E1-AIS1", NOW))
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    assert {"diagnoses", "faults", "fault_rules", "sweeps", "alembic_version"} <= tables
    assert db.execute("select version_num from alembic_version").fetchall() == [(_head(),)]
    db.close()
    for _ in range(2):  # re-open: no migration runs again, nothing is lost
        with open_store(store_url) as s:
            assert [r.circuit for r in s.timeline("LAB-E1-AIS1")] == ["LAB-E1-AIS1"]
    db = sqlite3.connect(path)
    assert db.execute("select count(*) from alembic_version").fetchone() == (1,)
    db.close()


def test_the_tables_module_matches_the_migrations(store: HistoryStore, store_url: str) -> None:
    """What the queries read (tables.py) is what the migrations built: Alembic finds no
    difference between the migrated database and the metadata."""
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from diag.history.tables import metadata

    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_record_keeps_indexed_columns_and_the_whole_document(store: HistoryStore) -> None:
    doc = doc_at("LAB-MULTI-CPECPU", NOW, ticket="TS05123")
    did = store.record(doc, sweep_id="SW-1", region="north")
    (row,) = store.timeline("LAB-MULTI-CPECPU")
    assert row.id == did and row.sweep_id == "SW-1" and row.region == "north"
    assert row.status == doc.verdict.status == "fault_localized"
    assert row.segments == [f"{f.segment.from_}..{f.segment.to}" for f in doc.verdict.faults]
    assert len(row.segments) == 2  # both faults, the headline first
    assert row.owners == [f.owner for f in doc.verdict.faults]
    assert row.rules == sorted({r for f in doc.verdict.faults for r in f.rules})
    assert row.headline == doc.verdict.summary
    assert row.ticket == "TS05123"
    assert row.started == doc.run.started and row.finished == doc.run.finished
    pings = [o for o in doc.observations if o.kind == "ping" and o.origin_kind == "router"]
    assert row.loss_pct == max(p.loss_pct for p in pings)
    crc = [o.per_min for o in doc.observations if o.kind == "crc_growth" and o.per_min is not None]
    assert crc and row.crc_per_min == max(crc)
    (back,) = store.documents(circuit="LAB-MULTI-CPECPU")
    assert back == doc
    assert store.documents(sweep_id="SW-1") == [doc]
    assert store.documents(sweep_id="SW-2") == []


def test_timeline_is_oldest_first_with_since_and_limit(store: HistoryStore) -> None:
    times = [NOW - timedelta(hours=h) for h in (5, 1, 3, 2, 4)]  # recorded out of order
    ids = {store.record(doc_at("LAB-E1-AIS2", t)): t for t in times}
    store.record(doc_at("LAB-E1-AIS1", NOW - timedelta(hours=3)))  # another circuit
    rows = store.timeline("LAB-E1-AIS2")
    assert [r.started for r in rows] == sorted(times)
    assert all(ids[r.id] == r.started for r in rows)
    assert [r.started for r in store.timeline("LAB-E1-AIS2", since=NOW - timedelta(hours=2))] == [
        NOW - timedelta(hours=2),
        NOW - timedelta(hours=1),
    ]
    # the most recent two, still oldest first
    assert [r.started for r in store.timeline("LAB-E1-AIS2", limit=2)] == sorted(times)[-2:]
    assert store.circuits() == ["LAB-E1-AIS1", "LAB-E1-AIS2"]


def _sweep(sid: str, state: str, minutes_ago: int, circuits: list[str]) -> SweepDocument:
    started = NOW - timedelta(minutes=minutes_ago)
    return SweepDocument(
        id=sid,
        state=state,
        started=started,
        finished=None if state == "running" else started + timedelta(minutes=2),
        host="noc-1",
        operator="noc",
        tool_version="test",
        inventory=["inventory/"],
        selection=Selection(circuits=circuits),
        counts=SweepCounts(total=len(circuits)),
        snapshots=[],
        circuits=[
            CircuitResult(circuit=c, status="healthy", summary="Healthy.", duration_s=1.0)
            for c in circuits
        ],
    )


def test_sweeps_upsert_latest_and_resume_set(store: HistoryStore) -> None:
    store.record_sweep(_sweep("SW-A", "complete", 60, ["LAB-E1-OK1"]))
    running = _sweep("SW-B", "running", 10, ["LAB-E1-AIS1", "LAB-E1-OK1"])
    store.record_sweep(running)
    assert store.sweep("SW-B") == running
    store.record(doc_at("LAB-E1-AIS1", NOW - timedelta(minutes=9)), sweep_id="SW-B")
    assert store.sweep_done("SW-B") == {"LAB-E1-AIS1"}
    assert store.sweep_done("SW-A") == set()
    partial = running.model_copy(update={"state": "partial", "interrupted_by": "SIGTERM"})
    store.record_sweep(partial)  # the same id: replaced, not added
    assert store.sweep("SW-B") == partial
    assert [s.id for s in store.sweeps()] == ["SW-B", "SW-A"]
    assert store.latest_sweep() == partial
    assert store.sweep("SW-NONE") is None


def test_inconclusive_and_healthy_documents_record_without_faults(store: HistoryStore) -> None:
    store.record(doc_at("LAB-UNREACH-NMS", NOW))
    store.record(with_status(doc_at("LAB-E1-AIS1", NOW), "healthy"))
    (a,) = store.timeline("LAB-UNREACH-NMS")
    (b,) = store.timeline("LAB-E1-AIS1")
    assert (a.status, a.segments, a.rules) == ("inconclusive", [], [])
    assert (b.status, b.segments, b.owners) == ("healthy", [], [])


def test_bad_urls_say_what_to_do_and_never_show_the_password(tmp_path: Path) -> None:
    cases = [
        ("nosuchdb://diag:s3cret-pw@127.0.0.1/x", HistoryUrlError, "unknown database kind"),
        ("not a url at all s3cret-pw", HistoryUrlError, "not a database URL"),
        # a closed loopback port: refused, or the driver is not installed
        ("postgresql://diag:s3cret-pw@127.0.0.1:9/diag", HistoryError, "postgresql"),
        ("postgresql://diag:s3cret-pw/x@127.0.0.1:9/diag", HistoryError, "postgresql"),
    ]
    for url, kind, words in cases:
        with pytest.raises(kind) as err:
            open_store(url)
        assert words in str(err.value)
        assert "s3cret-pw" not in str(err.value), str(err.value)
        assert err.value.__cause__ is None and err.value.__suppress_context__
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(HistoryError, match="is a folder; name a file in it"):
        open_store(f"sqlite:///{folder}")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database\n" * 200)
    with pytest.raises(HistoryError, match="not diag's history"):
        open_store(f"sqlite:///{junk}")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(HistoryError, match="cannot create the folder"):
        open_store(f"sqlite:///{blocked}/sub/history.sqlite")


def test_default_url_follows_xdg_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from diag.history import default_url

    monkeypatch.delenv("DIAG_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_url() == f"sqlite:///{tmp_path / 'xdg' / 'diag' / 'history.sqlite'}"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / '.local/share/diag/history.sqlite'}"
    with open_store() as s:  # the default location, created on open
        assert s.url == default_url()
    assert (tmp_path / "home" / ".local/share/diag/history.sqlite").is_file()
    monkeypatch.setenv("DIAG_HISTORY", "postgresql://u:pw@127.0.0.1/h")
    assert default_url() == "postgresql://u:pw@127.0.0.1/h"


def test_the_command_keeps_diag_help_light() -> None:
    """diag.cli imports history_cmd at start: no pydantic, SQLAlchemy or Alembic comes with it."""
    heavy = ("pydantic", "sqlalchemy", "alembic", "pandas", "netmiko", "pysnmp", "rich")
    code = (
        "import sys\n"
        "from diag.cli import cli\n"
        "from diag.history.cli import history_cmd\n"
        "import diag.history, diag.history.experience\n"
        "cli.add_command(history_cmd, 'history')\n"
        "for args in (['--help'], ['history', '--help']):\n"
        "    try:\n        cli(args)\n    except SystemExit:\n        pass\n"
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "--chronic" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "[]"

"""Exactly-once results: one diagnosis per (sweep, circuit) and one start per sweep, however often
a distributed sweep's task is delivered and however many worker processes record at once; on a
real SQLite file and on a real PostgreSQL server (conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from diag.history import open_store
from diag.history.store import HistoryStore
from diag.model.findings import FindingsDocument
from diag.sweep.model import CircuitResult, Selection, SweepCounts, SweepDocument, SweepState
from tests.history.history_helpers import NOW, doc_at, with_status

HERE = Path(__file__).resolve().parent


def _renamed(doc: FindingsDocument, circuit: str) -> FindingsDocument:
    return doc.model_copy(update={"circuit": doc.circuit.model_copy(update={"id": circuit})})


def sweep_docs(n: int) -> list[FindingsDocument]:
    """`n` circuits of one sweep: a two-fault document (with rules) under other circuit ids,
    every fifth of them healthy."""
    base = doc_at("LAB-MULTI-CPECPU", NOW)
    assert len(base.verdict.faults) == 2 and all(f.rules for f in base.verdict.faults)
    out = []
    for i in range(n):
        doc = _renamed(base, f"C-{i:03d}")
        out.append(with_status(doc, "healthy") if i % 5 == 0 else doc)
    return out


def sweep_of(sid: str, state: SweepState = "running") -> SweepDocument:
    return SweepDocument(
        id=sid,
        state=state,
        started=NOW,
        host="noc-1",
        operator="noc",
        tool_version="test",
        inventory=["inventory/"],
        selection=Selection(circuits=["C-000"]),
        counts=SweepCounts(total=1),
        snapshots=[],
        circuits=[],
    )


def _counts(url: str) -> tuple[int, int, int]:
    """Rows in diagnoses, faults, fault_rules: read past the store, straight from the tables."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        d, f, r = (
            int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("diagnoses", "faults", "fault_rules")
        )
    engine.dispose()
    return d, f, r


def _faults_of(doc: FindingsDocument) -> tuple[int, int]:
    return len(doc.verdict.faults), sum(len(set(f.rules)) for f in doc.verdict.faults)


def test_the_same_circuit_twice_in_a_sweep_is_one_row(any_url: str) -> None:
    doc = doc_at("LAB-MULTI-CPECPU", NOW)
    nf, nr = _faults_of(doc)
    with open_store(any_url) as s:
        first = s.record(doc, sweep_id="SW-1", region="north")
        assert isinstance(first, int)
        assert s.record(doc, sweep_id="SW-1", region="north") is None  # a redelivered task
        rerun = doc.run.model_copy(update={"started": NOW + timedelta(minutes=1)})
        later = doc.model_copy(update={"run": rerun})
        assert s.record(later, sweep_id="SW-1") is None  # a second run of it: still the first
        assert _counts(any_url) == (1, nf, nr)  # no faults for the refused copies
        (row,) = s.sweep_rows("SW-1")
        assert row.id == first and row.started == NOW and row.region == "north"
        # another sweep, or no sweep at all (`diag circuit`, twice): rows of their own
        assert isinstance(s.record(doc, sweep_id="SW-2"), int)
        assert s.record(doc) != s.record(doc)
        assert _counts(any_url) == (4, 4 * nf, 4 * nr)
        assert s.sweep_done("SW-1") == s.sweep_done("SW-2") == {"LAB-MULTI-CPECPU"}


WORKER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.history.test_history_once import sweep_docs
from diag.history import open_store
url, sweep, order = sys.argv[2], sys.argv[3], sys.argv[4]
docs = sweep_docs(50)
if order == "reverse":
    docs.reverse()
with open_store(url) as store:
    print("ready", flush=True)
    sys.stdin.readline()  # every worker starts recording at once
    print(json.dumps({d.circuit.id: store.record(d, sweep_id=sweep) for d in docs}), flush=True)
"""


def test_eight_processes_recording_one_sweep_store_each_circuit_once(any_url: str) -> None:
    docs = sweep_docs(50)
    open_store(any_url).close()  # migrated once, before the race on the rows
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(HERE.parents[1]), any_url, "SW-RACE", order],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in ["forward", "reverse"] * 4
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outs if err]
    results = [json.loads(out) for out, _ in outs]
    winners: dict[str, int] = {}
    for res in results:
        assert sorted(res) == sorted(d.circuit.id for d in docs)
        for circuit, did in res.items():
            if did is not None:
                assert circuit not in winners, f"{circuit} inserted twice"
                winners[circuit] = did
    assert len(winners) == 50  # each circuit inserted by exactly one worker, the rest got None

    nf, nr = _faults_of(docs[1])
    faulty = [d for d in docs if d.verdict.faults]
    assert _counts(any_url) == (50, nf * len(faulty), nr * len(faulty))
    engine = sa.create_engine(any_url)
    with engine.connect() as conn:
        per_row: dict[int, int] = dict(
            conn.execute(
                sa.text(
                    "SELECT d.id, count(f.id) FROM diagnoses d"
                    " LEFT JOIN faults f ON f.diagnosis_id = d.id GROUP BY d.id"
                )
            ).all()
        )
    engine.dispose()
    assert per_row == {winners[d.circuit.id]: len(d.verdict.faults) for d in docs}

    with open_store(any_url) as s:
        rows = s.sweep_rows("SW-RACE")
        assert [(r.circuit, r.id) for r in rows] == sorted(winners.items())
        assert s.sweep_progress("SW-RACE") == (50, len(faulty))
        assert s.sweep_progress("SW-NONE") == (0, 0)
        failing = s.documents(sweep_id="SW-RACE", not_healthy=True)
        assert sorted(d.circuit.id for d in failing) == [d.circuit.id for d in faulty]
        # the workers built their documents themselves (their own run times): same verdicts
        by_circuit = {d.circuit.id: d for d in failing}
        assert all(by_circuit[d.circuit.id].verdict == d.verdict for d in faulty)
        # the sweep document's results, rebuilt from the rows as the engine builds them
        assert s.sweep_results("SW-RACE") == [
            CircuitResult(
                circuit=d.circuit.id,
                status=d.verdict.status,
                segment=d.verdict.segment,
                owner=d.verdict.owner if d.verdict.faults else None,
                summary=d.verdict.summary,
                duration_s=(d.run.finished - d.run.started).total_seconds(),
            )
            for d in docs
        ]


def test_start_sweep_once_and_its_state(any_url: str) -> None:
    with open_store(any_url) as s:
        assert s.sweep_state("SW-1") is None
        assert s.start_sweep(sweep_of("SW-1")) is True
        assert s.start_sweep(sweep_of("SW-1", state="partial")) is False  # a restarted beat
        assert s.sweep("SW-1") == sweep_of("SW-1")  # the first start kept
        assert s.sweep_state("SW-1") == "running"
        s.record_sweep(sweep_of("SW-1", state="complete"))  # the end still replaces it
        assert s.sweep_state("SW-1") == "complete"
        assert s.start_sweep(sweep_of("SW-1")) is False

        # eight starts at once, one store per thread (its own connections): one wins
        won: list[bool] = []
        gate = threading.Barrier(8)

        def start() -> None:
            with open_store(any_url) as mine:
                gate.wait()
                won.append(mine.start_sweep(sweep_of("SW-2")))

        threads = [threading.Thread(target=start) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        assert sorted(won) == [False] * 7 + [True]
        assert [x.id for x in s.sweeps()] == ["SW-2", "SW-1"]  # same start: by id, descending


def _store_at_0001(url: str) -> HistoryStore:
    """A store as diag wrote it before migration 0002 (no unique index)."""
    from alembic import command
    from alembic.config import Config

    from diag.history.connect import MIGRATIONS

    engine = sa.create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    return HistoryStore(engine, url)


def test_migration_0002_removes_duplicates_then_enforces(any_url: str) -> None:
    doc = doc_at("LAB-MULTI-CPECPU", NOW)
    nf, nr = _faults_of(doc)
    old = _store_at_0001(any_url)
    # (circuit, sweep) in insertion order; the sweep id is set afterwards, as an old diag
    # without the key could have stored a redelivered task's result twice
    plan = [
        ("A", "SW-1"),
        ("B", "SW-1"),
        ("A", "SW-1"),  # duplicate
        ("A", None),
        ("A", None),  # no sweep: not a duplicate
        ("A", "SW-2"),  # another sweep: not a duplicate
        ("B", "SW-1"),  # duplicate
        ("A", "SW-1"),  # duplicate
        ("C", "SW-1"),
    ]
    ids = [old.record(_renamed(doc, c)) for c, _ in plan]
    with old._engine.begin() as conn:
        for did, (_, sweep) in zip(ids, plan, strict=True):
            if sweep:
                conn.execute(
                    sa.text("UPDATE diagnoses SET sweep_id = :s WHERE id = :i"),
                    {"s": sweep, "i": did},
                )
    old.close()
    assert _counts(any_url) == (9, 9 * nf, 9 * nr)

    with open_store(any_url) as s:  # migrates to head: 0002
        kept = [ids[i] for i in (0, 1, 3, 4, 5, 8)]
        engine = sa.create_engine(any_url)
        with engine.connect() as conn:
            assert sorted(conn.execute(sa.text("SELECT id FROM diagnoses")).scalars()) == kept
            # the children of the removed rows went with them (SQLite too: no cascade there)
            fault_owners = set(conn.execute(sa.text("SELECT diagnosis_id FROM faults")).scalars())
            orphans = conn.execute(
                sa.text(
                    "SELECT count(*) FROM fault_rules WHERE fault_id NOT IN (SELECT id FROM faults)"
                )
            ).scalar_one()
        assert fault_owners == set(kept) and orphans == 0
        assert _counts(any_url) == (6, 6 * nf, 6 * nr)

        # enforced: the store refuses a repeat, and so does the database itself
        assert s.record(_renamed(doc, "A"), sweep_id="SW-1") is None
        assert isinstance(s.record(_renamed(doc, "D"), sweep_id="SW-1"), int)
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO diagnoses (circuit, customer, region, started, finished,"
                    " sweep_id, status, owner, headline, rule_set, mode, interrupted,"
                    " schema_version, document) SELECT circuit, customer, region, started,"
                    " finished, sweep_id, status, owner, headline, rule_set, mode, interrupted,"
                    " schema_version, document FROM diagnoses WHERE id = :i"
                ),
                {"i": ids[0]},
            )
        engine.dispose()
        assert isinstance(s.record(_renamed(doc, "A")), int)  # no sweep: never refused

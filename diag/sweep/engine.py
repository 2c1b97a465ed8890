"""The sweep engine: every selected circuit in one asyncio process, sharing what circuits share.

One SNMP engine, one alarm snapshot per NMS, one read per NE, one router session per device at
a time from a bounded pool, both CRC samples in one shared window (all first samples, the wait
outside any session, all second samples), host pings from a bounded pool (diag.sweep.shared).
Each circuit is analysed by the same pure analyzer as soon as its collectors finish, and its
document is written and stored at once; what the sweep shares is summed up in the sweep
document (diag.sweep.model).

Interruption (SIGINT, SIGTERM, SIGHUP): every finished circuit is kept (written, stored); the
circuits still being read are dropped, and the sweep is stored as `partial`, so that
`--resume SWEEP_ID` diagnoses exactly those.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from diag import __version__
from diag.analyzers.thresholds import Thresholds
from diag.errors import DiagError
from diag.logsetup import describe
from diag.metrics import CircuitValues, circuit_values
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.runner import (
    Collected,
    Context,
    Stop,
    build_document,
    collect,
    nms_targets,
    operator_name,
    plan,
    settings_for,
)
from diag.runner_stop import _LoopErrors
from diag.sweep.model import (
    CircuitResult,
    Selection,
    SweepCounts,
    SweepDocument,
)
from diag.sweep.shared import SweepReads

if TYPE_CHECKING:
    from diag.history import HistoryStore

log = logging.getLogger("diag.sweep")

#: worst first: the exit status of a sweep is its worst circuit's
SEVERITY = ("fault_localized", "fault_suspected", "failed", "inconclusive", "healthy")


def new_sweep_id(at: datetime | None = None) -> str:
    at = at or datetime.now(UTC)
    return f"SW-{at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


@dataclass
class SweepOptions:
    overrides: dict[str, Any] = field(default_factory=dict)
    sessions: int = 32  # router sessions at once (threads)
    pings: int = 32  # circuits whose host pings run at once
    json_dir: Path | None = None
    operator: str | None = None
    thresholds: Thresholds | None = None


class Events(Protocol):
    """What the sweep tells its caller as it goes (the CLI's progress bar)."""

    def begin(self, total: int, already: int) -> None: ...

    def circuit(self, result: CircuitResult) -> None: ...


class _Silent:
    def begin(self, total: int, already: int) -> None:
        pass

    def circuit(self, result: CircuitResult) -> None:
        pass


@dataclass
class SweepRun:
    document: SweepDocument
    #: the documents of the circuits that are not healthy (incidents, the terminal's list)
    failing: dict[str, FindingsDocument]
    #: every circuit's metric values, taken as it finished (the healthy documents are not kept)
    values: list[CircuitValues] = field(default_factory=list)
    ne_reads: int = 0
    nms_polls: int = 0


def worst(statuses: Sequence[str]) -> str | None:
    for s in SEVERITY:
        if s in statuses:
            return s
    return None


def _counts(results: list[CircuitResult], total: int) -> SweepCounts:
    counts = SweepCounts(total=total)
    for r in results:
        setattr(counts, r.status, getattr(counts, r.status) + 1)
    counts.not_run = total - len(results)
    return counts


def _result(doc: FindingsDocument, duration: float, where: Path | None) -> CircuitResult:
    v = doc.verdict
    return CircuitResult(
        circuit=doc.circuit.id,
        status=v.status,
        segment=v.segment,
        owner=v.owner if v.faults else None,
        summary=v.summary,
        document=str(where) if where else None,
        duration_s=round(duration, 3),
    )


def start_document(
    inv: Inventory, selection: Selection, options: SweepOptions, sweep_id: str | None = None
) -> SweepDocument:
    started = datetime.now(UTC)
    return SweepDocument(
        id=sweep_id or new_sweep_id(started),
        state="running",
        started=started,
        host=socket.gethostname(),
        operator=operator_name(options.operator),
        tool_version=__version__,
        inventory=list(inv.sources),
        selection=selection,
        settings=dict(options.overrides),
        counts=SweepCounts(total=len(selection.circuits)),
        snapshots=[],
        circuits=[],
    )


def run_sweep(
    inv: Inventory,
    sweep: SweepDocument,
    *,
    store: HistoryStore | None,
    options: SweepOptions,
    stop: Stop,
    events: Events | None = None,
    earlier_failing: dict[str, FindingsDocument] | None = None,
) -> SweepRun:
    """Diagnose the sweep's circuits not diagnosed yet (all of them, unless resumed).

    `sweep` is a new document (`start_document`) or a stored partial one being resumed; its
    `circuits` are those already done.  Returns the finished document (state complete, or
    partial when interrupted) and the failing circuits' documents.
    """
    events = events or _Silent()
    done = {r.circuit for r in sweep.circuits}
    todo = [c for c in sweep.selection.circuits if c not in done]
    results = list(sweep.circuits)
    failing = dict(earlier_failing or {})
    if store is not None:
        store.record_sweep(sweep)
    events.begin(len(sweep.selection.circuits), len(done))
    reads = SweepReads(inv, todo, pings=options.pings)
    t0 = time.monotonic()

    mine: list[CircuitResult] = []  # this part's results (a resumed sweep has earlier ones)
    values: list[CircuitValues] = []
    problems: list[str] = []

    def finished(doc: FindingsDocument | None, cid: str, took: float, error: str | None) -> None:
        if doc is None:
            result = CircuitResult(
                circuit=cid,
                status="failed",
                summary=f"no diagnosis: {error}",
                duration_s=round(took, 3),
                error=error,
            )
        else:
            where = None
            try:
                if options.json_dir is not None:
                    from diag.output.files import write_atomic

                    where = options.json_dir / f"{cid}.json"
                    write_atomic(where, doc.to_json())
                if store is not None:
                    store.record(doc, sweep_id=sweep.id, region=inv.circuits[cid].region)
            except (OSError, DiagError) as exc:  # the diagnosis stands; where it went is said
                where = None
                problems.append(f"{cid}: the document was not kept: {exc}")
            result = _result(doc, took, where)
            values.append(circuit_values(doc, inv.circuits[cid].region or ""))
            if doc.verdict.status != "healthy":
                failing[cid] = doc
        results.append(result)
        mine.append(result)
        events.circuit(result)

    try:
        asyncio.run(_sweep_async(inv, todo, sweep, reads, options, stop, finished))
    except KeyboardInterrupt:  # not the main thread: the default handler
        if stop.signum is None:
            import signal

            stop.signum = signal.SIGINT
    elapsed = time.monotonic() - t0
    run = _finish(
        inv, sweep, results, mine, problems, failing, reads, store, options, stop, elapsed
    )
    run.values = values
    return run


def nms_users(inv: Inventory, circuit_ids: Sequence[str]) -> dict[str, int]:
    """NMS -> how many of these circuits used its snapshot (the sweep document's facts)."""
    users: dict[str, int] = {}
    for cid in circuit_ids:
        for name in nms_targets(inv, build_path(inv.circuits[cid], inv)):
            users[name] = users.get(name, 0) + 1
    return users


def _finish(
    inv: Inventory,
    sweep: SweepDocument,
    results: list[CircuitResult],
    mine: list[CircuitResult],
    problems: list[str],
    failing: dict[str, FindingsDocument],
    reads: SweepReads,
    store: HistoryStore | None,
    options: SweepOptions,
    stop: Stop,
    elapsed: float,
) -> SweepRun:
    from diag.sweep.incidents import group_incidents

    order = {c: i for i, c in enumerate(sweep.selection.circuits)}
    results.sort(key=lambda r: order.get(r.circuit, len(order)))
    total = len(sweep.selection.circuits)
    interrupted = stop.signum is not None
    fresh = (
        reads.snapshot_facts(nms_users(inv, [r.circuit for r in mine])) if reads.nms_polls else []
    )
    snapshots = [*sweep.snapshots, *fresh]  # a resumed sweep took its own snapshots
    failures = list(sweep.failures)
    failures += [f"NMS {s.nms}: the alarm snapshot failed: {s.error}" for s in fresh if not s.ok]
    failures += [f"{r.circuit}: {r.error}" for r in mine if r.status == "failed"]
    failures += problems
    incidents = group_incidents(inv, list(failing.values()), sweep_id=sweep.id)
    now = datetime.now(UTC)
    complete = len(results) == total
    doc = sweep.model_copy(
        update={
            "state": "complete" if complete else "partial",
            "finished": now,
            "interrupted_by": stop.reason if interrupted else None,
            "counts": _counts(results, total),
            "snapshots": snapshots,
            "incidents": incidents,
            "circuits": results,
            "failures": sorted(set(failures), key=failures.index),
            "duration_s": round((sweep.duration_s or 0.0) + elapsed, 3),
        }
    )
    if store is not None:
        store.record_sweep(doc)
    if options.json_dir is not None:
        from diag.output.files import write_atomic

        write_atomic(
            options.json_dir / "sweep.json", doc.model_dump_json(indent=2, by_alias=True) + "\n"
        )
    return SweepRun(doc, failing, ne_reads=reads.ne_reads, nms_polls=reads.nms_polls)


async def _sweep_async(
    inv: Inventory,
    todo: list[str],
    sweep: SweepDocument,
    reads: SweepReads,
    options: SweepOptions,
    stop: Stop,
    finished: Callable[[FindingsDocument | None, str, float, str | None], None],
) -> None:
    from diag.collectors.snmp.client import SnmpClient

    loop = asyncio.get_running_loop()
    loop_errors = _LoopErrors()
    loop_errors.install(loop)
    stop.attach(loop)
    pool = ThreadPoolExecutor(max_workers=options.sessions, thread_name_prefix="diag-sweep")
    operator = sweep.operator
    try:
        async with SnmpClient() as client:
            ctx = Context(client=client, pool=pool, stop=stop, loop_errors=loop_errors, reads=reads)

            async def one(cid: str) -> None:
                t0 = time.monotonic()
                started = datetime.now(UTC)
                c = inv.circuits[cid]
                try:
                    settings = settings_for(inv, c, options.overrides)
                    path = build_path(c, inv)
                    collected = Collected()
                    await collect(plan(inv, c, path, settings), ctx, collected)
                    if stop.signum is not None:
                        return  # not finished: --resume diagnoses it again
                    doc = build_document(
                        c,
                        path,
                        collected,
                        started=started,
                        ticket=None,
                        operator=operator,
                        thresholds=options.thresholds,
                    )
                except Exception as exc:  # a bug for this circuit: the sweep goes on
                    if stop.signum is not None:
                        return
                    log.error("circuit %s: diagnosis failed", cid, exc_info=exc)
                    finished(None, cid, time.monotonic() - t0, f"diag failed: {describe(exc)}")
                    return
                finished(doc, cid, time.monotonic() - t0, None)

            await asyncio.gather(*(one(cid) for cid in todo), return_exceptions=True)
    finally:
        stop.detach()
        pool.shutdown(wait=False, cancel_futures=True)

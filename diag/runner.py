"""The runner: owns concurrency, runs a circuit's collectors, analyses, builds the document.

All of a circuit's collectors run at once on one asyncio loop; blocking sessions (netmiko) run in
a thread pool the runner owns.  A diagnosis therefore takes about as long as its slowest
collector.  Each finished collector's results land in `Collected` at once.

Interruption (`Stop`): the first SIGINT (Ctrl-C), SIGTERM or SIGHUP stops collection and keeps
what was read.  Every collector still running is cancelled and recorded as interrupted with its
real elapsed time; a router session running in a thread gets GRACE_S to end its command and log
out (its wait between the two CRC samples ends at once), otherwise what it had read so far is
kept.  A second signal skips that grace; a third exits at once.  The documents are then built
from everything collected, with run.interrupted set; interrupted while a router waited between
its two CRC samples, the document is the provisional one (run.provisional).

First verdict (docs/first-verdict.md): given `on_provisional`, the routers' CRC windows are
the sweep's (no session held during the wait, the router ping read before it), and as soon as
every job of a circuit has finished or is waiting in its CRC window, the same pure analysis runs
on what was read so far, CRC growth marked as not measured yet, and `on_provisional` gets that
document.  `quick`: no CRC growth is read (no second sample, no wait), and the document says so.

Failures never escape as tracebacks: a collector that raises anything becomes a failed
collector record (the traceback goes to the log, see diag.logsetup), and the loop's exception
handler turns what a library leaves unhandled on the loop (a callback that failed on a datagram
it could not decode, a task nobody awaited) into the error of the collector it concerns.

The pieces: diag.runner_jobs (the jobs per collector kind), diag.runner_collect (running them,
`Collected`), diag.runner_stop (`Stop`, the loop's errors), diag.runner_document (the findings
document); their names stay importable from here.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from diag import first_verdict
from diag.analyzers.thresholds import Thresholds
from diag.first_verdict import FirstVerdict, Provisional, skipped_crc
from diag.model.findings import FindingsDocument, TicketOut
from diag.model.inventory import Circuit, Inventory
from diag.model.observations import Observation
from diag.model.path import CircuitPath, build_path
from diag.runner_collect import (
    Collected,
    Context,
    Job,
    Outcome,
    Progress,
    Reads,
    Window,
    WindowReads,
    _quiet,
    collect,
    mark_interrupted,
    now,
    settings_for,
)
from diag.runner_document import build_document, circuit_out, operator_name, renumber
from diag.runner_jobs import E1_LINKS, nms_targets, plan
from diag.runner_stop import GRACE_S, SIGNAL_NAMES, SIGNALS, Stop, _LoopErrors, run_guarded
from diag.settings import CollectorSettings


@dataclass
class Diagnosis:
    document: FindingsDocument
    collected: Collected
    settings: CollectorSettings


def _first_verdict(
    c: Circuit,
    path: CircuitPath,
    collected: Collected,
    started: datetime,
    ticket: TicketOut | None,
    operator: str,
    thresholds: Thresholds | None,
    stop: Stop,
    emit: FirstVerdict,
) -> Callable[[], None]:
    """The circuit's `Collected.watch` that sends its first verdict to `emit`."""

    def build() -> FindingsDocument:
        so_far = Collected(observations=collected.so_far(), collectors=list(collected.collectors))
        return build_document(
            c,
            path,
            so_far,
            started=started,
            ticket=ticket,
            operator=operator,
            thresholds=thresholds,
            provisional=True,
        )

    return first_verdict.watch(
        collected, build=build, interrupted=lambda: stop.signum is not None, emit=emit
    )


async def _diagnose_async(
    inv: Inventory,
    ids: list[str],
    *,
    ticket: TicketOut | None,
    operator: str,
    progress: Progress,
    overrides: dict[str, Any] | None,
    sink: dict[str, tuple[Collected, datetime, CollectorSettings]],
    given: dict[str, list[Observation]],
    stop: Stop,
    thresholds: Thresholds | None = None,
    on_provisional: FirstVerdict | None = None,
    quick: bool = False,
) -> None:
    from diag.collectors.snmp.client import SnmpClient

    loop = asyncio.get_running_loop()
    loop_errors = _LoopErrors()
    loop_errors.install(loop)
    stop.attach(loop)
    threads = max(settings_for(inv, inv.circuits[i], overrides).cli_threads for i in ids)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="diag-cli")
    try:
        async with SnmpClient() as client:
            ctx = Context(
                client=client,
                pool=pool,
                progress=progress,
                stop=stop,
                loop_errors=loop_errors,
                reads=Reads() if on_provisional is None else WindowReads(),
            )
            runs = []
            for cid in ids:
                c = inv.circuits[cid]
                settings = settings_for(inv, c, overrides)
                collected = Collected(observations=list(given.get(cid, [])))
                started = now()
                sink[cid] = (collected, started, settings)
                path = build_path(c, inv)
                jobs = plan(inv, c, path, settings)
                collected.crc_routers = [j.name[7:] for j in jobs if j.name.startswith("router:")]
                collected.quick = quick
                collected.skipped = skipped_crc(
                    collected.crc_routers, settings.crc_sample_interval_s, quick
                )
                if on_provisional is not None:
                    collected.watch = _first_verdict(
                        c,
                        path,
                        collected,
                        started,
                        ticket,
                        operator,
                        thresholds,
                        stop,
                        on_provisional,
                    )
                runs.append(collect(jobs, ctx, collected))
            await asyncio.gather(*runs)
    finally:
        stop.detach()
        # sessions still running after an interruption finish on their own (bounded by their
        # timeouts); the CLI does not wait for them
        pool.shutdown(wait=False, cancel_futures=True)


def diagnose_many(
    inv: Inventory,
    ids: list[str],
    *,
    ticket: TicketOut | None = None,
    operator: str | None = None,
    progress: Progress = _quiet,
    overrides: dict[str, Any] | None = None,
    given: dict[str, list[Observation]] | None = None,
    thresholds: Thresholds | None = None,
    stop: Stop | None = None,
    quick: bool = False,
    on_provisional: FirstVerdict | None = None,
) -> list[Diagnosis]:
    """Diagnose several circuits concurrently on one loop (one SNMP engine, one thread pool).

    `given`: per circuit, observations people supplied (answers from site, test results).
    `stop`: the caller's interruption (the CLI installs it for the whole command); without
    one, SIGINT / SIGTERM / SIGHUP are handled during the collection only.
    `quick`: no CRC growth read (no second sample, no wait); the documents say so.
    `on_provisional`: called on the loop with each circuit's first verdict, made as soon as
    every job has finished or waits in its CRC window (not called when there is no window).

    Interrupted, the documents are still built from what was collected, with run.interrupted
    set; `stop.reason` says by what; interrupted in a CRC window, run.provisional too.
    """
    if quick:
        overrides = {**(overrides or {}), "crc_sample_interval_s": 0}
    sink: dict[str, tuple[Collected, datetime, CollectorSettings]] = {}
    op = operator_name(operator)
    own = stop is None
    stop = stop if stop is not None else Stop()
    if own:
        stop.install()
    try:
        asyncio.run(
            _diagnose_async(
                inv,
                ids,
                ticket=ticket,
                operator=op,
                progress=progress,
                overrides=overrides,
                sink=sink,
                given=given or {},
                stop=stop,
                thresholds=thresholds,
                on_provisional=on_provisional,
                quick=quick,
            )
        )
    except KeyboardInterrupt:  # the default handler (not the main thread), or raise_now
        if stop.signum is None:
            stop.signum = signal.SIGINT
    finally:
        if own:
            stop.restore()
    interrupted = stop.signum is not None
    out = []
    for cid in ids:
        c = inv.circuits[cid]
        collected, started, settings = sink.get(
            cid,
            (
                Collected(observations=list((given or {}).get(cid, []))),
                now(),
                settings_for(inv, c, overrides),
            ),
        )
        if interrupted:
            mark_interrupted(collected, stop.reason)
        doc = build_document(
            c,
            build_path(c, inv),
            collected,
            started=started,
            ticket=ticket,
            operator=op,
            interrupted=interrupted,
            thresholds=thresholds,
            interrupted_by=stop.reason,
            provisional=interrupted and collected.window_cut(),
            quick=collected.quick,
            skipped=collected.skipped,
        )
        out.append(Diagnosis(doc, collected, settings))
    return out


def diagnose(
    inv: Inventory,
    circuit_id: str,
    *,
    ticket: TicketOut | None = None,
    operator: str | None = None,
    progress: Progress = _quiet,
    overrides: dict[str, Any] | None = None,
    given: list[Observation] | None = None,
) -> FindingsDocument:
    """Collect, analyse and build the findings document for one circuit."""
    return diagnose_many(
        inv,
        [circuit_id],
        ticket=ticket,
        operator=operator,
        progress=progress,
        overrides=overrides,
        given={circuit_id: given or []},
    )[0].document


# The names moved to diag.runner_* modules stay importable from here.
__all__ = [
    "E1_LINKS",
    "GRACE_S",
    "SIGNALS",
    "SIGNAL_NAMES",
    "Collected",
    "Context",
    "Diagnosis",
    "Job",
    "Outcome",
    "Progress",
    "Provisional",
    "Reads",
    "Stop",
    "Window",
    "WindowReads",
    "build_document",
    "circuit_out",
    "collect",
    "diagnose",
    "diagnose_many",
    "mark_interrupted",
    "nms_targets",
    "now",
    "operator_name",
    "plan",
    "renumber",
    "run_guarded",
    "settings_for",
]

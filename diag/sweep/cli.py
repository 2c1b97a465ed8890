"""`diag sweep`: every selected circuit in one process, for the NOC; see diag.sweep.engine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from diag.clikit import (
    complete_circuit,
    complete_nms,
    console,
    fail,
    inventory_option,
    load,
    overrides,
    set_option,
)
from diag.errors import DiagError, UsageError
from diag.history.cli import history_option
from diag.i18n import tr
from diag.sweep.show import _print, _Progress

if TYPE_CHECKING:
    from rich.console import Console

    from diag.sweep.engine import SweepOptions

#: exit status of a sweep: its worst circuit's (failed: no document could be built for it)
SWEEP_EXIT = {
    "healthy": 0,
    "inconclusive": 12,
    "failed": 6,
    "fault_suspected": 11,
    "fault_localized": 10,
}

SWEEP_HELP = """\b
Exit codes (the worst circuit's):
   0  every circuit healthy          10  a fault localized
   2  usage error (selection)        11  a fault suspected (none localized)
   3  inventory error                12  inconclusive (no fault)
   6  a circuit could not be diagnosed (the failures listed say why)
   7  another sweep on the same history store is running
 130  interrupted (143 SIGTERM, 129 SIGHUP): finished circuits kept, --resume goes on

\b
Distributed (docs/noc.md): --distributed queues the circuits on the region workers
(`diag worker --region R`) and follows them; --detach only queues.
`diag sweep status SWEEP_ID [--wait]` shows a sweep from the history store.
"""


def _period(_: Any, __: Any, value: str | None) -> float | None:
    from diag.sweep.schedule import parse_period

    if value is None:
        return None
    try:
        return parse_period(value)
    except DiagError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("sweep", epilog=SWEEP_HELP)
@click.argument("ids", nargs=-1, metavar="[CIRCUIT_ID|GLOB]...", shell_complete=complete_circuit)
@inventory_option
@click.option("--group", "groups", multiple=True, help="Only circuits of this inventory group.")
@click.option("--region", "regions", multiple=True, help="Only circuits of this region.")
@click.option(
    "--nms",
    "nms",
    multiple=True,
    shell_complete=complete_nms,
    help="Only circuits with an NE on this NMS.",
)
@click.option("--customer", "customers", multiple=True, help="Only this customer (glob).")
@click.option(
    "--json",
    "json_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write one findings document per circuit, and sweep.json, into this folder.",
)
@history_option
@click.option("--no-history", is_flag=True, help="Keep nothing in the history store.")
@click.option("--resume", "resume_id", metavar="SWEEP_ID", help="Finish a partial sweep.")
@click.option(
    "--every",
    "period",
    metavar="PERIOD",
    callback=_period,
    help="Run again every PERIOD (15m, 1h) on fixed ticks; a late sweep skips ticks, never "
    "overlaps.",
)
@click.option("--runs", type=click.IntRange(min=1), help="With --every: stop after N sweeps.")
@click.option(
    "--metrics-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a node-exporter textfile (Prometheus exposition) after each sweep.",
)
@click.option(
    "--sessions",
    type=click.IntRange(1, 512),
    default=32,
    show_default=True,
    help="Router sessions at once (one per device at a time).",
)
@click.option(
    "--pings",
    type=click.IntRange(1, 512),
    default=32,
    show_default=True,
    help="Circuits whose host pings run at once.",
)
@set_option
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a tty).")
@click.option(
    "--distributed",
    is_flag=True,
    help="Queue the circuits on the region workers (`diag worker`) and follow them.",
)
@click.option("--detach", is_flag=True, help="With --distributed: queue, print the id, exit.")
@click.option("--wait", "wait_flag", is_flag=True, help="With status: follow until complete.")
@click.option(
    "--broker",
    metavar="URL",
    envvar="DIAG_BROKER",
    help="With --distributed: the workers' Redis (env DIAG_BROKER).",
)
@click.option(
    "--batch",
    type=click.IntRange(1, 10000),
    envvar="DIAG_BATCH",
    help="With --distributed: circuits per task (env DIAG_BATCH; default 50).",
)
def sweep_cmd(
    ids: tuple[str, ...],
    inventory: Path | None,
    groups: tuple[str, ...],
    regions: tuple[str, ...],
    nms: tuple[str, ...],
    customers: tuple[str, ...],
    json_dir: Path | None,
    history_url: str | None,
    no_history: bool,
    resume_id: str | None,
    period: float | None,
    runs: int | None,
    metrics_file: Path | None,
    sessions: int,
    pings: int,
    assignments: tuple[str, ...],
    progress: bool | None,
    distributed: bool,
    detach: bool,
    wait_flag: bool,
    broker: str | None,
    batch: int | None,
) -> None:
    """Diagnose every selected circuit (all by default) in one process: one alarm snapshot per
    NMS, one read per NE, router sessions from a bounded pool, one shared CRC window.

    Incidents (circuits one cause took down) are printed first, then the counts and every
    circuit that is not healthy.  Each diagnosis is kept in the history store
    (`diag history`, `diag report`).
    """
    from diag.runner import Stop
    from diag.sweep.engine import SweepOptions
    from diag.sweep.remote import Remote
    from diag.sweep.select import select

    remote = Remote(inventory, history_url, broker, batch)
    if ids and ids[0] == "status":
        if len(ids) != 2:
            fail(UsageError(tr("usage: diag sweep status SWEEP_ID [--wait]")))
        from diag.sweep.remote import status

        status(
            ids[1],
            remote,
            wait=wait_flag,
            progress=progress,
            json_dir=json_dir,
            metrics_file=metrics_file,
        )
        return
    if detach and not distributed:
        fail(UsageError(tr("--detach queues a distributed sweep: give --distributed too")))
    if distributed and (resume_id or period or no_history):
        fail(
            UsageError(
                tr(
                    "--distributed: workers resume by themselves, `diag scheduler` repeats "
                    "sweeps, and results live in the history store: drop --resume, --every, "
                    "--no-history"
                )
            )
        )
    if resume_id and (ids or groups or regions or nms or customers or period):
        fail(
            UsageError(tr("--resume takes the sweep's own selection: give no selection or --every"))
        )
    if resume_id and no_history:
        fail(UsageError(tr("--resume reads the sweep from the history store: drop --no-history")))
    if runs and not period:
        fail(UsageError(tr("--runs counts the sweeps of --every: give --every too")))
    con = console(stderr=False)
    inv = load(inventory)  # loaded and validated once for every sweep of this command
    options = SweepOptions(
        overrides=overrides(assignments), sessions=sessions, pings=pings, json_dir=json_dir
    )
    if json_dir is not None:
        try:
            json_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            fail(
                UsageError(
                    tr(
                        "--json {folder}: cannot create the folder: {reason}",
                        folder=json_dir,
                        reason=exc.strerror,
                    )
                )
            )
    try:
        selection = (
            None
            if resume_id
            else select(inv, ids=ids, groups=groups, regions=regions, nms=nms, customers=customers)
        )
    except DiagError as exc:
        fail(exc)
    if distributed:
        from diag.sweep.remote import run_distributed

        assert selection is not None  # no --resume here
        run_distributed(
            inv,
            selection,
            options,
            remote,
            detach=detach,
            progress=progress,
            metrics_file=metrics_file,
        )
        return
    stop = Stop().install()
    click.get_current_context().call_on_close(stop.restore)
    show = sys.stderr.isatty() if progress is None else progress
    store = _open_store(history_url, no_history)
    url = store.url if store is not None else "(no history)"
    try:
        from diag.sweep.schedule import every, sweep_lock

        with sweep_lock(url):
            if period is None:
                code = _one(
                    inv, selection, resume_id, store, options, stop, con, show, metrics_file
                )
            else:
                codes: list[int] = []

                def run(k: int) -> bool:
                    if k:
                        con.rule(f"sweep {k + 1}")
                    codes.append(
                        _one(inv, selection, None, store, options, stop, con, show, metrics_file)
                    )
                    return stop.signum is None

                every(
                    period,
                    run,
                    wait=stop.event.wait,
                    say=lambda text: con.print(f"[yellow]{text}[/]"),
                    count=runs,
                )
                code = codes[-1] if codes else 0
    except DiagError as exc:
        fail(exc)
    finally:
        if store is not None:
            store.close()
    sys.exit(stop.exit_code if stop.exit_code is not None else code)


def _open_store(url: str | None, no_history: bool) -> Any:
    if no_history:
        return None
    from diag.history import open_store

    try:
        return open_store(url)
    except DiagError as exc:
        fail(exc)


def _one(
    inv: Any,
    selection: Any,
    resume_id: str | None,
    store: Any,
    options: SweepOptions,
    stop: Any,
    con: Console,
    show: bool,
    metrics_file: Path | None,
) -> int:
    from diag.sweep.engine import run_sweep, start_document, worst

    earlier: dict[str, Any] = {}
    if resume_id:
        sweep = store.sweep(resume_id)
        if sweep is None:
            raise UsageError(no_such_sweep(resume_id, store))
        if sweep.state == "complete":
            raise UsageError(tr("sweep {id} is complete: nothing to resume", id=resume_id))
        missing = sorted(set(sweep.selection.circuits) - set(inv.circuits))
        if missing:
            raise UsageError(
                tr(
                    "sweep {id} ran circuits this inventory does not have: {circuits}; resume "
                    "it with the inventory it ran on",
                    id=resume_id,
                    circuits=", ".join(missing[:5]),
                )
            )
        done = store.sweep_done(resume_id)
        sweep = sweep.model_copy(
            update={
                "state": "running",
                "circuits": [r for r in sweep.circuits if r.circuit in done],
                "resumed": [*sweep.resumed, _now()],
            }
        )
        earlier = {
            d.circuit.id: d
            for d in store.documents(sweep_id=resume_id)
            if d.verdict.status != "healthy"
        }
        con.print(f"resuming {resume_id}: {len(done)} circuit(s) done, the rest now")
    else:
        sweep = start_document(inv, selection, options)
    events = _Progress(con, show)
    with events:
        result = run_sweep(
            inv,
            sweep,
            store=store,
            options=options,
            stop=stop,
            events=events,
            earlier_failing=earlier,
        )
    _print(con, result)
    if metrics_file is not None:
        from diag.metrics import write_metrics

        write_metrics(
            metrics_file,
            result.document,
            list(result.failing.values()),
            inv=inv,
            values=result.values,
        )
        con.print(f"metrics: {metrics_file}")
    statuses = [r.status for r in result.document.circuits]
    return SWEEP_EXIT[worst(statuses) or "healthy"]


def no_such_sweep(sweep_id: str, store: Any) -> str:
    """The error for a sweep id the store does not hold, with its latest sweeps."""
    latest = [f"{s.id} ({s.state})" for s in store.sweeps(limit=5)]
    return tr(
        "no sweep {id!r} in the history store {url}; its latest: {latest}",
        id=sweep_id,
        url=store.url,
        latest=", ".join(latest) or tr("none"),
    )


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)

"""`diag sweep --distributed` and `diag sweep status`: a sweep run by the region workers, queued
and followed from here through the broker and the history store (diag.distributed)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from diag.clikit import console, fail
from diag.errors import DiagError, UsageError
from diag.i18n import tr

if TYPE_CHECKING:
    from diag.distributed.work import Env
    from diag.model.inventory import Inventory
    from diag.sweep.engine import SweepOptions
    from diag.sweep.model import Selection, SweepDocument


@dataclass(frozen=True)
class Remote:
    """Where the workers are: the command's --inventory, --history, --broker, --batch."""

    inventory: Path | None = None
    history: str | None = None
    broker: str | None = None
    batch: int | None = None


def _env(r: Remote, inv: Inventory | None = None) -> Env:
    from diag.distributed.cli import check_broker, settings

    s = settings(broker=r.broker, history=r.history, batch=r.batch, inventory=r.inventory)
    # after settings(): importing the app reads the environment, whose errors are said there
    from diag.distributed.app import configure
    from diag.distributed.work import Env

    check_broker(s.broker)
    configure(s)
    try:
        return Env.open(s, inventory=inv)
    except DiagError as exc:
        fail(exc)


def run_distributed(
    inv: Inventory,
    selection: Selection,
    options: SweepOptions,
    remote: Remote,
    *,
    detach: bool,
    progress: bool | None,
    metrics_file: Path | None,
) -> None:
    from diag.distributed.work import start

    env = _env(remote, inv)
    con = console(stderr=False)
    try:
        sweep, _ = start(env, selection, options)
    except DiagError as exc:
        fail(exc)
    d = sweep.distributed
    assert d is not None
    regions = ", ".join(f"{r} {n}" for r, n in sorted(d.regions.items()))
    con.print(
        f"sweep {sweep.id}: {len(selection.circuits)} circuit(s) queued in {d.tasks} task(s); "
        f"circuits per region: {regions}"
        + (f"; {d.cross_region} read in two regions and joined" if d.cross_region else ""),
        highlight=False,
    )
    if detach:
        con.print(f"follow it: diag sweep status {sweep.id} --wait", highlight=False)
        env.close()
        return
    _follow(env, sweep, progress=progress, json_dir=options.json_dir, metrics_file=metrics_file)


def status(
    sweep_id: str,
    remote: Remote,
    *,
    wait: bool,
    progress: bool | None,
    json_dir: Path | None,
    metrics_file: Path | None,
) -> None:
    from diag.clikit import load
    from diag.distributed.work import progress as counts

    env = _env(remote, load(remote.inventory))
    con = console(stderr=False)
    sweep = env.store.sweep(sweep_id)
    if sweep is None:
        from diag.sweep.cli import no_such_sweep

        fail(UsageError(no_such_sweep(sweep_id, env.store)))
    if sweep.state == "complete" or wait:
        _follow(env, sweep, progress=progress, json_dir=json_dir, metrics_file=metrics_file)
        return
    done, bad = counts(env, sweep_id)
    total = len(sweep.selection.circuits)
    d = sweep.distributed
    where = f" over {', '.join(sorted(d.regions))}" if d else ""
    con.print(
        f"sweep {sweep.id} {sweep.state}{where}: {done}/{total} circuit(s) done, {bad} not "
        f"healthy, started {sweep.started:%Y-%m-%d %H:%M:%S} UTC",
        highlight=False,
    )
    env.close()


def _follow(
    env: Env,
    sweep: SweepDocument,
    *,
    progress: bool | None,
    json_dir: Path | None,
    metrics_file: Path | None,
) -> None:
    """Show the progress until every circuit has its result, then what a local sweep shows."""
    import redis
    from sqlalchemy.exc import SQLAlchemyError

    from diag.distributed.work import wait
    from diag.runner import Stop
    from diag.sweep.cli import SWEEP_EXIT
    from diag.sweep.engine import SweepRun, worst
    from diag.sweep.show import _print, _Progress

    con = console(stderr=False)
    show = sys.stderr.isatty() if progress is None else progress
    stop = Stop().install()
    try:
        with _Progress(con, show) as bar:
            bar.begin(len(sweep.selection.circuits), 0)
            doc = wait(env, sweep.id, on_progress=bar.update, stop=stop.event.wait)
    except (redis.RedisError, SQLAlchemyError, DiagError, OSError) as exc:
        fail(
            DiagError(
                tr(
                    "lost the broker or the history store while following sweep {id}: "
                    "{error}; the workers go on without it: `diag sweep status {id} --wait` "
                    "follows it again",
                    id=sweep.id,
                    error=" ".join(str(exc).split())[:300],
                )
            )
        )
    finally:
        stop.restore()
    if doc is None:
        said = tr(
            "not waiting any more: sweep {id} goes on on the workers; "
            "`diag sweep status {id} --wait` follows it again",
            id=sweep.id,
        )
        con.print(f"[yellow]{said}[/]", highlight=False)
        env.close()
        sys.exit(stop.exit_code or 130)
    failing = {d.circuit.id: d for d in env.store.documents(sweep_id=sweep.id, not_healthy=True)}
    _print(con, SweepRun(doc, failing))
    _outputs(env, doc, json_dir, metrics_file, con)
    env.close()
    sys.exit(SWEEP_EXIT[worst([r.status for r in doc.circuits]) or "healthy"])


def _outputs(
    env: Env, doc: SweepDocument, json_dir: Path | None, metrics_file: Path | None, con: Any
) -> None:
    """--json and --metrics-file from the stored documents (every region's, in one place)."""
    if json_dir is None and metrics_file is None:
        return
    from diag.metrics import circuit_values, write_metrics
    from diag.output.files import write_atomic

    docs = env.store.documents(sweep_id=doc.id)
    inv = env.inventory
    if json_dir is not None:
        json_dir.mkdir(parents=True, exist_ok=True)
        for d in docs:
            write_atomic(json_dir / f"{d.circuit.id}.json", d.to_json())
        write_atomic(json_dir / "sweep.json", doc.model_dump_json(indent=2, by_alias=True) + "\n")
        con.print(f"documents: {json_dir}", highlight=False)
    if metrics_file is not None:
        values = [
            circuit_values(
                d, (inv.circuits[d.circuit.id].region or "") if d.circuit.id in inv.circuits else ""
            )
            for d in docs
        ]
        failing = [d for d in docs if d.verdict.status != "healthy"]
        write_metrics(metrics_file, doc, failing, inv=inv, values=values)
        con.print(f"metrics: {metrics_file}", highlight=False)

"""Benchmark: a distributed sweep over two region workers (Celery + Redis, results in
PostgreSQL) against the single-machine `diag sweep`, on the same generated lab in the same run.

The generated lab is served in this process on loopback; redis-server and a private PostgreSQL
cluster come from tests/services.py.  Three runs over the same N circuits:

1. `diag sweep` on one machine (history in a SQLite file): wall, CPU, peak RSS;
2. `diag sweep --distributed` over two `diag worker` processes (process groups of their own),
   each serving half the regions, history in a fresh PostgreSQL database: wall from enqueue to
   complete, the workers' CPU and memory;
3. the same again on another fresh database, one worker's whole group SIGKILLed once ~30 % of
   the results are stored and a replacement started at once for its regions (what systemd's
   Restart= does), followed with `diag sweep status ID --wait`: wall and what redelivery cost.

Printed: the wall times side by side and their ratios; the result rows counted with SQL in
PostgreSQL (each circuit exactly once); circuit by circuit equality with the local sweep
(status, verdict segment, sorted rule ids of the findings); the verdicts against the ground
truth; the NMS requests the lab answered per NMS in each run; the sweep documents' `distributed`
facts and `failures`.

Workers' CPU: utime+stime of every process of the worker's group, read from /proc once a second
until it stops (a process that ends between two reads loses under a second); for a worker
stopped with SIGTERM, os.wait4 on its main process too (its own plus its reaped pool processes).
Memory: the largest sum of the group's RSS seen (shared pages counted in each process) and of
its PSS (shared pages divided among their users).

    .venv/bin/python bench/distributed.py [--n 1000] [--interval 30] [--concurrency 3]
        [--batch 200] [--sessions 10] [--visibility-timeout 300] [--skip-local] [--skip-kill]

The worker processes and their measures are in bench/distributed_procs.py, the results and the
report in bench/distributed_report.py.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from services import new_database, postgres_cluster, redis_server, result_rows

from diag.lab.generate import GroundTruth, generate, load, raise_fd_limit, read_truth
from diag.lab.network import LabNetwork, LabThread
from diag.sweep.model import SweepDocument

sys.path.insert(0, str(Path(__file__).resolve().parent))
from distributed_procs import DIAG, OK_EXIT, Workers, _run
from distributed_report import Run, _lab_cpu, _report, _stored, _task_times
from sweep import _requests  # the NMS requests the lab's agents answered (bench/sweep.py)

# ------------------------------------------------------------------------------ the runs


def _local(args: argparse.Namespace, lab: LabThread, inventory: Path, tmp: Path) -> Run:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp / "data"),
        "DIAG_HISTORY": f"sqlite:///{tmp / 'local.sqlite'}",
    }
    before, cpu0 = _requests(lab), _lab_cpu()
    out = tmp / "local"
    cmd = [*DIAG, "sweep", "-i", str(inventory), "--json", str(out), "--no-progress"]
    code, wall, cpu, rss, _, err = _run([*cmd, "--set", _interval(args)], env)
    if code not in OK_EXIT:
        raise SystemExit(f"local sweep failed ({code}): {err[-2000:]}")
    after = _requests(lab)
    sweep = SweepDocument.model_validate_json((out / "sweep.json").read_text())
    return Run("local", wall, code, cpu, rss, _lab_cpu() - cpu0, _diff(before, after), out, sweep)


def _interval(args: argparse.Namespace) -> str:
    return f"crc_sample_interval_s={args.interval:g}"


def _diff(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {n: after[n] - before.get(n, 0) for n in after}


def _distributed(
    args: argparse.Namespace,
    lab: LabThread,
    inventory: Path,
    tmp: Path,
    redis_url: str,
    pg: str,
    regions: list[str],
    *,
    kill: bool,
) -> Run:
    import redis
    import sqlalchemy as sa

    label = "distributed, one killed" if kill else "distributed"
    name = "kill" if kill else "dist"
    db = new_database(pg, f"bench_{name}")
    broker = f"{redis_url}/{2 if kill else 1}"
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp / "data"),
        "DIAG_BROKER": broker,
        "DIAG_HISTORY": db,
        "DIAG_INVENTORY": str(inventory),
        "DIAG_VISIBILITY_TIMEOUT": f"{args.visibility_timeout:g}",
        "DIAG_RESTORE_INTERVAL": "1",
    }
    logs = tmp / f"logs-{name}"
    logs.mkdir()
    half = (len(regions) + 1) // 2
    groups = {"a": regions[:half], "b": regions[half:]}
    ws = Workers(env, logs, args.concurrency)
    notes: list[str] = []
    out = tmp / name
    sweep_args = ["--batch", str(args.batch), "--sessions", str(args.sessions)]
    sweep_args += ["--set", _interval(args), "--no-progress"]
    from celery import Celery

    control = Celery("bench", broker=broker).control
    try:
        started = {g: ws.start(f"{name}-{g}", rs) for g, rs in groups.items()}
        for w in started.values():
            w.wait_ready(control)
        notes.append(
            "workers ready in "
            + ", ".join(f"{w.name} {w.ready_s:.1f} s ({' '.join(w.regions)})" for w in ws.all)
        )
        before, cpu0 = _requests(lab), _lab_cpu()
        if not kill:
            code, wall, cpu, rss, _, err = _run(
                [*DIAG, "sweep", "--distributed", "--json", str(out), *sweep_args], env
            )
            if code not in OK_EXIT:
                raise SystemExit(f"{label} failed ({code}): {err[-2000:]}")
        else:
            t0 = time.perf_counter()
            code, _, cpu, rss, text, err = _run(
                [*DIAG, "sweep", "--distributed", "--detach", *sweep_args], env
            )
            if code != 0:
                raise SystemExit(f"{label}: enqueue failed ({code}): {err[-2000:]}")
            sweep_id = next(w.rstrip(":") for w in text.split() if w.startswith("SW-"))
            engine = sa.create_engine(db)
            at = int(args.n * args.kill_at)
            while (stored := _stored(engine, sweep_id)) < at:
                time.sleep(0.25)
            t_kill = time.perf_counter() - t0
            victim = started["a"]
            victim.kill()
            replacement = ws.start(f"{name}-a2", victim.regions)
            ready = threading.Thread(target=replacement.wait_ready, args=(control,))
            ready.start()
            notes.append(
                f"{victim.name} ({' '.join(victim.regions)}) SIGKILLed (whole group) at "
                f"{t_kill:.1f} s with {stored}/{args.n} results stored; {replacement.name} "
                "started at once for the same regions"
            )
            timeline: list[tuple[float, int]] = []
            stop = threading.Event()

            def watch() -> None:
                while not stop.wait(1.0):
                    timeline.append((time.perf_counter() - t0, _stored(engine, sweep_id)))

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            code, _, cpu2, rss2, _, err = _run(
                [*DIAG, "sweep", "status", sweep_id, "--wait", "--json", str(out), "--no-progress"],
                env,
            )
            stop.set()
            watcher.join()
            ready.join()
            wall = time.perf_counter() - t0
            cpu, rss = cpu + cpu2, max(rss, rss2)
            engine.dispose()
            if code not in OK_EXIT:
                raise SystemExit(f"{label}: status --wait failed ({code}): {err[-2000:]}")
            notes.append(
                f"replacement ready {replacement.ready_s or 0:.1f} s after the kill; "
                f"complete {wall - t_kill:.1f} s after the kill"
            )
            notes.append(_stall(timeline, t_kill))
            notes.append(_redelivered(logs))
        after = _requests(lab)
        lab_cpu = _lab_cpu() - cpu0
    finally:
        ws.stop()
    sweep = SweepDocument.model_validate_json((out / "sweep.json").read_text())
    times = _task_times(logs)
    if times:
        notes.append(
            f"{len(times)} tasks succeeded: longest {max(times):.1f} s, median "
            f"{sorted(times)[len(times) // 2]:.1f} s (visibility timeout "
            f"{args.visibility_timeout:g} s)"
        )
    return Run(
        label,
        wall,
        code,
        cpu,
        rss,
        lab_cpu,
        _diff(before, after),
        out,
        sweep,
        db=db,
        rows=result_rows(db, sweep.id),
        workers=ws.all,
        notes=notes,
    )


def _stall(timeline: list[tuple[float, int]], t_kill: float) -> str:
    """The longest time after the kill in which no result was stored."""
    best = (0.0, 0.0, 0)
    last_t, last_n = t_kill, -1
    for t, n in timeline:
        if n != last_n:
            if t - last_t > best[0]:
                best = (t - last_t, last_t, last_n)
            last_t, last_n = t, n
    if not best[0]:
        return "no stall after the kill"
    return (
        f"longest stall after the kill: {best[0]:.0f} s with {best[2]} results stored "
        f"(from {best[1]:.0f} s): the killed worker's tasks waiting for their redelivery"
    )


def _redelivered(logs: Path) -> str:
    """Tasks received twice (the kill lost them unacknowledged) and how late the second time."""
    seen: dict[str, list[datetime]] = {}
    for f in sorted(logs.glob("*.log")):
        for m in re.finditer(
            r"\[(\S+ \S+),\d+: INFO/MainProcess\] Task diag\.part\[(\S+)\] received",
            f.read_text(errors="replace"),
        ):
            seen.setdefault(m[2], []).append(datetime.fromisoformat(m[1]))
    late = [(t[1] - t[0]).total_seconds() for t in seen.values() if len(t) > 1]
    if not late:
        return "no task was delivered twice"
    return (
        f"{len(late)} task(s) the kill left unacknowledged delivered again "
        f"{min(late):.0f}-{max(late):.0f} s after their first delivery"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=30.0, help="crc_sample_interval_s")
    ap.add_argument("--concurrency", type=int, default=3, help="processes per worker")
    ap.add_argument(
        "--batch",
        type=int,
        default=200,
        help="circuits per task: one task per region (~170 circuits) at N=1000, each sharing "
        "one CRC window (20 gave 54 tasks and 1.8x the local wall on 2 cores)",
    )
    ap.add_argument(
        "--sessions",
        type=int,
        default=10,
        help="router sessions per task: 6 tasks x 10 on one machine against the local "
        "sweep's 32 (6 x 32 starved the lab's huawei-imap resyncs)",
    )
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--visibility-timeout",
        type=float,
        default=300.0,
        help="longer than a task (~190 s here); a killed worker's tasks come back after it",
    )
    ap.add_argument("--kill-at", type=float, default=0.3, help="share of results stored")
    ap.add_argument("--skip-local", action="store_true")
    ap.add_argument("--skip-kill", action="store_true")
    args = ap.parse_args()
    raise_fd_limit()
    # SIGTERM stops the workers, redis-server and PostgreSQL too (the finally blocks)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="diag-bench-dist-"))
    t0 = time.perf_counter()
    gen = generate(args.n, fault_rate=args.fault_rate, seed=args.seed, folder=tmp / "lab")
    inv, scenario = load(gen.folder)
    regions = sorted({c.region for c in inv.circuits.values() if c.region})
    truth = read_truth(gen.folder)
    lab = LabThread(LabNetwork(inv, [scenario]))
    lab.start(timeout=600)
    try:
        _main(args, lab, gen.inventory_dir, regions, truth, tmp, t0)
    finally:
        lab.stop(timeout=120)
    print(f"\n(files: {tmp})")


def _main(
    args: argparse.Namespace,
    lab: LabThread,
    inventory: Path,
    regions: list[str],
    truth: GroundTruth,
    tmp: Path,
    t0: float,
) -> None:
    with redis_server() as redis_url, postgres_cluster() as pg:
        print(
            f"lab: {args.n} circuits in {len(regions)} regions ({', '.join(regions)}), "
            f"{len(lab.network.served)} services; with redis-server and PostgreSQL up in "
            f"{time.perf_counter() - t0:.1f} s; CRC interval {args.interval:g} s, concurrency "
            f"{args.concurrency} per worker, batch {args.batch}, {args.sessions} sessions per task"
        )
        runs: list[Run] = []
        if not args.skip_local:
            runs.append(_local(args, lab, inventory, tmp))
            print(f"  local done: {runs[-1].wall:.1f} s", flush=True)
        runs.append(_distributed(args, lab, inventory, tmp, redis_url, pg, regions, kill=False))
        print(f"  distributed done: {runs[-1].wall:.1f} s", flush=True)
        if not args.skip_kill:
            runs.append(_distributed(args, lab, inventory, tmp, redis_url, pg, regions, kill=True))
            print(f"  distributed with a kill done: {runs[-1].wall:.1f} s", flush=True)
        _report(args, runs, truth)


if __name__ == "__main__":
    main()

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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from services import new_database, postgres_cluster, redis_server, result_rows

from diag.lab.generate import GroundTruth, generate, load, raise_fd_limit, read_truth
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import Expect, mismatches
from diag.model.findings import FindingsDocument
from diag.sweep.model import SweepDocument

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sweep import _requests  # the NMS requests the lab's agents answered (bench/sweep.py)

DIAG = [sys.executable, "-m", "diag.cli"]
OK_EXIT = (0, 10, 11, 12)
TICK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------ processes


def _run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, int, str, str]:
    """(exit code, wall s, CPU s, peak RSS KiB, stdout, stderr) of one child process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        text = []
        for f in (out, err):
            f.seek(0)
            text.append(f.read().decode("utf-8", "replace"))
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, text[0], text[1]


def _group(pgid: int) -> list[int]:
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 (pgrp), after the state and ppid
                pids.append(int(d))
    return pids


def _kib(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Worker:
    """A `diag worker` process in its own process group, its CPU and memory read from /proc."""

    name: str
    regions: list[str]
    proc: subprocess.Popen[bytes]
    log: Path
    started: float
    ready_s: float = 0.0
    cpu: dict[int, float] = field(default_factory=dict)
    rss_sum_kib: int = 0
    pss_sum_kib: int = 0
    processes: int = 0
    wait4_cpu: float | None = None
    wait4_rss_kib: int | None = None

    def sample(self) -> None:
        rss = pss = 0
        pids = _group(self.proc.pid)
        for pid in pids:
            try:
                f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.cpu[pid] = (int(f[11]) + int(f[12])) / TICK  # utime, stime
            rss += _kib(f"/proc/{pid}/status", "VmRSS:")
            pss += _kib(f"/proc/{pid}/smaps_rollup", "Pss:")
        self.rss_sum_kib = max(self.rss_sum_kib, rss)
        self.pss_sum_kib = max(self.pss_sum_kib, pss)
        self.processes = max(self.processes, len(pids))

    def wait_ready(self, control: Any, timeout: float = 180) -> None:
        """Until the worker answers a control ping (its consumer is up)."""
        deadline = time.monotonic() + timeout
        while not any(
            k.startswith(f"{self.name}@") for r in control.ping(timeout=0.5) or [] for k in r
        ):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"worker {self.name} did not start:\n{tail}")
        self.ready_s = time.perf_counter() - self.started

    def kill(self) -> None:
        self.sample()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown: the main process reaps its pool), then its rusage."""
        self.sample()
        os.killpg(self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.wait4_cpu = usage.ru_utime + usage.ru_stime
                self.wait4_rss_kib = usage.ru_maxrss
                return
            time.sleep(0.2)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())


class Workers:
    def __init__(self, env: dict[str, str], logs: Path, concurrency: int) -> None:
        self.env, self.logs, self.concurrency = env, logs, concurrency
        self.all: list[Worker] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._loop, daemon=True)
        self._sampler.start()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            for w in list(self.all):
                if w.proc.returncode is None:  # never poll(): stop() reaps it with wait4
                    w.sample()

    def start(self, name: str, regions: list[str]) -> Worker:
        args = [*DIAG, "worker", "--name", f"{name}@%h", "-c", str(self.concurrency), "-l", "info"]
        args += [a for r in regions for a in ("--region", r)]
        log = self.logs / f"{name}.log"
        with log.open("ab") as f:
            proc = subprocess.Popen(
                args, env=self.env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True
            )
        w = Worker(name, regions, proc, log, time.perf_counter())
        self.all.append(w)
        return w

    def stop(self) -> None:
        for w in self.all:
            if w.proc.returncode is None:
                w.stop()
        self._stop.set()


# ------------------------------------------------------------------------------ results


def _lab_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _stored(engine: Any, sweep_id: str) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        q = sa.text("SELECT count(*) FROM diagnoses WHERE sweep_id = :s")
        return int(conn.execute(q, {"s": sweep_id}).scalar_one())


Verdict = tuple[str, Any, list[str]]


def _verdicts(folder: Path) -> dict[str, Verdict]:
    out: dict[str, Verdict] = {}
    for f in folder.glob("GEN-*.json"):
        d = json.loads(f.read_text())
        v = d["verdict"]
        rules = sorted({r for fa in d["findings"] for r in fa.get("rules", [])})
        out[d["circuit"]["id"]] = (v["status"], v.get("segment"), rules)
    return out


def _against_truth(truth: GroundTruth, folder: Path) -> list[str]:
    wrong: list[str] = []
    for cid, t in truth.circuits.items():
        f = folder / f"{cid}.json"
        if not f.exists():
            wrong.append(f"{cid}: no document")
            continue
        doc = FindingsDocument.model_validate_json(f.read_text())
        wrong += mismatches(cid, Expect(status=t.status, segment=t.segment, owner=t.owner), doc)
    return wrong


def _task_times(logs: Path) -> list[float]:
    """Every task's run time, from the workers' 'succeeded in X s' lines."""
    out = []
    for f in logs.glob("*.log"):
        out += [
            float(x) for x in re.findall(r"succeeded in ([0-9.]+)s", f.read_text(errors="replace"))
        ]
    return out


@dataclass
class Run:
    label: str
    wall: float
    code: int
    cpu: float
    rss_kib: int
    lab_cpu: float
    requests: dict[str, int]
    docs: Path
    sweep: SweepDocument
    db: str | None = None
    rows: dict[str, int] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


# ------------------------------------------------------------------------------ the report


def _report(args: argparse.Namespace, runs: list[Run], truth: GroundTruth) -> None:
    local = next((r for r in runs if r.label == "local"), None)
    print(
        "\n                          wall s   / local  diag CPU s  RSS MiB (sweep; workers PSS)"
        "  lab CPU s  exit"
    )
    for r in runs:
        ratio = f"{r.wall / local.wall:5.2f}x" if local else "    - "
        cpu = r.cpu + sum(w.cpu_s for w in r.workers)
        pss = sum(w.pss_sum_kib for w in r.workers) / 1024
        mem = f"{r.rss_kib / 1024:.0f}" + (f"; {pss:.0f}" if r.workers else "")
        print(
            f"  {r.label:23s} {r.wall:7.1f}  {ratio}  {cpu:10.1f}  {mem:28s}  "
            f"{r.lab_cpu:9.1f}  {r.code}"
        )
    if local:
        dist = [r for r in runs if r.workers]
        if len(dist) == 2:
            print(
                f"  killed / distributed: {dist[1].wall / dist[0].wall:.2f}x "
                f"(+{dist[1].wall - dist[0].wall:.1f} s for the kill and redelivery)"
            )
    for r in runs:
        if not r.workers:
            continue
        print(
            f"\n{r.label}: sweep {r.sweep.id}, client CPU {r.cpu:.1f} s, RSS {r.rss_kib / 1024:.0f} MiB"
        )
        for w in r.workers:
            w4 = (
                f"; wait4 on the main after SIGTERM: {w.wait4_cpu:.1f} s, peak RSS of one "
                f"process {(w.wait4_rss_kib or 0) / 1024:.0f} MiB"
                if w.wait4_cpu is not None
                else " (SIGKILLed: /proc only)"
                if w.proc.returncode == -9
                else ""
            )
            print(
                f"  worker {w.name} ({' '.join(w.regions)}): {w.processes} processes, CPU "
                f"{w.cpu_s:.1f} s (/proc), peak RSS sum {w.rss_sum_kib / 1024:.0f} MiB, PSS sum "
                f"{w.pss_sum_kib / 1024:.0f} MiB{w4}"
            )
        for n in r.notes:
            print(f"  {n}")
        counts = list(r.rows.values())
        exact = sorted(r.rows) == sorted(truth.circuits) and set(counts) == {1}
        print(
            f"  PostgreSQL: {len(r.rows)} circuits, {sum(counts)} rows, max {max(counts, default=0)} "
            f"per circuit{'' if exact else '  <-- NOT exactly once'}"
        )
        d = r.sweep.distributed
        if d:
            print(
                f"  distributed: {d.tasks} tasks, regions {dict(sorted(d.regions.items()))}, "
                f"cross_region {d.cross_region}"
            )
        print(
            f"  failures: {len(r.sweep.failures)}"
            + "".join(f"\n    {f}" for f in r.sweep.failures[:10])
        )

    print("\nper run (state, counts, incidents; NMS requests answered / snapshots)")
    for r in runs:
        c = r.sweep.counts
        print(
            f"  {r.label}: {r.sweep.state}, {c.healthy} healthy, {c.fault_localized} localized, "
            f"{c.fault_suspected} suspected, {c.inconclusive} inconclusive, {c.failed} failed; "
            f"{len(r.sweep.incidents)} incidents"
        )
        snaps = {s.nms: s for s in r.sweep.snapshots}
        print(
            "    "
            + ", ".join(
                f"{n} {r.requests[n]} req/{'1 snapshot' if n in snaps else 'no snapshot'}"
                + (
                    f" ({snaps[n].alarms} alarms, {snaps[n].circuits} circuits)"
                    if n in snaps
                    else ""
                )
                for n in sorted(r.requests)
            )
        )
    if local:
        want = _verdicts(local.docs)
        for r in runs:
            if r is local:
                continue
            got = _verdicts(r.docs)
            equal = sum(1 for c in want if got.get(c) == want[c])
            print(f"\n{r.label} vs local, circuit by circuit: {equal}/{len(want)} equal")
            diffs = [c for c in sorted(set(want) | set(got)) if got.get(c) != want.get(c)]
            for c in diffs[:10]:
                print(f"  {c}: local {want.get(c)}; {r.label} {got.get(c)}")
            if len(diffs) > 10:
                print(f"  ... {len(diffs) - 10} more")
    print("\nground truth (status, segment, owner)")
    for r in runs:
        wrong = _against_truth(truth, r.docs)
        print(
            f"  {r.label}: {len(truth.circuits) - len({w.split(':')[0] for w in wrong})}/"
            f"{len(truth.circuits)} as injected"
        )
        for w in wrong[:8]:
            print(f"    {w}")


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

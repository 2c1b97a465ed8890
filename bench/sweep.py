"""Benchmark: `diag sweep` over a generated lab of N circuits at the production CRC interval,
against a loop of `diag circuit` processes measured in the same run.

The generated lab (diag.lab.generate: SDH rings in several regions, alarm-mib and huawei-imap
NMSs, seeded faults and noise, a ground truth) is served in this process on loopback; the sweep
and the baseline run as their own processes.  Printed:

- the sweep's wall time, its CPU time and peak RSS (the lab's CPU beside it: both share this
  machine's cores);
- the baseline: `diag circuit` processes at concurrency C over a sample of S circuits, its wall
  time extrapolated to N, and the ratio to the sweep;
- the NMS requests the lab's agents answered, per NMS, in the sweep and per baseline circuit;
- the verdicts against the ground truth: every injected fault found with its segment and owner,
  every healthy circuit healthy, every ring cut one incident.

    .venv/bin/python bench/sweep.py [--n 1000] [--interval 30] [--sample 16] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from diag.lab.generate import generate, load, raise_fd_limit, read_truth
from diag.lab.network import LabNetwork, LabThread
from diag.model.findings import FindingsDocument
from diag.sweep.model import SweepDocument


def _run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, int, str]:
    """(exit code, wall s, CPU s, peak RSS KiB, stderr) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, err


def _requests(lab: LabThread) -> dict[str, int]:
    return {
        s.name: lab.network.service("nms", s.name).requests
        for s in lab.network.served
        if s.kind == "nms"
    }


def _lab_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=30.0, help="crc_sample_interval_s")
    ap.add_argument("--sample", type=int, default=16, help="circuits of the baseline loop")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sessions", type=int, default=32)
    args = ap.parse_args()
    raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="diag-bench-sweep-"))
    t0 = time.perf_counter()
    gen = generate(args.n, fault_rate=args.fault_rate, seed=args.seed, folder=tmp / "lab")
    inv, scenario = load(gen.folder)
    lab = LabThread(LabNetwork(inv, [scenario]))
    served = lab.start(timeout=600)
    print(
        f"lab: {args.n} circuits, {len(served)} services, generated and started in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp / "data"),
        "DIAG_HISTORY": f"sqlite:///{tmp / 'history.sqlite'}",
    }
    diag = [sys.executable, "-m", "diag.cli"]
    interval = f"crc_sample_interval_s={args.interval:g}"
    try:
        # --- the sweep
        before, cpu0 = _requests(lab), _lab_cpu()
        out = tmp / "docs"
        code, wall, cpu, rss, err = _run(
            [
                *diag,
                "sweep",
                "-i",
                str(gen.inventory_dir),
                "--json",
                str(out),
                "--set",
                interval,
                "--no-progress",
                "--sessions",
                str(args.sessions),
                "--metrics-file",
                str(tmp / "diag.prom"),
            ],
            env,
        )
        lab_cpu = _lab_cpu() - cpu0
        after = _requests(lab)
        if code not in (0, 10, 11, 12):
            print(f"sweep failed ({code}): {err[-2000:]}")
            sys.exit(1)
        sweep = SweepDocument.model_validate_json((out / "sweep.json").read_text())
        print(
            f"\nsweep: {args.n} circuits at {args.interval:g} s: wall {wall:.1f} s, CPU "
            f"{cpu:.1f} s (lab {lab_cpu:.1f} s), peak RSS {rss / 1024:.0f} MiB, exit {code}"
        )
        c = sweep.counts
        print(
            f"  counts: {c.healthy} healthy, {c.fault_localized} localized, {c.fault_suspected} "
            f"suspected, {c.inconclusive} inconclusive, {c.failed} failed; "
            f"{len(sweep.incidents)} incidents"
        )
        swept = {n: after[n] - before[n] for n in after}
        for s in sweep.snapshots:
            print(
                f"  NMS {s.nms} ({s.driver}): {swept.get(s.nms, 0)} requests answered for "
                f"{s.circuits} circuits, snapshot {s.duration_s:.2f} s, {s.alarms} alarms"
            )

        # --- the baseline: diag circuit processes, C at a time, over a sample
        ids = sorted(inv.circuits)[:: max(1, len(inv.circuits) // args.sample)][: args.sample]
        before = _requests(lab)

        def one(cid: str) -> tuple[int, float, float, int, str]:
            return _run(
                [*diag, "circuit", cid, "-i", str(gen.inventory_dir), "--set", interval], env
            )

        t1 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            base = list(pool.map(one, ids))
        base_wall = time.perf_counter() - t1
        after = _requests(lab)
        per_circuit_requests = sum(after[n] - before[n] for n in after) / len(ids)
        extrapolated = base_wall / len(ids) * args.n
        print(
            f"\nbaseline: {len(ids)} `diag circuit` processes, {args.concurrency} at a time: "
            f"{base_wall:.1f} s, {sum(b[2] for b in base):.1f} CPU s; extrapolated to "
            f"{args.n}: {extrapolated:.0f} s"
        )
        print(f"  ratio baseline / sweep: {extrapolated / wall:.1f}x")
        total_swept = sum(swept.values())
        print(
            f"  NMS requests: {per_circuit_requests:.0f} per circuit alone, x {args.n} = "
            f"{per_circuit_requests * args.n:.0f}; the sweep: {total_swept} "
            f"({per_circuit_requests * args.n / max(total_swept, 1):.0f}x fewer)"
        )

        # --- the ground truth
        truth = read_truth(gen.folder)
        wrong: list[str] = []
        found = healthy_ok = 0
        for cid, t in truth.circuits.items():
            doc = FindingsDocument.model_validate_json((out / f"{cid}.json").read_text())
            v = doc.verdict
            if t.status == "healthy":
                if v.status == "healthy":
                    healthy_ok += 1
                else:
                    wrong.append(f"{cid}: healthy, diag says {v.status} {v.segment}")
                continue
            seg = v.segment
            if (
                v.status == t.status
                and seg is not None
                and t.segment is not None
                and (seg.from_, seg.to) == (t.segment.from_, t.segment.to)
                and v.owner == t.owner
            ):
                found += 1
            else:
                wrong.append(
                    f"{cid} ({t.fault}): expected {t.status} {t.segment} {t.owner}, diag says "
                    f"{v.status} {seg} {v.owner}"
                )
        n_faulty = sum(1 for t in truth.circuits.values() if t.status != "healthy")
        n_healthy = len(truth.circuits) - n_faulty
        groups = [sorted(c.circuit for c in i.circuits) for i in sweep.incidents]
        cuts_ok = 0
        for cut in truth.incidents:
            want = sorted(cut.circuits)
            if len(want) < 2:
                cuts_ok += want == [] or not any(want[0] in g for g in groups)
                continue
            if want in groups:
                cuts_ok += 1
            else:
                wrong.append(f"cut {cut.id} {cut.span}: circuits {want}; incidents {groups}")
        print(
            f"\nground truth: faults found {found}/{n_faulty}, healthy {healthy_ok}/{n_healthy}, "
            f"ring cuts one incident each {cuts_ok}/{len(truth.incidents)}"
        )
        for w in wrong[:20]:
            print(f"  {w}")
        if len(wrong) > 20:
            print(f"  ... {len(wrong) - 20} more")
    finally:
        lab.stop(timeout=120)


if __name__ == "__main__":
    main()

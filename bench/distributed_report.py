"""bench/distributed.py's results and report: what one run measured (`Run`), the verdicts
compared between runs and with the ground truth, and the printed report.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed_procs import Worker

from diag.lab.generate import GroundTruth
from diag.lab.scenario import Expect, mismatches
from diag.model.findings import FindingsDocument
from diag.sweep.model import SweepDocument


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

"""Benchmark: the analyzer over the recorded circuits (the NOC sweep's analysis cost).

Recorded circuits are the captures in fixtures/captures/ (every shipped scenario).  Each circuit
is analysed ROUNDS times, interleaved with a baseline measured in the same run: building its
path and renumbering its observations (what every analysis does before any rule runs).  Printed:
the median over circuits of the time per analysis (rules alone, and path + renumber + rules),
the ratio to the baseline's median, the slowest circuits, and the total for N circuits.

Two clocks: wall time (perf_counter), and this thread's CPU time (thread_time), which other
processes on a busy machine do not inflate; compare ratios, and run twice.  Every analysis
after the first of a circuit finds its shape's values cached (Context.shaped), as a sweep that
diagnoses the same circuits again does; the first analyses (the warm-up) build them.

    .venv/bin/python bench/analyzer.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from diag.analyzers.engine import analyze_full
from diag.capture import load_capture
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.runner import renumber

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    caps = [
        load_capture(p) for p in sorted((ROOT / "fixtures" / "captures").iterdir()) if p.is_dir()
    ]
    work = []
    for c in caps:
        inv = Inventory(nms=c.nms, devices=c.devices, circuits={c.circuit.id: c.circuit})
        work.append((c.circuit.id, c.circuit, inv, list(c.observations)))
    for _, circuit, inv, obs in work:  # load the playbook, the vocabulary, the caches once
        analyze_full(build_path(circuit, inv), renumber(obs))

    wall, cpu = time.perf_counter, time.thread_time
    base: dict[str, list[float]] = {w[0]: [] for w in work}
    rules: dict[str, list[float]] = {w[0]: [] for w in work}
    base_cpu: dict[str, list[float]] = {w[0]: [] for w in work}
    rules_cpu: dict[str, list[float]] = {w[0]: [] for w in work}
    for _ in range(rounds):
        for cid, circuit, inv, obs in work:
            c0, t0 = cpu(), wall()
            path = build_path(circuit, inv)
            o = renumber(obs)
            c1, t1 = cpu(), wall()
            analyze_full(path, o)
            c2, t2 = cpu(), wall()
            base[cid].append(t1 - t0)
            rules[cid].append(t2 - t1)
            base_cpu[cid].append(c1 - c0)
            rules_cpu[cid].append(c2 - c1)

    def med(d: dict[str, list[float]]) -> dict[str, float]:
        return {k: statistics.median(v) * 1e3 for k, v in d.items()}

    per_obs = statistics.median(len(w[3]) for w in work)
    print(
        f"{len(work)} recorded circuits (median {per_obs:.0f} observations), {rounds} rounds each"
    )
    print(f"{'median per circuit':34} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}")
    rows = []
    for b, r in ((med(base), med(rules)), (med(base_cpu), med(rules_cpu))):
        full = {k: b[k] + r[k] for k in b}
        mb, mr, mf = (statistics.median(x.values()) for x in (b, r, full))
        rows.append((mb, mr, mf))
    (wb, wr, wf), (cb, cr, cf) = rows
    for name, w, c, wbase, cbase in (
        ("baseline: path + renumber", wb, cb, wb, cb),
        ("rules alone (analyze_full)", wr, cr, wb, cb),
        ("path + renumber + rules", wf, cf, wb, cb),
    ):
        print(f"{name:34} {w:8.3f} {w / wbase:6.2f} {c:8.3f} {c / cbase:6.2f}")
    slow = sorted(med(rules).items(), key=lambda kv: -kv[1])[:3]
    print("slowest (wall): " + ", ".join(f"{k} {v:.3f} ms" for k, v in slow))
    total = sum(sum(v) for v in rules.values()) + sum(sum(v) for v in base.values())
    n = len(work) * rounds
    print(f"{n} analyses in {total:.2f} s ({total / n * 1e3:.3f} ms each on average, wall)")


if __name__ == "__main__":
    main()

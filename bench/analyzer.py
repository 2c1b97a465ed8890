"""Benchmark: the analyzer over the recorded circuits (the NOC sweep's analysis cost).

Recorded circuits are the captures in fixtures/captures/ (every shipped scenario).  Each circuit
is analysed ROUNDS times, interleaved with a baseline measured in the same run: building its
path and renumbering its observations (what every analysis does before any rule runs).  Printed:
the median over circuits of the time per analysis (rules alone, and path + renumber + rules),
the ratio to the baseline's median, the slowest circuits, and the total for N circuits.

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

    base: dict[str, list[float]] = {w[0]: [] for w in work}
    rules: dict[str, list[float]] = {w[0]: [] for w in work}
    for _ in range(rounds):
        for cid, circuit, inv, obs in work:
            t0 = time.perf_counter()
            path = build_path(circuit, inv)
            o = renumber(obs)
            t1 = time.perf_counter()
            analyze_full(path, o)
            t2 = time.perf_counter()
            base[cid].append(t1 - t0)
            rules[cid].append(t2 - t1)

    def med(d: dict[str, list[float]]) -> dict[str, float]:
        return {k: statistics.median(v) * 1e3 for k, v in d.items()}

    b, r = med(base), med(rules)
    full = {k: b[k] + r[k] for k in b}
    mb, mr, mf = (statistics.median(x.values()) for x in (b, r, full))
    per_obs = statistics.median(len(w[3]) for w in work)
    print(
        f"{len(work)} recorded circuits (median {per_obs:.0f} observations), {rounds} rounds each"
    )
    print(f"{'median per circuit':34} {'ms':>8} {'ratio':>6}")
    print(f"{'baseline: path + renumber':34} {mb:8.3f} {1.0:6.2f}")
    print(f"{'rules alone (analyze_full)':34} {mr:8.3f} {mr / mb:6.2f}")
    print(f"{'path + renumber + rules':34} {mf:8.3f} {mf / mb:6.2f}")
    slow = sorted(r.items(), key=lambda kv: -kv[1])[:3]
    print("slowest: " + ", ".join(f"{k} {v:.3f} ms" for k, v in slow))
    total = sum(sum(v) for v in rules.values()) + sum(sum(v) for v in base.values())
    n = len(work) * rounds
    print(f"{n} analyses in {total:.2f} s ({total / n * 1e3:.3f} ms each on average)")


if __name__ == "__main__":
    main()

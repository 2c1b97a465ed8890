"""Benchmark: the analyzer over 10,000 recorded circuits (the NOC sweep's analysis cost).

Recorded circuits are the captures in fixtures/captures/, cycled to N.  Baseline, measured in the
same run: building each circuit's path and renumbering its observations (what every analysis
does before any rule runs); the analysis is reported as time per circuit and as a ratio to it.

    .venv/bin/python bench/analyzer.py [N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from diag.analyzers import analyze
from diag.capture import load_capture
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.runner import renumber

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    caps = [
        load_capture(p) for p in sorted((ROOT / "fixtures" / "captures").iterdir()) if p.is_dir()
    ]
    work = []
    for c in caps:
        inv = Inventory(nms=c.nms, devices=c.devices, circuits={c.circuit.id: c.circuit})
        work.append((c.circuit, inv, list(c.observations)))
    analyze(build_path(work[0][0], work[0][1]), work[0][2])  # load the playbook once

    def run(with_rules: bool) -> float:
        t0 = time.perf_counter()
        for i in range(n):
            circuit, inv, obs = work[i % len(work)]
            path = build_path(circuit, inv)
            o = renumber(obs)
            if with_rules:
                analyze(path, o)
        return time.perf_counter() - t0

    base = run(False)
    full = run(True)
    per_obs = sum(len(w[2]) for w in work) / len(work)
    print(f"{n} circuits from {len(work)} recorded ones (~{per_obs:.0f} observations each)")
    print(f"{'pass':34} {'total':>8} {'per circuit':>12} {'ratio':>6}")
    print(f"{'baseline: path + renumber':34} {base:7.2f}s {base / n * 1e3:9.3f} ms {1.0:6.2f}")
    print(
        f"{'analysis: path + renumber + rules':34} {full:7.2f}s {full / n * 1e3:9.3f} ms "
        f"{full / base:6.2f}"
    )
    print(f"rules alone: {(full - base) / n * 1e3:.3f} ms per circuit")


if __name__ == "__main__":
    main()

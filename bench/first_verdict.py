"""Benchmark: time to the first (provisional) verdict and to the final one, on the lab.

For each circuit, in the same run and interleaved: the run with a first verdict (the CRC window
outside the router sessions; the time `on_provisional` is called, and the time the final
document is built), the full run as before (no first verdict: the CRC wait inside each router
session), and `--quick` (no CRC window at all), after one warm-up diagnosis.  Printed per circuit: the three times, the
provisional verdict against the final one, and the ratios to the full run.  The CRC interval
is the product's default (30 s) unless told; the lab's NMS, SSH routers and consoles are real.
Times are in-process (a `diag circuit` process adds its start-up, about 1-2 s of imports).

    .venv/bin/python bench/first_verdict.py [CIRCUIT ...] [--rounds N] [--crc-interval S]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from diag.first_verdict import Provisional
from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread
from diag.model.inventory import Inventory
from diag.runner import diagnose_many

CIRCUITS = ["LAB-E1-OK1", "LAB-E1-AIS2", "LAB-TEST-ES", "LAB-HC3-POST"]


@dataclass
class Times:
    provisional: list[float] = field(default_factory=list)
    final: list[float] = field(default_factory=list)
    full: list[float] = field(default_factory=list)
    quick: list[float] = field(default_factory=list)
    verdicts: set[str] = field(default_factory=set)


def _verdict(status: str, seg: object) -> str:
    return f"{status} {seg}" if seg else status


def one(inv: Inventory, cid: str, overrides: dict[str, object], times: Times) -> None:
    seen: list[tuple[float, Provisional]] = []
    t0 = time.monotonic()
    (dx,) = diagnose_many(
        inv,
        [cid],
        operator="bench",
        overrides=overrides,
        on_provisional=lambda p: seen.append((time.monotonic() - t0, p)),
    )
    times.final.append(time.monotonic() - t0)
    final = dx.document.verdict
    if seen:
        at, p = seen[0]
        times.provisional.append(at)
        v = p.document.verdict
        times.verdicts.add(
            f"provisional {_verdict(v.status, v.segment)} -> final "
            f"{_verdict(final.status, final.segment)}"
        )
    t0 = time.monotonic()
    diagnose_many(inv, [cid], operator="bench", overrides=overrides)
    times.full.append(time.monotonic() - t0)
    t0 = time.monotonic()
    diagnose_many(inv, [cid], operator="bench", overrides=overrides, quick=True)
    times.quick.append(time.monotonic() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("circuits", nargs="*", default=CIRCUITS)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--crc-interval", type=float, default=30.0)
    args = ap.parse_args()
    overrides: dict[str, object] = {"crc_sample_interval_s": args.crc_interval}
    results: dict[str, Times] = {c: Times() for c in args.circuits}
    with tempfile.TemporaryDirectory() as tmp:
        inv, scns, _ = prepare(None, None, Path(tmp))
        with LabThread(LabNetwork(inv, scns)) as lt:
            inv = lt.network.inventory
            # warm-up: the first diagnosis of a process imports the collectors' libraries
            diagnose_many(inv, args.circuits[:1], operator="bench", quick=True)
            for _ in range(args.rounds):
                for cid in args.circuits:
                    one(inv, cid, overrides, results[cid])
    med = statistics.median
    print(f"crc_sample_interval_s={args.crc_interval:g}, {args.rounds} round(s), medians")
    print(
        f"{'circuit':14} {'provisional':>11} {'final':>7} {'full run':>9} {'quick':>7} "
        f"{'prov/full':>9} {'final/full':>10} {'quick/full':>10}"
    )
    for cid, t in results.items():
        if not t.provisional:
            print(f"{cid:14} no CRC window: no provisional verdict")
            continue
        p, f, full, q = med(t.provisional), med(t.final), med(t.full), med(t.quick)
        print(
            f"{cid:14} {p:10.2f}s {f:6.2f}s {full:8.2f}s {q:6.2f}s "
            f"{p / full:9.3f} {f / full:10.3f} {q / full:10.3f}"
        )
    for cid, t in results.items():
        for v in sorted(t.verdicts):
            print(f"  {cid}: {v}")


if __name__ == "__main__":
    main()

"""Benchmark: a lab circuit's diagnosis wall time against the sum of its collectors' times.

The runner runs a circuit's collectors concurrently, so its wall time should be close to the
slowest collector, not the sum.  Baseline measured in the same run: the same jobs awaited one
after another.  Run on demand:

    .venv/bin/python bench/circuit_wall.py [CIRCUIT_ID] [--rounds N] [--crc-interval S]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from diag.collectors.snmp.client import SnmpClient
from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.runner import Collected, Context, plan, settings_for
from diag.runner_collect import _run_job


async def one_round(
    inv: Inventory,
    cid: str,
    overrides: dict[str, object],
    sequential: bool,
) -> tuple[float, float, dict[str, float]]:  # type: ignore[no-untyped-def]
    c = inv.circuits[cid]
    settings = settings_for(inv, c, overrides)
    jobs = plan(inv, c, build_path(c, inv), settings)
    out = Collected()
    with ThreadPoolExecutor(max_workers=settings.cli_threads) as pool:
        async with SnmpClient() as client:
            ctx = Context(client=client, pool=pool)
            t0 = time.monotonic()
            if sequential:
                for j in jobs:
                    await _run_job(j, ctx, out)
            else:
                await asyncio.gather(*(_run_job(j, ctx, out) for j in jobs))
            wall = time.monotonic() - t0
    per = {r.name: r.duration_s for r in out.collectors}
    return wall, sum(per.values()), per


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("circuit", nargs="?", default="LAB-V35-1")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--crc-interval", type=float, default=2.0)
    args = ap.parse_args()
    overrides = {"crc_sample_interval_s": args.crc_interval, "ping_count": 5}
    with tempfile.TemporaryDirectory() as tmp:
        inv, scns, _ = prepare(None, None, Path(tmp))
        with LabThread(LabNetwork(inv, scns)):
            rows = {"concurrent (runner)": [], "sequential (baseline)": []}  # type: ignore[var-annotated]
            last: dict[str, float] = {}
            for _ in range(args.rounds):
                for name, seq in (("sequential (baseline)", True), ("concurrent (runner)", False)):
                    wall, total, per = asyncio.run(one_round(inv, args.circuit, overrides, seq))
                    rows[name].append((wall, total))
                    last = per
    print(
        f"circuit {args.circuit}, {args.rounds} rounds, collectors: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in sorted(last.items()))
    )
    base = statistics.median(w for w, _ in rows["sequential (baseline)"])
    print(
        f"{'mode':24} {'wall median':>12} {'sum of collectors':>18} {'wall/baseline':>14} {'wall/slowest':>13}"
    )
    slowest = max(last.values())
    for name, vals in rows.items():
        wall = statistics.median(w for w, _ in vals)
        total = statistics.median(t for _, t in vals)
        print(f"{name:24} {wall:11.2f}s {total:17.2f}s {wall / base:14.2f} {wall / slowest:13.2f}")


if __name__ == "__main__":
    main()

"""Benchmark: each ping engine's accuracy and cost over an impaired path, against a baseline engine.

Two namespaces (tests/netns.py): replies are delayed by the userspace TUN relay (`--delay-ms`) and a
share of them dropped by nftables (`--loss` %), whose counter is the exact ground truth.  For
each round and engine the collector runs inside the "near" namespace (`ip netns exec`, as on a NOC
host) with the same settings, and the table reports, per engine:

- loss: rounds where received == sent − dropped (exact), and the mean |reported − true| loss %;
- RTT: mean of the runs' mean RTT, its error against the configured delay, mean p95 and stddev;
- cost: median wall time of `ping_many` itself, of the whole child process (interpreter start
  included), and the CPU seconds of the child and its tools;
- ratios against the baseline engine measured in the same rounds (wall, CPU, ΔRTT).

Engine order is rotated every round.  Needs root.  Run on demand:

    .venv/bin/python bench/ping_engines.py [--count 100] [--interval 0.2] [--timeout 1.0]
        [--delay-ms 30] [--loss 10] [--jitter-ms 0] [--targets 1] [--rounds 3]
        [--engines iputils,fping,icmplib] [--baseline iputils]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from netns import NetnsPair  # noqa: E402

from diag.collectors.ping.engines import get_engine  # noqa: E402

CHILD = "import sys; from diag.collectors.ping.collector import main; sys.exit(main())"


@dataclass
class Runs:
    exact: int = 0
    rounds: int = 0
    loss_err: list[float] = field(default_factory=list)
    true_loss: list[float] = field(default_factory=list)
    mean_rtt: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)
    stddev: list[float] = field(default_factory=list)
    inner: list[float] = field(default_factory=list)
    outer: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(
    pair: NetnsPair, engine: str, targets: list[str], args: argparse.Namespace, runs: Runs
) -> None:
    pair.set_nft_loss(args.loss)  # a fresh table: its counter starts at 0
    settings = {
        "ping_engine": engine,
        "ping_count": args.count,
        "ping_interval_s": args.interval,
        "ping_timeout_s": args.timeout,
        "ping_size": args.size,
    }
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = pair.run_python(
        pair.near,
        CHILD,
        json.dumps({"targets": targets, "settings": settings, "origin": "bench"}),
        timeout=args.count * args.interval + args.timeout + 120,
    )
    outer, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    out = json.loads(proc.stdout)
    if "error" in out:
        raise SystemExit(f"{engine}: {out['error']}")
    drops = pair.nft_drops()
    obs = out["observations"]
    sent = sum(o["sent"] for o in obs)
    received = sum(o["received"] for o in obs)
    true_loss = 100.0 * drops / sent
    reported = 100.0 * (sent - received) / sent
    runs.rounds += 1
    runs.exact += received == sent - drops
    runs.loss_err.append(abs(reported - true_loss))
    runs.true_loss.append(true_loss)
    rtts = [r for o in obs for r in o["rtts_ms"] if r is not None]
    runs.mean_rtt.append(statistics.fmean(rtts))
    runs.p95.append(statistics.fmean(o["rtt_p95_ms"] for o in obs))
    runs.stddev.append(statistics.fmean(o["rtt_stddev_ms"] for o in obs))
    runs.inner.append(out["elapsed_s"])
    runs.outer.append(outer)
    runs.cpu.append(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--delay-ms", type=float, default=30.0, help="one-way delay on replies")
    ap.add_argument("--jitter-ms", type=float, default=0.0)
    ap.add_argument("--loss", type=float, default=10.0, help="%% of echo replies dropped (nft)")
    ap.add_argument("--targets", type=int, default=1, help="addresses pinged at once")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--engines", default="iputils,fping,icmplib")
    ap.add_argument("--baseline", default="iputils")
    args = ap.parse_args()

    why = NetnsPair.unavailable()
    if why:
        raise SystemExit(f"cannot build namespaces: {why}")
    engines = [e for e in args.engines.split(",") if e]
    for e in engines:
        if reason := get_engine(e).unavailable():
            raise SystemExit(f"{e}: {reason}")
    if args.baseline not in engines:
        raise SystemExit(f"--baseline {args.baseline} is not among --engines")

    results = {e: Runs() for e in engines}
    with NetnsPair(prefix="dgbench") as pair:
        targets = [pair.far_addr]
        for i in range(1, args.targets):
            addr = f"198.18.1.{10 + i}"
            pair.run_checked(pair.far, ["ip", "addr", "add", f"{addr}/32", "dev", "tun_far"])
            targets.append(addr)
        pair.set_relay(delay_ms_ba=args.delay_ms, jitter_ms=args.jitter_ms)
        for r in range(args.rounds):
            order = engines[r % len(engines) :] + engines[: r % len(engines)]
            for e in order:
                run_once(pair, e, targets, args, results[e])
                print(
                    f"round {r + 1}/{args.rounds} {e}: wall {results[e].inner[-1]:.2f} s",
                    file=sys.stderr,
                )

    base = results[args.baseline]
    med = statistics.median
    print(
        f"\n{args.count} probes × {len(targets)} target(s), interval {args.interval:g} s, "
        f"timeout {args.timeout:g} s, {args.size} B; replies delayed {args.delay_ms:g} ms "
        f"(±{args.jitter_ms:g}), {args.loss:g} % of replies dropped by nft; {args.rounds} rounds; "
        f"baseline {args.baseline}\n"
    )
    header = (
        "| engine | loss exact | mean abs loss err (pp) | mean RTT ms | RTT − delay ms | p95 ms "
        "| stddev ms | wall ping_many s | wall process s | CPU s | wall ÷ base | CPU ÷ base "
        "| ΔRTT vs base ms |"
    )
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for e, x in results.items():
        print(
            f"| {e} | {x.exact}/{x.rounds} | {statistics.fmean(x.loss_err):.3f} "
            f"| {statistics.fmean(x.mean_rtt):.2f} | {statistics.fmean(x.mean_rtt) - args.delay_ms:+.2f} "
            f"| {statistics.fmean(x.p95):.2f} | {statistics.fmean(x.stddev):.2f} "
            f"| {med(x.inner):.2f} | {med(x.outer):.2f} | {med(x.cpu):.2f} "
            f"| {med(x.inner) / med(base.inner):.2f} | {med(x.cpu) / med(base.cpu):.2f} "
            f"| {statistics.fmean(x.mean_rtt) - statistics.fmean(base.mean_rtt):+.2f} |"
        )
    print(
        "\ntrue loss per run (%): "
        + ", ".join(
            f"{e}: " + "/".join(f"{v:.0f}" for v in x.true_loss) for e, x in results.items()
        )
    )


if __name__ == "__main__":
    main()

"""Fuzz every output parser with mutated real outputs; count what escapes and time the slowest.

For each parser (tests/fuzz/fuzz_corpus.py: the CLI parsers per vendor and command, the merged
CPU-history reads, and the host iputils / fping readers), N inputs are made from the real outputs
the tests use (fixtures/corpus and the lab's renderings) by random mutations: lost, doubled,
swapped and cut lines, inserted control and non-ASCII characters, garbled numbers (empty, dots,
"1.2.3", 400-digit, non-ASCII digits), long repeated runs.  Each input is read the way diag reads
it, and the run reports per parser:

- refused: the documented CollectorParseError (fine: the output is not a shape diag reads);
- exceptions: anything else escaping the parser (target 0), by type, with an example input;
- out of bounds: results holding a number outside the documented ranges (target 0);
- the slowest inputs (ms) and their size, and the 99th percentile.

Same --seed, same inputs.  Inputs that run longer than --limit-s are stopped and counted as
exceptions (`Slow`); each worker runs under a 4 GiB address-space limit, so an input that makes a
parser allocate a huge list counts as MemoryError instead of taking the machine down.

    .venv/bin/python bench/fuzz.py [--n 100000] [--seed 0] [--jobs 2] [--only cisco ping]
        [--limit-s 10] [--show 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))
sys.path.insert(0, str(ROOT))

import fuzz_corpus  # noqa: E402

from diag.errors import CollectorParseError  # noqa: E402

CHUNK = 1000
ADDRESS_SPACE = 4 << 30


class Slow(Exception):
    """An input ran past --limit-s."""


@dataclass
class Tally:
    inputs: int = 0
    refused: int = 0
    exceptions: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    out_of_bounds: int = 0
    bounds_examples: list[str] = field(default_factory=list)
    slowest: list[tuple[float, int, str]] = field(default_factory=list)  # ms, chars, example
    times: list[float] = field(default_factory=list)

    def merge(self, other: Tally, show: int) -> None:
        self.inputs += other.inputs
        self.refused += other.refused
        self.exceptions.update(other.exceptions)
        for kind, examples in other.examples.items():
            mine = self.examples.setdefault(kind, [])
            mine += examples[: max(0, show - len(mine))]
        self.out_of_bounds += other.out_of_bounds
        self.bounds_examples += other.bounds_examples[: max(0, show - len(self.bounds_examples))]
        self.slowest = sorted([*self.slowest, *other.slowest], reverse=True)[:5]
        self.times += other.times


def _alarm(_sig: int, _frame: Any) -> None:
    raise Slow()


def _example(text: str) -> str:
    return repr(text if len(text) <= 300 else text[:150] + " ... " + text[-150:])


def run_chunk(job: tuple[str, str, int, float, int]) -> tuple[str, Tally]:
    name, seed, n, limit_s, show = job
    target = fuzz_corpus.targets()[name]
    tally = Tally()
    for text, count in fuzz_corpus.inputs(target, seed, n):
        tally.inputs += 1
        signal.setitimer(signal.ITIMER_REAL, limit_s)
        started = time.perf_counter()
        problems: list[str] = []
        try:
            result = target.run(text, count)
            problems = fuzz_corpus.violations(result)
        except CollectorParseError:
            tally.refused += 1
        except (Exception, RecursionError, MemoryError) as exc:  # what the fuzzing looks for
            kind = type(exc).__name__
            tally.exceptions[kind] += 1
            examples = tally.examples.setdefault(kind, [])
            if len(examples) < show:
                examples.append(f"{str(exc)[:120]!r} <- {_example(text)}")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        ms = (time.perf_counter() - started) * 1000
        tally.times.append(ms)
        if problems:
            tally.out_of_bounds += 1
            if len(tally.bounds_examples) < show:
                tally.bounds_examples.append(f"{problems[0]} <- {_example(text)}")
        if len(tally.slowest) < 5 or ms > tally.slowest[-1][0]:
            tally.slowest = sorted([*tally.slowest, (ms, len(text), _example(text)[:120])])[::-1][
                :5
            ]
    return name, tally


def _init_worker() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    signal.signal(signal.SIGALRM, _alarm)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="inputs per parser (default 100000)")
    ap.add_argument("--seed", default="0", help="same seed, same inputs")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--only", nargs="*", help="parsers whose name contains any of these words")
    ap.add_argument("--limit-s", type=float, default=10.0, help="stop an input after this long")
    ap.add_argument("--show", type=int, default=2, help="example inputs per exception type")
    ap.add_argument("--json", type=Path, help="write the tallies here too")
    args = ap.parse_args()

    names = [n for n in fuzz_corpus.targets() if not args.only or any(w in n for w in args.only)]
    jobs = [
        (name, f"{args.seed}/{i}", min(CHUNK, args.n - i * CHUNK), args.limit_s, args.show)
        for name in names
        for i in range((args.n + CHUNK - 1) // CHUNK)
    ]
    tallies = {name: Tally() for name in names}
    started = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.jobs, initializer=_init_worker, maxtasksperchild=20) as pool:
        for name, tally in pool.imap_unordered(run_chunk, jobs):
            tallies[name].merge(tally, args.show)
    wall = time.perf_counter() - started

    print(f"{args.n} inputs per parser, seed {args.seed}, {wall:.0f} s on {args.jobs} workers\n")
    head = f"{'parser':<38} {'inputs':>7} {'refused':>7} {'exc.':>5} {'bounds':>6} {'p99 ms':>7} {'max ms':>7}"
    print(head)
    print("-" * len(head))
    total_exc = total_bounds = 0
    for name in names:
        t = tallies[name]
        exc = sum(t.exceptions.values())
        total_exc += exc
        total_bounds += t.out_of_bounds
        times = sorted(t.times)
        p99 = times[int(0.99 * (len(times) - 1))] if times else 0.0
        print(
            f"{name:<38} {t.inputs:>7} {t.refused:>7} {exc:>5} {t.out_of_bounds:>6} "
            f"{p99:>7.1f} {t.slowest[0][0] if t.slowest else 0:>7.1f}"
        )
    print(
        f"\nexceptions other than CollectorParseError: {total_exc}; out of bounds: {total_bounds}"
    )
    for name in names:
        t = tallies[name]
        if t.exceptions or t.out_of_bounds:
            print(f"\n== {name}")
            for kind, count in t.exceptions.most_common():
                print(f"  {count:>6} {kind}")
                for ex in t.examples.get(kind, []):
                    print(f"         e.g. {ex[:400]}")
            for ex in t.bounds_examples:
                print(f"  out of bounds: {ex[:400]}")
    print("\nslowest inputs (ms, characters):")
    for name in names:
        slow = ", ".join(f"{ms:.1f} ms/{chars} ch" for ms, chars, _ in tallies[name].slowest[:3])
        print(f"  {name:<38} {slow}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "n": args.n,
                    "seed": args.seed,
                    "wall_s": wall,
                    "parsers": {
                        name: {
                            "inputs": t.inputs,
                            "refused": t.refused,
                            "exceptions": dict(t.exceptions),
                            "out_of_bounds": t.out_of_bounds,
                            "slowest_ms": [ms for ms, _, _ in t.slowest],
                        }
                        for name, t in tallies.items()
                    },
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 1 if total_exc or total_bounds else 0


if __name__ == "__main__":
    sys.exit(main())

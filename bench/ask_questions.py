"""How many questions `diag circuit ID --ask` asks before each shipped scenario's verdict is
localized, offline.

Each capture in fixtures/captures/ is a scenario's collected observations; the answers recorded
in it are dropped, and a simulated person answers `--ask` from the scenario's `answers:` (the
on-site truth): a question the scenario holds no answer for is skipped, and the offer to finish
once localized is accepted.  Printed per circuit: the questions asked before the verdict was
localized, the questions asked in all (corroborating questions come before the offer to
finish), the final verdict, and whether it equals the verdict with every answer given.

    .venv/bin/python bench/ask_questions.py [CIRCUIT ...]

These are counts, not timings; tests/test_ask_scenarios.py asserts the same numbers.
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from diag.analyzers.answers import observations as answer_observations
from diag.analyzers.ask import Ask, Session, run
from diag.analyzers.engine import analyze
from diag.capture import load_capture
from diag.lab.scenario import Scenario, shipped_scenarios
from diag.model.findings import Verdict
from diag.model.inventory import Inventory
from diag.model.observations import AnswerObservation
from diag.model.path import build_path

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ROOT = Path(__file__).resolve().parent.parent
CAPTURES = sorted(p for p in (ROOT / "fixtures" / "captures").iterdir() if p.is_dir())


def _faults(v: Verdict) -> tuple[object, ...]:
    faults = sorted((f.segment.from_, f.segment.to, f.owner) for f in v.faults)
    return (v.status, tuple(faults) if faults else (v.segment, v.owner))


@dataclass
class Result:
    circuit: str
    scenario: str
    capture: Path
    full_status: str  # the verdict with every answer of the scenario given
    to_localized: int | None  # questions asked when the verdict was first localized
    asked: int  # questions asked in all
    answered: int
    final: tuple[object, ...]
    full: tuple[object, ...]
    interview: list[tuple[str, str | None]]

    @property
    def same(self) -> bool:
        """The same status and the same faults (segment and owner each); with several faults
        which one heads the list may rest on a corroborating answer the interview skipped."""
        return self.final == self.full


class Person:
    """Answers from the scenario's on-site truth; skips what it does not hold; accepts the offer
    to finish.  Records when the verdict first became localized."""

    def __init__(self, truth: dict[str, str], session: Session) -> None:
        self.truth = truth
        self.session = session
        self.to_localized: int | None = None

    def __call__(self, ask: Ask) -> str | None:
        if self.to_localized is None and self.session.verdict.status == "fault_localized":
            self.to_localized = len(self.session.asked)
        if ask.key is None:  # the offer to finish: the verdict is localized
            return "y"
        return self.truth.get(ask.key, "s")


def truths() -> dict[str, tuple[str, dict[str, str]]]:
    """Circuit -> (scenario, its on-site answers), from every shipped scenario."""
    out = {}
    for folder in shipped_scenarios():
        raw = yaml.load((folder / "scenario.yaml").read_text("utf-8"), Loader=Loader)  # noqa: S506
        scn = Scenario.model_validate(raw)  # what load_scenario checks, with libyaml's speed
        for cid in scn.expect:
            out[cid] = (scn.name, {k: str(v) for k, v in scn.answers.get(cid, {}).items()})
    return out


def simulate(capture: Path, truth: dict[str, str], scenario: str = "") -> Result:
    cap = load_capture(capture)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    path = build_path(cap.circuit, inv)
    collected = [o for o in cap.observations if not isinstance(o, AnswerObservation)]
    _, full = analyze(path, [*collected, *answer_observations(truth, "file")])
    session = Session(path, collected)
    person = Person(truth, session)
    run(session, person)
    final = session.verdict
    return Result(
        circuit=cap.circuit.id,
        scenario=scenario,
        capture=capture,
        full_status=full.status,
        to_localized=person.to_localized,
        asked=len(session.asked),
        answered=len(session.answers),
        final=_faults(final),
        full=_faults(full),
        interview=list(session.asked),
    )


def simulate_all(only: set[str] | None = None) -> list[Result]:
    known = truths()
    out = []
    for folder in CAPTURES:
        cid = load_capture(folder).circuit.id
        if only and cid not in only:
            continue
        name, truth = known[cid]
        out.append(simulate(folder, truth, name))
    return out


def summary(results: list[Result]) -> tuple[float, int]:
    counts = [r.to_localized for r in results if r.full_status == "fault_localized"]
    reached = [n for n in counts if n is not None]
    return statistics.median(reached), max(reached)


def main(argv: list[str]) -> int:
    results = simulate_all(set(argv) or None)
    print(
        f"{'circuit':17} {'scenario':28} {'with all answers':17} {'to loc.':>7} {'asked':>5}  final"
    )
    for r in results:
        n = "-" if r.to_localized is None else str(r.to_localized)
        print(
            f"{r.circuit:17} {r.scenario:28} {r.full_status:17} {n:>7} {r.asked:>5}  "
            f"{'= all answers' if r.same else 'DIFFERS: ' + str(r.final)}"
        )
        if argv:
            for key, value in r.interview:
                print(f"    {key} = {value if value is not None else '(skip)'}")
    localizable = [r for r in results if r.full_status == "fault_localized"]
    if localizable:
        med, top = summary(results)
        never = [r.circuit for r in localizable if r.to_localized is None]
        asking = [r.to_localized for r in localizable if r.to_localized]
        print(
            f"\n{len(localizable)} circuits reach fault_localized with all answers: questions "
            f"before localized median {med:g}, max {top}"
            + (f"; never localized: {', '.join(never)}" if never else "")
        )
        if asking:
            print(
                f"{len(asking)} of them need an answer (the rest are localized from what was "
                f"collected): median {statistics.median(asking):g}, max {max(asking)}"
            )
    differ = [r.circuit for r in results if not r.same]
    print(f"final verdict = verdict with every answer: {len(results) - len(differ)}/{len(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

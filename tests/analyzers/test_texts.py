"""Every generated sentence, for every shipped circuit: each rule's titles, causes and next steps
(with nothing observed, with the recorded capture, and with the on-site answers too), the
verdict and customer summaries, and every question.  None may leave a placeholder, double a
word or a phrase, name `None`, or carry a confidence it did not earn."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from diag.analyzers.answers import questions_for
from diag.analyzers.engine import analyze_full
from diag.analyzers.summary import customer_summary
from diag.capture import load_capture
from diag.lab.scenario import given_observations, load_scenario, shipped_scenarios
from diag.model.inventory import Inventory
from diag.model.observations import Observation
from diag.model.path import build_path

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures"

BAD = [
    (re.compile(r"[{}]"), "a placeholder left"),
    (re.compile(r"\bNone\b"), "None printed"),
    (re.compile(r"\b(\w{2,})\s+\1\b(?![-.:])"), "a doubled word"),
    (re.compile(r"\bthe [\w-]+ (box|equipment|router|converter) the\b"), "a doubled noun phrase"),
    (re.compile(r"\(\s*\)|\[\s*\]"), "empty brackets"),
    (re.compile(r"\s[,.;:](?!\d)"), "a space before punctuation"),
    (re.compile(r"\s{2,}"), "doubled spaces"),
    (re.compile(r"\.\.(?!\.)"), "a doubled full stop"),
]


def _check(text: str, where: str) -> None:
    for rx, what in BAD:
        m = rx.search(text)
        assert m is None, f"{where}: {what} at {m.group(0)!r} in: {text}"


def _circuits() -> Iterator[tuple[str, str]]:
    for folder in shipped_scenarios():
        scn = load_scenario(folder)
        for cid in scn.expect:
            yield folder.name, cid


@pytest.mark.parametrize(("scenario", "circuit"), list(_circuits()))
def test_every_text_of_every_circuit_is_whole(
    lab_inventory: Inventory, scenario: str, circuit: str
) -> None:
    inv = lab_inventory
    path = build_path(inv.circuits[circuit], inv)
    scn = load_scenario(Path(shipped_scenarios()[0]).parent / scenario)
    runs: list[list[Observation]] = [[]]
    cap = CAPTURES / circuit
    if (cap / "capture.json").is_file():
        captured = list(load_capture(cap).observations)
        runs += [captured, captured + given_observations(scn).get(circuit, [])]
    for obs in runs:
        a = analyze_full(path, obs)
        for f in a.findings:
            where = f"{circuit} {f.rule} ({len(obs)} observations)"
            for text in (f.title, f.cause, *f.next_steps, *(e.text for e in f.evidence)):
                _check(text, where)
            if f.kind == "not_evaluated":
                assert f.confidence == 0, where
        v = a.verdict
        _check(v.summary, f"{circuit} verdict")
        for flt in v.faults:
            _check(flt.summary, f"{circuit} fault {flt.number}")
        for n in a.inventory_notes:
            _check(n.text, f"{circuit} note")
            _check(n.next_step, f"{circuit} note")
        for c in a.context:
            _check(c.text, f"{circuit} context")
        _check(customer_summary(path, obs, v).text, f"{circuit} customer summary")
    for key, text, _ in questions_for(path):
        _check(text, f"{circuit} question {key}")

"""`--ask` converges on every shipped scenario, offline: each capture's collected observations,
a person answering from the scenario's on-site truth (`answers:`; what it does not hold is
skipped), who accepts the offer to finish once the verdict is localized.

The counts are questions, not timings.  bench/ask_questions.py prints the same table."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path
from types import ModuleType
from typing import Protocol

import pytest

ROOT = Path(__file__).resolve().parent.parent


class Result(Protocol):
    """What the tests read of bench/ask_questions.py's Result (bench/ is outside mypy's files)."""

    circuit: str
    capture: Path
    full_status: str
    to_localized: int | None
    final: tuple[object, ...]
    full: tuple[object, ...]
    interview: list[tuple[str, str | None]]

    @property
    def same(self) -> bool: ...


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "ask_questions", ROOT / "bench" / "ask_questions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ask_questions"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> list[Result]:
    out: list[Result] = _bench().simulate_all()
    return out


def test_every_scenario_has_a_capture_to_ask_about(results: list[Result]) -> None:
    assert len(results) >= 38
    assert sum(r.full_status == "fault_localized" for r in results) >= 30


def test_few_questions_before_the_verdict_is_localized(results: list[Result]) -> None:
    localizable = [r for r in results if r.full_status == "fault_localized"]
    table = ", ".join(f"{r.circuit}={r.to_localized}" for r in localizable)
    never = [r.circuit for r in localizable if r.to_localized is None]
    assert never == [], f"never localized while asking: {never} ({table})"
    counts = [r.to_localized for r in localizable if r.to_localized is not None]  # all, as asserted
    assert statistics.median(counts) <= 5, table
    assert max(counts) <= 10, table
    # and among those the collectors alone do not localize
    asked = [n for n in counts if n]
    assert statistics.median(asked) <= 5, table


def test_the_answers_asked_give_the_verdict_of_every_answer(results: list[Result]) -> None:
    differ = [f"{r.circuit}: asked {r.final} vs all {r.full}" for r in results if not r.same]
    assert differ == []


def test_nothing_pointless_is_asked(results: list[Result]) -> None:
    """No V.35 test on a circuit without a V.35 end, no converter question without a converter,
    nothing asked twice."""
    from diag.capture import load_capture

    for r in results:
        asked = [k for k, _ in r.interview]
        assert len(asked) == len(set(asked)), r.circuit
        cap = load_capture(r.capture)
        ends = {cap.circuit.a.interface.value, cap.circuit.b.interface.value}
        if not any(e.startswith("v35") for e in ends):
            assert "test.v35.ber" not in asked, r.circuit
        for side, end in (("a", cap.circuit.a), ("b", cap.circuit.b)):
            if end.converter is None:
                assert not [k for k in asked if k.startswith(f"{side}.converter.")], r.circuit

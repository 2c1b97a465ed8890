"""The documents of a verdict made without CRC growth, from recorded lab circuits (no network):
the provisional one, the one interrupted in the CRC window, and --quick's.  The lab runs are in
tests/test_first_verdict.py; here every recorded circuit is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from diag.capture import Capture, load_capture
from diag.first_verdict import skipped_crc
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.observations import CrcGrowthObservation
from diag.model.path import build_path
from diag.runner import Collected, build_document

CAPTURES = Path(__file__).resolve().parent.parent / "fixtures" / "captures"
RECORDED = sorted(p.name for p in CAPTURES.iterdir() if (p / "capture.json").is_file())


def _document(cap: Capture, *, crc: bool, **kw: object) -> FindingsDocument:
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    obs = [o for o in cap.observations if crc or not isinstance(o, CrcGrowthObservation)]
    return build_document(
        cap.circuit,
        build_path(cap.circuit, inv),
        Collected(observations=obs, collectors=list(cap.collectors)),
        started=cap.started,
        ticket=None,
        operator="t",
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", RECORDED)
def test_without_crc_growth_the_verdict_says_so(name: str) -> None:
    cap = load_capture(CAPTURES / name)
    final = _document(cap, crc=True)
    plain = _document(cap, crc=False)
    first = _document(cap, crc=False, provisional=True)
    # the same analysis: status and faults as without the reading, the text says it is pending
    assert (first.verdict.status, first.verdict.faults) == (
        plain.verdict.status,
        plain.verdict.faults,
    )
    assert first.run.provisional and not final.run.provisional
    assert first.verdict.summary.startswith("Provisional, CRC growth not measured yet: ")
    assert "CRC growth: the CRC window had not closed" in first.verdict.unread
    # interrupted in the window: never healthy on the missing reading
    cut = _document(cap, crc=False, provisional=True, interrupted=True)
    assert cut.verdict.status != "healthy" and cut.run.provisional and cut.run.interrupted
    # --quick: skipped, said in unread, and in the summary of a healthy verdict
    routers = [r for r in (cap.circuit.a.router, cap.circuit.b.router) if r]
    skipped = skipped_crc(routers, 0, quick=True)
    quick = _document(cap, crc=False, quick=True, skipped=skipped)
    assert quick.run.quick and [s.device for s in quick.run.skipped] == routers
    assert ("CRC growth not measured (--quick)" in quick.verdict.unread) == bool(routers)
    if quick.verdict.status == "healthy" and routers:
        assert "CRC growth not measured (--quick)" in quick.verdict.summary
    FindingsDocument.model_validate_json(quick.to_json())  # and the schema (conftest)


def test_an_interval_of_zero_is_named_and_a_measured_one_skips_nothing() -> None:
    assert [s.reason for s in skipped_crc(["r1"], 0, quick=False)] == ["crc_sample_interval_s = 0"]
    assert skipped_crc(["r1"], 30, quick=False) == []


def test_healthy_recorded_circuits_stay_healthy_provisionally() -> None:
    """A provisional healthy is shown as healthy, and says CRC growth is pending."""
    cap = load_capture(CAPTURES / "LAB-E1-OK1")
    first = _document(cap, crc=False, provisional=True)
    assert first.verdict.status == "healthy"
    assert first.verdict.summary.startswith("Provisional, CRC growth not measured yet: No fault")

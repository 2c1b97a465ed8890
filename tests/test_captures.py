"""Field captures are test fixtures: every folder in fixtures/captures/ replays offline to the
verdict of the scenario it was recorded from (no network, no lab)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from diag.capture import CaptureError, load_capture, replay
from diag.cli import cli
from diag.lab.scenario import load_scenario, mismatches, shipped_scenarios

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = sorted(p for p in (ROOT / "fixtures" / "captures").iterdir() if p.is_dir())
EXPECT = {cid: e for d in shipped_scenarios() for cid, e in load_scenario(d).expect.items()}


@pytest.mark.parametrize("folder", CAPTURES, ids=[p.name for p in CAPTURES])
def test_capture_replays_to_its_scenario_verdict(folder: Path) -> None:
    cap = load_capture(folder)
    doc = replay(folder)
    exp = EXPECT[cap.circuit.id]
    assert (doc.verdict.status, doc.verdict.segment, doc.verdict.owner) == (
        exp.status,
        exp.segment,
        exp.owner,
    )
    assert mismatches(cap.circuit.id, exp, doc) == []  # the faults and context too
    assert doc.run.mode == "replay"
    kinds = {o.kind for o in doc.observations}
    assert "nms_poll" in kinds
    if cap.circuit.id == "LAB-V35-1":  # alarms from the U2000 northbound and both routers read
        assert {"nms_alarm", "interface", "crc_growth", "e1_controller", "cpu", "ping"} <= kinds


def test_replay_cli_and_bad_capture(tmp_path: Path) -> None:
    folder = CAPTURES[0]
    cid = load_capture(folder).circuit.id
    r = CliRunner().invoke(cli, ["circuit", cid, "--replay", str(folder)])
    assert r.exit_code == 10, r.output
    r = CliRunner().invoke(cli, ["circuit", "OTHER-1", "--replay", str(folder)])
    assert r.exit_code == 3 and f"holds circuit {cid}" in r.output
    (tmp_path / "capture.json").write_text('{"capture_version": "9"}')
    with pytest.raises(CaptureError, match="not a valid capture"):
        load_capture(tmp_path)

"""`diag demo --json DIR`: the lab in-process, every shipped circuit diagnosed as expected."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.lab.scenario import load_scenario, shipped_scenarios

pytestmark = pytest.mark.lab


# The whole demo (60 circuits over the real lab) takes 60-90 s on 2 quiet cores; the suite's
# 120 s default per test is too close on a loaded machine (seen: 120 s while validating).
@pytest.mark.timeout(600)
def test_demo_writes_one_valid_document_per_circuit(
    tmp_path: Path, findings_schema: dict[str, object]
) -> None:
    r = CliRunner().invoke(cli, ["demo", "--json", str(tmp_path)])
    assert r.exit_code == 0, r.output
    expected = {cid: e for d in shipped_scenarios() for cid, e in load_scenario(d).expect.items()}
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(expected)
    validator = jsonschema.Draft202012Validator(findings_schema)  # the schema checked once
    for cid, exp in expected.items():
        doc = json.loads((tmp_path / f"{cid}.json").read_text())
        validator.validate(doc)
        assert doc["verdict"]["status"] == exp.status
    assert "every verdict as its scenario expects" in r.output
    assert r.output.count("Verdict: ") == len(expected)
    # and one table of every verdict at the end, each as expected
    table = r.output.rsplit("verdicts", 1)[1].splitlines()
    for cid, exp in expected.items():
        row = next(line for line in table if line.split()[:1] == [cid])
        assert exp.status in row and row.split()[-1] == "yes", row


def test_demo_flags_a_scenario_whose_expectation_is_wrong(tmp_path: Path) -> None:
    src = next(d for d in shipped_scenarios() if d.name == "ais-first-station")
    dst = tmp_path / "wrong"
    dst.mkdir()

    def rename(text: str) -> str:  # its own devices and ports, beside the shipped network
        for a, b in (
            ("ais1-", "wr1-"),
            ("AIS1-", "WR1-"),
            ("LAB-E1-AIS1", "WR-1"),
            ("16211", "16291"),
            ("16212", "16292"),
        ):
            text = text.replace(a, b)
        return text

    (dst / "inventory.yaml").write_text(rename((src / "inventory.yaml").read_text()))
    text = rename((src / "scenario.yaml").read_text()).replace("to: wr1-sdh-a", "to: wr1-sdh-b")
    (dst / "scenario.yaml").write_text(text)
    r = CliRunner().invoke(cli, ["demo", "--scenario", str(dst)])
    assert r.exit_code == 5, r.output
    assert "WR-1: expected fault_localized" in r.output and "got fault_localized" in r.output
    row = next(
        x for x in r.output.rsplit("verdicts", 1)[1].splitlines() if x.split()[:1] == ["WR-1"]
    )
    assert row.split()[-1] == "NO"


def test_demo_checks_every_fault_and_the_context_alarms(tmp_path: Path) -> None:
    """A scenario whose verdict headline matches but whose fault list and context count do not
    is a mismatch too (exit 5, each difference named)."""
    src = next(d for d in shipped_scenarios() if d.name == "lab-cpe-line-history")
    dst = tmp_path / "wrong-faults"
    dst.mkdir()

    def rename(text: str) -> str:  # its own devices and ports, beside the shipped network
        for a, b in (
            ("lhst-", "wrf-"),
            ("LHST-", "WRF-"),
            ("LAB-LINE-HIST", "WRF-2"),
            ("16701", "16791"),
            ("16702", "16792"),
        ):
            text = text.replace(a, b)
        return text

    (dst / "inventory.yaml").write_text(rename((src / "inventory.yaml").read_text()))
    text = rename((src / "scenario.yaml").read_text())
    text = text.replace("    context_alarms: 4\n", "    context_alarms: 2\n")
    text = text.replace(
        "- {segment: {from: wrf-pdh-1, to: wrf-sdh-a}, owner: carrier,",
        "- {segment: {from: wrf-pdh-1, to: wrf-sdh-a}, owner: customer,",
    )
    assert "owner: customer" in text and "context_alarms: 2" in text
    (dst / "scenario.yaml").write_text(text)
    r = CliRunner().invoke(cli, ["demo", "--scenario", str(dst)])
    assert r.exit_code == 5, r.output
    assert "WRF-2: expected 2 context alarm(s), got 4" in r.output
    assert "WRF-2: expected faults wrf-pdh-1 … wrf-sdh-a customer [3.1]; got" in r.output
    assert "WRF-2: expected fault_localized" not in r.output  # the headline itself is right

"""A circuit id in the wrong case is answered with the id it names (ids are case-sensitive)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from diag.cli import cli


@pytest.mark.parametrize(
    "args",
    [
        ["circuit", "lab-e1-ais1", "--no-history"],
        ["inventory", "show", "lab-e1-ais1"],
        ["questions", "lab-e1-ais1"],
        ["alarms", "nms-lab", "--circuit", "lab-e1-ais1"],
    ],
)
def test_the_wrong_case_names_the_circuit(args: list[str]) -> None:
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert "did you mean LAB-E1-AIS1? (circuit ids are case-sensitive)" in r.output


def test_a_near_miss_in_another_case_still_gets_suggestions() -> None:
    r = CliRunner().invoke(cli, ["circuit", "lab-e1-ais", "--no-history"])
    assert r.exit_code == 2 and "LAB-E1-AIS1" in r.output

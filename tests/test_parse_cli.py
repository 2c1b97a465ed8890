"""`diag parse`: output pasted from a customer's e-mail becomes the same observations."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from diag.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


def test_parse_file_to_observations() -> None:
    raw = CORPUS / "ntc/cisco_ios/show_interfaces/cisco_ios_show_interfaces.raw"
    r = CliRunner().invoke(cli, ["parse", "cisco_ios", "show interfaces", str(raw)])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["observations"] and all(o["kind"] == "interface" for o in doc["observations"])


def test_parse_stdin_and_refusal() -> None:
    r = CliRunner().invoke(
        cli,
        ["parse", "cisco_ios", "show interfaces"],
        input="% Invalid input detected at '^' marker.\n",
    )
    assert r.exit_code == 6
    assert "Invalid input" in r.output
    r = CliRunner().invoke(cli, ["parse", "junos", "show interfaces"], input="x")
    assert r.exit_code == 6 and "cisco_ios" in r.output


def test_set_rejects_unknown_setting() -> None:
    r = CliRunner().invoke(cli, ["circuit", "LAB-E1-OK1", "--set", "ping_cuont=5"])
    assert r.exit_code == 3
    assert "ping_cuont" in r.output
    r = CliRunner().invoke(cli, ["settings"])
    assert "crc_sample_interval_s=30.0" in r.output

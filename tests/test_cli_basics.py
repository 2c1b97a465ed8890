"""CLI basics that need no lab: start-up imports, version, schema, inventory commands, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from diag.cli import cli

HEAVY = ("pandas", "scapy", "netmiko", "pysnmp", "paramiko", "asyncssh", "pydantic")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys; from diag.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_version() -> None:
    r = CliRunner().invoke(cli, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("diag, version ")


def test_schema_command_prints_committed_schema() -> None:
    r = CliRunner().invoke(cli, ["schema"])
    assert r.exit_code == 0
    assert json.loads(r.output)["properties"]["schema_version"]["const"] == "1.3"


def test_inventory_validate_and_show() -> None:
    r = CliRunner().invoke(cli, ["inventory", "validate"])
    assert r.exit_code == 0 and re.search(r"ok: \d+ NMS, \d+ devices, \d+ circuits", r.output)
    r = CliRunner().invoke(cli, ["inventory", "show", "LAB-V35-1"])
    assert r.exit_code == 0 and "v35-conv-a" in r.output and "1-SP1-3" in r.output


def test_inventory_validate_reports_all_problems(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "devices:\n  - {name: r1, role: router, vendor: cisco}\n"
        "  - {name: r2, role: modem, vendor: x}\n"
    )
    r = CliRunner().invoke(cli, ["inventory", "validate", "--inventory", str(tmp_path)])
    assert r.exit_code == 3
    assert "2 problems" in r.output
    assert "devices[0] (name=r1): field '(entry)': a router needs 'device_type'" in r.output
    assert "devices[1] (name=r2): field 'role'" in r.output


def test_unknown_circuit_suggests_closest() -> None:
    r = CliRunner().invoke(cli, ["circuit", "LAB-E1-AIS"])
    assert r.exit_code == 2
    assert "no circuit 'LAB-E1-AIS'" in r.output and "LAB-E1-AIS1" in r.output


def test_malformed_ticket_refused_before_anything_runs() -> None:
    r = CliRunner().invoke(cli, ["circuit", "LAB-E1-AIS1", "--ticket", "TS1399"])
    assert r.exit_code == 2
    assert "TS + month (MM) + 3-digit serial" in r.output

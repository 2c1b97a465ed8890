"""CLI conventions (issue 12 item 6), each through the real `diag` executable: --json on every
list command, piped output whole at any COLUMNS, shell completion of ids through click's own
protocol, and library warnings kept off stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from diag.analyzers.answers import vocabulary
from diag.cli import cli
from diag.listings import (
    InventoryListing,
    LabStatusListing,
    QuestionsListing,
    RulesListing,
    SettingsListing,
    rules_listing,
    settings_listing,
)
from diag.model.inventory import Inventory

DIAG = str(Path(sys.executable).parent / "diag")
SCENARIOS = Path(__file__).resolve().parents[1] / "diag" / "lab" / "shipped" / "scenarios"
# every command that lists things; a new one belongs here (and gets --json)
LIST_COMMANDS = [
    ("rules",),
    ("questions",),
    ("settings",),
    ("inventory", "list"),
    ("lab", "status"),
    ("history",),
]


def run(
    *args: str, columns: str = "80", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "DIAG_INVENTORY"}
    e.update({"COLUMNS": columns, **(env or {})})
    return subprocess.run([DIAG, *args], env=e, capture_output=True, text=True, timeout=120)


def _command(path: tuple[str, ...]) -> click.Command:
    cmd: click.Command = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        found = cmd.get_command(click.Context(cmd), name)
        assert found is not None, path
        cmd = found
    return cmd


@pytest.mark.parametrize("path", LIST_COMMANDS, ids=" ".join)
def test_every_list_command_takes_json(path: tuple[str, ...]) -> None:
    opts = {o for p in _command(path).params for o in getattr(p, "opts", [])}
    assert "--json" in opts


def test_rules_json_is_the_playbook_whole() -> None:
    r = run("rules", "--json", "-")
    assert r.returncode == 0, r.stderr
    got = RulesListing.model_validate_json(r.stdout)
    assert got == rules_listing()
    assert got.steps and all(s.rules for s in got.steps)
    assert {t.name for t in got.thresholds} >= {"loss_pct", "latency_ms", "crc_growth_per_min"}


def test_questions_json_for_all_and_for_one_circuit(lab_inventory: Inventory) -> None:
    r = run("questions", "--json", "-")
    assert r.returncode == 0, r.stderr
    every = QuestionsListing.model_validate_json(r.stdout)
    assert [q.key for q in every.questions] == list(vocabulary())
    r = run("questions", "LAB-E1-AIS1", "--json", "-")
    one = QuestionsListing.model_validate_json(r.stdout)
    assert one.circuit == "LAB-E1-AIS1" and one.questions
    assert all(q.question for q in one.questions)


def test_settings_json_to_a_file(tmp_path: Path) -> None:
    r = run("settings", "--json", str(tmp_path / "s.json"))
    assert r.returncode == 0 and r.stdout == "", r.stderr
    got = SettingsListing.model_validate_json((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert got == settings_listing()
    assert "crc_sample_interval_s" in {s.name for s in got.settings}


def test_inventory_list_json_is_typed(lab_inventory: Inventory) -> None:
    got = InventoryListing.model_validate_json(run("inventory", "list", "--json", "-").stdout)
    assert [c.id for c in got.circuits] == sorted(lab_inventory.circuits)
    assert got.listing == "inventory" and {n.name for n in got.nms} == set(lab_inventory.nms)


def test_lab_status_json_when_no_lab_runs(tmp_path: Path) -> None:
    r = run("lab", "status", "--json", "-", env={"DIAG_LAB_DIR": str(tmp_path)})
    assert r.returncode == 1
    assert LabStatusListing.model_validate_json(r.stdout).running is False


# ------------------------------------------------------------------ whole lines in a pipe


@pytest.mark.parametrize("columns", ["40", "80"])
def test_piped_rules_and_settings_keep_each_sentence_on_one_line(columns: str) -> None:
    lines = run("rules", columns=columns).stdout.splitlines()
    for step in rules_listing().steps:
        for rule in step.rules:
            assert any(rule.id in ln and rule.title in ln for ln in lines), rule.id
    for t in rules_listing().thresholds:
        assert any(t.source in ln for ln in lines), t.name
    lines = run("settings", columns=columns).stdout.splitlines()
    for s in settings_listing().settings:
        assert any(ln.startswith(f"{s.name}=") and s.description in ln for ln in lines)


@pytest.mark.parametrize("columns", ["40", "80"])
def test_piped_tables_keep_ids_and_names_whole(columns: str, lab_inventory: Inventory) -> None:
    out = run("inventory", "list", columns=columns).stdout
    for c in lab_inventory.circuits.values():
        # the whole row on one line: the id, its customer and both sites
        assert any(
            c.id in ln and c.customer in ln and c.a.site in ln and c.b.site in ln
            for ln in out.splitlines()
        ), c.id
    out = run("questions", "LAB-E1-AIS1", columns=columns).stdout
    listing = QuestionsListing.model_validate_json(
        run("questions", "LAB-E1-AIS1", "--json", "-").stdout
    )
    for q in listing.questions:
        assert any(ln.startswith(q.key) and str(q.question) in ln for ln in out.splitlines())
    assert not any(ln.endswith("…") for ln in out.splitlines())


# ------------------------------------------------------------------ shell completion


def complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """Candidates through click's bash protocol, exactly as the shell function asks."""
    parts = words.split(" ")
    r = run(
        env={
            "_DIAG_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **(env or {}),
        }
    )
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return [ln.split(",", 1)[1] for ln in r.stdout.splitlines() if ln.startswith("plain,")]


def test_completion_offers_circuit_ids(lab_inventory: Inventory) -> None:
    expect = sorted(c for c in lab_inventory.circuits if c.startswith("LAB-E1-"))
    assert expect and complete("diag circuit LAB-E1-") == expect
    assert complete("diag check LAB-E1-A") == [c for c in expect if c.startswith("LAB-E1-A")]
    assert complete("diag inventory show LAB-E1-OK") == ["LAB-E1-OK1"]
    # the wrong case still finds them (ids are case-sensitive; the shell puts the right one)
    assert complete("diag circuit lab-e1-ok") == ["LAB-E1-OK1"]


def test_completion_offers_device_and_nms_names(lab_inventory: Inventory) -> None:
    assert complete("diag router ais1-rtr") == sorted(
        d for d in lab_inventory.devices if d.startswith("ais1-rtr")
    )
    assert complete("diag alarms ") == sorted(lab_inventory.nms)


def test_completion_reads_the_inventory_given_on_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "inv"
    folder.mkdir()
    src = (SCENARIOS / "healthy-e1" / "inventory.yaml").read_text(encoding="utf-8")
    nms = Path(__file__).resolve().parents[1] / "inventory" / "nms.yaml"
    (folder / "a.yaml").write_text(src, encoding="utf-8")
    (folder / "nms.yaml").write_text(nms.read_text(encoding="utf-8"), encoding="utf-8")
    assert complete(f"diag circuit -i {folder} LAB-") == ["LAB-E1-OK1"]
    assert complete("diag circuit LAB-", env={"DIAG_INVENTORY": str(folder)}) == ["LAB-E1-OK1"]


def test_completion_on_a_broken_inventory_offers_nothing_and_never_fails(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("circuits: [\n", encoding="utf-8")
    assert complete(f"diag circuit --inventory {tmp_path} LAB") == []
    assert complete(f"diag router -i {tmp_path / 'missing'} x") == []


# ------------------------------------------------------------------ library warnings


@pytest.mark.lab
def test_demo_keeps_library_warnings_off_stderr_and_in_the_debug_log(tmp_path: Path) -> None:
    """The lab's SSH servers import asyncssh, whose DSA support makes cryptography warn."""
    scn = str(SCENARIOS / "ais-first-station")
    r = run("demo", "--scenario", scn, columns="40")
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr and "Warning" not in r.stdout, r.stderr
    # the verdict table's row whole on one line in a 40-column pipe
    row = "LAB-E1-AIS1 fault_localized ais1-pdh-1 … ais1-sdh-a carrier yes"
    assert row in [" ".join(ln.split()) for ln in r.stdout.splitlines()], r.stdout[-1500:]
    r = run("demo", "--scenario", scn, "--debug", str(tmp_path))
    assert r.returncode == 0 and "Warning" not in r.stdout
    assert "Warning:" not in r.stderr, r.stderr  # only the line saying where the log is
    log = (tmp_path / "demo-diag.log").read_text(encoding="utf-8")
    assert "CryptographyDeprecationWarning" in log and "asyncssh" in log


def test_lab_json_status_reads_a_running_lab_record(tmp_path: Path) -> None:
    record = {
        "pid": os.getpid(),  # alive: this test's own process
        "started": "2026-12-07T00:00:00+00:00",
        "inventory": "/x/inventory",
        "scenarios": ["healthy-e1"],
        "circuits": ["LAB-E1-OK1"],
        "served": [{"kind": "nms", "name": "nms-lab", "where": "udp/127.0.0.1:16161"}],
    }
    (tmp_path / "lab.json").write_text(json.dumps(record), encoding="utf-8")
    r = run("lab", "status", "--json", "-", env={"DIAG_LAB_DIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    got = LabStatusListing.model_validate_json(r.stdout)
    assert got.running and got.pid == os.getpid() and got.circuits == ["LAB-E1-OK1"]
    assert got.served[0].where == "udp/127.0.0.1:16161"


def test_the_bash_function_click_generates_completes_ids(lab_inventory: Inventory) -> None:
    """docs/completion.md's bash line, run in a real bash: the function fills COMPREPLY."""
    script = run(env={"_DIAG_COMPLETE": "bash_source"}).stdout
    assert "_diag_completion" in script
    probe = (
        f'{script}\nPATH="{Path(DIAG).parent}:$PATH"\n'
        "COMP_WORDS=(diag inventory show LAB-E1-); COMP_CWORD=3\n"
        '_diag_completion diag; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    r = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == sorted(c for c in lab_inventory.circuits if c.startswith("LAB-E1-"))


@pytest.mark.lab
def test_a_piped_sweep_prints_each_circuit_row_whole(tmp_path: Path) -> None:
    from diag.lab.manager import prepare
    from diag.lab.network import LabNetwork, LabThread

    inv, scns, inv_dir = prepare([SCENARIOS / "ais-first-station"], None, tmp_path)
    with LabThread(LabNetwork(inv, scns)):
        r = run(
            "sweep", "LAB-E1-*", "-i", str(inv_dir), "--no-history", "--no-progress",
            "--set", "crc_sample_interval_s=2", "--set", "ping_count=3", columns="40",
        )  # fmt: skip
    assert r.returncode == 10, r.stderr
    lines = [" ".join(ln.replace("│", " ").split()) for ln in r.stdout.splitlines()]
    row = [ln for ln in lines if ln.startswith("LAB-E1-AIS1 fault_localized ")]
    assert len(row) == 1, r.stdout  # one line: id, status, segment, owner and the summary
    assert "ais1-pdh-1 … ais1-sdh-a carrier" in row[0] and len(row[0]) > 80


def test_completion_in_the_commands_of_their_own_packages(lab_inventory: Inventory) -> None:
    ais = [c for c in sorted(lab_inventory.circuits) if c.startswith("LAB-E1-AIS")]
    assert complete("diag sweep LAB-E1-AIS1 LAB-E1-AIS") == ais  # each id of the list
    assert complete("diag history LAB-E1-AIS") == ais
    assert complete("diag report --circuit LAB-E1-AIS") == ais
    assert complete("diag sweep --nms ") == sorted(lab_inventory.nms)


@pytest.mark.lab
@pytest.mark.parametrize("debug", [False, True])
def test_the_background_lab_logs_library_warnings_only_with_debug(
    debug: bool, tmp_path: Path
) -> None:
    env = {"DIAG_LAB_DIR": str(tmp_path)}
    up = run(
        "lab", "up", "--scenario", str(SCENARIOS / "healthy-e1"), *(["--debug"] * debug), env=env
    )
    try:
        assert up.returncode == 0, up.stderr
        assert "Warning" not in up.stderr + up.stdout
    finally:
        run("lab", "down", env=env)
    log = (tmp_path / "lab.log").read_text(encoding="utf-8")
    assert ("CryptographyDeprecationWarning" in log) is debug, log[-2000:]

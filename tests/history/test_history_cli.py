"""`diag history` through click's runner (and the real command once diag.cli registers it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from diag.history import open_store
from diag.history.cli import history_cmd, parse_since
from tests.history.history_helpers import NOW, doc_at, with_status

WIDE = {"COLUMNS": "250"}
HOUR = timedelta(hours=1)


def _run(*args: str) -> Result:
    return CliRunner().invoke(history_cmd, list(args), env=WIDE)


@pytest.fixture
def filled(store_url: str) -> str:
    """AIS1: a complaint, its repair re-run, the fault back twice; a sweep of three circuits."""
    with open_store(store_url) as s:
        s.record(doc_at("LAB-E1-AIS1", NOW - 50 * HOUR, ticket="TS05123"))
        s.record(with_status(doc_at("LAB-E1-AIS1", NOW - 40 * HOUR, ticket="TS05123"), "healthy"))
        s.record(doc_at("LAB-E1-AIS1", NOW - 10 * HOUR), sweep_id="SW-1")
        s.record(with_status(doc_at("LAB-E1-AIS1", NOW - 5 * HOUR), "healthy"), sweep_id="SW-2")
        s.record(doc_at("LAB-E1-AIS1", NOW - 2 * HOUR), sweep_id="SW-3")
        s.record(doc_at("LAB-MULTI-CPECPU", NOW - 2 * HOUR), sweep_id="SW-3")
    return store_url


def test_timeline_table(filled: str) -> None:
    r = _run("LAB-E1-AIS1", "--history", filled)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    header = next(line for line in lines if "time (UTC)" in line)
    for col in ("sweep", "status", "segments", "owner", "loss %", "RTT ms", "CRC/min", "headline"):
        assert col in header
    body = [line for line in lines if line.startswith("│ 20")]
    assert len(body) == 5
    times = [line.split("│")[1].strip() for line in body]
    assert times == sorted(times)  # oldest first
    assert times[0] == (NOW - 50 * HOUR).strftime("%Y-%m-%d %H:%M:%SZ")
    assert [line.split("│")[3].strip() for line in body] == [
        "fault_localized",
        "healthy",
        "fault_localized",
        "healthy",
        "fault_localized",
    ]
    assert "SW-3" in body[-1] and "ais1-pdh-1..ais1-sdh-a" in body[-1] and "carrier" in body[-1]
    assert "100.0" in body[0]  # the routers' ping lost everything
    assert "[TS05123]" in r.output
    assert "LAB-E1-AIS1: 5 diagnoses" in r.output
    r = _run("LAB-E1-AIS1", "--history", filled, "--since", "6h")
    assert r.exit_code == 0 and "2 diagnoses" in r.output


def test_timeline_json_and_unknown_circuit(filled: str, tmp_path: Path) -> None:
    r = _run("LAB-E1-AIS1", "--history", filled, "--json", "-")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert [x["status"] for x in rows][-1] == "fault_localized" and len(rows) == 5
    assert rows[-1]["segments"] == ["ais1-pdh-1..ais1-sdh-a"] and rows[-1]["sweep_id"] == "SW-3"
    out = tmp_path / "t.json"
    assert _run("LAB-E1-AIS1", "--history", filled, "--json", str(out)).exit_code == 0
    assert json.loads(out.read_text()) == rows
    r = _run("LAB-NOPE-1", "--history", filled)
    assert r.exit_code == 0
    assert "No diagnosis of LAB-NOPE-1 recorded" in r.output
    assert "Circuits recorded there: LAB-E1-AIS1, LAB-MULTI-CPECPU." in r.output


def test_chronic_list(filled: str) -> None:
    r = _run("--chronic", "--history", filled, "--count", "2", "--days", "7")
    assert r.exit_code == 0, r.output
    assert "Chronic circuits: the same segment or rule began 2+ times in 7 days" in r.output
    rows = [line for line in r.output.splitlines() if line.startswith("│ LAB-E1-AIS1")]
    assert [line.split("│")[3].strip() for line in rows] == ["after-ticket", "segment", "rule"]
    due = (NOW - 10 * HOUR + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M:%SZ")
    assert f"due {due}" in rows[0] and "TS05123" in rows[0]
    # the fault began three times (50 h, 10 h and 2 h ago), never once per sweep
    assert rows[1].split("│")[5].strip() == "3"
    r = _run("--chronic", "--history", filled, "--json", "-")  # defaults: 3 in 7 days
    items = json.loads(r.output)
    assert [(c["reason"], c["occurrences"]) for c in items] == [
        ("after-ticket", 2),
        ("segment", 3),
        ("rule", 3),
    ]
    r = CliRunner().invoke(
        history_cmd,
        ["--chronic", "--history", filled, "--json", "-"],
        env={**WIDE, "DIAG_CHRONIC_COUNT": "4"},
    )  # 4 beginnings: only the recurrence after the ticket is left
    assert [c["reason"] for c in json.loads(r.output)] == ["after-ticket"]
    r = _run("--chronic", "--history", filled, "--days", "0.01")
    assert r.exit_code == 0 and "No chronic circuit in sqlite:///" in r.output
    assert "after-ticket" not in _run("LAB-MULTI-CPECPU", "--chronic", "--history", filled).output


def test_ticket_history(filled: str) -> None:
    r = _run("--ticket", "ts05123", "--history", filled)
    assert r.exit_code == 0, r.output
    closed = (NOW - 40 * HOUR).strftime("%Y-%m-%d %H:%M:%SZ")
    back = NOW - 10 * HOUR
    assert f"Ticket TS05123: closed {closed} by a healthy re-run." in r.output
    assert (
        f"RECURRENCE on LAB-E1-AIS1: ais1-pdh-1..ais1-sdh-a began again "
        f"{back.strftime('%Y-%m-%d %H:%M:%SZ')} (2 times since closure); a containment plan is "
        f"due by {(back + timedelta(hours=24)).strftime('%Y-%m-%d %H:%M:%SZ')}"
    ) in r.output
    r = _run("--ticket", "TS05999", "--history", filled)
    assert r.exit_code == 0 and "Ticket TS05999: no diagnosis recorded under it" in r.output
    r = _run("--ticket", "TS05123", "--history", filled, "--json", "-")
    (th,) = json.loads(r.output)
    assert th["closed"] and len(th["diagnoses"]) == 2 and len(th["recurrences"]) == 1


def test_usage_errors_say_what_to_do(filled: str) -> None:
    for args, words in [
        ([], "name a circuit (diag history CIRCUIT_ID), or ask for --chronic or --ticket"),
        (["--chronic", "--ticket", "TS05123"], "ask for one at a time"),
        (["LAB-E1-AIS1", "--since", "last tuesday"], "write an age (30m, 12h, 7d, 2w)"),
        (["--ticket", "12345"], "does not follow the complaint numbering"),
    ]:
        r = _run(*args, "--history", filled)
        assert r.exit_code == 2, (args, r.output)
        assert words in r.output and "Traceback" not in r.output


def test_bad_store_url_no_traceback_no_password(tmp_path: Path) -> None:
    for url, code in [
        ("postgresql://noc:Hunter2-secret@127.0.0.1:9/diag", (2, 3)),
        ("mysqlx://noc:Hunter2-secret@127.0.0.1/diag", (2,)),
        (f"sqlite:///{tmp_path}", (3,)),
    ]:
        r = _run("LAB-E1-AIS1", "--history", url)
        assert r.exit_code in code, r.output
        assert r.output.startswith("diag: ") and "history" in r.output
        assert "Hunter2-secret" not in r.output and "Traceback" not in r.output


def test_parse_since() -> None:
    assert parse_since("90m", NOW) == NOW - timedelta(minutes=90)
    assert parse_since("2w", NOW) == NOW - timedelta(days=14)
    assert parse_since("2026-12-01", NOW).isoformat() == "2026-12-01T00:00:00+00:00"


def test_the_real_diag_history_command(filled: str) -> None:
    exe = shutil.which("diag", path=str(Path(sys.executable).parent))
    assert exe
    env = {**os.environ, **WIDE, "DIAG_HISTORY": filled}
    r = subprocess.run(
        [exe, "history", "LAB-E1-AIS1"], capture_output=True, text=True, env=env, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "LAB-E1-AIS1: 5 diagnoses" in r.stdout
    r = subprocess.run(
        [exe, "history", "--chronic", "--history", "postgresql://a:Hunter2@127.0.0.1:9/x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode in (2, 3) and "Traceback" not in r.stderr and "Hunter2" not in r.stderr

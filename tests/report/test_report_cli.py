"""`diag report` as a user runs it: a real process, the store named by $DIAG_HISTORY."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from diag.history import open_store
from tests.report.history import T0, replayed, sweep_of


def _diag(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diag.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def test_diag_report_process(tmp_path: Path) -> None:
    env = {"DIAG_HISTORY": f"sqlite:///{tmp_path / 'store' / 'history.sqlite'}"}
    r = _diag("report", "-o", str(tmp_path / "none.html"), env=env)
    assert r.returncode == 2 and "it holds no sweep yet" in r.stderr, r.stderr
    docs = [replayed(c, T0) for c in ("LAB-V35-1", "LAB-TEST-OK")]
    with open_store(env["DIAG_HISTORY"]) as store:
        for d in docs:
            store.record(d, sweep_id="SW-1")
        store.record_sweep(sweep_of("SW-1", T0, docs))

    out, csv = tmp_path / "out" / "sweep.html", tmp_path / "out" / "sweep.csv"
    r = _diag("report", "-o", str(out), "--csv", str(csv), env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and f"wrote {out}, {csv}" in r.stderr
    html = out.read_text(encoding="utf-8")
    assert (
        "LAB-V35-1" in html
        and "LAB-TEST-OK" in html
        and html.index("LAB-V35-1") < html.index("LAB-TEST-OK")
    )
    assert csv.read_text(encoding="utf-8").splitlines()[1].startswith("LAB-V35-1,")

    r = _diag("report", "--circuit", "LAB-V35-1", "-o", "-", env=env)
    assert (
        r.returncode == 0
        and r.stdout.startswith("<!DOCTYPE html>")
        and 'id="smokeping"' in r.stdout
    )

    r = _diag("--help", env=env)
    assert r.returncode == 0 and "report" in r.stdout

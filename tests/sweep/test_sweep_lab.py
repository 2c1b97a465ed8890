"""`diag sweep` against the real lab (every shipped scenario served at once, in this process),
as a subprocess: the verdicts, the shared NMS snapshot counted on the lab side, the history store
(a real SQLite file), interruption and --resume, the lock against overlapping sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diag.history import open_store
from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import Scenario, given_observations, mismatches
from diag.model.findings import FindingsDocument
from diag.sweep.model import SweepDocument
from diag.sweep.schedule import sweep_lock

pytestmark = pytest.mark.lab


# the lab inventory folder, its scenarios, the running lab
Lab = tuple[Path, list[Scenario], LabThread]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    state = tmp_path_factory.mktemp("lab")
    inv, scenarios, inv_dir = prepare(None, None, state)
    thread = LabThread(LabNetwork(inv, scenarios))
    thread.start()
    try:
        yield inv_dir, scenarios, thread
    finally:
        thread.stop()


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(tmp / "xdg"), "COLUMNS": "200"}


def _sweep(tmp: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diag.cli", "sweep", "--no-progress", *args],
        capture_output=True,
        text=True,
        env=_env(tmp),
        timeout=600,
        **kw,
    )


def _nms_requests(thread: LabThread, scenarios: list[Scenario]) -> dict[str, int]:
    out = {}
    for served in thread.network.served:
        if served.kind == "nms":
            svc = thread.network.service("nms", served.name)
            out[served.name] = getattr(svc, "requests", 0)
    return out


def test_sweep_gives_each_circuit_its_verdict_with_one_snapshot_per_nms(
    lab: Lab, tmp_path: Path
) -> None:
    inv_dir, scenarios, thread = lab
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    before = _nms_requests(thread, scenarios)
    out = tmp_path / "docs"
    run = _sweep(
        tmp_path,
        "-i",
        str(inv_dir),
        "--json",
        str(out),
        "--history",
        url,
        "--set",
        "crc_sample_interval_s=6",  # the lab's own: its counters grow per minute of lab time
    )
    after = _nms_requests(thread, scenarios)
    assert run.returncode == 10, run.stderr  # faults localized: the worst circuit's status
    sweep = SweepDocument.model_validate_json((out / "sweep.json").read_text())
    # the file as written validates against the committed schema (`diag schema --sweep`)
    import jsonschema

    schema = json.loads(
        subprocess.run(
            [sys.executable, "-m", "diag.cli", "schema", "--sweep"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    jsonschema.validate(
        json.loads((out / "sweep.json").read_text()),
        schema,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    expects = {cid: (s, e) for s in scenarios for cid, e in s.expect.items()}
    assert sweep.state == "complete"
    assert sorted(r.circuit for r in sweep.circuits) == sorted(expects)
    assert sweep.counts.total == len(expects) and sweep.counts.not_run == 0

    # every circuit that needs no answer from site gets its scenario's verdict
    checked = 0
    for cid, (scn, expect) in expects.items():
        if given_observations(scn).get(cid):
            continue  # its expectation rests on answers a sweep does not have
        doc = FindingsDocument.model_validate_json((out / f"{cid}.json").read_text())
        assert mismatches(cid, expect, doc) == [], cid
        checked += 1
    assert checked >= 20  # 21 of the 60 shipped circuits need no answer from site

    # one snapshot per NMS, shared: the lab counts the requests each NMS answered
    used = {s.nms: s for s in sweep.snapshots}
    assert sorted(used) == sorted({n for n in after if any(n == s.nms for s in sweep.snapshots)})
    assert sum(s.circuits for s in sweep.snapshots) >= len(used)
    shared = [s for s in sweep.snapshots if s.ok and s.circuits > 1]
    assert shared, "some NMS serves several circuits in the shipped lab"
    # the NMS answered as many requests as one poll of it costs, not one per circuit
    from diag.collectors.nms import poll
    from diag.collectors.snmp.client import SnmpClient
    from diag.inventory import load_inventory

    inv = load_inventory(inv_dir)

    async def one_poll(name: str) -> None:
        nes = {inv.devices[d].ne_name for d in inv.devices if inv.devices[d].nms == name}
        async with SnmpClient() as client:
            await poll(client, inv.nms[name], {n for n in nes if n})

    import asyncio

    for s in shared:
        swept = after[s.nms] - before[s.nms]
        mark = thread.network.service("nms", s.nms).requests
        asyncio.run(one_poll(s.nms))
        single = thread.network.service("nms", s.nms).requests - mark
        assert 0 < swept <= single, (s.nms, swept, single, s.circuits)

    # the history store holds every diagnosis under the sweep, and the sweep itself
    with open_store(url) as store:
        assert store.sweep_done(sweep.id) == set(expects)
        stored = store.sweep(sweep.id)
        assert stored is not None and stored.state == "complete"

    # incidents are printed before the counts
    text = run.stdout
    if sweep.incidents:
        assert text.index("INCIDENT") < text.index(f"sweep {sweep.id}")


def test_interrupted_sweep_keeps_finished_circuits_and_resume_finishes(
    lab: Lab, tmp_path: Path
) -> None:
    inv_dir, scenarios, _ = lab
    db = tmp_path / "history.sqlite"
    url = f"sqlite:///{db}"
    total = sum(len(s.expect) for s in scenarios)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "diag.cli",
            "sweep",
            "--no-progress",
            "-i",
            str(inv_dir),
            "--history",
            url,
            "--sessions",
            "1",  # routers one at a time: circuits finish one by one
            "--set",
            "crc_sample_interval_s=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        deadline = time.monotonic() + 300
        done: set[str] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            if db.exists():
                with open_store(url) as store:
                    latest = store.latest_sweep()
                    done = store.sweep_done(latest.id) if latest else set()
                if done:
                    break
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended first ({proc.returncode}): {proc.communicate()}")
        assert done, "no circuit finished in 300 s"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    with open_store(url) as store:
        partial = store.latest_sweep()
        assert partial is not None and partial.state == "partial"
        assert partial.interrupted_by == "SIGTERM"
        kept = store.sweep_done(partial.id)
    assert 0 < len(kept) < total
    assert partial.counts.not_run == total - len(partial.circuits)
    assert f"--resume {partial.id}" in out

    run = _sweep(tmp_path, "-i", str(inv_dir), "--history", url, "--resume", partial.id)
    assert run.returncode == 10, run.stderr
    with open_store(url) as store:
        final = store.sweep(partial.id)
        assert final is not None and final.state == "complete"
        assert store.sweep_done(partial.id) == {c for s in scenarios for c in s.expect}
        rows = store.documents(sweep_id=partial.id)
    # each circuit diagnosed once: the finished ones were not run again
    assert sorted(d.circuit.id for d in rows) == sorted(c for s in scenarios for c in s.expect)
    assert len(final.resumed) == 1
    assert final.counts.total == total and final.counts.not_run == 0


def test_a_second_sweep_on_the_same_store_is_refused(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv_dir, _, _ = lab
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    monkeypatch.setenv("XDG_DATA_HOME", _env(tmp_path)["XDG_DATA_HOME"])
    with open_store(url) as store, sweep_lock(store.url):
        run = _sweep(tmp_path, "-i", str(inv_dir), "--history", url, "LAB-E1-AIS1")
    assert run.returncode == 7
    assert "another sweep on this history store is running" in run.stderr
    assert f"pid {os.getpid()}" in run.stderr


def test_selection_errors_name_what_exists(lab: Lab, tmp_path: Path) -> None:
    inv_dir, _, _ = lab
    run = _sweep(tmp_path, "-i", str(inv_dir), "--no-history", "--region", "nowhere")
    assert run.returncode == 2
    assert "no region 'nowhere'" in run.stderr
    run = _sweep(tmp_path, "-i", str(inv_dir), "--no-history", "NOPE-*")
    assert run.returncode == 2
    assert "matches no circuit" in run.stderr
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    run = _sweep(tmp_path, "-i", str(inv_dir), "--history", url, "--resume", "SW-NOPE")
    assert run.returncode == 2
    assert "no sweep 'SW-NOPE' in the history store" in run.stderr
    run = _sweep(tmp_path, "-i", str(inv_dir), "--no-history", "--resume", "SW-NOPE")
    assert run.returncode == 2 and "drop --no-history" in run.stderr


def test_sweep_json_folder_holds_one_document_per_circuit(lab: Lab, tmp_path: Path) -> None:
    inv_dir, _, _ = lab
    out = tmp_path / "docs"
    run = _sweep(
        tmp_path,
        "-i",
        str(inv_dir),
        "--no-history",
        "--json",
        str(out),
        "--set",
        "crc_sample_interval_s=1",
        "--metrics-file",
        str(tmp_path / "diag.prom"),
        "LAB-E1-AIS*",
    )
    assert run.returncode == 10, run.stderr
    # the metrics file, read back by the official client's parser
    from prometheus_client.parser import text_string_to_metric_families

    families = {
        f.name: f for f in text_string_to_metric_families((tmp_path / "diag.prom").read_text())
    }
    status = {
        (s.labels["circuit"], s.labels["status"]): s.value
        for s in families["diag_circuit_status"].samples
    }
    assert status[("LAB-E1-AIS1", "fault_localized")] == 1
    assert status[("LAB-E1-AIS1", "healthy")] == 0
    assert families["diag_sweep_duration_seconds"].samples[0].value > 0
    sweep = json.loads((out / "sweep.json").read_text())
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["sweep.json", *(f"{r['circuit']}.json" for r in sweep["circuits"])])
    assert {r["circuit"] for r in sweep["circuits"]} == {"LAB-E1-AIS1", "LAB-E1-AIS2"}
    assert sweep["selection"]["ids"] == ["LAB-E1-AIS*"]


def test_diag_circuit_keeps_each_diagnosis_and_shows_what_was_seen_before(
    lab: Lab, tmp_path: Path
) -> None:
    inv_dir, _, _ = lab
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"

    def circuit(cid: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "diag.cli", "circuit", cid, "-i", str(inv_dir), *extra],
            capture_output=True,
            text=True,
            env={**_env(tmp_path), "DIAG_HISTORY": url},
            timeout=300,
        )

    quick = ("--set", "crc_sample_interval_s=1")
    first = circuit("LAB-E1-AIS1", *quick)
    assert first.returncode == 10, first.stderr
    assert "Seen before: nothing recorded" in first.stdout
    # the same circuit again: its first diagnosis is shown beside the new one
    second = circuit("LAB-E1-AIS1", *quick)
    assert "Seen before:" in second.stdout and "this circuit:" in second.stdout
    assert "fault_localized" in second.stdout.split("Seen before:")[1]
    # another circuit with the same symptom pattern (E1 AIS first seen at a station)
    other = circuit("LAB-E1-AIS2", *quick)
    seen = other.stdout.split("Seen before:")[1]
    assert "LAB-E1-AIS1" in seen, seen
    # --no-history: neither kept nor shown
    none = circuit("LAB-E1-AIS1", *quick, "--no-history")
    assert "Seen before" not in none.stdout
    with open_store(url) as store:
        assert len(store.timeline("LAB-E1-AIS1")) == 2
        assert len(store.timeline("LAB-E1-AIS2")) == 1


def test_every_runs_sweeps_on_ticks_and_keeps_each(lab: Lab, tmp_path: Path) -> None:
    inv_dir, _, _ = lab
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    run = _sweep(
        tmp_path,
        "-i",
        str(inv_dir),
        "--history",
        url,
        "--every",
        "2s",
        "--runs",
        "2",
        "--set",
        "crc_sample_interval_s=1",
        "LAB-E1-AIS1",
    )
    assert run.returncode == 10, run.stderr
    with open_store(url) as store:
        sweeps = store.sweeps()
        assert [s.state for s in sweeps] == ["complete", "complete"]
        assert len(store.timeline("LAB-E1-AIS1")) == 2
    first, second = sorted(sweeps, key=lambda s: s.started)
    assert first.finished is not None and second.started >= first.finished  # never overlapping

"""An NMS that does not answer is evidence (verdict inconclusive), never a crash; Ctrl-C keeps
what was collected."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner

from diag.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def silent_udp_port() -> tuple[socket.socket, int]:
    """A bound UDP socket that never answers: requests to it time out like a dead NMS."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]


def inventory_with_nms_at(tmp: Path, port: int, timeout: float, retries: int) -> Path:
    """The shipped circuits, with both lab NMSs pointed at `port` (and nothing else running)."""
    snmp = (
        f'{{version: v2c, community: "lab:nms-community", timeout: {timeout}, retries: {retries}}}'
    )
    (tmp / "nms.yaml").write_text(
        textwrap.dedent(f"""
        nms:
          - {{name: nms-lab, driver: alarm-mib, address: 127.0.0.1, port: {port}, snmp: {snmp}}}
          - {{name: nms-u2000, driver: huawei-imap, address: 127.0.0.1, port: {port}, snmp: {snmp},
             trap_listen: "127.0.0.1:0"}}
        include:
          - {ROOT}/fixtures/scenarios/*/inventory.yaml
        settings:
          default: {{crc_sample_interval_s: 0, host_ping: false}}
        """)
    )
    return tmp


def test_unreachable_nms_is_inconclusive_evidence(tmp_path: Path) -> None:
    sock, port = silent_udp_port()
    try:
        inv = inventory_with_nms_at(tmp_path, port, 0.3, 0)
        out = tmp_path / "f.json"
        r = CliRunner().invoke(cli, ["circuit", "LAB-E1-AIS1", "-i", str(inv), "--json", str(out)])
    finally:
        sock.close()
    assert r.exit_code == 12, r.output
    assert "INCONCLUSIVE" in r.output and "FAILED" in r.output
    doc = json.loads(out.read_text())
    (run,) = [c for c in doc["collectors"] if c["name"].startswith("nms:")]
    assert run["ok"] is False and f"127.0.0.1:{port}" in run["error"]
    assert "diag-lab-ro" not in out.read_text()  # the community is never echoed
    assert doc["findings"][0]["rule"] == "nms-unreadable"
    # the routers are not there either: the diagnosis still completes and says so
    routers = [c for c in doc["collectors"] if c["name"].startswith("router:")]
    assert len(routers) == 2 and not any(c["ok"] for c in routers)
    access = [o for o in doc["observations"] if o["kind"] == "device_access"]
    assert {o["stage"] for o in access} == {"connect"}
    assert doc["verdict"]["status"] == "inconclusive"


def test_ctrl_c_keeps_what_was_collected(tmp_path: Path) -> None:
    sock, port = silent_udp_port()
    inv = inventory_with_nms_at(tmp_path, port, 30, 0)
    out = tmp_path / "f.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "diag.cli",
            "circuit",
            "LAB-E1-AIS1",
            "-i",
            str(inv),
            "--json",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        # wait until the request is in flight (it reaches the silent socket), then Ctrl-C
        sock.settimeout(20)
        sock.recvfrom(4096)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        sock.close()
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Interrupted" in stdout
    assert "Traceback" not in stderr
    doc = json.loads(out.read_text())
    assert doc["run"]["interrupted"] is True
    (nms,) = [c for c in doc["collectors"] if c["name"] == "nms:nms-lab"]
    # the NMS was being waited for when Ctrl-C came: recorded with the time it had run
    assert nms["error"].startswith("interrupted (Ctrl-C) after "), nms
    assert nms["duration_s"] > 0
    assert doc["verdict"]["status"] == "inconclusive"

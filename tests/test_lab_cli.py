"""`diag lab up|status|down` as a background process, serving a scenario written outside the
project on its own ports; then `diag circuit` against it with the inventory it reports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parent.parent


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def diag(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "diag.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


# base inventory, scenario folder, environment, NMS port, SSH port
Outside = tuple[Path, Path, dict[str, str], int, int]


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Outside]:
    """A base inventory and a scenario folder outside the project, on free ports."""
    nms_port, ssh_port = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
    base = tmp_path / "base"
    base.mkdir()
    (base / "nms.yaml").write_text(
        textwrap.dedent(f"""
        nms:
          - {{name: nms-x, driver: alarm-mib, address: 127.0.0.1, port: {nms_port},
             snmp: {{version: v2c, community: "lab:nms-community", timeout: 1, retries: 0}}}}
        """)
    )
    scn = tmp_path / "my-scenario"
    scn.mkdir()
    (scn / "inventory.yaml").write_text(
        textwrap.dedent(f"""
        devices:
          - {{name: x-rtr, role: router, vendor: cisco, device_type: cisco_ios,
             mgmt: {{address: 127.0.0.1, port: {ssh_port}}},
             login: {{username: eng, password: "lab:router-password"}}}}
          - {{name: x-pdh-a, role: pdh, vendor: huawei, nms: nms-x, ne_name: X-PDH-A}}
          - {{name: x-sdh, role: sdh, vendor: zte, nms: nms-x, ne_name: X-SDH}}
          - {{name: x-pdh-b, role: pdh, vendor: huawei, nms: nms-x, ne_name: X-PDH-B}}
        circuits:
          - id: X-1
            customer: Somebody
            service: e1
            bandwidth: 2M
            a: {{site: here, router: x-rtr, wan_interface: "Serial0/0/0:0", cpe: x-pdh-a, interface: e1-120}}
            b: {{site: there, cpe: x-pdh-b, cpe_port: "1", interface: e1-120}}
            transport:
              - {{ne: x-sdh, a_port: "3-1", b_port: "4-1"}}
        """)
    )
    (scn / "scenario.yaml").write_text(
        textwrap.dedent("""
        name: outside
        description: written outside the project
        state:
          nes:
            x-sdh:
              alarms: [{name: UP_E1_AIS, port: "3-1", raised: "2026-11-22T01:00:00Z"}]
          routers:
            x-rtr:
              hostname: X-RTR
              vendor: cisco_ios
              interfaces: [{name: "Serial0/0/0:0", kind: e1-channel, counters: {crc: 10},
                            growth_per_min: {crc: 60}}]
        expect:
          X-1: {status: fault_localized, segment: {from: x-pdh-a, to: x-sdh}, owner: carrier,
                rules: [R-AIS-1]}
        """)
    )
    env = {**os.environ, "DIAG_LAB_DIR": str(tmp_path / "state")}
    yield base, scn, env, nms_port, ssh_port
    diag("lab", "down", env=env)


def test_lab_up_status_down_with_outside_scenario(outside: Outside) -> None:
    base, scn, env, nms_port, ssh_port = outside
    r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 0, r.stderr
    assert f"udp/127.0.0.1:{nms_port}" in r.stdout and f"tcp/127.0.0.1:{ssh_port}" in r.stdout
    r = diag("lab", "status", env=env)
    assert r.returncode == 0 and "circuits: X-1" in r.stdout
    inv_dir = json.loads((Path(env["DIAG_LAB_DIR"]) / "lab.json").read_text())["inventory"]

    r = diag(
        "circuit",
        "X-1",
        "--inventory",
        inv_dir,
        "--json",
        "-",
        "--set",
        "crc_sample_interval_s=1",
        env=env,
    )
    assert r.returncode == 10, r.stderr
    doc = json.loads(r.stdout)
    assert doc["verdict"]["segment"] == {"from": "x-pdh-a", "to": "x-sdh"}

    from netmiko import ConnectHandler

    with ConnectHandler(
        device_type="cisco_ios",
        host="127.0.0.1",
        port=ssh_port,
        username="eng",
        password="diag-lab-pw",
    ) as conn:
        out = conn.send_command("show interfaces Serial0/0/0:0")
    assert "CRC" in out

    r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 4 and "already running" in r.stderr
    r = diag("lab", "down", env=env)
    assert r.returncode == 0 and "lab stopped" in r.stdout
    r = diag("lab", "status", env=env)
    assert r.returncode == 1 and "not running" in r.stdout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", nms_port))  # the port is free again


def test_lab_up_port_in_use(outside: Outside) -> None:
    base, scn, env, nms_port, _ = outside
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", nms_port))
        r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 4
    assert f"UDP port 127.0.0.1:{nms_port} needed by NMS nms-x (SNMP) is already in use" in r.stderr


def test_lab_up_rejects_bad_scenario(outside: Outside) -> None:
    base, scn, env, _, _ = outside
    text = (
        (scn / "scenario.yaml")
        .read_text()
        .replace("x-sdh:", "x-sdhh:")
        .replace("hostname: X-RTR", "hostname: X-RTR\n      colour: red")
    )
    (scn / "scenario.yaml").write_text(text)
    r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 3
    assert "state.routers.x-rtr.colour" in r.stderr
    text = text.replace("\n      colour: red", "")
    (scn / "scenario.yaml").write_text(text)
    r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 3
    assert "state.nes.x-sdhh: no such device in the inventory" in r.stderr


def test_lab_up_refuses_state_the_lab_cannot_serve(outside: Outside) -> None:
    """Silencing a shared NMS, E1 lines on an NE nobody polls directly, an expected fault off the
    path, a cleared time before the raise: every problem named, exit 3."""
    base, scn, env, _, _ = outside
    text = (scn / "scenario.yaml").read_text()
    text = text.replace(
        "state:\n  nes:\n",
        "state:\n  nms:\n    nms-x: {silent: true}\n  nes:\n"
        '    x-pdh-b:\n      e1_lines: [{port: "1", status: [LossOfSignal]}]\n',
    )
    text = text.replace(
        "rules: [R-AIS-1]}",
        "rules: [R-AIS-1],\n        faults: [{segment: {from: x-pdh-a, to: x-nowhere}, owner: carrier}]}",
    )
    assert "silent: true" in text and "x-nowhere" in text and "e1_lines" in text
    (scn / "scenario.yaml").write_text(text)
    r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 3, r.stderr
    assert "state.nms.nms-x: only an NMS defined in the scenario's own inventory.yaml" in r.stderr
    assert "state.nes.x-pdh-b.e1_lines: the device needs 'snmp' and 'mgmt'" in r.stderr
    assert "expect.X-1.faults[0].segment: 'x-nowhere' is not on the circuit's path" in r.stderr

    text = text.replace('raised: "2026-11-22T01:00:00Z"', 'raised: "2026-11-22T01:00:00Z", '
                        'cleared: "2026-11-21T01:00:00Z"')  # fmt: skip
    (scn / "scenario.yaml").write_text(text)
    r = diag("lab", "up", "--scenario", str(scn), "--inventory", str(base), env=env)
    assert r.returncode == 3 and "is before raised" in r.stderr, r.stderr

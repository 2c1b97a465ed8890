"""The real peers of the fault matrix: one lab network on free loopback ports, served in-process.

One scenario written to a temporary folder: an alarm-MIB NMS and a huawei-imap NMS (real pysnmp
agents), an NE polled directly over DS1-MIB, and Cisco routers with a real SSH server, an SNMP
agent, pty consoles and console-server (`socket://`) consoles, some of them with the lab's own
console faults (every line garbled, lines lost, the line hanging up mid-session).  Ports are
picked free at start, so the matrix never collides with the shipped lab's fixed ports.

The hostile peers (diag's collectors must survive them) sit in front of these or stand in
their place: see peers.py.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


LOGIN = {"username": "noc", "password": "lab:router-password", "secret": "lab:router-secret"}
V3 = {
    "version": "v3",
    "user": "diag-lab",
    "auth_protocol": "SHA",
    "auth_key": "lab:nms-auth-key",
    "priv_protocol": "AES",
    "priv_key": "lab:nms-priv-key",
}
V2C = {"version": "v2c", "community": "lab:nms-community"}
RAISED = "2026-11-30T08:14:03+08:00"

# Consoles with the lab's own line faults (diag/lab/routers/console.py)
CONSOLE_FAULTS: dict[str, dict[str, Any]] = {
    "ok": {},
    "garbage": {"console_garble_pct": 100},
    "truncated": {"console_drop_pct": 60},
    "dropped": {"console_hangup_after": 3},
    "relay": {},  # clean, behind a console-server relay that drops the TCP connection
}


def router_state(hostname: str, **extra: Any) -> dict[str, Any]:
    """A Cisco router whose E1 receives AIS: every reading shows a fault, never a healthy line."""
    return {
        "hostname": hostname,
        "vendor": "cisco_ios",
        "model": "2911",
        "interfaces": [
            {
                "name": "GigabitEthernet0/0",
                "kind": "ethernet",
                "description": "LAN",
                "ip": "192.168.50.1/24",
                "bandwidth_kbit": 1000000,
                "encapsulation": "ARPA",
            },
            {
                "name": "Serial0/0/0:0",
                "kind": "e1-channel",
                "description": "WAN FX-1",
                "ip": "10.250.0.1/30",
                "status": "up",
                "protocol": "down",
                "bandwidth_kbit": 1984,
                "counters": {"input_errors": 120, "crc": 118},
            },
        ],
        "controllers": [{"name": "E1 0/0/0", "status": "up", "alarms": ["AIS"]}],
        "logs": [
            {
                "at": "Nov 30 08:14:05.118",
                "text": "%CONTROLLER-5-UPDOWN: Controller E1 0/0/0, changed state to up (AIS)",
            }
        ],
        "ping": [{"target": "10.250.0.2", "success_pct": 0}],
        **extra,
    }


@dataclass
class FaultLab:
    """Where each real peer listens."""

    folder: Path
    nms_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    imap_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    ne_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    router_snmp_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    ssh_port: int = field(default_factory=free_port)
    bad_ssh_port: int = field(default_factory=free_port)
    socket_consoles: dict[str, int] = field(default_factory=dict)
    # where the imap NMS sends its traps (a trap proxy in the cells that lose traps)
    imap_trap_target: str = ""
    network: LabNetwork | None = None
    _thread: LabThread | None = None

    def __post_init__(self) -> None:
        self.socket_consoles = {f: free_port() for f in CONSOLE_FAULTS}
        self.imap_trap_target = f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}"

    def pty_console(self, fault: str) -> str:
        return str(self.folder / "tty" / f"fx-con-{fault}")

    def ne_names(self) -> dict[str, list[str]]:
        return {
            "nms": ["FX-PDH-1", "FX-SDH", "FX-PDH-2"],
            "imap": ["FX-IPDH-1", "FX-ISDH", "FX-IPDH-2"],
        }

    # -- the scenario

    def _inventory(self) -> dict[str, Any]:
        devices: list[dict[str, Any]] = [
            {
                "name": "fx-pdh-1",
                "role": "pdh",
                "vendor": "huawei",
                "nms": "fx-nms",
                "ne_name": "FX-PDH-1",
            },
            {
                "name": "fx-sdh",
                "role": "sdh",
                "vendor": "huawei",
                "nms": "fx-nms",
                "ne_name": "FX-SDH",
            },
            {
                "name": "fx-pdh-2",
                "role": "pdh",
                "vendor": "huawei",
                "nms": "fx-nms",
                "ne_name": "FX-PDH-2",
            },
            {
                "name": "fx-ipdh-1",
                "role": "pdh",
                "vendor": "huawei",
                "nms": "fx-imap",
                "ne_name": "FX-IPDH-1",
            },
            {
                "name": "fx-isdh",
                "role": "sdh",
                "vendor": "huawei",
                "nms": "fx-imap",
                "ne_name": "FX-ISDH",
            },
            {
                "name": "fx-ipdh-2",
                "role": "pdh",
                "vendor": "huawei",
                "nms": "fx-imap",
                "ne_name": "FX-IPDH-2",
            },
            {
                "name": "fx-ne",
                "role": "pdh",
                "vendor": "huawei",
                "mgmt": {"address": "127.0.0.1"},
                "snmp": {**V2C, "port": self.ne_port},
            },
            {
                "name": "fx-rtr",
                "role": "router",
                "vendor": "cisco",
                "device_type": "cisco_ios",
                "mgmt": {"address": "127.0.0.1", "port": self.ssh_port},
                "snmp": {**V2C, "port": self.router_snmp_port},
                "login": LOGIN,
            },
            {
                "name": "fx-rtr-bad",
                "role": "router",
                "vendor": "cisco",
                "device_type": "cisco_ios",
                "mgmt": {"address": "127.0.0.1", "port": self.bad_ssh_port},
                "login": LOGIN,
            },
        ]
        for fault in CONSOLE_FAULTS:
            devices.append(
                {
                    "name": f"fx-con-{fault}",
                    "role": "router",
                    "vendor": "cisco",
                    "device_type": "cisco_ios",
                    "console": self.pty_console(fault),
                    "login": LOGIN,
                }
            )
            devices.append(
                {
                    "name": f"fx-sock-{fault}",
                    "role": "router",
                    "vendor": "cisco",
                    "device_type": "cisco_ios",
                    "console": f"socket://127.0.0.1:{self.socket_consoles[fault]}",
                    "login": LOGIN,
                }
            )
        circuits = [
            _circuit("FX-NMS", "fx-rtr", "fx-pdh-1", "fx-sdh", "fx-pdh-2"),
            _circuit("FX-IMAP", "fx-rtr-bad", "fx-ipdh-1", "fx-isdh", "fx-ipdh-2"),
            _circuit("FX-NE", "fx-rtr", "fx-pdh-1", "fx-sdh", "fx-ne", e1_b=True),
        ]
        for fault in CONSOLE_FAULTS:
            circuits.append(
                _circuit(f"FX-CON-{fault}", f"fx-con-{fault}", "fx-pdh-1", "fx-sdh", "fx-pdh-2")
            )
            circuits.append(
                _circuit(f"FX-SOCK-{fault}", f"fx-sock-{fault}", "fx-pdh-1", "fx-sdh", "fx-pdh-2")
            )
        return {
            "nms": [
                {
                    "name": "fx-nms",
                    "driver": "alarm-mib",
                    "address": "127.0.0.1",
                    "port": self.nms_port,
                    "snmp": {**V3, "timeout": 1, "retries": 0},
                },
                {
                    "name": "fx-imap",
                    "driver": "huawei-imap",
                    "address": "127.0.0.1",
                    "port": self.imap_port,
                    "snmp": {**V2C, "timeout": 1, "retries": 0},
                    "trap_listen": self.imap_trap_target,
                    "query_timeout_s": 3,
                },
            ],
            "devices": devices,
            "circuits": circuits,
        }

    def _scenario(self) -> dict[str, Any]:
        routers = {
            "fx-rtr": router_state("FX-RTR"),
            "fx-rtr-bad": router_state("FX-RTR-BAD", ssh="bad-credentials"),
        }
        for fault, knobs in CONSOLE_FAULTS.items():
            routers[f"fx-con-{fault}"] = router_state(f"FX-CON-{fault.upper()}", **knobs)
            routers[f"fx-sock-{fault}"] = router_state(f"FX-SOCK-{fault.upper()}", **knobs)
        ais = {"name": "UP_E1_AIS", "port": "1-SL1-1", "severity": "major", "raised": RAISED}
        return {
            "name": "fault-matrix",
            "description": "the real peers behind the fault matrix (tests/faults)",
            "state": {
                "nes": {
                    "fx-sdh": {"alarms": [ais]},
                    "fx-isdh": {
                        "alarms": [
                            ais,
                            {**ais, "port": "2-SL1-1", "name": "HP_UNEQ"},
                            {**ais, "port": "3-SL1-1", "name": "R_LOS", "severity": "critical"},
                        ]
                    },
                    "fx-ne": {"e1_lines": [{"port": "E1-2", "status": ["RcvAIS"]}]},
                },
                "routers": routers,
            },
            "expect": {
                c["id"]: {"status": "fault_suspected"} for c in self._inventory()["circuits"]
            },
        }

    def start(self) -> FaultLab:
        scn = self.folder / "scenario"
        scn.mkdir(parents=True, exist_ok=True)
        (self.folder / "tty").mkdir(exist_ok=True)
        (scn / "inventory.yaml").write_text(yaml.safe_dump(self._inventory(), sort_keys=False))
        (scn / "scenario.yaml").write_text(yaml.safe_dump(self._scenario(), sort_keys=False))
        base = self.folder / "base.yaml"
        base.write_text("devices: []\n")
        inv, scns, _ = prepare([scn], base, self.folder / "state")
        self._thread = LabThread(LabNetwork(inv, scns))
        self._thread.start()
        self.network = self._thread.network
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None


def _circuit(
    cid: str, router: str, cpe_a: str, transit: str, cpe_b: str, e1_b: bool = False
) -> dict[str, Any]:
    c: dict[str, Any] = {
        "id": cid,
        "customer": "Fault matrix",
        "service": "e1",
        "bandwidth": "2M",
        "a": {
            "site": "A",
            "router": router,
            "wan_interface": "Serial0/0/0:0",
            "wan_ip": "10.250.0.1/30",
            "cpe": cpe_a,
            "cpe_port": "E1-1",
            "cpe_line": "OPT-1",
            "interface": "e1-120",
        },
        "b": {
            "site": "B",
            "cpe": cpe_b,
            "cpe_port": "E1-2",
            "interface": "e1-120",
            "wan_ip": "10.250.0.2/30",
        },
        "transport": [{"ne": transit, "a_port": "1-SL1-1", "b_port": "2-SL1-1"}],
    }
    if e1_b:
        c["b"].pop("cpe_line", None)
        c["links"] = [
            {"between": [cpe_a, transit], "kind": "fiber"},
            {"between": [transit, cpe_b], "kind": "fiber"},
        ]
    return c

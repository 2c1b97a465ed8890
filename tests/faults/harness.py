"""Runs the fault matrix: starts the real lab and the hostile peers, runs every cell's `diag
circuit` as a subprocess (several at once, the imap cells one at a time since they share the
NMS's trap relay), and keeps what each run left behind."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.faults.cells import Cell
from tests.faults.lab import FaultLab, free_port
from tests.faults.peers import (
    PeerLoop,
    SilentPty,
    TcpFault,
    TrapRelay,
    UdpFault,
    fake_ping_tools,
    is_udp_mode,
    trap_oid,
)
from tests.faults.peers_ssh import HostileSsh, is_ssh_mode

ROOT = Path(__file__).resolve().parent.parent.parent
QUERY_TRAP = (1, 3, 6, 1, 4, 1, 2011, 2, 15, 2, 4, 3, 3, 0, 3)
CELLS_AT_ONCE = 6


@dataclass
class Result:
    cell: Cell
    argv: list[str]
    returncode: int | None  # None: killed at the bound (never finished)
    stdout: str
    stderr: str
    elapsed_s: float
    document: dict[str, Any] | None


class Peers:
    """The lab plus every hostile peer, created on first use by the cells' inventories."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lab = FaultLab(folder / "lab").start()
        self.loop = PeerLoop()
        self.closed_tcp = free_port()
        self._made: dict[tuple[str, str], Any] = {}
        self._ptys: list[SilentPty] = []
        self._lock = threading.Lock()
        self.relay = TrapRelay()
        host, port = self.lab.imap_trap_target.rsplit(":", 1)
        self.loop.run(self.relay.start(host, int(port)))
        self.trap_port = 0  # set per imap cell

    def _real_udp(self, collector: str) -> int:
        return {
            "nms-alarm-mib": self.lab.nms_port,
            "nms-huawei-imap": self.lab.imap_port,
            "ne-ds1": self.lab.ne_port,
            "router-snmp": self.lab.router_snmp_port,
        }[collector]

    def udp_port(self, collector: str, fault: str) -> int:
        if fault == "down":
            return free_port(socket.SOCK_DGRAM)
        with self._lock:
            key = (collector, fault)
            if key not in self._made:
                upstream = ("127.0.0.1", self._real_udp(collector))
                assert is_udp_mode(fault), fault
                peer = UdpFault(fault, upstream)
                self.loop.run(peer.start())
                self._made[key] = peer
            return int(self._made[key].port)

    def tcp_port(self, collector: str, fault: str) -> int:
        if fault == "down":
            return self.closed_tcp
        with self._lock:
            key = (collector, fault)
            if key not in self._made:
                peer: Any
                if fault in ("blackhole", "garbage-protocol"):
                    peer = TcpFault("blackhole" if fault == "blackhole" else "garbage")
                else:
                    assert self.lab.network is not None
                    svc = self.lab.network.service("router-ssh", "fx-rtr")
                    assert is_ssh_mode(fault), fault
                    peer = HostileSsh(
                        fault,
                        svc.state,
                        svc.clock,
                        svc.username,
                        svc.password,
                        svc.enable_secret,
                    )
                self.loop.run(peer.start())
                self._made[key] = peer
            return int(self._made[key].port)

    def console(self, kind: str, fault: str) -> str:
        pty = kind == "router-console-pty"
        if fault == "down":
            if pty:
                return str(self.folder / "no-such-console")
            return f"socket://127.0.0.1:{self.closed_tcp}"
        if fault == "blackhole":
            if pty:
                with self._lock:
                    silent = SilentPty(self.folder / "silent-console")
                    self._ptys.append(silent)
                return str(silent.path)
            return f"socket://127.0.0.1:{self.tcp_port('router-console-socket', 'blackhole')}"
        if pty:
            return self.lab.pty_console(fault)
        if fault == "dropped":
            with self._lock:
                key = (kind, fault)
                if key not in self._made:
                    up = ("127.0.0.1", self.lab.socket_consoles["relay"])
                    relay = TcpFault("dropped", upstream=up, after_lines=6)
                    self.loop.run(relay.start())
                    self._made[key] = relay
                return f"socket://127.0.0.1:{self._made[key].port}"
        return f"socket://127.0.0.1:{self.lab.socket_consoles[fault]}"

    def set_traps(self, fault: str) -> None:
        """Point the trap relay at this imap cell's receiver, with the cell's trap losses."""
        self.trap_port = free_port(socket.SOCK_DGRAM)
        queries = [0]

        def lose(_n: int, data: bytes) -> bool:
            if trap_oid(data) == QUERY_TRAP:
                queries[0] += 1
            if fault == "trap-loss":  # the second alarm's trap is lost, QueryEnd arrives
                return trap_oid(data) == QUERY_TRAP and queries[0] == 2
            if fault == "dropped":  # QueryBegin and the first alarm, then nothing more
                return queries[0] >= 2
            return False

        self.relay.lose = lose
        self.relay.to = ("127.0.0.1", self.trap_port)

    def stop(self) -> None:
        for peer in self._made.values():
            with contextlib.suppress(Exception):
                self.loop.run(peer.stop(), timeout=10)
        self.loop.run(self.relay.stop())
        self.loop.stop()
        for p in self._ptys:
            p.close()
        self.lab.stop()


def known_hosts(inventory: dict[str, Any], lab: FaultLab) -> str:
    """The known-hosts file that goes with a cell's inventory: the lab's (its routers' keys),
    plus the key of the test peers (diag.lab.routers.server.host_key) for every other SSH port
    the inventory names."""
    from diag.lab.routers.server import host_key

    text = (lab.folder / "state" / "inventory" / "known_hosts").read_text()
    key = host_key().export_public_key("openssh").decode().split()
    for dev in inventory.get("devices", []):
        mgmt = dev.get("mgmt") or {}
        where = f"[{mgmt.get('address')}]:{mgmt.get('port')}"
        if mgmt.get("port") and where not in text:
            text += f"{where} {key[0]} {key[1]}\n"
    return text


def netns_available() -> str | None:
    """None when `unshare -rn` and nft work here, else why not."""
    for tool in ("unshare", "nft", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = subprocess.run(
        ["unshare", "-rn", "sh", "-c", "nft add table inet probe"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    if probe.returncode != 0:
        return f"cannot make a private network namespace with nftables: {probe.stderr.strip()}"
    return None


def run_cell(cell: Cell, peers: Peers, folder: Path, imap_lock: threading.Lock) -> Result:
    work = folder / cell.id
    inv_dir = work / "inventory"
    inv_dir.mkdir(parents=True, exist_ok=True)
    out = work / "findings.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DIAG_FX_WRONG_SECRET": "wrong-secret-123"}
    env.pop("DIAG_INVENTORY", None)
    if cell.fake_ping:
        tools = fake_ping_tools(work / "bin", cell.fake_ping)
        env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    from tests.faults.cells import FAST

    sets = [a for kv in [*FAST, *cell.settings] for a in ("--set", kv)]

    def go() -> Result:
        inventory = cell.inventory(peers)
        (inv_dir / "fx.yaml").write_text(yaml.safe_dump(inventory, sort_keys=False))
        (inv_dir / "known_hosts").write_text(known_hosts(inventory, peers.lab))
        argv = [
            sys.executable, "-m", "diag.cli", "circuit", "FX-1",
            "-i", str(inv_dir), "--json", str(out), *sets,
        ]  # fmt: skip
        if cell.netns:
            argv = ["unshare", "-rn", "sh", "-c", f"{cell.netns} && exec {shlex.join(argv)}"]
        t0 = time.monotonic()
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env
        )
        try:
            stdout, stderr = proc.communicate(timeout=cell.bound_s)
            rc: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            rc = None
        elapsed = time.monotonic() - t0
        doc = json.loads(out.read_text()) if out.is_file() else None
        return Result(cell, argv, rc, stdout, stderr, elapsed, doc)

    if cell.imap:
        with imap_lock:
            peers.set_traps(cell.fault)
            return go()
    return go()


def run_cells(cells: list[Cell], peers: Peers, folder: Path) -> dict[str, Result]:
    imap_lock = threading.Lock()
    # the imap cells wait for each other: start them first so they do not finish last
    ordered = sorted(cells, key=lambda c: (not c.imap, -c.bound_s))
    with ThreadPoolExecutor(max_workers=CELLS_AT_ONCE) as pool:
        futures = {c.id: pool.submit(run_cell, c, peers, folder, imap_lock) for c in ordered}
        return {cid: f.result() for cid, f in futures.items()}

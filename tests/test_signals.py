"""SIGINT, SIGTERM and SIGHUP in the middle of a collection: the document is written whole with
everything read so far, run.interrupted is set, the exit code is 128 + the signal's number, and
`--debug` keeps the transcripts of the sessions the signal cut short.

The peers are real and on free loopback ports (tests/faults/peers.py): an NMS that never
answers, router A over SSH that answers its first commands and is then in the wait between the
two CRC samples, router B over SSH that answers two commands and then never answers again (its
reading is cut in the middle of a command).  `diag circuit`, `diag demo`, `diag router`,
`diag alarms` and `diag ping` run as real subprocesses; the signal is sent once the peers have
seen what they must have seen (no sleeps standing in for it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.faults.lab import LOGIN, V2C, free_port, router_state
from tests.faults.peers import PeerLoop, UdpFault, fake_ping_tools
from tests.faults.peers_ssh import HostileSsh

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parent.parent
SIGNALS = {
    "SIGINT": (signal.SIGINT, 130),
    "SIGTERM": (signal.SIGTERM, 143),
    "SIGHUP": (signal.SIGHUP, 129),
}
REASON = {"SIGINT": "Ctrl-C", "SIGTERM": "SIGTERM", "SIGHUP": "SIGHUP"}
NOISE = re.compile(r"Traceback|^\s+File \"|Exception|never retrieved|never awaited", re.MULTILINE)


@dataclass
class Peers:
    nms: UdpFault  # never answers
    waits: HostileSsh  # router A: answers, then diag waits between its CRC samples
    hangs: HostileSsh  # router B: answers two show commands, then nothing


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    from diag.lab.routers.clock import LabClock
    from diag.lab.routers.state import RouterState

    loop = PeerLoop()
    clock = LabClock()
    made = Peers(
        UdpFault("blackhole"),
        HostileSsh("ok", RouterState.model_validate(router_state("SIG-A")), clock,
                   "noc", "lab-router-pw", "lab-enable"),
        HostileSsh("hang", RouterState.model_validate(router_state("SIG-B")), clock,
                   "noc", "lab-router-pw", "lab-enable", drop_after=2),
    )  # fmt: skip
    for peer in (made.nms, made.waits, made.hangs):
        loop.run(peer.start())
    yield made
    for peer in (made.nms, made.waits, made.hangs):
        loop.run(peer.stop())
    loop.stop()


def write_inventory(folder: Path, p: Peers) -> Path:
    from diag.lab.routers.server import host_key

    folder.mkdir(parents=True, exist_ok=True)
    login = {**LOGIN, "password": "env:SIG_PASSWORD", "secret": "env:SIG_SECRET"}
    devices = [
        {"name": "sig-pdh-1", "role": "pdh", "vendor": "huawei", "nms": "sig-nms", "ne_name": "SIG-PDH-1"},
        {"name": "sig-sdh", "role": "sdh", "vendor": "huawei", "nms": "sig-nms", "ne_name": "SIG-SDH"},
        {"name": "sig-pdh-2", "role": "pdh", "vendor": "huawei", "nms": "sig-nms", "ne_name": "SIG-PDH-2"},
        {"name": "sig-rtr-a", "role": "router", "vendor": "cisco", "device_type": "cisco_ios",
         "mgmt": {"address": "127.0.0.1", "port": p.waits.port}, "login": login},
        {"name": "sig-rtr-b", "role": "router", "vendor": "cisco", "device_type": "cisco_ios",
         "mgmt": {"address": "127.0.0.1", "port": p.hangs.port}, "login": login},
    ]  # fmt: skip
    inventory = {
        "nms": [
            {"name": "sig-nms", "driver": "alarm-mib", "address": "127.0.0.1", "port": p.nms.port,
             "snmp": {**V2C, "timeout": 60, "retries": 0}},
        ],
        "devices": devices,
        "circuits": [
            {
                "id": "SIG-1",
                "customer": "Signals",
                "service": "e1",
                "bandwidth": "2M",
                "a": {"site": "A", "router": "sig-rtr-a", "wan_interface": "Serial0/0/0:0",
                      "wan_ip": "10.250.0.1/30", "cpe": "sig-pdh-1", "cpe_port": "E1-1",
                      "cpe_line": "OPT-1", "interface": "e1-120"},
                "b": {"site": "B", "router": "sig-rtr-b", "wan_interface": "Serial0/0/0:0",
                      "wan_ip": "10.250.0.2/30", "cpe": "sig-pdh-2", "cpe_port": "E1-2",
                      "cpe_line": "OPT-1", "interface": "e1-120"},
                "transport": [{"ne": "sig-sdh", "a_port": "1-SL1-1", "b_port": "2-SL1-1"}],
            }
        ],
    }  # fmt: skip
    (folder / "sig.yaml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    key = host_key().export_public_key("openssh").decode().split()
    (folder / "known_hosts").write_text(
        "".join(f"[127.0.0.1]:{port} {key[0]} {key[1]}\n" for port in (p.waits.port, p.hangs.port))
    )
    return folder


def env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "SIG_PASSWORD": "lab-router-pw",
        "SIG_SECRET": "lab-enable",
    }


def wait_for(
    what: str, check: Callable[[], bool], proc: subprocess.Popen[str], within: float = 60
) -> None:
    deadline = time.monotonic() + within
    while not check():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"diag ended (exit {proc.returncode}) before {what}\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{what}: not within {within:g} s")
        time.sleep(0.05)


def interrupt(proc: subprocess.Popen[str], sig: int) -> tuple[str, str]:
    proc.send_signal(sig)
    try:
        return proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"diag did not end within 60 s of the signal\n{out}\n{err}")


def spawn(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "diag.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**env(), **(extra_env or {})},
    )


def no_temp_files(folder: Path) -> None:
    """write_atomic leaves nothing half-written behind (its temp files start with a dot)."""
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", list(SIGNALS))
def test_circuit_keeps_what_was_read(
    name: str, peers: Peers, tmp_path: Path, findings_schema: dict[str, object]
) -> None:
    sig, code = SIGNALS[name]
    inv = write_inventory(tmp_path / "inventory", peers)
    out, debug = tmp_path / "out" / "findings.json", tmp_path / "debug"
    out.parent.mkdir()
    a_seen, b_seen = len(peers.waits.commands), len(peers.hangs.commands)
    proc = spawn(
        "circuit", "SIG-1", "-i", str(inv), "--json", str(out), "--debug", str(debug),
        "--set", "host_ping=false", "--set", "crc_sample_interval_s=60",
    )  # fmt: skip
    # router A has answered its first batch (show logging is its last) and waits for the second
    # CRC sample; router B has been sent the command it will never answer
    wait_for("router A answered", lambda: "show logging" in peers.waits.commands[a_seen:], proc)
    wait_for("router B hung", lambda: len(
        [c for c in peers.hangs.commands[b_seen:] if c.startswith("show")]) >= 3, proc)  # fmt: skip
    stdout, stderr = interrupt(proc, sig)

    assert proc.returncode == code, stderr
    assert not NOISE.search(stderr), stderr
    no_temp_files(out.parent)
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, findings_schema)
    assert doc["run"]["interrupted"] is True
    assert doc["verdict"]["status"] != "healthy"
    runs = {c["name"]: c for c in doc["collectors"]}
    for job in ("nms:sig-nms", "router:sig-rtr-a", "router:sig-rtr-b"):
        assert runs[job]["ok"] is False
        assert runs[job]["error"].startswith(f"interrupted ({REASON[name]}) after "), runs[job]
        assert runs[job]["duration_s"] > 0  # the real time it ran, not 0.00 s
    # router A: its first readings are kept, and it says where the reading stopped
    a = [o for o in doc["observations"] if o["collector"] == "router:sig-rtr-a"]
    kinds_a = {o["kind"] for o in a}
    assert {"interface", "e1_controller", "cpu", "log"} <= kinds_a, kinds_a
    assert any(o["kind"] == "e1_controller" and "AIS" in o["alarms"] for o in a)
    assert any(
        o["kind"] == "device_access" and "second sample was not taken" in (o["error"] or "")
        for o in a
    ), a
    # router B: what it answered before it hung is kept; the rest is said not read
    b = [o for o in doc["observations"] if o["collector"] == "router:sig-rtr-b"]
    assert any(o["kind"] == "interface" and o["interface"] == "Serial0/0/0:0" for o in b), b
    assert any(
        o["kind"] == "device_access" and o["ok"] and "in the middle of the reading" in o["error"]
        for o in b
    ), b
    # the terminal says interrupted, not FAILED 0.00 s
    assert "INTERRUPTED" in stdout and "FAILED  0.00 s" not in stdout
    # --debug: both sessions' transcripts, the one cut short included, secrets redacted
    for router in ("sig-rtr-a", "sig-rtr-b"):
        text = (debug / f"SIG-1-router-{router}.txt").read_text()
        assert "show interfaces Serial0/0/0:0" in text
        assert "lab-router-pw" not in text and "lab-enable" not in text


def test_second_signal_skips_the_grace(peers: Peers, tmp_path: Path) -> None:
    """Ctrl-C twice: the hung session is not waited for; the document still holds what it
    read."""
    inv = write_inventory(tmp_path / "inventory", peers)
    out = tmp_path / "findings.json"
    b_seen = len(peers.hangs.commands)
    proc = spawn(
        "circuit", "SIG-1", "-i", str(inv), "--json", str(out),
        "--set", "host_ping=false", "--set", "crc_sample_interval_s=60",
    )  # fmt: skip
    wait_for("router B hung", lambda: len(
        [c for c in peers.hangs.commands[b_seen:] if c.startswith("show")]) >= 3, proc)  # fmt: skip
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    _, stderr = interrupt(proc, signal.SIGINT)
    assert proc.returncode == 130, stderr
    doc = json.loads(out.read_text())
    b = [o for o in doc["observations"] if o["collector"] == "router:sig-rtr-b"]
    assert any(o["kind"] == "interface" for o in b)


def established(port: int) -> bool:
    """A TCP connection to 127.0.0.1:port is established (/proc/net/tcp, state 01)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[2].endswith(f":{port:04X}") and fields[3] == "01":
            return True
    return False


def scenario(folder: Path) -> tuple[Path, int]:
    """A one-circuit lab scenario on free ports (diag demo serves it in-process): its folder,
    and its router's SSH port."""
    nms_port, ssh_port = free_port(socket.SOCK_DGRAM), free_port()
    scn = folder / "sig-scenario"
    scn.mkdir(parents=True)
    inventory = {
        "nms": [{"name": "sig-demo-nms", "driver": "alarm-mib", "address": "127.0.0.1",
                 "port": nms_port, "snmp": {**V2C, "timeout": 1, "retries": 0}}],
        "devices": [
            {"name": "sdm-pdh-1", "role": "pdh", "vendor": "huawei", "nms": "sig-demo-nms", "ne_name": "SDM-PDH-1"},
            {"name": "sdm-sdh", "role": "sdh", "vendor": "huawei", "nms": "sig-demo-nms", "ne_name": "SDM-SDH"},
            {"name": "sdm-pdh-2", "role": "pdh", "vendor": "huawei", "nms": "sig-demo-nms", "ne_name": "SDM-PDH-2"},
            {"name": "sdm-rtr", "role": "router", "vendor": "cisco", "device_type": "cisco_ios",
             "mgmt": {"address": "127.0.0.1", "port": ssh_port}, "login": LOGIN},
        ],
        "circuits": [{
            "id": "SIG-DEMO", "customer": "Signals", "service": "e1", "bandwidth": "2M",
            "a": {"site": "A", "router": "sdm-rtr", "wan_interface": "Serial0/0/0:0",
                  "wan_ip": "10.250.0.1/30", "cpe": "sdm-pdh-1", "cpe_port": "E1-1",
                  "cpe_line": "OPT-1", "interface": "e1-120"},
            "b": {"site": "B", "cpe": "sdm-pdh-2", "cpe_port": "E1-2", "cpe_line": "OPT-1",
                  "interface": "e1-120", "wan_ip": "10.250.0.2/30"},
            "transport": [{"ne": "sdm-sdh", "a_port": "1-SL1-1", "b_port": "2-SL1-1"}],
        }],
        # the demo's collection waits this long between the two CRC samples
        "settings": {"default": {"crc_sample_interval_s": 60, "host_ping": False}},
    }  # fmt: skip
    (scn / "inventory.yaml").write_text(yaml.safe_dump(inventory, sort_keys=False))
    (scn / "scenario.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "sig-demo",
                "description": "a router read over SSH, interrupted between its CRC samples",
                "state": {"routers": {"sdm-rtr": router_state("SIG-DEMO")}},
                "expect": {"SIG-DEMO": {"status": "fault_suspected"}},
            }
        )
    )
    return scn, ssh_port


def test_demo_sigterm_writes_every_document(
    tmp_path: Path, findings_schema: dict[str, object]
) -> None:
    scn, ssh_port = scenario(tmp_path)
    docs = tmp_path / "docs"
    proc = spawn("demo", "--scenario", str(scn), "--json", str(docs))
    # the router's SSH session is open: the collection is under way (its CRC wait is 60 s)
    wait_for("the router session", lambda: established(ssh_port), proc)
    stdout, stderr = interrupt(proc, signal.SIGTERM)
    assert proc.returncode == 143, stderr
    assert not NOISE.search(stderr), stderr
    doc = json.loads((docs / "SIG-DEMO.json").read_text())
    jsonschema.validate(doc, findings_schema)
    assert doc["run"]["interrupted"] is True
    (run,) = [c for c in doc["collectors"] if c["name"] == "router:sdm-rtr"]
    assert run["error"].startswith("interrupted (SIGTERM)") and run["duration_s"] > 0
    assert "interrupted (SIGTERM)" in stdout


def test_router_command_keeps_what_was_read(peers: Peers, tmp_path: Path) -> None:
    inv = write_inventory(tmp_path / "inventory", peers)
    out = tmp_path / "router.json"
    seen = len(peers.waits.commands)
    proc = spawn(
        "router", "sig-rtr-a", "-i", str(inv), "--json", str(out),
        "--set", "crc_sample_interval_s=60",
    )  # fmt: skip
    wait_for("router A answered", lambda: "show logging" in peers.waits.commands[seen:], proc)
    _, stderr = interrupt(proc, signal.SIGTERM)
    assert proc.returncode == 143, stderr
    assert not NOISE.search(stderr), stderr
    doc = json.loads(out.read_text())
    assert doc["ok"] is False and doc["partial"] is True
    assert doc["error"].startswith("interrupted (SIGTERM) after ")
    assert {"interface", "e1_controller"} <= {o["kind"] for o in doc["observations"]}


def test_alarms_command_sighup(peers: Peers, tmp_path: Path) -> None:
    inv = write_inventory(tmp_path / "inventory", peers)
    out = tmp_path / "alarms.json"
    before = peers.nms.received
    proc = spawn("alarms", "sig-nms", "-i", str(inv), "--json", str(out))
    wait_for("the NMS was asked", lambda: peers.nms.received > before, proc)
    _, stderr = interrupt(proc, signal.SIGHUP)
    assert proc.returncode == 129, stderr
    assert not NOISE.search(stderr), stderr
    doc = json.loads(out.read_text())
    # an alarm list read in part would read as "no alarm": nothing is kept, and it says so
    assert doc["ok"] is False and doc["observations"] == []
    assert doc["error"].startswith("interrupted (SIGHUP) after ")


def test_ping_command_ctrl_c(tmp_path: Path) -> None:
    tools = fake_ping_tools(tmp_path / "bin", "truncated")
    started = tmp_path / "started"
    (tools / "ping").write_text(
        "#!/bin/sh\n"
        'case "$1" in -V) echo "ping from iputils 20221126"; exit 0;; esac\n'
        f"touch {started}\n"
        'echo "PING 10.250.0.1 (10.250.0.1) 100(128) bytes of data."\n'
        "exec sleep 60\n"
    )
    out = tmp_path / "ping.json"
    proc = spawn(
        "ping", "10.250.0.1", "--json", str(out), "--set", "ping_engine=iputils",
        extra_env={"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    wait_for("the ping tool ran", started.exists, proc)
    _, stderr = interrupt(proc, signal.SIGINT)
    assert proc.returncode == 130, stderr
    assert not NOISE.search(stderr), stderr
    doc = json.loads(out.read_text())
    assert doc["ok"] is False and doc["error"].startswith("interrupted (Ctrl-C) after ")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_ask_keeps_the_answers_given(
    name: str, tmp_path: Path, findings_schema: dict[str, object]
) -> None:
    """At an --ask prompt, SIGTERM and SIGHUP end the questions as Ctrl-C does: every answer
    given is kept, the document is written (run.interrupted), exit 143 / 129."""
    from tests.test_ask_cli import CAPTURE, CIRCUIT, DIAG, Terminal, _answer_for

    sig, code = SIGNALS[name]
    out = tmp_path / "doc.json"
    term = Terminal(
        [DIAG, "circuit", CIRCUIT, "--ask", "--replay", str(CAPTURE), "--json", str(out)]
    )
    value = _answer_for(term.prompt())
    term.type(f"{value}\n")
    term.prompt()  # the next question (or the offer to finish)
    term.wait_reading()
    os.kill(term.pid, sig)
    assert term.finish() == code, term.seen[-2000:]
    assert "Traceback" not in term.seen
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, findings_schema)
    assert doc["run"]["interrupted"] is True
    asked = [o for o in doc["observations"] if o["kind"] == "answer" and o["source"] == "ask"]
    assert [o["value"] for o in asked] == [value]


def test_terminal_closed_mid_collection(
    peers: Peers, tmp_path: Path, findings_schema: dict[str, object]
) -> None:
    """The real SIGHUP: diag runs on a terminal that goes away (its pty's master closed, as
    when an SSH session to the jump host drops).  The kernel sends SIGHUP and every later
    write to the terminal fails; the document is still written whole, exit 129."""
    import pty

    inv = write_inventory(tmp_path / "inventory", peers)
    out = tmp_path / "findings.json"
    seen = len(peers.waits.commands)
    args = [
        sys.executable, "-m", "diag.cli", "circuit", "SIG-1", "-i", str(inv), "--json", str(out),
        "--set", "host_ping=false", "--set", "crc_sample_interval_s=60",
    ]  # fmt: skip
    pid, fd = pty.fork()
    if pid == 0:  # the child: diag with the pty as its controlling terminal
        os.chdir(ROOT)
        os.execve(sys.executable, args, env())  # noqa: S606
    try:
        deadline = time.monotonic() + 60
        while "show logging" not in peers.waits.commands[seen:]:
            assert time.monotonic() < deadline, "router A was not read"
            with contextlib.suppress(OSError):  # keep the terminal's buffer drained
                if select.select([fd], [], [], 0.05)[0]:
                    os.read(fd, 65536)
    finally:
        os.close(fd)  # the terminal goes away: SIGHUP
    deadline = time.monotonic() + 60
    while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
        assert time.monotonic() < deadline, "diag did not end after its terminal went away"
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(done[1]) == 129
    doc = json.loads(out.read_text())
    jsonschema.validate(doc, findings_schema)
    assert doc["run"]["interrupted"] is True
    a = [o for o in doc["observations"] if o["collector"] == "router:sig-rtr-a"]
    assert {"interface", "e1_controller"} <= {o["kind"] for o in a}

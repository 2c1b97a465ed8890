"""A stock net-snmp `snmpd` on loopback as the peer: poll_router reads this machine's real `lo`
interface and hrProcessorLoad, and SnmpClient agrees value-for-value with net-snmp's `snmpwalk`
on IF-MIB (v2c and v3 authPriv).

The agent runs from a private config (rocommunity / createUser+rouser, agentAddress on
127.0.0.1 and a free port, persistent state in a temporary folder); nothing of the system's
snmpd is touched.  net-snmp publishes hrProcessorLoad only once it has 60 s of CPU samples, so
the agent is launched when this module is imported (at collection) and the tests that run
before it overlap that wait; the CPU test still waits for it if needed.

Counters move between two reads (the walks themselves cross `lo`), so the cross-check compares
OIDs and types exactly, non-counter values exactly, and each counter read by pysnmp must lie
between snmpwalk's readings just before and just after.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyasn1.type import univ
from pysnmp.proto import rfc1902

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.collectors.snmp_router import poll_router
from diag.model.inventory import Device, Login, Mgmt, SnmpSettings
from diag.model.observations import CpuObservation, DeviceAccessObservation, InterfaceObservation
from tests.collectors.snmp_helpers import Run

SNMPD = shutil.which("snmpd") or ("/usr/sbin/snmpd" if os.path.exists("/usr/sbin/snmpd") else None)
SNMPWALK = shutil.which("snmpwalk")
SNMPGET = shutil.which("snmpget")

IF_TABLE = "1.3.6.1.2.1.2.2"
IF_X_TABLE = "1.3.6.1.2.1.31.1.1"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
DOT3_FCS = "1.3.6.1.2.1.10.7.2.1.3"
HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
NET_SNMP_ENV = {**os.environ, "MIBS": ""}  # numeric only: no MIB look-ups, no warnings


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Snmpd:
    folder: Path
    port: int
    proc: subprocess.Popen[bytes]
    started: float
    community: str = "diag-xcheck-ro"
    user: str = "diagxcheck"
    auth_key: str = "diag-xcheck-auth"
    priv_key: str = "diag-xcheck-priv"

    @classmethod
    def launch(cls) -> Snmpd:
        assert SNMPD is not None
        folder = Path(tempfile.mkdtemp(prefix="diag-snmpd-"))
        (folder / "persist").mkdir()
        port = _free_udp_port()
        (folder / "snmpd.conf").write_text(
            f"agentAddress udp:127.0.0.1:{port}\n"
            f"rocommunity {cls.community} 127.0.0.1\n"
            f"createUser {cls.user} SHA {cls.auth_key} AES {cls.priv_key}\n"
            f"rouser {cls.user} priv\n"
            "dontLogTCPWrappersConnects yes\n"
        )
        secrets = {"community": cls.community, "auth": cls.auth_key, "priv": cls.priv_key}
        for name, secret in secrets.items():
            path = folder / name
            path.write_text(secret)
            path.chmod(0o600)
        # Absolute paths: snmpd changes directory, and a relative --persistentDir lands in /.
        proc = subprocess.Popen(
            [
                SNMPD,
                "-f",
                "-C",
                "-c",
                str(folder / "snmpd.conf"),
                "-Lf",
                str(folder / "snmpd.log"),
                "-p",
                str(folder / "snmpd.pid"),
                f"--persistentDir={folder / 'persist'}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=NET_SNMP_ENV,
        )
        return cls(folder, port, proc, time.monotonic())

    def log(self) -> str:
        try:
            return (self.folder / "snmpd.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def settings(self, version: str) -> SnmpSettings:
        if version == "v2c":
            return SnmpSettings(
                version="v2c",
                community=f"file:{self.folder / 'community'}",
                port=self.port,
                timeout=1.0,
                retries=1,
            )
        return SnmpSettings(
            version="v3",
            user=self.user,
            auth_protocol="SHA",
            auth_key=f"file:{self.folder / 'auth'}",
            priv_protocol="AES",
            priv_key=f"file:{self.folder / 'priv'}",
            port=self.port,
            timeout=1.0,
            retries=1,
        )

    def net_snmp(self, tool: str | None, version: str, *args: str) -> str:
        assert tool is not None
        if version == "v2c":
            auth = ["-v2c", "-c", self.community]
        else:
            auth = ["-v3", "-l", "authPriv", "-u", self.user, "-a", "SHA", "-A", self.auth_key]
            auth += ["-x", "AES", "-X", self.priv_key]
        cmd = [tool, *auth, "-On", "-Oe", "-Ox", "-t", "1", "-r", "1"]
        cmd += [f"127.0.0.1:{self.port}", *args]
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=30, env=NET_SNMP_ENV, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(cmd[:2])} ... failed: {done.stderr.strip()}")
        return done.stdout

    def answers(self) -> bool:
        try:
            self.net_snmp(SNMPGET, "v2c", SYS_UPTIME)
            return True
        except (AssertionError, subprocess.TimeoutExpired):
            return False


# Launched at import so that hrProcessorLoad exists by the time the CPU test runs (see above);
# stopped by the fixture, or at exit if no test of this module runs.
_EARLY: Snmpd | None = Snmpd.launch() if SNMPD and SNMPWALK and SNMPGET else None
if _EARLY is not None:
    atexit.register(_EARLY.stop)


@pytest.fixture(scope="module")
def snmpd() -> Iterator[Snmpd]:
    global _EARLY
    if not (SNMPD and SNMPWALK and SNMPGET):
        pytest.skip("net-snmp is not installed (Debian: apt-get install snmpd snmp)")
    agent = _EARLY if _EARLY is not None and _EARLY.proc.poll() is None else Snmpd.launch()
    _EARLY = None
    deadline = time.monotonic() + 15
    while not agent.answers():
        if agent.proc.poll() is not None or time.monotonic() > deadline:
            log = agent.log()
            agent.stop()
            pytest.skip(f"snmpd could not be run on 127.0.0.1:{agent.port}: {log or 'no log'}")
        time.sleep(0.2)
    yield agent
    agent.stop()


# --------------------------------------------------------------------------- net-snmp output

_LINE = re.compile(r"^\.?([0-9]+(?:\.[0-9]+)+) = (.*)$")


def parse_walk(text: str) -> dict[str, tuple[str, Any]]:
    """snmpwalk -On -Oe -Ox output -> {oid: (type, value)} (Hex-STRING may span lines)."""
    raw: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            last = m.group(1)
            raw[last] = m.group(2)
        elif last is not None and line.strip():
            raw[last] += " " + line.strip()
    # On an empty subtree snmpwalk GETs the root and prints "No Such Instance/Object ...".
    return {oid: _typed(value) for oid, value in raw.items() if not value.startswith("No ")}


def _typed(text: str) -> tuple[str, Any]:
    if text == '""':
        return "OctetString", b""
    kind, _, value = text.partition(": ")
    value = value.strip()
    if kind == "Hex-STRING":
        return "OctetString", bytes.fromhex(value.replace(" ", ""))
    if kind == "STRING":
        return "OctetString", value.strip('"').encode()
    if kind == "INTEGER":
        return "Integer", int(value)
    if kind in ("Counter32", "Gauge32", "Counter64"):
        return kind, int(value)
    if kind == "Timeticks":
        m = re.match(r"\((\d+)\)", value)
        assert m, text
        return "TimeTicks", int(m.group(1))
    if kind == "OID":
        return "ObjectIdentifier", value.lstrip(".")
    if kind == "IpAddress":
        return "IpAddress", value
    raise AssertionError(f"unexpected net-snmp value {text!r}")


def from_pysnmp(value: Any) -> tuple[str, Any]:
    """The same (type, value) shape from what SnmpClient returns."""
    if isinstance(value, rfc1902.IpAddress):
        return "IpAddress", value.prettyPrint()
    if isinstance(value, univ.OctetString):
        return "OctetString", bytes(value.asOctets())
    if isinstance(value, rfc1902.Counter64):
        return "Counter64", int(value)
    if isinstance(value, rfc1902.Counter32):
        return "Counter32", int(value)
    if isinstance(value, rfc1902.Gauge32 | rfc1902.Unsigned32):
        return "Gauge32", int(value)
    if isinstance(value, rfc1902.TimeTicks):
        return "TimeTicks", int(value)
    if isinstance(value, univ.ObjectIdentifier):
        return "ObjectIdentifier", ".".join(map(str, value))
    if isinstance(value, univ.Integer):
        return "Integer", int(value)
    raise AssertionError(f"unexpected pysnmp value {value!r}")


def _lo_index(agent: Snmpd) -> int:
    descr = parse_walk(agent.net_snmp(SNMPWALK, "v2c", IF_DESCR))
    hits = [oid for oid, (_, v) in descr.items() if v == b"lo"]
    assert len(hits) == 1, descr
    return int(hits[0].rsplit(".", 1)[1])


def _target(agent: Snmpd, version: str) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", agent.port, agent.settings(version), label="snmpd")


def _device(agent: Snmpd, version: str) -> Device:
    return Device(
        name="this-host",
        role="router",
        vendor="Linux",
        device_type="linux",
        mgmt=Mgmt(address="127.0.0.1"),
        login=Login(username="noc", password="lab:router-password"),  # a reference only
        snmp=agent.settings(version),
    )


# --------------------------------------------------------------------------- cross-check


@pytest.mark.parametrize("version", ["v2c", "v3"])
@pytest.mark.parametrize("table", [IF_TABLE, IF_X_TABLE])
def test_snmpwalk_and_snmpclient_agree_on_if_mib(
    arun: Run, client: SnmpClient, snmpd: Snmpd, version: str, table: str
) -> None:
    before = parse_walk(snmpd.net_snmp(SNMPWALK, version, table))
    ours = [(oid, from_pysnmp(v)) for oid, v in arun(client.walk(_target(snmpd, version), table))]
    by_next = [oid for oid, _ in arun(client.walk(_target(snmpd, version), table, bulk=False))]
    after = parse_walk(snmpd.net_snmp(SNMPWALK, version, table))

    # Interfaces that come or go meanwhile (other tests' veths, net-snmp's ifTable cache) are
    # left out: compare the rows present in every read.  The last OID component is ifIndex.
    def rows(oids: list[str]) -> set[str]:
        return {o.rsplit(".", 1)[1] for o in oids}

    common = rows(list(before)) & rows(list(after)) & rows([o for o, _ in ours]) & rows(by_next)
    lo = str(_lo_index(snmpd))
    assert lo in common

    def kept(oids: list[str]) -> list[str]:
        return [o for o in oids if o.rsplit(".", 1)[1] in common]

    ours = [(oid, v) for oid, v in ours if oid.rsplit(".", 1)[1] in common]
    assert [oid for oid, _ in ours] == kept(list(before)) == kept(list(after))  # same order
    assert kept(by_next) == kept(list(before))  # GETNEXT walks the same
    counters = 0
    for oid, (kind, value) in ours:
        assert kind == before[oid][0] == after[oid][0], oid
        if kind in ("Counter32", "Counter64"):
            counters += 1
            assert before[oid][1] <= value <= after[oid][1], (oid, before[oid], value, after[oid])
        elif oid.endswith(f".{lo}") or before[oid] == after[oid]:
            # lo's static columns, and any value that did not change meanwhile, agree exactly
            assert value == before[oid][1] == after[oid][1], oid
    assert counters > 0


def test_lo_row_value_for_value(arun: Run, client: SnmpClient, snmpd: Snmpd) -> None:
    lo = _lo_index(snmpd)
    row = [f"{IF_TABLE}.1.{col}.{lo}" for col in (1, 2, 3, 4, 5, 7, 8)]
    got = arun(client.get(_target(snmpd, "v3"), row))
    theirs = parse_walk(snmpd.net_snmp(SNMPGET, "v3", *row))
    assert {oid: from_pysnmp(v) for oid, v in got.items()} == theirs
    assert theirs[f"{IF_TABLE}.1.2.{lo}"] == ("OctetString", b"lo")
    assert theirs[f"{IF_TABLE}.1.3.{lo}"] == ("Integer", 24)  # softwareLoopback


# --------------------------------------------------------------------------- poll_router


@pytest.mark.parametrize("version", ["v2c", "v3"])
def test_poll_router_reads_the_real_lo_interface(
    arun: Run, client: SnmpClient, snmpd: Snmpd, version: str
) -> None:
    lo = _lo_index(snmpd)
    wanted = [SYS_UPTIME, f"{IF_TABLE}.1.14.{lo}", f"{IF_TABLE}.1.20.{lo}"]
    before = parse_walk(snmpd.net_snmp(SNMPGET, "v2c", *wanted))
    obs = arun(poll_router(client, _device(snmpd, version), "lo"))
    after = parse_walk(snmpd.net_snmp(SNMPGET, "v2c", *wanted))

    access = [o for o in obs if isinstance(o, DeviceAccessObservation)]
    (iface,) = [o for o in obs if isinstance(o, InterfaceObservation)]
    assert access and access[0].ok
    assert iface.source == "snmp:IF-MIB" and iface.interface == "lo"
    assert (iface.admin_up, iface.line_up, iface.protocol_up) == (True, True, True)
    assert "(ifDescr) = lo" in iface.raw
    # lo has neither a Cisco nor an EtherLike CRC counter: no CRC, and ifInErrors is not one
    assert (iface.crc, iface.crc_source, iface.carrier_transitions) == (None, None, None)
    errs = f"{IF_TABLE}.1.14.{lo}"
    assert before[errs][1] <= (iface.input_errors or 0) <= after[errs][1]
    assert iface.input_errors is not None and iface.output_errors is not None
    up_before, up_after = before[SYS_UPTIME][1] / 100, after[SYS_UPTIME][1] / 100
    assert iface.device_uptime_s is not None
    assert up_before <= iface.device_uptime_s <= up_after
    assert iface.output_packets is not None and iface.output_packets > 0  # HC counters


def test_poll_router_ethernet_crc_from_real_etherlike(
    arun: Run, client: SnmpClient, snmpd: Snmpd
) -> None:
    fcs = parse_walk(snmpd.net_snmp(SNMPWALK, "v2c", DOT3_FCS))
    if not fcs:
        pytest.skip("this machine's snmpd has no EtherLike-MIB row (no Ethernet interface)")
    index = next(iter(fcs)).rsplit(".", 1)[1]
    descr = parse_walk(snmpd.net_snmp(SNMPGET, "v2c", f"{IF_DESCR}.{index}"))
    name = descr[f"{IF_DESCR}.{index}"][1].decode()
    obs = arun(poll_router(client, _device(snmpd, "v2c"), name))
    (iface,) = [o for o in obs if isinstance(o, InterfaceObservation)]
    assert iface.crc_source == "snmp:dot3StatsFCSErrors"
    assert iface.crc == fcs[f"{DOT3_FCS}.{index}"][1]  # an error counter: static here


def test_poll_router_cpu_is_the_real_hrprocessorload(
    arun: Run, client: SnmpClient, snmpd: Snmpd
) -> None:
    # net-snmp answers hrProcessorLoad once it has a minute of CPU samples.
    deadline = snmpd.started + 100
    while not parse_walk(snmpd.net_snmp(SNMPWALK, "v2c", HR_PROCESSOR_LOAD)):
        assert time.monotonic() < deadline, "snmpd never published hrProcessorLoad"
        time.sleep(1)
    loads_before = parse_walk(snmpd.net_snmp(SNMPWALK, "v2c", HR_PROCESSOR_LOAD))
    obs = arun(poll_router(client, _device(snmpd, "v3"), "lo"))
    loads_after = parse_walk(snmpd.net_snmp(SNMPWALK, "v2c", HR_PROCESSOR_LOAD))

    (cpu,) = [o for o in obs if isinstance(o, CpuObservation)]
    assert cpu.source == "snmp:HOST-RESOURCES-MIB"
    assert (cpu.five_sec, cpu.five_min) == (None, None)
    assert cpu.raw.count("(hrProcessorLoad)") == len(loads_before) >= 1
    # net-snmp recomputes the loads every 5 s: the mean is one of the two readings around ours
    means = {
        sum(v for _, v in loads.values()) / len(loads) for loads in (loads_before, loads_after)
    }
    assert cpu.one_min is not None and any(cpu.one_min == pytest.approx(m) for m in means)
    assert 0 <= cpu.one_min <= 100

"""End to end over real protocols: the shipped lab (real SNMP agent, SSH servers, ptys) served
in-process, diagnosed through the real collectors, checked against each scenario's expectation."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NoReturn

import jsonschema
import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.credentials import LAB_SECRETS
from diag.errors import LabPortInUse
from diag.lab.manager import prepare
from diag.lab.ne_agent import line_status_bits
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import Scenario, given_observations, mismatches, shipped_scenarios
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.runner import diagnose
from tests.console_login import serial_login

pytestmark = pytest.mark.lab
FAST = {"crc_sample_interval_s": 1, "ping_count": 3}  # the verdicts do not depend on the wait


Lab = tuple[Inventory, list[Scenario]]


@pytest.fixture(scope="module")
def lab_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabNetwork]:
    inv, scns, _ = prepare(None, None, tmp_path_factory.mktemp("lab"))
    with LabThread(LabNetwork(inv, scns)) as lt:
        yield lt.network


@pytest.fixture(scope="module")
def lab(lab_network: LabNetwork) -> Lab:
    return lab_network.inventory, lab_network.scenarios


def _cases() -> list[str]:
    return [p.name for p in shipped_scenarios()]


@pytest.fixture(scope="module")
def diagnosed(lab: Lab) -> dict[str, FindingsDocument]:
    """Every lab circuit diagnosed at once (one loop, one SNMP engine, one thread pool), each
    with its scenario's on-site answers."""
    from diag.runner import diagnose_many

    inv, scns = lab
    ids = [cid for s in scns for cid in s.expect]
    given = {cid: obs for s in scns for cid, obs in given_observations(s).items()}
    results = diagnose_many(inv, ids, operator="pytest", overrides=FAST, given=given)
    return {cid: dx.document for cid, dx in zip(ids, results, strict=True)}


def _path_devices(doc: FindingsDocument) -> set[str]:
    return {el.id for el in doc.circuit.path}


def _what_was_read(doc: FindingsDocument) -> list[str]:
    """Each collector's run and each observation's quality: what a wrong verdict rested on."""
    runs = [
        f"  run {c.name} {c.target}: {'ok' if c.ok else 'FAILED ' + (c.error or '')} "
        f"in {c.duration_s:.1f} s"
        for c in doc.collectors
    ]
    obs = [
        f"  obs {o.id} ({o.kind}): {getattr(o, 'quality', '-')} {getattr(o, 'quality_note', '')}"
        for o in doc.observations
    ]
    return ["read:", *runs, *obs]


def _silent_nms(scns: list[Scenario]) -> set[str]:
    return {n for s in scns for n, st in s.state.nms.items() if st.silent}


def _expected_failures(
    inv: Inventory, scns: list[Scenario], scn: Scenario, doc: FindingsDocument
) -> set[str]:
    """Collectors the scenario makes fail: a silent NMS of the circuit's NEs, and a router whose
    SSH is closed or refuses logins with no console to fall back to."""
    on_path = _path_devices(doc)
    silent = _silent_nms(scns)
    out = {
        f"nms:{inv.devices[d].nms}"
        for d in on_path
        if d in inv.devices and inv.devices[d].nms in silent
    }
    for name, state in scn.state.routers.items():
        if name in on_path and state.ssh != "open" and not inv.devices[name].console:
            out.add(f"router:{name}")
    return out


def _alarm_key(
    device: str | None, port: str | None, name: str, severity: str, when: datetime | None
) -> tuple[str | None, ...]:
    return (device, port, name, severity, when.isoformat() if when else None)


@pytest.mark.parametrize("scenario", _cases())
def test_scenario_verdict_over_real_protocols(
    lab: Lab,
    diagnosed: dict[str, FindingsDocument],
    findings_schema: dict[str, object],
    scenario: str,
) -> None:
    inv, scns = lab
    scn = next(s for s in scns if s.name == scenario)
    silent = _silent_nms(scns)
    for cid, expect in scn.expect.items():
        doc = diagnosed[cid]
        # status, headline segment/owner, cited rules, every fault (verdict.faults) and the
        # context alarms, as `diag demo` checks them
        problems = mismatches(cid, expect, doc)
        assert not problems, "\n".join([*problems, doc.verdict.summary, *_what_was_read(doc)])

        # every source read, except those the scenario makes unreadable: those fail as data
        on_path = _path_devices(doc)
        failed = {c.name for c in doc.collectors if not c.ok}
        assert doc.collectors and failed == _expected_failures(inv, scns, scn, doc), doc.collectors
        for name in failed:
            if name.startswith("nms:"):
                (poll,) = [
                    o for o in doc.observations if o.kind == "nms_poll" and o.nms == name[4:]
                ]
                assert not poll.ok and poll.error and "no SNMP response" in poll.error
            else:
                device = name.split(":", 1)[1]
                access = [
                    o for o in doc.observations if o.kind == "device_access" and o.device == device
                ]
                ssh = scn.state.routers[device].ssh
                stage = {"closed": "connect", "bad-credentials": "auth"}[ssh]
                assert [(a.ok, a.stage) for a in access] == [(False, stage)], access
                assert access[0].error and device in access[0].error
        for device, state in scn.state.routers.items():
            if device in on_path and state.ssh != "open" and inv.devices[device].console:
                # SSH fails as data and the console the field engineer falls back to reads
                ways = [
                    (o.via, o.ok, o.stage)
                    for o in doc.observations
                    if o.kind == "device_access" and o.device == device
                ]
                stage = {"closed": "connect", "bad-credentials": "auth"}[state.ssh]
                assert [w for w in ways if w[0] == "ssh"] == [("ssh", False, stage)], ways
                assert ("console", True, "done") in ways, ways
        text = doc.to_json()
        jsonschema.validate(json.loads(text), findings_schema)
        for secret in LAB_SECRETS.values():
            assert secret not in text

        # every alarm the scenario gives the path's NEs, active and cleared, read back as it was
        # served (a cleared one with severity cleared and its clear time); none from a silent NMS
        expected_alarms = sorted(
            _alarm_key(
                name,
                a.port,
                a.name,
                "cleared" if a.cleared else a.severity,
                a.cleared or a.raised,
            )
            for name, ne in scn.state.nes.items()
            if name in on_path and inv.devices[name].nms not in silent
            for a in ne.alarms
        )
        alarms = [o for o in doc.observations if o.kind == "nms_alarm"]
        got_alarms = sorted(
            _alarm_key(a.device, a.port, a.vendor_name, a.severity.value, a.cleared or a.raised)
            for a in alarms
        )
        assert got_alarms == expected_alarms
        for poll in (o for o in doc.observations if o.kind == "nms_poll" and o.ok):
            # the poll counts the active ones only
            active = [a for a in alarms if a.nms == poll.nms and a.severity.value != "cleared"]
            assert poll.active_alarms == len(active), poll
        assert all(a.raw and a.device for a in alarms)  # raw varbinds kept, NE mapped to device

        # E1 lines of NEs polled directly, as the scenario sets them
        for name, ne in scn.state.nes.items():
            for line in ne.e1_lines if name in on_path else []:
                (obs,) = [
                    o
                    for o in doc.observations
                    if o.kind == "ne_e1_line" and o.device == name and o.port == line.port
                ]
                assert obs.line_status_bits == line_status_bits(line.status), obs
                for counter, value in line.counters.items():
                    read = getattr(obs, counter, None)
                    if read is not None:  # grows with lab time when growth_per_min says so
                        assert read >= value if line.growth_per_min.get(counter) else read == value


def test_ais_first_station_evidence_is_the_real_alarm(lab: Lab) -> None:
    inv, _ = lab
    doc = diagnose(inv, "LAB-E1-AIS1", overrides=FAST)
    (alarm,) = [o for o in doc.observations if o.kind == "nms_alarm"]
    assert (alarm.ne, alarm.port, alarm.vendor_name, alarm.type, alarm.direction.value) == (
        "AIS1-SDH-A",
        "2-PQ1-5",
        "UP_E1_AIS",
        "AIS",
        "up",
    )
    assert alarm.raised is not None and alarm.raised.isoformat() == "2026-11-22T08:14:03+08:00"
    fault = next(f for f in doc.findings if f.kind == "fault")
    assert fault.evidence[0].observation == alarm.id


def test_cli_circuit_json_and_exit_code(lab: Lab, tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    r = CliRunner().invoke(
        cli,
        [
            "circuit",
            "LAB-E1-AIS2",
            "--json",
            str(out),
            "--ticket",
            "TS2611007",
            "--operator",
            "field-eng-7",
            "--set",
            "crc_sample_interval_s=1",
        ],
    )
    assert r.exit_code == 10, r.output
    assert (
        "▶" in r.output and "FAULT LOCALIZED" in r.output and "ais2-pdh-1 … ais2-sdh-b" in r.output
    )
    doc = json.loads(out.read_text())
    assert doc["ticket"] == {
        "number": "TS2611007",
        "kind": "complaint",
        "year": 26,
        "month": 11,
        "serial": 7,
    }
    assert doc["run"]["operator"] == "field-eng-7"
    ais = [(f["kind"], f["procedure"]) for f in doc["findings"] if f["procedure"] == "R-AIS-2"]
    assert sorted(ais) == [("consequence", "R-AIS-2"), ("fault", "R-AIS-2")]
    # the routers' own evidence (E1 controller AIS/RAI, failed pings) agrees, at lower confidence
    assert {f["procedure"] for f in doc["findings"] if f["kind"] == "fault"} >= {"R-AIS-2", "3.3"}
    r = CliRunner().invoke(
        cli, ["circuit", "LAB-E1-OK1", "--json", "-", "--set", "crc_sample_interval_s=1"]
    )
    assert r.exit_code == 0
    assert json.loads(r.stdout[r.stdout.index("{") :])["verdict"]["status"] == "healthy"


def test_second_lab_on_same_ports_is_refused(lab: Lab) -> None:
    inv, scns = lab
    with pytest.raises(LabPortInUse, match=r"UDP port 127.0.0.1:16161 needed by NMS nms-lab"):
        LabThread(LabNetwork(inv, scns)).start()
    # the running lab is untouched
    assert diagnose(inv, "LAB-E1-AIS1", overrides=FAST).verdict.status == "fault_localized"


def test_demo_reports_port_in_use(lab: Lab) -> None:
    r = CliRunner().invoke(cli, ["demo"])
    assert r.exit_code == 4
    assert "already in use" in r.output and "diag lab status" in r.output


def test_lab_routers_answer_as_the_inventory_describes(lab: Lab) -> None:
    """netmiko reaches the lab routers over SSH and the serial console named in the inventory."""
    import netmiko.base_connection as nbc
    from netmiko import ConnectHandler

    from diag.credentials import resolve

    inv, _ = lab
    dev = inv.devices["ais1-rtr-a"]
    assert dev.mgmt and dev.login and dev.login.secret and dev.console
    login = {
        "username": dev.login.username,
        "password": resolve(dev.login.password).reveal(),
        "secret": resolve(dev.login.secret).reveal(),
    }
    with ConnectHandler(
        device_type=dev.device_type, host=dev.mgmt.address, port=dev.mgmt.port, **login
    ) as conn:
        conn.enable()
        e1 = conn.send_command("show controllers e1 0/0/0")
        wan = conn.send_command("show interfaces Serial0/0/0:0", use_textfsm=True)
    assert isinstance(e1, str) and isinstance(wan, list)
    assert "remote alarm" in e1.lower()
    assert wan[0]["link_status"] == "up" and wan[0]["protocol_status"] == "down"

    # netmiko only accepts serial ports that pyserial lists; a pty is never listed (TESTING.md §4)
    orig = getattr(nbc, "check_serial_port")  # noqa: B009  (netmiko does not export it)
    setattr(nbc, "check_serial_port", lambda name: name)  # noqa: B010
    try:
        with serial_login(
            device_type="cisco_ios_serial",
            serial_settings={"port": dev.console, "baudrate": 9600, "timeout": 1},
            **login,
        ) as conn:
            assert conn.find_prompt() in ("BR17-RTR>", "BR17-RTR#")
    finally:
        setattr(nbc, "check_serial_port", orig)  # noqa: B010


def test_record_then_replay_offline_gives_the_same_findings(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from diag.capture import replay

    cap = tmp_path / "cap"
    live = tmp_path / "live.json"
    r = CliRunner().invoke(
        cli,
        [
            "circuit",
            "LAB-V35-1",
            "--record",
            str(cap),
            "--json",
            str(live),
            "--set",
            "crc_sample_interval_s=1",
        ],
    )
    assert r.exit_code == 10, r.output
    assert (cap / "capture.json").is_file()
    raw_files = sorted(p.name for p in (cap / "raw").rglob("*.txt"))
    assert any("show_interfaces" in n for n in raw_files), raw_files
    for secret in LAB_SECRETS.values():
        assert secret not in (cap / "capture.json").read_text()

    def no_network(*a: object, **k: object) -> NoReturn:
        raise AssertionError("replay must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "sendto", no_network)
    doc = replay(cap, "LAB-V35-1")
    before = json.loads(live.read_text())
    after = json.loads(doc.to_json())
    assert after["run"]["mode"] == "replay"
    for key in ("findings", "verdict", "observations", "collectors", "circuit"):
        assert after[key] == before[key], key


def test_single_collector_commands(lab: Lab, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["alarms", "nms-lab", "--circuit", "LAB-E1-AIS2", "--json", "-"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout[r.stdout.index("{") :])
    assert sorted(o["vendor_name"] for o in doc["observations"]) == ["E1_AIS", "UP_E1_AIS"]
    r = CliRunner().invoke(cli, ["alarms", "nms-u2000"])
    assert r.exit_code == 0 and "2 active alarm(s)" in r.output

    r = CliRunner().invoke(
        cli,
        [
            "router",
            "v35-rtr-a",
            "--json",
            str(tmp_path / "r.json"),
            "--set",
            "crc_sample_interval_s=1",
        ],
    )
    assert r.exit_code == 0, r.output
    kinds = {o["kind"] for o in json.loads((tmp_path / "r.json").read_text())["observations"]}
    assert {"interface", "crc_growth", "cpu"} <= kinds


def test_verbose_and_debug_transcripts_without_secrets(lab: Lab, tmp_path: Path) -> None:
    dbg = tmp_path / "dbg"
    r = CliRunner().invoke(
        cli,
        ["circuit", "LAB-E1-OK1", "-v", "--debug", str(dbg), "--set", "crc_sample_interval_s=1"],
    )
    assert r.exit_code == 0, r.output
    assert "… router:ok1-rtr-a: reading over ssh" in r.output
    files = sorted(p.name for p in dbg.iterdir())
    assert files == ["LAB-E1-OK1-router-ok1-rtr-a.txt", "LAB-E1-OK1-router-ok1-rtr-b.txt"]
    text = (dbg / files[0]).read_text()
    assert "show interfaces Serial0/0/0:0" in text
    for secret in LAB_SECRETS.values():
        assert secret not in text


def test_ask_walks_the_questions_and_uses_the_answers(lab: Lab) -> None:
    # On this clean circuit the question that best splits the candidates comes first: the A-end
    # LAN switch lamps (diag.analyzers.ask orders them); Enter skips the rest and declines to
    # finish early.
    r = CliRunner().invoke(
        cli,
        ["circuit", "LAB-E1-OK1", "--ask", "--set", "crc_sample_interval_s=1", "--json", "-"],
        input="yes\n" + "\n" * 80,
    )
    assert r.exit_code == 10, r.output
    first = next(line for line in r.output.splitlines() if line.startswith("[1] "))
    assert "port lamps on the LAN switch blink together" in first, first
    doc = json.loads(r.stdout[r.stdout.index('{\n  "schema_version"') :])
    answers = [o for o in doc["observations"] if o["kind"] == "answer"]
    assert [(a["key"], a["value"], a["source"]) for a in answers] == [
        ("a.switch.ports_blink_in_unison", "yes", "ask")
    ]
    # the answer is analysed: the customer-LAN rule localizes on it, citing it
    assert doc["verdict"]["segment"] == {"from": "LAB-E1-OK1:lan-a", "to": "LAB-E1-OK1:lan-a"}
    (led5,) = [f for f in doc["findings"] if f["kind"] == "fault" and f["procedure"] == "R-LED-5"]
    assert answers[0]["id"] in {e["observation"] for e in led5["evidence"]}


def test_unreadable_sources_are_what_the_lab_serves(
    lab_network: LabNetwork, diagnosed: dict[str, FindingsDocument]
) -> None:
    """lab-unreadable-sources: the silent NMS got diag's requests and dropped them; router A's
    SSH port refuses connections and its console server logs in; router B's SSH refuses the
    inventory's own credentials."""
    import asyncssh

    from diag.credentials import resolve

    inv = lab_network.inventory
    doc = diagnosed["LAB-UNREAD"]
    (poll,) = [o for o in doc.observations if o.kind == "nms_poll"]
    assert not poll.ok and poll.nms == "nms-mute"
    assert lab_network.service("nms", "nms-mute").dropped >= 1  # asked, and dropped

    a, b = inv.devices["unr-rtr-a"], inv.devices["unr-rtr-b"]
    assert a.mgmt and b.mgmt and b.login and a.console
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((a.mgmt.address, a.mgmt.port), timeout=5).close()

    async def login() -> None:
        assert b.mgmt and b.login
        async with asyncssh.connect(
            b.mgmt.address,
            b.mgmt.port,
            username=b.login.username,
            password=resolve(b.login.password).reveal(),
            known_hosts=None,
        ):
            pass

    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(login())

    host, _, port = a.console.removeprefix("socket://").rpartition(":")
    with socket.create_connection((host, int(port)), timeout=5) as con:
        con.settimeout(5)
        con.sendall(b"\r")
        seen = b""
        while b"Username:" not in seen:
            chunk = con.recv(4096)
            assert chunk, seen
            seen += chunk


def test_ne_polled_directly_serves_its_e1_lines(
    lab: Lab, diagnosed: dict[str, FindingsDocument]
) -> None:
    """lab-ne-direct-e1: the school PDH's own DS1-MIB agent reports the LOS the scenario sets,
    with unavailable seconds growing from the scenario's count."""
    doc = diagnosed["LAB-NE-E1"]
    (line,) = [o for o in doc.observations if o.kind == "ne_e1_line"]
    assert (line.device, line.port, line.line_status) == ("ned-pdh-2", "E1-2", ["LossOfSignal"])
    assert line.uas is not None and line.uas >= 412
    assert line.raw  # the varbinds read are kept

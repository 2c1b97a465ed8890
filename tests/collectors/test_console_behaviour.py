"""The router collector over the serial console: lab consoles on real ptys and over TCP.

netmiko drives the console (cisco_ios_serial / huawei_serial classes) through the production
port check, never a test-only monkeypatch: the lab's console is a symlink to /dev/pts/N and a
console server line is `socket://host:port`.  The console's behaviour is measured, because an
intermittent console is evidence (DOMAIN.md §1.3 case 4.2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import diag.collectors.router as router_collector
from diag.cli import cli
from diag.collectors.router import RouterReading, read_router
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.console import ConsoleServer
from diag.lab.routers.harness import LabThread
from diag.lab.routers.state import CpuState, RouterState
from diag.lab.routers.timeline import interface_counters
from diag.model.observations import (
    CpuObservation,
    CrcGrowthObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    PingObservation,
)
from tests.collectors.console_lab import (
    PROBES,
    SETTINGS,
    Lab,
    accesses,
    cisco,
    console_device,
    console_of,
    huawei,
    no_secrets,
    of,
)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    thread = LabThread()
    yield Lab(thread, ManualClock(), tmp_path_factory.mktemp("tty"))
    thread.close()


@pytest.fixture(scope="module")
def cisco_console(lab: Lab) -> Iterator[tuple[RouterState, ConsoleServer]]:
    """A clean Cisco console, on its pty and on a TCP console-server port."""
    state = cisco()
    con = lab.console(state, tcp=True)
    yield state, con
    lab.stop(con)


# --- a healthy console ----------------------------------------------------------------------------


def check_full_console_reading(reading: RouterReading, state: RouterState, first_crc: int) -> None:
    assert accesses(reading) == [(True, "done")]
    con = console_of(reading)
    assert con.login_ok and con.error is None
    assert (con.probes, con.answered, con.garbled, con.dropped_sessions) == (PROBES, PROBES, 0, 0)
    assert len(con.prompt_rtt_ms) == PROBES and all(0 < rtt < 1000 for rtt in con.prompt_rtt_ms)
    assert con.rtt_median_ms is not None and 0 < con.rtt_median_ms < 1000
    iface = next(o for o in of(reading, InterfaceObservation) if o.crc is not None)
    assert iface.crc == first_crc
    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.delta, growth.per_min, growth.reset) == (6, 6.0, False)
    (ping,) = of(reading, PingObservation)
    assert (ping.sent, ping.received) == (5, 5)
    no_secrets(reading)


def test_cisco_console_over_the_pty_symlink(
    lab: Lab, cisco_console: tuple[RouterState, ConsoleServer]
) -> None:
    state, con = cisco_console
    assert con.link_path.is_symlink()  # netmiko's own check would refuse this path
    first = interface_counters(state.interfaces[-1], lab.clock.moment()).crc
    dev = console_device(state, str(con.link_path))
    reading = read_router(
        dev, "Serial0/0/0:0", "10.9.0.2", SETTINGS, via="console", sleep=lab.sleep
    )
    check_full_console_reading(reading, state, first)
    assert console_of(reading).port == str(con.link_path)
    assert "BR9-RTR#" in reading.transcript  # enable over the console
    assert "[diag] measuring the console: 6 probes" in reading.transcript


def test_cisco_console_through_a_console_server(
    lab: Lab, cisco_console: tuple[RouterState, ConsoleServer]
) -> None:
    state, con = cisco_console
    first = interface_counters(state.interfaces[-1], lab.clock.moment()).crc
    dev = console_device(state, f"socket://127.0.0.1:{con.tcp_port}")
    reading = read_router(
        dev, "Serial0/0/0:0", "10.9.0.2", SETTINGS, via="console", sleep=lab.sleep
    )
    check_full_console_reading(reading, state, first)


def test_huawei_console(lab: Lab) -> None:
    state = huawei()
    con = lab.console(state)
    try:
        first = interface_counters(state.interfaces[-1], lab.clock.moment()).crc
        dev = console_device(state, str(con.link_path))
        reading = read_router(
            dev, "Serial1/0/0:0", "10.9.0.1", SETTINGS, via="console", sleep=lab.sleep
        )
    finally:
        lab.stop(con)
    check_full_console_reading(reading, state, first)
    assert "<HO-RTR-9>" in reading.transcript and "quit" in reading.transcript


def test_the_session_is_logged_out_afterwards(
    lab: Lab, cisco_console: tuple[RouterState, ConsoleServer]
) -> None:
    """Nobody finds the router's console logged in (and enabled) after diag was there."""
    state, con = cisco_console
    dev = console_device(state, str(con.link_path))
    quick = SETTINGS.model_copy(update={"crc_sample_interval_s": 0, "console_probes": 1})
    reading = read_router(dev, "Serial0/0/0:0", None, quick, via="console")
    assert accesses(reading) == [(True, "done")]
    assert reading.transcript.rstrip().endswith("Press RETURN to get started.")


# --- an intermittent console ------------------------------------------------------------------------


def test_lost_prompts_show_as_unanswered_probes(lab: Lab) -> None:
    state = cisco(console_drop_pct=40.0)
    con = lab.console(state)
    # A lost prompt costs the probe timeout: half a second here (the lab answers in ms).
    settings = SETTINGS.model_copy(update={"command_timeout_s": 0.5})
    try:
        dev = console_device(state, str(con.link_path))
        reading = read_router(dev, "Serial0/0/0:0", None, settings, via="console", sleep=lab.sleep)
    finally:
        lab.stop(con)
    obs = console_of(reading)
    assert obs.login_ok and obs.probes == PROBES
    assert 0 < obs.answered < obs.probes  # the intermittent console, in numbers
    assert obs.garbled == 0 and len(obs.prompt_rtt_ms) == obs.answered
    assert accesses(reading)[-1] == (True, "done")  # the reading still returns


def test_garbled_prompts_are_counted(lab: Lab) -> None:
    state = cisco(console_garble_pct=50.0)
    con = lab.console(state)
    try:
        dev = console_device(state, str(con.link_path))
        quick = SETTINGS.model_copy(update={"crc_sample_interval_s": 0, "console_probes": 10})
        reading = read_router(dev, "Serial0/0/0:0", None, quick, via="console")
    finally:
        lab.stop(con)
    obs = console_of(reading)
    assert obs.garbled > 0 and obs.answered > 0
    assert obs.answered + obs.garbled == obs.probes == 10  # none lost: noise, not silence
    assert accesses(reading)[-1] == (True, "done")


def test_a_console_that_keeps_dropping_the_session(lab: Lab) -> None:
    # The line logs the session out every 4 input lines: mid-probe and mid-command.
    state = cisco(console_hangup_after=4)
    con = lab.console(state)
    try:
        dev = console_device(state, str(con.link_path))
        settings = SETTINGS.model_copy(update={"console_probes": 3})
        reading = read_router(dev, "Serial0/0/0:0", None, settings, via="console", sleep=lab.sleep)
    finally:
        lab.stop(con)
    obs = console_of(reading)
    assert obs.dropped_sessions >= 2
    assert obs.answered == 2  # the third probe found the session gone
    assert accesses(reading)[-1] == (True, "done")
    assert "console session dropped" in reading.transcript
    assert of(reading, InterfaceObservation)  # logged in again and kept reading
    no_secrets(reading)


# --- a lossy console on a congested router (the field report: a 9 % peak at 94-97 %) ----------

COURT_72H = [97, 96, 94, 95, 97, 96, 94, 97, 95, 96, 97, 94]  # the router's real hourly maxima


def congested(**changes: Any) -> RouterState:
    cpu = CpuState(five_sec=97, one_min=96, five_min=94, history_72h_max=COURT_72H)
    return cisco(cpu=cpu, **changes)


def lossy_reading(lab: Lab, state: RouterState) -> RouterReading:
    con = lab.console(state)
    quick = SETTINGS.model_copy(update={"crc_sample_interval_s": 0, "command_timeout_s": 0.5})
    try:
        dev = console_device(state, str(con.link_path))
        return read_router(dev, "Serial0/0/0:0", None, quick, via="console", sleep=lab.sleep)
    finally:
        lab.stop(con)


def history(reading: RouterReading) -> CpuObservation:
    (obs,) = [o for o in of(reading, CpuObservation) if "history" in o.source]
    assert isinstance(obs, CpuObservation)
    return obs


@pytest.mark.parametrize("drop", [20.0, 30.0])
def test_one_lossy_read_gives_no_peak_as_fact(
    lab: Lab, drop: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field report over a real pty: one read of the history, lines of its graph lost (the
    lab's losses are seeded by the router's name, so these reads do lose graph rows)."""
    monkeypatch.setattr(router_collector, "CONSOLE_REREADS", 0)
    reading = lossy_reading(lab, congested(console_drop_pct=drop))
    con = console_of(reading)
    assert con.login_ok and con.answered < con.probes  # the console is seen losing lines
    h = history(reading)
    assert h.quality == "partial" and h.peak_72h is None and h.history_72h == []
    assert {"peak_72h", "history_72h"} <= set(h.unread)
    # What the bar rows read prove, and no more: at least 85 or 95 % (the real peak is 97 %).
    assert h.peak_72h_min in (85, 95)
    assert h.quality_note and f"at least {h.peak_72h_min:g} %" in h.quality_note
    assert [k for k in reading.raw if "history" in k] == ["show processes cpu history"]


@pytest.mark.parametrize("drop", [25.0, 30.0])
def test_lossy_console_rereads_until_the_peak_is_known(lab: Lab, drop: float) -> None:
    reading = lossy_reading(lab, congested(console_drop_pct=drop))
    reads = [k for k in reading.raw if k.startswith("show processes cpu history")]
    assert len(reads) > 1  # the first read was incomplete, so it was read again
    h = history(reading)
    if h.quality == "ok":
        # Read whole (merged over the re-reads): the values are the router's own.
        assert h.peak_72h == max(COURT_72H) and h.history_72h[: len(COURT_72H)] == COURT_72H
        assert h.peak_72h_min is None and h.quality_note and "merging" in h.quality_note
    else:
        assert h.quality == "partial" and h.peak_72h is None and h.history_72h == []
        assert h.peak_72h_min is None or h.peak_72h_min <= max(COURT_72H)
    for o in of(reading, CpuObservation):  # no CPU figure below the router's real load
        assert o.peak_72h in (None, max(COURT_72H))
    # Logs cannot be checked: read over this console they are degraded, with the reason.
    for log in of(reading, LogObservation):
        assert log.quality == "degraded" and log.quality_note
        assert "prompts lost" in log.quality_note
    # Outputs that stayed incomplete say so, with what was lost.
    for o in of(reading, InterfaceObservation) + of(reading, E1ControllerObservation):
        assert o.quality in ("ok", "partial")
        assert (o.quality == "partial") == bool(o.unread)
        if o.quality == "partial":
            assert o.quality_note and "reads over the console" in o.quality_note


def test_diag_router_console_shows_what_it_could_not_read(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`diag router DEV --console` on the field report's router: no 9 % peak, a PARTIAL mark."""
    monkeypatch.setattr(router_collector, "CONSOLE_REREADS", 0)
    state = congested(console_drop_pct=25.0)
    con = lab.console(state)
    inv = tmp_path / "inventory.yaml"
    inv.write_text(
        "devices:\n"
        "  - {name: court-rtr, role: router, vendor: cisco, device_type: cisco_ios,\n"
        f"     console: {con.link_path},\n"
        '     login: {username: noc, password: "lab:router-password", '
        'secret: "lab:router-secret"}}\n'
    )
    args = ["router", "court-rtr", "--console", "--interface", "Serial0/0/0:0"]
    args += ["--inventory", str(inv), "--json", str(tmp_path / "r.json")]
    for setting in ("crc_sample_interval_s=0", "command_timeout_s=0.5", "console_probes=6"):
        args += ["--set", setting]
    try:
        r = CliRunner().invoke(cli, args, env={"COLUMNS": "400"})
    finally:
        lab.stop(con)
    doc = json.loads((tmp_path / "r.json").read_text())
    accessed = [o["ok"] for o in doc["observations"] if o["kind"] == "device_access"]
    assert r.exit_code == (0 if all(accessed) else 6), r.output  # 6: an output unreadable
    (hist,) = [
        o for o in doc["observations"] if o.get("source") == "cli:show processes cpu history"
    ]
    assert (hist["quality"], hist["peak_72h"], hist["history_72h"]) == ("partial", None, [])
    bound = hist["peak_72h_min"]
    assert bound in (85.0, 95.0)  # what the bar rows read prove; the real peak is 97 %
    lines = r.output.splitlines()
    cpu = next(ln for ln in lines if ln.startswith("cpu") and "history" in ln)
    assert f"peak_72h=>= {bound:g} (at least)" in cpu
    after = lines[lines.index(cpu) + 1].strip()
    assert after.startswith("PARTIAL: 72 h graph not read whole in one read")
    assert after.endswith("[unknown: history_72h, peak_72h]")
    assert "DEGRADED: read over a console that lost lines" in r.output
    assert "reading(s) not read whole: read them again over SSH" in r.output


def test_a_clean_console_reads_everything_ok(
    lab: Lab, cisco_console: tuple[RouterState, ConsoleServer]
) -> None:
    state, con = cisco_console
    dev = console_device(state, str(con.link_path))
    quick = SETTINGS.model_copy(update={"crc_sample_interval_s": 0})
    reading = read_router(dev, "Serial0/0/0:0", None, quick, via="console")
    for o in reading.observations:
        assert getattr(o, "quality", "ok") == "ok", o
    assert not [k for k in reading.raw if "re-read" in k]

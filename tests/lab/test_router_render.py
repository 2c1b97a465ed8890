"""Renderers against real device output: Cisco show interfaces and the E1 controller.

Round trip: parse a corpus capture with the same ntc-templates template diag uses, rebuild a
RouterState from the parsed record, render it, parse the rendering, and compare with the
corpus' expected parse.  Outputs no installed parser covers (CPU history graph, E1 controller)
are compared line-by-line in shape with the genie/ntc captures.  Cisco CPU and ping are in
test_router_render_cpu_ping, Huawei and the CLI's behaviour in test_router_render_huawei.
"""

from __future__ import annotations

import re

import pytest
from ntc_templates.parse import parse_output

from diag.lab.routers import cisco_interfaces as ci
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.state import Counters, E1Controller, InterfaceState, RouterState
from tests.lab.render_helpers import CLOCK_START, ios
from tests.lab.router_helpers import CRC_PER_MIN, corpus_json, corpus_text, corpus_yml
from tests.lab.router_helpers import cisco_state as make_cisco_state

# --- Cisco show interfaces ---------------------------------------------------------------------


def _num(text: str) -> int:
    return int(text) if text else 0


def iface_from_ntc(rec: dict[str, str], kind: str) -> InterfaceState:
    """What a scenario would write to reproduce this captured interface."""
    link = rec["link_status"]
    duplex = rec["duplex"].lower()
    return InterfaceState(
        name=rec["interface"],
        kind=kind,
        description=rec["description"] or None,
        admin_up=link != "administratively down",
        status="up" if link == "up" else "down",
        protocol="up" if rec["protocol_status"].startswith("up") else "down",
        ip=f"{rec['ip_address']}/{rec['prefix_length']}" if rec["ip_address"] else None,
        bandwidth_kbit=int(rec["bandwidth"].split()[0]),
        delay_usec=int(rec["delay"].split()[0]),
        mtu=int(rec["mtu"]),
        encapsulation=rec["encapsulation"],
        mac=rec["mac_address"] or None,
        hardware=rec["hardware_type"],
        duplex="auto" if duplex.startswith("auto") else "half" if "half" in duplex else "full",
        speed_mbps=int(re.sub(r"\D", "", rec["speed"]) or 0) or None,
        media_type=rec["media_type"] or None,
        last_input=rec["last_input"],
        last_output=rec["last_output"],
        input_rate_bps=int(rec["input_rate"]),
        output_rate_bps=int(rec["output_rate"]),
        input_pps=int(rec["input_pps"]),
        output_pps=int(rec["output_pps"]),
        counters=Counters(
            input_packets=int(rec["input_packets"]),
            output_packets=int(rec["output_packets"]),
            runts=int(rec["runts"]),
            giants=int(rec["giants"]),
            input_errors=int(rec["input_errors"]),
            crc=int(rec["crc"]),
            frame=int(rec["frame"]),
            overrun=int(rec["overrun"]),
            aborts=_num(rec["abort"]),
            output_errors=_num(rec["output_errors"]),
            input_drops=int(rec["queue_drops"]),
            output_drops=int(rec["queue_output_drops"]),
        ),
    )


MODELLED = (
    "interface", "link_status", "protocol_status", "hardware_type", "mac_address", "bia",
    "description", "ip_address", "prefix_length", "mtu", "bandwidth", "delay", "encapsulation",
    "last_input", "last_output", "last_output_hang", "input_rate", "output_rate", "input_pps",
    "output_pps", "input_packets", "output_packets", "runts", "giants", "input_errors", "crc",
    "frame", "overrun", "output_errors", "queue_drops", "queue_output_drops",
)  # fmt: skip
PHY = ("duplex", "speed", "media_type")

# (corpus file, interface, link status, fields compared).  Vlan1 is a switch SVI: a router
# prints a duplex line and a collisions counter for every Ethernet port, so those are not
# compared there (the SVI's "0 output errors, 0 interface resets" line is not parsed upstream).
ADMIN_DOWN = "administratively down"
SHOW_INTERFACES_CASES = [
    ("cisco_ios_show_interfaces", "GigabitEthernet0/2", ADMIN_DOWN, MODELLED + PHY),
    ("cisco_ios_show_interfaces2", "Vlan1", "up", tuple(set(MODELLED) - {"output_errors"})),
    ("cisco_ios_show_interfaces3", "GigabitEthernet0/0", "up", MODELLED + PHY),
    ("cisco_ios_show_interfaces_01", "GigabitEthernet0/0/0", ADMIN_DOWN, MODELLED + PHY),
]


@pytest.mark.parametrize(("name", "iface", "link", "fields"), SHOW_INTERFACES_CASES)
def test_show_interfaces_round_trip(name: str, iface: str, link: str, fields: tuple[str]) -> None:
    rel = f"ntc/cisco_ios/show_interfaces/{name}"
    parsed = parse_output(
        platform="cisco_ios", command="show interfaces", data=corpus_text(rel + ".raw")
    )
    expected = corpus_yml(rel + ".yml")
    idx = next(
        i for i, r in enumerate(expected) if r["interface"] == iface and r["link_status"] == link
    )
    assert parsed[idx] == expected[idx]  # the template reads the capture as upstream says
    state = RouterState(
        hostname="R1", vendor="cisco_ios", interfaces=[iface_from_ntc(parsed[idx], "ethernet")]
    )
    rendered = ios(state, f"show interfaces {iface}")
    (got,) = parse_output(platform="cisco_ios", command="show interfaces", data=rendered)
    assert {f: got[f] for f in fields} == {f: expected[idx][f] for f in fields}


GENIE_COUNTERS = (
    "in_pkts", "out_pkts", "in_errors", "in_crc_errors", "in_frame", "in_overrun", "in_abort",
    "in_runts", "in_giants", "out_errors",
)  # fmt: skip


def test_serial_round_trip_against_genie_capture() -> None:
    """The only real serial capture (IOS-XE, NIM-4T): ntc parse -> state -> render -> compare
    with genie's expected parse of the capture."""
    raw = corpus_text("genie/iosxe/ShowInterfaces/golden_interface_output_16_output.txt")
    want = corpus_json("genie/iosxe/ShowInterfaces/golden_interface_output_16_expected.json")
    want = want["Serial0/3/1"]
    (rec,) = parse_output(platform="cisco_ios", command="show interfaces", data=raw)
    iface = iface_from_ntc(rec, "serial").model_copy(update={"last_clearing": "00:00:20"})
    state = RouterState(hostname="R1", vendor="cisco_ios", interfaces=[iface])
    rendered = ios(state, "show interfaces Serial0/3/1")
    (got,) = parse_output(platform="cisco_ios", command="show interfaces", data=rendered)
    c = want["counters"]
    assert got["interface"] == "Serial0/3/1"
    assert (got["link_status"], got["protocol_status"]) == (
        want["oper_status"],
        want["line_protocol"],
    )
    assert got["hardware_type"] == want["type"]
    assert f"{got['ip_address']}/{got['prefix_length']}" in want["ipv4"]
    assert int(got["mtu"]) == want["mtu"]
    assert got["bandwidth"] == f"{want['bandwidth']} Kbit"
    assert got["delay"] == f"{want['delay']} usec"
    assert got["encapsulation"].lower() == want["encapsulations"]["encapsulation"]
    assert (got["last_input"], got["last_output"]) == (want["last_input"], want["last_output"])
    assert {
        "in_pkts": int(got["input_packets"]),
        "out_pkts": int(got["output_packets"]),
        "in_errors": int(got["input_errors"]),
        "in_crc_errors": int(got["crc"]),
        "in_frame": int(got["frame"]),
        "in_overrun": int(got["overrun"]),
        "in_abort": int(got["abort"]),
        "in_runts": int(got["runts"]),
        "in_giants": int(got["giants"]),
        "out_errors": int(got["output_errors"]),
    } == {k: c[k] for k in GENIE_COUNTERS}
    assert f"counters {c['last_clear']}" in rendered
    # Control leads: classic IOS prints "DCD=up  DSR=up  DTR=up  RTS=up  CTS=up".
    leads = dict(re.findall(r"(DCD|DSR|DTR|RTS|CTS)=(up|down)", rendered))
    assert {k.lower(): v for k, v in leads.items()} == want["serial_signals"]
    assert re.search(r"^     DCD=up  DSR=up  DTR=up  RTS=up  CTS=up$", rendered, re.MULTILINE)


def test_e1_channel_crc_grows_with_time() -> None:
    clock = ManualClock(CLOCK_START)
    state = make_cisco_state()

    def crc() -> int:
        (rec,) = parse_output(
            platform="cisco_ios",
            command="show interfaces",
            data=ios(state, "show interfaces Serial0/0/0:0", clock),
        )
        assert int(rec["input_errors"]) >= int(rec["crc"])
        return int(rec["crc"])

    first = crc()
    clock.advance(minutes=2)
    assert crc() - first == 2 * CRC_PER_MIN


def test_v35_leads_and_looped_line() -> None:
    state = make_cisco_state()
    out = ios(state, "show interfaces Serial0/1/0")
    assert "     DCD=down  DSR=up  DTR=up  RTS=up  CTS=down\n" in out
    assert out.startswith("Serial0/1/0 is down, line protocol is down \n")
    looped = state.interfaces[1].model_copy(update={"looped": True})
    text = ci.show_interface(state, looped, ManualClock().moment())
    (rec,) = parse_output(platform="cisco_ios", command="show interfaces", data=text)
    assert rec["protocol_status"] == "up (looped)"


def test_show_controllers_serial_cable_lines() -> None:
    state = make_cisco_state()
    dte = ios(state, "show controllers serial 0/1/0")
    assert dte.splitlines()[:3] == [
        "Interface Serial0/1/0",
        "Hardware is GT96K",
        "DTE V.35 clocks stopped.",
    ]
    ok = state.interfaces[2].model_copy(update={"clocks_detected": True})
    assert "DTE V.35 TX and RX clocks detected.\n" in ci.show_controller_serial(ok)
    dce = ok.model_copy(update={"cable": "V.35 DCE cable", "clock_rate": 2048000})
    assert "DCE V.35, clock rate 2048000\n" in ci.show_controller_serial(dce)
    assert "No serial cable attached" in ci.show_controller_serial(
        ok.model_copy(update={"cable": None})
    )


# --- Cisco E1 controller -----------------------------------------------------------------------

E1_COUNTER_SHAPES = [
    r"^  Data in current interval \(\d+ seconds elapsed\):\s*$",
    r"^     \d+ Line Code Violations, \d+ Path Code Violations\s*$",
    r"^     \d+ Slip Secs, \d+ Fr Loss Secs, \d+ Line Err Secs, \d+ Degraded Mins\s*$",
    r"^     \d+ Errored Secs, \d+ Bursty Err Secs, \d+ Severely Err Secs, \d+ Unavail Secs\s*$",
    r"^  Total Data \(last (24 hours|\d+ 15 minute intervals)\):?\s*$",
    r"^     \d+ Line Code Violations, \d+ Path Code Violations,\s*$",
    r"^     \d+ Slip Secs, \d+ Fr Loss Secs, \d+ Line Err Secs, \d+ Degraded Mins,\s*$",
    r"^  Framing is \S+, Line Code is \S+, Clock Source is \w+\.\s*$",
    r"^  (No alarms detected\.|Receiver has loss of signal\.|Receiver is getting AIS\.)\s*$",
    r"^  alarm-trigger is not set\s*$",
]


@pytest.mark.parametrize(
    "capture",
    [
        "ntc/cisco_ios/show_controller_t1/cisco_ios_show_controller_t1.raw",
        "genie/iosxe/ShowControllerT1/golden_output1_output.txt",
    ],
)
def test_e1_controller_has_the_captured_line_shapes(capture: str) -> None:
    ours = ios(make_cisco_state(), "show controllers e1 0/0/0")
    theirs = corpus_text(capture)
    for shape in E1_COUNTER_SHAPES:
        if shape.endswith(r"\.)\s*$") and "No alarms" not in theirs:
            continue
        assert re.search(shape, theirs, re.MULTILINE), shape  # the pattern describes the capture
        assert re.search(shape, ours, re.MULTILINE), shape


def test_e1_controller_parses_with_the_t1_template_and_rolls_intervals() -> None:
    """Same framer output as T1 apart from the name: reuse ntc's T1 template on our E1 text."""
    clock = ManualClock(CLOCK_START)
    state = make_cisco_state()

    def read() -> dict[str, str]:
        text = ios(state, "show controllers e1 0/0/0", clock)
        (rec,) = parse_output(
            platform="cisco_ios", command="show controllers t1", data=re.sub("^E1", "T1", text)
        )
        return dict(rec)

    rec = read()
    assert rec["interface"] == "0/0/0" and rec["link_status"] == "up"
    assert (rec["framing"], rec["line_code"], rec["clock_source"]) == ("CRC4", "HDB3", "Line")
    assert rec["curr_interval_elapsed_seconds"] == "300"
    assert (rec["curr_path_code_violations"], rec["curr_err_secs"]) == ("15", "9")
    clock.advance(minutes=5)  # still in the same 15-minute interval
    rec = read()
    assert (rec["curr_path_code_violations"], rec["curr_err_secs"]) == ("30", "19")
    clock.advance(minutes=5)  # 300 + 600 s: a new interval began 0 s ago
    rec = read()
    assert rec["curr_interval_elapsed_seconds"] == "0"
    assert rec["curr_path_code_violations"] == "0"
    assert rec["total_path_code_violations"] == "45"


def test_e1_alarm_texts() -> None:
    state = make_cisco_state()
    state.controllers[0] = E1Controller(name="E1 0/0/0", status="down", alarms=["LOS"])
    out = ios(state, "show controllers e1 0/0/0")
    assert out.splitlines()[:4] == [
        "E1 0/0/0 is down.",
        "  Applique type is Channelized E1 - balanced",
        "  Transmitter is sending remote alarm.",
        "  Receiver has loss of signal.",
    ]
    chan = ios(state, "show interfaces Serial0/0/0:0")
    assert (
        "\n  alarm present\n  Timeslot(s) Used:1-31, SCC: 0, Transmitter delay is 0 flags\n" in chan
    )

"""Renderers against real device output: Huawei display interface, controller, ping, version, CPU
and log, and the lab CLI's behaviour (errors, abbreviations, filters, the enable dialogue).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from ntc_templates.parse import parse_output

from diag.lab.routers import huawei_interfaces as hi
from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.state import InterfaceState, RouterState
from tests.lab.render_helpers import CLOCK_START
from tests.lab.router_helpers import CRC_PER_MIN, corpus_text, corpus_yml, huawei_state
from tests.lab.router_helpers import cisco_state as make_cisco_state

# --- Huawei ------------------------------------------------------------------------------------


def huawei_iface_from_ntc(rec: dict[str, str]) -> InterfaceState:
    return InterfaceState(
        name=rec["interface"],
        kind="ethernet",
        description=rec["interface_description"] or None,
        status="up" if rec["link_status"] == "UP" else "down",
        protocol="up" if rec["protocol_status"] == "UP" else "down",
        ip=rec["ip_address"] or None,
        mtu=int(rec["mtu"]),
        mac=rec["mac_address"],
        speed_mbps=int(rec["speed"] or 1000),
        bandwidth_kbit=int(rec["speed"] or 1000) * 1000,
        duplex="half" if rec["duplex"] == "HALF" else "full",
        negotiation=rec["negotiation"] != "DISABLE",
        media_type=rec["port_mode"] or None,
    )


HW_FIELDS = (
    "interface", "link_status", "protocol_status", "interface_description", "port_type", "mtu",
    "ip_address", "ip_status", "mac_address", "current_system_time", "hold_timer", "link_type",
)  # fmt: skip
HW_PHY = ("port_mode", "speed", "loopback", "duplex", "negotiation")
# The DHCP capture is a virtual AR without PHY lines; a physical AR port prints them.
HUAWEI_CASES = [
    ("huawei_vrp_display_interface_gigabitethernet", "GigabitEthernet0/0/4", HW_FIELDS + HW_PHY),
    ("huawei_vrp_display_interface_gigabitethernet", "GigabitEthernet0/0/5", HW_FIELDS + HW_PHY),
    ("huawei_vrp_display_interface_dhcp", "GigabitEthernet0/0/1", HW_FIELDS),
]


@pytest.mark.parametrize(("name", "iface", "fields"), HUAWEI_CASES)
def test_huawei_display_interface_round_trip(name: str, iface: str, fields: tuple[str]) -> None:
    rel = f"ntc/huawei_vrp/display_interface/{name}"
    parsed = parse_output(
        platform="huawei_vrp", command="display interface", data=corpus_text(rel + ".raw")
    )
    expected = corpus_yml(rel + ".yml")
    idx = next(i for i, r in enumerate(expected) if r["interface"] == iface)
    assert parsed[idx] == expected[idx]
    rec = parsed[idx]
    state = RouterState(hostname="AR1", vendor="huawei", interfaces=[huawei_iface_from_ntc(rec)])
    clock = ManualClock(datetime.strptime(rec["current_system_time"], "%Y-%m-%d %H:%M:%S"))  # noqa: DTZ007
    out = Session(state, clock).feed(f"display interface {iface}").text
    (got,) = parse_output(platform="huawei_vrp", command="display interface", data=out)
    assert {f: got[f] for f in fields} == {f: expected[idx][f] for f in fields}


def test_huawei_serial_crc_line_and_public_capture_shape() -> None:
    clock = ManualClock(CLOCK_START)
    state = huawei_state()
    out = Session(state, clock).feed("display interface Serial0/0/0:0").text
    # Lines as an AR2200 prints them for a serial/CE1 channel interface.
    for shape in (
        r"^Serial0/0/0:0 current state : UP$",
        r"^Line protocol current state : UP$",
        r"^Route Port,The Maximum Transmit Unit is 1500, Hold timer is 10\(sec\)$",
        r"^Link layer protocol is PPP$",
        r"^LCP opened, IPCP opened$",
        r"^Physical layer is synchronous, Baudrate is 1984000 bps$",
        r"^Last 300 seconds input rate \d+ bytes/sec \d+ bits/sec \d+ packets/sec$",
        r"^Input: \d+ packets, \d+ bytes$",
        r"^  Giants: +0,  CRC: +5$",
        r"^Output: \d+ packets, \d+ bytes$",
    ):
        assert re.search(shape, out, re.MULTILINE), shape
    clock.advance(minutes=3)
    out = Session(state, clock).feed("display interface Serial0/0/0:0").text
    assert re.search(rf"^  Giants: +0,  CRC: +{5 + 3 * CRC_PER_MIN}$", out, re.MULTILINE)
    v35 = InterfaceState(name="Serial2/0/0", kind="serial", cable="V.35 DTE cable")
    text = hi.display_interface(
        RouterState(hostname="AR1", vendor="huawei", interfaces=[v35]), v35, clock.moment()
    )
    assert "\nInterface is DTE, Cable type is V35, Clock mode is TC\n" in text


def test_huawei_controller_ping_version_cpu_log() -> None:
    clock = ManualClock(CLOCK_START)
    state = huawei_state()
    s = Session(state, clock)
    e1 = s.feed("display controller e1 0/0/0").text
    assert "Receiver alarm state is Remote-Alarm-Indication." in e1
    assert "   Frame-format is crc4.\n" in e1
    ping = s.feed("ping -c 4 -s 100 10.30.0.2").text
    assert ping.count("Reply from 10.30.0.2: bytes=100") == 4
    assert "    0.00% packet loss\n    round-trip min/avg/max = 20/21/25 ms\n" in ping
    lost = s.feed("ping 10.99.0.1").text
    assert lost.count("Request time out") == 5 and "100.00% packet loss" in lost
    assert "round-trip" not in lost
    (ver,) = parse_output(
        platform="huawei_vrp", command="display version", data=s.feed("display version").text
    )
    assert ver["model"] == "AR2220" and ver["uptime"] == "12 weeks, 3 days, 4 hours, 5 minutes"
    assert (
        "CPU utilization for five seconds: 5%: one minute: 5%: five minutes: 5%"
        in s.feed("dis cpu").text
    )


# --- CLI behaviour -----------------------------------------------------------------------------


def test_ios_errors_abbreviations_and_filters() -> None:
    s = Session(make_cisco_state(), ManualClock(CLOCK_START), enable_secret="x")
    assert s.prompt() == "CPE-ACME-01>"
    assert (
        s.feed("show foo").text
        == " " * len("CPE-ACME-01>show ") + "^\n% Invalid input detected at '^' marker.\n"
    )
    assert s.feed("sh").text == "% Incomplete command.\n"
    assert s.feed("s").text == '% Ambiguous command:  "s"\n'
    assert s.feed("show interfaces Serial9/9").text.startswith(
        " " * len("CPE-ACME-01>show interfaces ") + "^\n"
    )
    assert (
        s.feed("sh int se0/0/0:0 | include CRC").text.strip().startswith("41 input errors, 40 CRC")
    )
    (rec,) = parse_output(platform="cisco_ios", command="show version", data=s.feed("sh ver").text)
    assert (rec["hostname"], rec["version"], rec["hardware"]) == (
        "CPE-ACME-01",
        "15.7(3)M5",
        ["CISCO2901/K9"],
    )
    assert rec["uptime"] == "12 weeks, 3 days, 4 hours, 5 minutes"
    logs = parse_output(
        platform="cisco_ios", command="show logging", data=s.feed("show logging").text
    )
    assert [r["mnemonic"] for r in logs] == ["UPDOWN", "UPDOWN"]
    brief = parse_output(
        platform="cisco_ios", command="show ip interface brief", data=s.feed("sh ip int br").text
    )
    assert [(r["interface"], r["status"]) for r in brief][-1] == ("Serial0/1/0", "down")


def test_ios_enable_secret_dialogue() -> None:
    s = Session(make_cisco_state(), ManualClock(CLOCK_START), enable_secret="s3cret")
    s.feed("enable")
    assert s.awaiting_secret and s.prompt() == "Password: "
    s.feed("wrong")
    s.feed("wrong")
    assert s.feed("wrong").text == "% Bad secrets\n\n" and s.prompt() == "CPE-ACME-01>"
    s.feed("enable")
    s.feed("s3cret")
    assert s.prompt() == "CPE-ACME-01#"
    s.feed("disable")
    assert s.prompt() == "CPE-ACME-01>"
    assert s.feed("exit").close


def test_vrp_errors() -> None:
    s = Session(huawei_state(), ManualClock(CLOCK_START))
    assert s.prompt() == "<CPE-BETA-02>"
    assert (
        s.feed("display foo").text
        == " " * len("<CPE-BETA-02>display ")
        + "^\nError: Unrecognized command found at '^' position.\n"
    )
    assert s.feed("display interface Serial9/9").text.endswith(
        "Error: Wrong parameter found at '^' position.\n"
    )
    assert (
        s.feed("dis int GE0/0/1 | include ^Gig.* current state").text
        == "GigabitEthernet0/0/1 current state : UP\n"
    )
    assert s.feed("screen-length 0 temporary").text.startswith("Info: ")
    assert s.feed("quit").close

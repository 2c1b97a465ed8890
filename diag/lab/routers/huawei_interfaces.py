"""Huawei VRP interface and controller outputs, shaped like an AR-series router (VRP V200R).

`display interface [<if>]` and `display controller e1 <port>`.  Ethernet follows the ntc corpus
AR router captures line for line.  Serial follows public AR captures, including two lines
("Physical layer is ...", "Interface is DTE, ...") that the ntc-templates huawei_vrp
`display interface` template does not know: it rejects real AR serial output the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from diag.lab.routers.clock import Moment
from diag.lab.routers.fmt import default_mac, mac_huawei
from diag.lab.routers.state import E1Controller, InterfaceState, RouterState
from diag.lab.routers.timeline import e1_reading, interface_counters, rates, uptime_minutes


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


def _state(iface: InterfaceState) -> tuple[str, str]:
    if not iface.admin_up:
        return "Administratively DOWN", "DOWN"
    if iface.status == "down":
        return "DOWN", "DOWN"
    return "UP", iface.protocol.upper()


def _pair(label1: str, v1: object, label2: str, v2: object, w1: int, w2: int) -> str:
    """VRP right-aligns each value inside a fixed-width `Label:   value` cell."""
    return f"  {label1}{v1!s:>{w1 - len(label1)}},  {label2}{v2!s:>{w2 - len(label2)}}"


def _address_line(iface: InterfaceState) -> str:
    if iface.ip:
        return f"Internet Address is {iface.ip}"
    return "Internet protocol processing : disabled"


def _utilisation(bps: int, bw_kbit: int) -> str:
    if not bps or not bw_kbit:
        return "   0%"
    return f"{100 * bps / (bw_kbit * 1000):.2f}%"


def _boot(state: RouterState, at: Moment) -> datetime:
    return at.now - timedelta(minutes=uptime_minutes(state.uptime, at))


def _head(state: RouterState, iface: InterfaceState, at: Moment) -> tuple[list[str], list[str]]:
    """Status lines and timestamp lines.  Default story: up since shortly after boot, or down
    since 30 minutes before the lab started."""
    link, proto = _state(iface)
    boot = _boot(state, at)
    desc = iface.description or f"HUAWEI, AR Series, {iface.name} Interface"
    head = [f"{iface.name} current state : {link}", f"Line protocol current state : {proto}"]
    if proto == "UP":
        head.append(f"Last line protocol up time : {_ts(boot + timedelta(seconds=130))}")
    head.append(f"Description:{desc}")
    went_down = at.started - timedelta(minutes=30) if link != "UP" else boot + timedelta(seconds=8)
    times = [
        f"Last physical up time   : {_ts(boot + timedelta(seconds=125))}",
        f"Last physical down time : {_ts(went_down)}",
        f"Current system time: {_ts(at.now)}",
    ]
    return head, times


def _ethernet(state: RouterState, iface: InterfaceState, at: Moment) -> list[str]:
    c = interface_counters(iface, at)
    in_bps, in_pps, out_bps, out_pps = rates(iface)
    head, times = _head(state, iface, at)
    idx = state.interfaces.index(iface)
    mac = mac_huawei(iface.mac or default_mac(state.hostname, idx, "00e0fc"))
    speed = iface.speed_mbps or max(10, iface.bandwidth_kbit // 1000)
    lines = [*head, f"Route Port,The Maximum Transmit Unit is {iface.mtu}"]
    lines.append(_address_line(iface))
    lines += [
        f"IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is {mac}",
        *times,
        f"Port Mode: {iface.media_type or 'COMMON COPPER'}",
        f"Speed : {speed:>4},  Loopback: NONE",
        f"Duplex: {'HALF' if iface.duplex == 'half' else 'FULL'},  "
        f"Negotiation: {'ENABLE' if iface.negotiation else 'DISABLE'}",
        "Mdi   : AUTO,  Clock   : -",
        f"Last 300 seconds input rate {in_bps} bits/sec, {in_pps} packets/sec",
        f"Last 300 seconds output rate {out_bps} bits/sec, {out_pps} packets/sec",
        f"Input peak rate {in_bps * 3} bits/sec,Record time: {_ts(_boot(state, at))}",
        f"Output peak rate {out_bps * 3} bits/sec,Record time: {_ts(_boot(state, at))}",
        "",
        f"Input:  {c.input_packets} packets, {c.input_bytes} bytes",
        _pair("Unicast:", c.input_packets * 9 // 10, "Multicast:", c.input_packets // 20, 27, 30),
        _pair("Broadcast:", c.input_packets // 20, "Jumbo:", "-", 27, 30),
        _pair("Discard:", c.input_drops, "Total Error:", c.input_errors, 27, 30),
        "",
        _pair("CRC:", c.crc, "Giants:", c.giants, 27, 30),
        _pair("Jabbers:", 0, "Throttles:", c.throttles, 27, 30),
        _pair("Runts:", c.runts, "Symbols:", 0, 27, 30),
        _pair("Ignoreds:", c.ignored, "Frames:", c.frame, 27, 30),
        "",
        f"Output:  {c.output_packets} packets, {c.output_bytes} bytes",
        _pair("Unicast:", c.output_packets * 9 // 10, "Multicast:", c.output_packets // 20, 27, 30),
        _pair("Broadcast:", c.output_packets // 20, "Jumbo:", "-", 27, 30),
        _pair("Discard:", c.output_drops, "Total Error:", c.output_errors, 27, 30),
        "",
        _pair("Collisions:", c.collisions, "ExcessiveCollisions:", 0, 27, 30),
        _pair("Late Collisions:", c.late_collisions, "Deferreds:", c.deferred, 27, 30),
        "",
        "    Input bandwidth utilization threshold : 100.00%",
        "    Output bandwidth utilization threshold: 100.00%",
        f"    Input bandwidth utilization  : {_utilisation(in_bps, speed * 1000)}",
        f"    Output bandwidth utilization : {_utilisation(out_bps, speed * 1000)}",
    ]
    return lines


def _serial_physical(state: RouterState, iface: InterfaceState) -> list[str]:
    if iface.kind == "e1-channel":
        bps = 64000 * _timeslot_count(iface.timeslots)
        return [
            f"Physical layer is synchronous, Baudrate is {bps} bps",
            f"Timeslot(s) Used: {iface.timeslots}",
        ]
    cable = (iface.cable or "V.35 DTE").upper()
    std = next((s for s in ("V.35", "V.24", "X.21", "V.11", "EIA-530") if s in cable), "V.35")
    if "DCE" in cable:
        rate = iface.clock_rate or iface.bandwidth_kbit * 1000
        return [
            f"Physical layer is synchronous, Baudrate is {rate} bps",
            f"Interface is DCE, Cable type is {std.replace('.', '')}, Clock mode is DCECLK",
        ]
    return [
        f"Physical layer is synchronous, Virtualbaudrate is {iface.bandwidth_kbit * 1000} bps",
        f"Interface is DTE, Cable type is {std.replace('.', '')}, Clock mode is TC",
    ]


def _timeslot_count(spec: str) -> int:
    n = 0
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        n += int(hi or lo) - int(lo) + 1
    return n


def _serial(state: RouterState, iface: InterfaceState, at: Moment) -> list[str]:
    c = interface_counters(iface, at)
    in_bps, in_pps, out_bps, out_pps = rates(iface)
    head, times = _head(state, iface, at)
    enc = iface.encapsulation.upper()
    lines = [
        *head,
        f"Route Port,The Maximum Transmit Unit is {iface.mtu}, Hold timer is 10(sec)",
        _address_line(iface),
        f"Link layer protocol is {'PPP' if enc == 'PPP' else 'nonstandard HDLC'}",
    ]
    if enc == "PPP":
        up = _state(iface)[1] == "UP"
        lines.append("LCP opened, IPCP opened" if up else "LCP initial")
    lines += [
        *times,
        *_serial_physical(state, iface),
        f"Last 300 seconds input rate {in_bps // 8} bytes/sec {in_bps} bits/sec "
        f"{in_pps} packets/sec",
        f"Last 300 seconds output rate {out_bps // 8} bytes/sec {out_bps} bits/sec "
        f"{out_pps} packets/sec",
        "",
        f"Input: {c.input_packets} packets, {c.input_bytes} bytes",
        _pair("Broadcast:", c.input_packets // 50, "Multicast:", 0, 25, 25),
        _pair("Errors:", c.input_errors, "Runts:", c.runts, 25, 25),
        _pair("Giants:", c.giants, "CRC:", c.crc, 25, 25),
        "",
        _pair("Alignments:", 0, "Overruns:", c.overrun, 25, 25),
        _pair("Dribbles:", 0, "Aborts:", c.aborts, 25, 25),
        _pair("No Buffers:", c.no_buffer, "Frame Error:", c.frame, 25, 25),
        "",
        f"Output: {c.output_packets} packets, {c.output_bytes} bytes",
        _pair("Total Error:", c.output_errors, "Overruns:", c.underruns, 25, 25),
        _pair("Collisions:", c.collisions, "Deferred:", c.deferred, 25, 25),
        f"    Input bandwidth utilization  : {_utilisation(in_bps, iface.bandwidth_kbit)}",
        f"    Output bandwidth utilization : {_utilisation(out_bps, iface.bandwidth_kbit)}",
    ]
    return lines


def display_interface(state: RouterState, iface: InterfaceState, at: Moment) -> str:
    body = _ethernet(state, iface, at) if iface.kind == "ethernet" else _serial(state, iface, at)
    return "\n".join(body) + "\n"


def display_interfaces(state: RouterState, at: Moment) -> str:
    # VRP separates interface blocks with an empty line.
    return "\n".join(display_interface(state, i, at) for i in state.interfaces)


# --- controller e1 -----------------------------------------------------------------------------

_ALARM_WORDS = {
    "LOS": "Loss-of-Signal",
    "LOF": "Loss-of-Frame",
    "AIS": "Alarm-Indication-Signal",
    "RAI": "Remote-Alarm-Indication",
    "LOMF": "Loss-of-Multiframe",
}


def _e1_counters(v: dict[str, int]) -> list[str]:
    return [
        f"   Linecode Violations: {v['line_code_violations']},    "
        f"Pathcode Violations: {v['path_code_violations']}",
        f"   Slip Seconds: {v['slip_secs']},    Framing Loss Seconds: {v['frame_loss_secs']}",
        f"   Line Err Seconds: {v['line_err_secs']},    Degraded Minutes: {v['degraded_mins']}",
        f"   Errored Seconds: {v['errored_secs']},    Bursty Err Seconds: {v['bursty_err_secs']}",
        f"   Severely Err Seconds: {v['severely_err_secs']},    "
        f"Unavailable Seconds: {v['unavail_secs']}",
    ]


def display_controller_e1(ctrl: E1Controller, at: Moment) -> str:
    r = e1_reading(ctrl, at)
    port = ctrl.name.split()[-1]
    status = {"up": "UP", "down": "DOWN", "administratively down": "Administratively DOWN"}
    alarms = ", ".join(_ALARM_WORDS[a] for a in ctrl.alarms) or "None"
    mode = "E1 unframed" if ctrl.framing == "unframed" else "E1 framed"
    lines = [
        f"E1 {port} current state : {status[ctrl.status]}",
        f"Description : HUAWEI, AR Series, E1 {port} Interface",
        "Basic Configuration: ",
        f"   Work mode is {mode}, Cable type is 120 Ohm balanced.",
        f"   Frame-format is {ctrl.framing}.",
        f"   Line code is {ctrl.linecode}, Source clock is "
        f"{'slave' if ctrl.clock_source == 'line' else 'master'}.",
        "   Idle code is 7e,  Itf type is 7e, Itf number is 4.",
        "   Loop back is not set.",
        "Alarm State: ",
        f"   Receiver alarm state is {alarms}.",
        "Historical Statistics: ",
        "   Last clearing of counters : Never",
        f"   Data in current interval ({r.elapsed_in_interval} seconds elapsed):",
        *_e1_counters(r.current),
        f"   Total Data (last {r.valid_intervals} 15 minute intervals):",
        *_e1_counters(r.total),
    ]
    return "\n".join(lines) + "\n"

"""Cisco IOS interface and controller outputs, shaped like a 2901 ISR G2 running IOS 15.

`show interfaces`, `show ip interface brief`, `show controllers e1`, `show controllers serial`.
Line layout, spacing and trailing blanks follow real IOS 15 output because TextFSM templates
match whole lines.
"""

from __future__ import annotations

import re

from diag.lab.routers.clock import Moment
from diag.lab.routers.fmt import default_mac, ios_elapsed, mac_cisco
from diag.lab.routers.state import E1Controller, InterfaceState, RouterState, V35Leads
from diag.lab.routers.timeline import (
    clearing_age_s,
    e1_reading,
    interface_counters,
    is_passing_traffic,
    rates,
)


def _link(iface: InterfaceState) -> str:
    if not iface.admin_up:
        return "administratively down"
    return iface.status


def _protocol(iface: InterfaceState) -> str:
    if not iface.admin_up or iface.status == "down":
        return "down"
    # HDLC/PPP keepalives coming back means somebody looped the circuit.
    return "up (looped)" if iface.looped and iface.protocol == "up" else iface.protocol


def _hardware(iface: InterfaceState) -> str:
    if iface.hardware:
        return iface.hardware
    return "CN Gigabit Ethernet" if iface.kind == "ethernet" else "GT96K Serial"


def _load(bps: int, bw_kbit: int) -> int:
    return max(1, min(255, round(255 * bps / (bw_kbit * 1000)))) if bw_kbit else 1


def _reliability(iface: InterfaceState) -> int:
    """IOS reliability drops with the error share of received frames (5-minute average)."""
    g = iface.growth_per_min
    errors = sum(g.get(k, 0.0) for k in ("crc", "frame", "aborts", "runts", "giants"))
    _, in_pps, _, _ = rates(iface)
    frames = in_pps * 60 + errors
    if not frames:
        return 255
    return max(1, min(255, round(255 * (1 - errors / frames))))


def leads(iface: InterfaceState) -> V35Leads:
    """Control leads: the scenario's, else what a healthy or dead V.35 line shows."""
    if iface.v35 is not None:
        return iface.v35
    alive = iface.status == "up"
    return V35Leads(dcd=alive, dsr=alive, cts=alive, dtr=iface.admin_up, rts=iface.admin_up)


def _leads_line(v: V35Leads) -> str:
    def ud(b: bool) -> str:
        return "up" if b else "down"

    return f"DCD={ud(v.dcd)}  DSR={ud(v.dsr)}  DTR={ud(v.dtr)}  RTS={ud(v.rts)}  CTS={ud(v.cts)}"


def _encapsulation(iface: InterfaceState) -> list[str]:
    enc = iface.encapsulation
    keepalive = "  Keepalive set (10 sec)"
    if iface.kind == "ethernet":
        # The state's default encapsulation is the serial one; Ethernet means ARPA.
        enc = "ARPA" if enc.upper() == "HDLC" else enc
        return [f"  Encapsulation {enc}, loopback not set", keepalive]
    if enc.upper() == "HDLC":
        return ["  Encapsulation HDLC, crc 16, loopback not set", keepalive]
    if enc.upper() == "PPP":
        if _protocol(iface).startswith("up"):
            opened = "  Open: IPCP, CDPCP, loopback not set"
            return ["  Encapsulation PPP, LCP Open", opened, keepalive]
        return ["  Encapsulation PPP, LCP Listen, loopback not set", keepalive]
    return [f"  Encapsulation {enc}, loopback not set", keepalive]


def _last_io(iface: InterfaceState, at: Moment) -> tuple[str, str]:
    if not iface.admin_up:
        derived = ("never", "never")
    elif iface.status == "down" or iface.protocol == "down":
        # Default story: the line went down half an hour before the lab started.
        since = ios_elapsed(at.elapsed_s + 1800)
        derived = (since, since)
    elif is_passing_traffic(iface) and iface.input_rate_bps:
        derived = ("00:00:00", "00:00:00")
    else:
        derived = ("00:00:02", "00:00:01")
    return iface.last_input or derived[0], iface.last_output or derived[1]


def _ethernet_phy(iface: InterfaceState) -> str:
    media = iface.media_type or "RJ45"
    if iface.duplex == "auto":
        return f"  Auto Duplex, Auto Speed, media type is {media}"
    speed = iface.speed_mbps or max(10, iface.bandwidth_kbit // 1000)
    return f"  {iface.duplex.capitalize()} Duplex, {speed}Mbps, media type is {media}"


def _clearing(iface: InterfaceState, at: Moment) -> str:
    age = clearing_age_s(iface, at)
    if age is not None:
        return ios_elapsed(age)
    # "never", or a text the scenario wrote that is not an IOS elapsed time: shown as written.
    return iface.last_clearing


def show_interface(state: RouterState, iface: InterfaceState, at: Moment) -> str:
    """One interface block of `show interfaces`."""
    c = interface_counters(iface, at)
    in_bps, in_pps, out_bps, out_pps = rates(iface)
    eth = iface.kind == "ethernet"
    lines = [f"{iface.name} is {_link(iface)}, line protocol is {_protocol(iface)} "]
    if eth:
        idx = state.interfaces.index(iface)
        mac = mac_cisco(iface.mac or default_mac(state.hostname, idx, "10f311"))
        lines.append(f"  Hardware is {_hardware(iface)}, address is {mac} (bia {mac})")
    else:
        lines.append(f"  Hardware is {_hardware(iface)}")
    if iface.description:
        lines.append(f"  Description: {iface.description}")
    if iface.ip:
        lines.append(f"  Internet address is {iface.ip}")
    dly = iface.delay_usec or (20000 if not eth else (10 if iface.bandwidth_kbit >= 1e6 else 100))
    lines += [
        f"  MTU {iface.mtu} bytes, BW {iface.bandwidth_kbit} Kbit/sec, DLY {dly} usec, ",
        f"     reliability {_reliability(iface)}/255, txload {_load(out_bps, iface.bandwidth_kbit)}"
        f"/255, rxload {_load(in_bps, iface.bandwidth_kbit)}/255",
        *_encapsulation(iface),
    ]
    if eth:
        lines += [
            _ethernet_phy(iface),
            "  output flow-control is unsupported, input flow-control is unsupported",
            "  ARP type: ARPA, ARP Timeout 04:00:00",
        ]
    last_in, last_out = _last_io(iface, at)
    lines += [
        f"  Last input {last_in}, output {last_out}, output hang never",
        f'  Last clearing of "show interface" counters {_clearing(iface, at)}',
        f"  Input queue: 0/75/{c.input_drops}/0 (size/max/drops/flushes); "
        f"Total output drops: {c.output_drops}",
    ]
    if eth:
        lines += ["  Queueing strategy: fifo", "  Output queue: 0/40 (size/max)"]
    else:
        # IOS defaults serial links at E1 speed or below to weighted fair queueing.
        lines += [
            "  Queueing strategy: weighted fair",
            "  Output queue: 0/1000/64/0 (size/max total/threshold/drops) ",
            "     Conversations  0/1/256 (active/max active/max total)",
            "     Reserved Conversations 0/0 (allocated/max allocated)",
            f"     Available Bandwidth {iface.bandwidth_kbit * 3 // 4} kilobits/sec",
        ]
    lines += [
        f"  5 minute input rate {in_bps} bits/sec, {in_pps} packets/sec",
        f"  5 minute output rate {out_bps} bits/sec, {out_pps} packets/sec",
        f"     {c.input_packets} packets input, {c.input_bytes} bytes, {c.no_buffer} no buffer",
        f"     Received {c.input_packets // (10 if eth else 50)} broadcasts (0 IP multicasts)",
        f"     {c.runts} runts, {c.giants} giants, {c.throttles} throttles ",
    ]
    errs = f"     {c.input_errors} input errors, {c.crc} CRC, {c.frame} frame, {c.overrun} overrun"
    if eth:
        lines += [
            f"{errs}, {c.ignored} ignored",
            f"     0 watchdog, {c.input_packets // 30} multicast, 0 pause input",
        ]
    else:
        lines.append(f"{errs}, {c.ignored} ignored, {c.aborts} abort")
    lines += [
        f"     {c.output_packets} packets output, {c.output_bytes} bytes, {c.underruns} underruns",
        f"     {c.output_errors} output errors, {c.collisions} collisions, "
        f"{c.interface_resets} interface resets",
        "     0 unknown protocol drops",
    ]
    if eth:
        lines += [
            f"     0 babbles, {c.late_collisions} late collision, {c.deferred} deferred",
            f"     {c.lost_carrier} lost carrier, {c.no_carrier} no carrier, 0 pause output",
            "     0 output buffer failures, 0 output buffers swapped out",
        ]
    else:
        lines += [
            "     0 output buffer failures, 0 output buffers swapped out",
            f"     {c.carrier_transitions} carrier transitions",
        ]
    if iface.kind == "serial":
        lines.append(f"     {_leads_line(leads(iface))}")
    elif iface.kind == "e1-channel":
        parent = parent_controller(state, iface)
        alarmed = parent is not None and bool(parent.alarms)
        lines += [
            f"  {'alarm present' if alarmed else 'no alarm present'}",
            f"  Timeslot(s) Used:{iface.timeslots}, SCC: 0, Transmitter delay is 0 flags",
        ]
    return "\n".join(lines) + "\n"


def show_interfaces(state: RouterState, at: Moment) -> str:
    return "".join(show_interface(state, i, at) for i in state.interfaces)


def show_ip_interface_brief(state: RouterState) -> str:
    lines = [f"{'Interface':<26} {'IP-Address':<15} OK? Method {'Status':<21} Protocol"]
    for i in state.interfaces:
        ip = i.ip.split("/")[0] if i.ip else "unassigned"
        method = "NVRAM" if i.ip else "unset"
        lines.append(f"{i.name:<26} {ip:<15} YES {method:<6} {_link(i):<21} {_protocol(i)}")
    return "\n".join(lines) + "\n"


# --- controllers -------------------------------------------------------------------------------

_ALARM_TEXT = {
    "LOS": "Receiver has loss of signal.",
    "LOF": "Receiver has loss of frame.",
    "AIS": "Receiver is getting AIS.",
    "RAI": "Receiver has remote alarm.",
    "LOMF": "Receiver has loss of multiframe.",
}
_FRAMING = {"crc4": "CRC4", "no-crc4": "NO-CRC4", "unframed": "UNFRAMED"}


def controller_port(name: str) -> str:
    """'0/0/0' from 'E1 0/0/0'."""
    return name.rsplit(maxsplit=1)[-1]


def parent_controller(state: RouterState, iface: InterfaceState) -> E1Controller | None:
    """The E1 controller a channel group belongs to: Serial0/0/0:0 -> E1 0/0/0."""
    m = re.search(r"(\d+(?:/\d+)*):\d+$", iface.name)
    if not m:
        return None
    return next((c for c in state.controllers if controller_port(c.name) == m.group(1)), None)


def _e1_counter_lines(v: dict[str, int], comma: str) -> list[str]:
    return [
        f"     {v['line_code_violations']} Line Code Violations, "
        f"{v['path_code_violations']} Path Code Violations{comma}",
        f"     {v['slip_secs']} Slip Secs, {v['frame_loss_secs']} Fr Loss Secs, "
        f"{v['line_err_secs']} Line Err Secs, {v['degraded_mins']} Degraded Mins{comma}",
        f"     {v['errored_secs']} Errored Secs, {v['bursty_err_secs']} Bursty Err Secs, "
        f"{v['severely_err_secs']} Severely Err Secs, {v['unavail_secs']} Unavail Secs",
    ]


def show_controller_e1(ctrl: E1Controller, at: Moment) -> str:
    r = e1_reading(ctrl, at)
    lines = [
        f"E1 {controller_port(ctrl.name)} is {ctrl.status}.",
        "  Applique type is Channelized E1 - balanced",
    ]
    if not ctrl.alarms:
        lines.append("  No alarms detected.")
    else:
        # A framer that loses the incoming signal or frame answers with RAI (yellow alarm).
        if {"LOS", "LOF", "AIS"} & set(ctrl.alarms):
            lines.append("  Transmitter is sending remote alarm.")
        lines += [f"  {_ALARM_TEXT[a]}" for a in ctrl.alarms]
    lines += [
        "  alarm-trigger is not set",
        "  Version info Firmware: 20100222, FPGA: 13, spm_count = 0",
        f"  Framing is {_FRAMING[ctrl.framing]}, Line Code is {ctrl.linecode.upper()}, "
        f"Clock Source is {ctrl.clock_source.capitalize()}.",
        f"  Data in current interval ({r.elapsed_in_interval} seconds elapsed):",
        *_e1_counter_lines(r.current, ""),
    ]
    if r.valid_intervals >= 96:
        lines.append("  Total Data (last 24 hours)")
    else:
        lines.append(f"  Total Data (last {r.valid_intervals} 15 minute intervals):")
    lines += _e1_counter_lines(r.total, ",")
    return "\n".join(lines) + "\n"


_CABLE = re.compile(r"(V\.35|V\.11|V\.24|X\.21|RS-232|RS-449|RS-530|EIA-530)", re.IGNORECASE)


def show_controller_serial(iface: InterfaceState) -> str:
    """GT96K (HWIC-2T) register dump header: the cable/clocking line is what matters."""
    lines = [f"Interface {iface.name}", "Hardware is GT96K"]
    cable = iface.cable or ""
    std = _CABLE.search(cable)
    if std is None:
        lines.append("No serial cable attached")
    elif "DCE" in cable.upper():
        lines.append(f"DCE {std.group(1).upper()}, clock rate {iface.clock_rate or 2048000}")
    elif iface.clocks_detected:
        lines.append(f"DTE {std.group(1).upper()} TX and RX clocks detected.")
    else:
        lines.append(f"DTE {std.group(1).upper()} clocks stopped.")
    lines += [
        "idb at 0x2A8A5A40, driver data structure at 0x2A8AD0E4",
        "wic_info 0x2A8AD6F4",
        "Physical Port 0, SCC Num 0",
        "MPSC Registers:",
        "MMCR_L=0x000304C0, MMCR_H=0x00000000, MPCR=0x00000000",
        "CHR1=0x00FE007E, CHR2=0x00000000, CHR3=0x0000064A, CHR4=0x00000000",
        "SDMA Registers:",
        "SDC=0x00002201, SDCM=0x00000080, SGC=0x0000C000",
        "0 input aborts on receiving flag sequence",
        "0 throttles, 0 enables",
        "0 overruns",
        "0 transmitter underruns",
        f"{0 if leads(iface).cts else 1} transmitter CTS losts",
    ]
    return "\n".join(lines) + "\n"

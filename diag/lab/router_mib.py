"""A lab router's SNMP view: IF-MIB, DS1-MIB, the vendor CPU tables and Cisco's short interface
names, read from the router's timeline at the moment of the request.  The NE side and the
shared builders: ne_agent.py; the agent serving them: device_agent.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from pysnmp.proto.rfc1902 import (
    Gauge32,
    Integer32,
)

from diag.lab.ne_agent import (
    CISCO_OBJECT_ID,
    CONTROLLER_ALARM_BITS,
    CPM_CPU_TOTAL_ENTRY,
    DOT3_STATS_ENTRY,
    HUAWEI_OBJECT_ID,
    HW_CPU_DEV_ENTRY,
    IF_TYPE_DS1,
    IF_TYPE_ETHERNET,
    IF_TYPE_SERIAL,
    LIF_ENTRY,
    LINE_CODING_AMI,
    LINE_CODING_HDB3,
    LINE_TYPE_E1,
    LINE_TYPE_E1_CRC,
    LINE_TYPE_E1_UNFRAMED,
    E1Port,
    Oid,
    OidValues,
    Reading,
    _c32,
    _ds1_rows,
    _if_rows,
    _IfRow,
    system_oids,
)
from diag.lab.routers.clock import Moment
from diag.lab.routers.state import E1Controller, InterfaceState, RouterState
from diag.lab.routers.timeline import interface_counters, uptime_minutes

_CISCO_SHORT = {
    "serial": "Se",
    "gigabitethernet": "Gi",
    "fastethernet": "Fa",
    "ethernet": "Et",
    "tengigabitethernet": "Te",
    "loopback": "Lo",
    "tunnel": "Tu",
}


def cisco_if_name(descr: str) -> str:
    """IOS ifName is the short form of ifDescr: Serial0/0/0:0 -> Se0/0/0:0."""
    m = re.match(r"^([A-Za-z-]+)([0-9].*)$", descr)
    short = _CISCO_SHORT.get(m.group(1).lower()) if m else None
    return f"{short}{m.group(2)}" if m and short else descr


# What only the CLI sees: `clear counters` (IOS and VRP leave the SNMP counters alone) and
# 32-bit CLI counter wrapping (SNMP wraps Counter32 / Counter64 itself).
_CLI_ONLY_FIELDS = {"cleared_at_s": None, "counter_bits": None}


def snmp_counters(iface: InterfaceState, at: Moment) -> dict[str, int]:
    """The interface's counters as its SNMP agent reports them at `at` (never cleared)."""
    cli_only = {k: v for k, v in _CLI_ONLY_FIELDS.items() if k in InterfaceState.model_fields}
    plain = iface.model_copy(update=cli_only) if cli_only else iface
    return interface_counters(plain, at).model_dump()


def _counter_reader(counters: Callable[[Moment], dict[str, int]], key: str) -> Reading:
    return Reading(lambda m: _c32(counters(m)[key]))


def _controller_bits(ctrl: E1Controller) -> tuple[str, ...]:
    names: list[str] = []
    for alarm in ctrl.alarms:
        for bit in CONTROLLER_ALARM_BITS[alarm]:
            if bit not in names:
                names.append(bit)
    return tuple(names)


def router_oids(state: RouterState) -> OidValues:
    """What the router's SNMP agent shows, from the same state its CLI renders."""
    cisco = state.vendor == "cisco_ios"
    base_minutes = uptime_minutes(state.uptime, Moment(0.0, datetime(2000, 1, 1)))  # noqa: DTZ001
    if cisco:
        family = f"C{state.model[:2]}00"
        descr = (
            f"Cisco IOS Software, {family} Software ({family}-UNIVERSALK9-M), Version "
            f"{state.software or '15.7(3)M5'}, RELEASE SOFTWARE (fc1)"
        )
        object_id = CISCO_OBJECT_ID
    else:
        descr = (
            "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.160 "
            f"({state.model} {state.software or 'V200R009C00SPC500'})"
        )
        object_id = HUAWEI_OBJECT_ID
    out = system_oids(state.hostname, descr, object_id, base_minutes * 60.0)

    rows: list[_IfRow] = []
    for n, iface in enumerate(state.interfaces, start=1):

        def counters(m: Moment, iface: InterfaceState = iface) -> dict[str, int]:
            return snmp_counters(iface, m)

        rows.append(
            _IfRow(
                if_index=n,
                descr=iface.name,
                name=cisco_if_name(iface.name) if cisco else iface.name,
                if_type=IF_TYPE_ETHERNET if iface.kind == "ethernet" else IF_TYPE_SERIAL,
                speed_bps=iface.bandwidth_kbit * 1000,
                admin_up=iface.admin_up,
                oper_up=iface.admin_up and iface.status == "up" and iface.protocol == "up",
                mtu=iface.mtu,
                alias=iface.description or "",
                counters=counters,
            )
        )
        if cisco:
            out[(*LIF_ENTRY, 12, n)] = _counter_reader(counters, "crc")  # locIfInCRC
            # locIfCarrierTransitions
            out[(*LIF_ENTRY, 21, n)] = _counter_reader(counters, "carrier_transitions")
        if iface.kind == "ethernet":
            out[(*DOT3_STATS_ENTRY, 1, n)] = Integer32(n)  # dot3StatsIndex
            out[(*DOT3_STATS_ENTRY, 3, n)] = _counter_reader(counters, "crc")  # dot3StatsFCSErrors
    first_controller = len(state.interfaces) + 1
    ports: list[tuple[E1Port, E1Controller]] = []
    for n, ctrl in enumerate(state.controllers, start=first_controller):
        port = E1Port(
            name=ctrl.name,
            if_index=n,
            status=_controller_bits(ctrl),
            line_type={"crc4": LINE_TYPE_E1_CRC, "no-crc4": LINE_TYPE_E1}.get(
                ctrl.framing, LINE_TYPE_E1_UNFRAMED
            ),
            line_coding=LINE_CODING_HDB3 if ctrl.linecode == "hdb3" else LINE_CODING_AMI,
        )
        ports.append((port, ctrl))
        rows.append(
            _IfRow(
                if_index=n,
                descr=ctrl.name,
                name=ctrl.name,
                if_type=IF_TYPE_DS1,
                speed_bps=2_048_000,
                admin_up=ctrl.status != "administratively down",
                oper_up=ctrl.status == "up" and port.signal_ok,
            )
        )
    out.update(_if_rows(rows))
    for port, ctrl in ports:
        out.update(_ds1_rows(port, ctrl))

    cpu = state.cpu
    i: Oid
    if cisco:
        i = (1,)  # cpmCPUTotalIndex
        e = CPM_CPU_TOTAL_ENTRY
        out.update(
            {
                (*e, 2, *i): Integer32(0),  # cpmCPUTotalPhysicalIndex (0: not known)
                (*e, 3, *i): Gauge32(max(1, cpu.five_sec)),
                (*e, 4, *i): Gauge32(max(1, cpu.one_min)),
                (*e, 5, *i): Gauge32(max(1, cpu.five_min)),
                (*e, 6, *i): Gauge32(cpu.five_sec),
                (*e, 7, *i): Gauge32(cpu.one_min),  # cpmCPUTotal1minRev
                (*e, 8, *i): Gauge32(cpu.five_min),  # cpmCPUTotal5minRev
            }
        )
    else:
        i = (0, 0, 0)  # hwFrameIndex 0, hwSlotIndex 0 (main board), hwCpuDevIndex 0
        e = HW_CPU_DEV_ENTRY
        out.update(
            {
                (*e, 2, *i): Integer32(cpu.five_sec),  # hwCpuDevDuty
                (*e, 3, *i): Integer32(cpu.one_min),  # hwAvgDuty1min
                (*e, 4, *i): Integer32(cpu.five_min),  # hwAvgDuty5min
            }
        )
    return out

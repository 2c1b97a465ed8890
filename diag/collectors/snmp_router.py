"""Direct SNMP polling of a customer router: one interface's state and counters, and the CPU.

Interface (IF-MIB, source "snmp:IF-MIB"):
- found by ifName / ifDescr, exact, then case/separator tolerant, then by IOS/VRP type prefix
  (`Se0/0/0:0` = `Serial0/0/0:0`, `GE0/0/1` = `GigabitEthernet0/0/1`);
- admin_up from ifAdminStatus; ifOperStatus up means line and protocol up (on IOS it follows
  the line protocol), lowerLayerDown means the line is down, other states leave line_up unknown;
- input_errors / output_errors from ifInErrors / ifOutErrors; packets from the ifXTable HC
  counters (unicast + multicast + broadcast) when present, else ifInUcastPkts + ifInNUcastPkts;
- crc only from a CRC-specific counter: Cisco locIfInCRC (crc_source "snmp:locIfInCRC"), else
  EtherLike dot3StatsFCSErrors ("snmp:dot3StatsFCSErrors"), else None: ifInErrors is never
  reported as CRC (it aggregates every input error);
- carrier_transitions from Cisco locIfCarrierTransitions; device_uptime_s from sysUpTime;
  ifCounterDiscontinuityTime and ifLastChange are kept in `raw`.

CPU (CpuObservation, source "snmp:<MIB>"): the vendor profile's MIB chain (diag.collectors.vendors;
the profile from the inventory's `device_type`/`vendor`, else from the sysObjectID enterprise):
- Cisco: CISCO-PROCESS-MIB cpmCPUTotal5secRev/1minRev/5minRev (.6/.7/.8; the deprecated
  .3/.4/.5 when the Rev columns are absent), the row with the lowest cpmCPUTotalIndex;
- Huawei: HUAWEI-CPU-MIB hwCpuDevDuty/hwAvgDuty1min/hwAvgDuty5min of the lowest index, else
  HUAWEI-ENTITY-EXTENT-MIB hwEntityCpuUsage (as five_sec) / hwEntity5MinCpuUsage of the busiest
  entity;
- after any chain, or for a router no profile knows: HOST-RESOURCES-MIB hrProcessorLoad
  averaged over the processors (as one_min: the MIB defines it over the last minute).
No CpuObservation when none of these answers.  Every table row read is in `raw`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from diag.collectors.snmp import oids as O
from diag.collectors.snmp.client import Oid, SnmpClient, SnmpTarget, oid_str
from diag.collectors.snmp_ne import (
    IF_DESCR_COLUMN,
    IF_NAME_COLUMN,
    as_int,
    column_by_index,
    device_target,
    find_if_index,
    names_from_rows,
    pretty,
    slug,
)
from diag.collectors.vendors import (
    CpuColumns,
    CpuMib,
    VendorProfile,
    by_inventory,
    by_sys_object_id,
    cisco_ios,
    huawei_vrp,
)
from diag.model.inventory import Device
from diag.model.observations import (
    CpuObservation,
    DeviceAccessObservation,
    InterfaceObservation,
    Observation,
)

# (entry, column, name) of every per-interface value read; the name goes into `raw`.
_IF_VALUES: tuple[tuple[Oid, int, str], ...] = (
    (O.IF_ENTRY, O.IF_ADMIN_STATUS, "ifAdminStatus"),
    (O.IF_ENTRY, O.IF_OPER_STATUS, "ifOperStatus"),
    (O.IF_ENTRY, O.IF_LAST_CHANGE, "ifLastChange"),
    (O.IF_ENTRY, O.IF_IN_UCAST_PKTS, "ifInUcastPkts"),
    (O.IF_ENTRY, O.IF_IN_NUCAST_PKTS, "ifInNUcastPkts"),
    (O.IF_ENTRY, O.IF_IN_DISCARDS, "ifInDiscards"),
    (O.IF_ENTRY, O.IF_IN_ERRORS, "ifInErrors"),
    (O.IF_ENTRY, O.IF_OUT_UCAST_PKTS, "ifOutUcastPkts"),
    (O.IF_ENTRY, O.IF_OUT_NUCAST_PKTS, "ifOutNUcastPkts"),
    (O.IF_ENTRY, O.IF_OUT_DISCARDS, "ifOutDiscards"),
    (O.IF_ENTRY, O.IF_OUT_ERRORS, "ifOutErrors"),
    (O.IF_X_ENTRY, O.IF_HC_IN_UCAST_PKTS, "ifHCInUcastPkts"),
    (O.IF_X_ENTRY, O.IF_HC_IN_MULTICAST_PKTS, "ifHCInMulticastPkts"),
    (O.IF_X_ENTRY, O.IF_HC_IN_BROADCAST_PKTS, "ifHCInBroadcastPkts"),
    (O.IF_X_ENTRY, O.IF_HC_OUT_UCAST_PKTS, "ifHCOutUcastPkts"),
    (O.IF_X_ENTRY, O.IF_HC_OUT_MULTICAST_PKTS, "ifHCOutMulticastPkts"),
    (O.IF_X_ENTRY, O.IF_HC_OUT_BROADCAST_PKTS, "ifHCOutBroadcastPkts"),
    (O.IF_X_ENTRY, O.IF_COUNTER_DISCONTINUITY_TIME, "ifCounterDiscontinuityTime"),
    (O.LIF_ENTRY, O.LOC_IF_IN_CRC, "locIfInCRC"),
    (O.LIF_ENTRY, O.LOC_IF_CARRIER_TRANSITIONS, "locIfCarrierTransitions"),
    (O.DOT3_STATS_ENTRY, O.DOT3_STATS_FCS_ERRORS, "dot3StatsFCSErrors"),
)


# The vendor CPU tables live with their vendor (diag.collectors.vendors); re-exported here for
# the tests that pin the OID map.
CISCO_CPU = cisco_ios.CISCO_CPU
CISCO_CPU_DEPRECATED = cisco_ios.CISCO_CPU_DEPRECATED
HUAWEI_CPU = huawei_vrp.HUAWEI_CPU
HUAWEI_ENTITY_CPU = huawei_vrp.HUAWEI_ENTITY_CPU
# Every router's last resort, whatever its vendor.
HOST_RESOURCES_CPU = CpuColumns(
    "HOST-RESOURCES-MIB",
    O.HR_PROCESSOR_ENTRY,
    five_sec=None,
    one_min=O.HR_PROCESSOR_LOAD,
    five_min=None,
    names={2: "hrProcessorLoad"},
)


def profile_of(device: Device, sys_object_id: Oid | None) -> VendorProfile | None:
    """The vendor profile from the inventory (device_type, vendor), else from sysObjectID."""
    profile = by_inventory(device.vendor, device.device_type)
    if profile is None and sys_object_id is not None:
        profile = by_sys_object_id(sys_object_id)
    return profile


def vendor_of(device: Device, sys_object_id: Oid | None) -> str:
    """'cisco', 'huawei' (the profile's vendor word) or 'other'."""
    profile = profile_of(device, sys_object_id)
    return profile.vendor if profile is not None else "other"


def _raw_lines(pairs: Iterable[tuple[str, str, str]]) -> str:
    """(oid, name, value) -> 'oid (name) = value' lines."""
    return "\n".join(f"{oid} ({name}) = {value}" for oid, name, value in pairs)


async def _read_cpu_table(
    client: SnmpClient, target: SnmpTarget, spec: CpuColumns
) -> dict[Oid, dict[int, int]]:
    """{row index: {column: value}} of a CPU table (only rows with a number)."""
    rows = await client.walk_many(target, [(*spec.entry, c) for c in spec.columns])
    table: dict[Oid, dict[int, int]] = {}
    for col in spec.columns:
        for index, value in column_by_index(rows, (*spec.entry, col)).items():
            number = as_int(value)
            if number is not None:
                table.setdefault(index, {})[col] = number
    return table


def _cpu_observation(
    device: Device, at: datetime, spec: CpuColumns, table: dict[Oid, dict[int, int]], pick: str
) -> CpuObservation:
    """Fields from one row (pick 'lowest' index or the 'busiest' by five_sec) or the mean."""
    raw = _raw_lines(
        (oid_str((*spec.entry, col, *index)), spec.names.get(col, str(col)), str(value))
        for index in sorted(table)
        for col, value in sorted(table[index].items())
    )
    values: dict[str, float | None] = {"five_sec": None, "one_min": None, "five_min": None}
    if pick == "mean":
        for key in values:
            col = getattr(spec, key)
            got = [row[col] for row in table.values() if col in row]
            values[key] = sum(got) / len(got) if got and col is not None else None
    else:
        if pick == "busiest" and spec.five_sec is not None:
            col5 = spec.five_sec
            index = max(table, key=lambda i: (table[i].get(col5, -1), [-x for x in i]))
        else:
            index = min(table)
        row = table[index]
        for key in values:
            col = getattr(spec, key)
            values[key] = float(row[col]) if col is not None and col in row else None
    return CpuObservation(
        id=f"snmp-cpu-{slug(device.name)}",
        collector=f"snmp:{device.name}",
        at=at,
        device=device.name,
        source=f"snmp:{spec.mib}",
        five_sec=values["five_sec"],
        one_min=values["one_min"],
        five_min=values["five_min"],
        raw=raw,
    )


async def poll_cpu(
    client: SnmpClient, device: Device, target: SnmpTarget, profile: VendorProfile | None
) -> CpuObservation | None:
    """The CPU load by the vendor profile's MIB chain, then HOST-RESOURCES-MIB; None if none."""
    chain = [*(profile.cpu_mibs if profile else ()), CpuMib(HOST_RESOURCES_CPU, "mean")]
    for mib in chain:
        table = await _read_cpu_table(client, target, mib.columns)
        if table:
            return _cpu_observation(device, datetime.now(UTC), mib.columns, table, mib.pick)
    return None


def _sum_present(values: Sequence[int | None]) -> int | None:
    """Sum of the parts read; None when the first (the unicast count) is absent."""
    if not values or values[0] is None:
        return None
    return sum(v for v in values if v is not None)


async def poll_router(client: SnmpClient, device: Device, interface: str) -> list[Observation]:
    """[DeviceAccessObservation, InterfaceObservation, CpuObservation (when any CPU MIB answers)]."""
    target = device_target(device)
    t0 = time.monotonic()
    system, name_rows = await asyncio.gather(
        client.get(target, [O.SYS_UPTIME, O.SYS_OBJECT_ID]),
        client.walk_many(target, [IF_NAME_COLUMN, IF_DESCR_COLUMN]),
    )
    sys_oid_value = system.get(oid_str(O.SYS_OBJECT_ID))
    sys_object_id = tuple(sys_oid_value) if sys_oid_value is not None else None
    profile = profile_of(device, sys_object_id)
    names = names_from_rows(name_rows)
    if_index = find_if_index(device.name, "interface", interface, names, abbreviations=True)

    wanted = [(*entry, col, if_index) for entry, col, _ in _IF_VALUES]
    got, cpu = await asyncio.gather(
        client.get(target, wanted), poll_cpu(client, device, target, profile)
    )
    at = datetime.now(UTC)

    def value(entry: Oid, col: int) -> int | None:
        return as_int(got.get(oid_str((*entry, col, if_index))))

    walked = dict(name_rows)
    raw_pairs: list[tuple[str, str, str]] = []
    for column, label in ((IF_NAME_COLUMN, "ifName"), (IF_DESCR_COLUMN, "ifDescr")):
        key = oid_str((*column, if_index))
        if key in walked:
            raw_pairs.append((key, label, pretty(walked[key])))
    uptime = system.get(oid_str(O.SYS_UPTIME))
    if uptime is not None:
        raw_pairs.append((oid_str(O.SYS_UPTIME), "sysUpTime", pretty(uptime)))
    for entry, col, label in _IF_VALUES:
        key = oid_str((*entry, col, if_index))
        if key in got:
            raw_pairs.append((key, label, pretty(got[key])))

    admin = value(O.IF_ENTRY, O.IF_ADMIN_STATUS)
    oper = value(O.IF_ENTRY, O.IF_OPER_STATUS)
    protocol_up = None if oper is None else oper == O.IF_STATUS_UP
    line_up: bool | None = None
    if oper == O.IF_STATUS_UP:
        line_up = True
    elif oper == O.IF_OPER_LOWER_LAYER_DOWN:
        line_up = False

    crc: int | None = None
    crc_source: str | None = None
    loc_crc = value(O.LIF_ENTRY, O.LOC_IF_IN_CRC)
    fcs = value(O.DOT3_STATS_ENTRY, O.DOT3_STATS_FCS_ERRORS)
    if loc_crc is not None:
        crc, crc_source = loc_crc, "snmp:locIfInCRC"
    elif fcs is not None:
        crc, crc_source = fcs, "snmp:dot3StatsFCSErrors"

    hc_in = _sum_present(
        [
            value(O.IF_X_ENTRY, O.IF_HC_IN_UCAST_PKTS),
            value(O.IF_X_ENTRY, O.IF_HC_IN_MULTICAST_PKTS),
            value(O.IF_X_ENTRY, O.IF_HC_IN_BROADCAST_PKTS),
        ]
    )
    hc_out = _sum_present(
        [
            value(O.IF_X_ENTRY, O.IF_HC_OUT_UCAST_PKTS),
            value(O.IF_X_ENTRY, O.IF_HC_OUT_MULTICAST_PKTS),
            value(O.IF_X_ENTRY, O.IF_HC_OUT_BROADCAST_PKTS),
        ]
    )
    in_packets = (
        hc_in
        if hc_in is not None
        else _sum_present(
            [value(O.IF_ENTRY, O.IF_IN_UCAST_PKTS), value(O.IF_ENTRY, O.IF_IN_NUCAST_PKTS)]
        )
    )
    out_packets = (
        hc_out
        if hc_out is not None
        else _sum_present(
            [value(O.IF_ENTRY, O.IF_OUT_UCAST_PKTS), value(O.IF_ENTRY, O.IF_OUT_NUCAST_PKTS)]
        )
    )
    uptime_ticks = as_int(uptime)

    iface = InterfaceObservation(
        id=f"snmp-if-{slug(device.name)}-{slug(interface)}",
        collector=f"snmp:{device.name}",
        at=at,
        device=device.name,
        interface=interface,
        source="snmp:IF-MIB",
        admin_up=None if admin is None else admin == O.IF_STATUS_UP,
        line_up=line_up,
        protocol_up=protocol_up,
        input_packets=in_packets,
        output_packets=out_packets,
        input_errors=value(O.IF_ENTRY, O.IF_IN_ERRORS),
        output_errors=value(O.IF_ENTRY, O.IF_OUT_ERRORS),
        crc=crc,
        crc_source=crc_source,
        carrier_transitions=value(O.LIF_ENTRY, O.LOC_IF_CARRIER_TRANSITIONS),
        device_uptime_s=None if uptime_ticks is None else uptime_ticks / 100.0,
        raw=_raw_lines(raw_pairs),
    )
    access = DeviceAccessObservation(
        id=f"snmp-access-{slug(device.name)}",
        collector=f"snmp:{device.name}",
        at=at,
        device=device.name,
        via="snmp",
        ok=True,
        stage="done",
        duration_s=round(time.monotonic() - t0, 3),
    )
    out: list[Observation] = [access, iface]
    if cpu is not None:
        out.append(cpu)
    return out

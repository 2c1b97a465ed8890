"""What the lab's SNMP agent for one device polled directly serves: a transmission NE (DS1-MIB)
or a router.  The agent is in device_agent.py, the routers' map in router_mib.py.

`DeviceAgent` is a real pysnmp command responder (GET / GETNEXT / GETBULK, v2c and v3 authPriv),
run like the lab NMS (diag.lab.nms_agent): same engine set-up, same VACM check, its own engine
ID.  It serves an OID -> value map; a value is a pyasn1 object, or a `Reading` computed from the
lab clock when read, so counters grow with lab time exactly as the simulated routers' CLI
counters do (diag.lab.routers.timeline).  Every value of one request is read at one instant.

Builders give the maps:
- `ne_oids(name, ports)`: an NE with E1 ports (`E1Port`): IF-MIB ifTable/ifXTable rows (ifType
  ds1) and DS1-MIB dsx1ConfigTable / dsx1CurrentTable / dsx1TotalTable rows; the current
  15-minute interval rolls over every 900 s of lab time like the routers' E1 controllers;
- `router_oids(state)` (router_mib.py): a lab router (`RouterState`, the same state its SSH/console CLI shows):
  IF-MIB for every interface and E1 controller, DS1-MIB for the controllers, EtherLike
  dot3StatsFCSErrors for Ethernet ports; Cisco: OLD-CISCO-INTERFACES-MIB locIfInCRC /
  locIfCarrierTransitions and CISCO-PROCESS-MIB cpmCPUTotalTable; Huawei: HUAWEI-CPU-MIB
  hwCpuDevTable;
- `hr_processor_oids(loads)`: HOST-RESOURCES-MIB hrProcessorLoad rows (a generic host).

The OIDs below are written out from the MIB text on purpose, independently of the collector's
constants (diag.collectors.snmp.oids), so a wrong number on either side shows up in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pysnmp.proto.rfc1902 import (
    Counter32,
    Counter64,
    Gauge32,
    Integer32,
    ObjectName,
    OctetString,
    TimeTicks,
)

from diag.lab.routers.clock import Moment
from diag.lab.routers.state import E1Controller
from diag.lab.routers.timeline import e1_reading

Oid = tuple[int, ...]

V3_USER = "diag-lab"
_C32 = 2**32
_C64 = 2**64

# SNMPv2-MIB (RFC 3418) system group
SYS_DESCR: Oid = (1, 3, 6, 1, 2, 1, 1, 1, 0)
SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 2, 1, 1, 2, 0)
SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)
SYS_NAME: Oid = (1, 3, 6, 1, 2, 1, 1, 5, 0)
# sysObjectID values: the vendor's enterprise subtree (9 Cisco, 2011 Huawei; 20408 pysnmp).
CISCO_OBJECT_ID: Oid = (1, 3, 6, 1, 4, 1, 9, 1, 1047)
HUAWEI_OBJECT_ID: Oid = (1, 3, 6, 1, 4, 1, 2011, 2, 224)
LAB_OBJECT_ID: Oid = (1, 3, 6, 1, 4, 1, 20408, 1, 2)

# IF-MIB (RFC 2863)
IF_NUMBER: Oid = (1, 3, 6, 1, 2, 1, 2, 1, 0)  # ifNumber.0
IF_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1)  # ifEntry: 1 ifIndex .. 22 ifSpecific
# ifXEntry: 1 ifName .. 19 ifCounterDiscontinuityTime
IF_X_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
IF_TYPE_ETHERNET = 6  # IANAifType ethernetCsmacd
IF_TYPE_DS1 = 18  # IANAifType ds1 (DS1-MIB lines, T1 and E1)
IF_TYPE_SERIAL = 22  # IANAifType propPointToPointSerial
# EtherLike-MIB (RFC 3635) dot3StatsEntry: 1 dot3StatsIndex, 3 dot3StatsFCSErrors
DOT3_STATS_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 10, 7, 2, 1)
# OLD-CISCO-INTERFACES-MIB lifEntry (index ifIndex): 12 locIfInCRC, 21 locIfCarrierTransitions
LIF_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 9, 2, 2, 1, 1)
# CISCO-PROCESS-MIB cpmCPUTotalEntry: 2 PhysicalIndex, 3/4/5 5sec/1min/5min (deprecated),
# 6 5secRev, 7 1minRev, 8 5minRev
CPM_CPU_TOTAL_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1)
# HUAWEI-CPU-MIB hwCpuDevEntry {hwFrameIndex, hwSlotIndex, hwCpuDevIndex}: 2 hwCpuDevDuty,
# 3 hwAvgDuty1min, 4 hwAvgDuty5min
HW_CPU_DEV_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 2011, 6, 3, 4, 1)
# HOST-RESOURCES-MIB hrProcessorEntry {hrDeviceIndex}: 1 hrProcessorFrwID, 2 hrProcessorLoad
HR_PROCESSOR_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 25, 3, 3, 1)
HR_DEVICE_PROCESSOR_BASE = 768  # net-snmp numbers processors 768 << 8 | n; any index is valid

# DS1-MIB (RFC 4805), ds1 = transmission 18
DSX1_CONFIG_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 10, 18, 6, 1)
DSX1_CURRENT_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 10, 18, 7, 1)
DSX1_TOTAL_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 10, 18, 9, 1)
# dsx1CurrentEntry / dsx1TotalEntry columns 2..11 -> the lab's E1 counter names
DSX1_COUNTER_COLUMNS: dict[int, str] = {
    2: "errored_secs",  # ESs
    3: "severely_err_secs",  # SESs
    4: "frame_loss_secs",  # SEFSs
    5: "unavail_secs",  # UASs
    6: "slip_secs",  # CSSs
    7: "path_code_violations",  # PCVs
    8: "line_err_secs",  # LESs
    9: "bursty_err_secs",  # BESs
    10: "degraded_mins",  # DMs
    11: "line_code_violations",  # LCVs
}
# Short (collector-side) names of the same counters, for E1Port.counters.
DSX1_SHORT_NAMES: dict[str, str] = {
    "es": "errored_secs",
    "ses": "severely_err_secs",
    "sefs": "frame_loss_secs",
    "uas": "unavail_secs",
    "css": "slip_secs",
    "pcv": "path_code_violations",
    "les": "line_err_secs",
    "bes": "bursty_err_secs",
    "dm": "degraded_mins",
    "lcv": "line_code_violations",
}
# dsx1LineStatus bits (DS1-MIB DESCRIPTION)
DSX1_BITS: dict[str, int] = {
    "NoAlarm": 1,
    "RcvFarEndLOF": 2,
    "XmtFarEndLOF": 4,
    "RcvAIS": 8,
    "XmtAIS": 16,
    "LossOfFrame": 32,
    "LossOfSignal": 64,
    "LoopbackState": 128,
    "T16AIS": 256,
    "RcvFarEndLOMF": 512,
    "XmtFarEndLOMF": 1024,
    "RcvTestCode": 2048,
    "OtherFailure": 4096,
    "UnavailSigState": 8192,
    "NetEquipOOS": 16384,
    "RcvPayloadAIS": 32768,
    "Ds2PerfThreshold": 65536,
}
LINE_TYPE_E1 = 4  # dsx1E1
LINE_TYPE_E1_CRC = 5  # dsx1E1CRC
LINE_TYPE_E1_UNFRAMED = 9  # dsx1E1Unframed
LINE_CODING_HDB3 = 3  # dsx1HDB3
LINE_CODING_AMI = 5  # dsx1AMI

# Router E1 controller alarms (as `show controllers e1` names them) -> dsx1LineStatus bits.
# A near end in LOS/LOF/AIS sends RAI (G.704 A bit), which DS1-MIB calls XmtFarEndLOF.
CONTROLLER_ALARM_BITS: dict[str, tuple[str, ...]] = {
    "LOS": ("LossOfSignal", "XmtFarEndLOF"),
    "LOF": ("LossOfFrame", "XmtFarEndLOF"),
    "AIS": ("RcvAIS", "XmtFarEndLOF"),
    "RAI": ("RcvFarEndLOF",),
    "LOMF": ("RcvFarEndLOMF",),
}


def _utf8(text: str) -> OctetString:
    """Text as an SNMP OCTET STRING in UTF-8 (SnmpAdminString): pyasn1 would refuse non-Latin-1
    text, and real NMSs write alarm names and descriptions in Chinese."""
    return OctetString(text.encode("utf-8"))


@dataclass(frozen=True)
class Reading:
    """A value computed when read, from the lab clock's current moment."""

    read: Callable[[Moment], Any]


OidValues = dict[Oid, Any]  # value: a pyasn1 object or a Reading


def line_status_bits(names: Sequence[str]) -> int:
    """dsx1LineStatus from bit names (dsx1 prefix optional); none means NoAlarm (1)."""
    lower = {k.lower(): v for k, v in DSX1_BITS.items()}
    total = 0
    for name in names:
        key = name.lower().removeprefix("dsx1")
        if key not in lower:
            raise ValueError(f"unknown dsx1LineStatus bit {name!r}; known: {', '.join(DSX1_BITS)}")
        total |= lower[key]
    if total & 1 and total != 1:
        raise ValueError("dsx1LineStatus NoAlarm cannot be combined with another bit")
    return total or 1


# --------------------------------------------------------------------------- builders


def _c32(n: int) -> Counter32:
    return Counter32(n % _C32)


def _c64(n: int) -> Counter64:
    return Counter64(n % _C64)


def system_oids(name: str, descr: str, object_id: Oid, uptime_s_at_start: float = 0.0) -> OidValues:
    """sysDescr, sysObjectID, sysUpTime (growing with lab time) and sysName."""
    return {
        SYS_DESCR: _utf8(descr),
        SYS_OBJECT_ID: ObjectName(object_id),
        SYS_UPTIME: Reading(
            lambda m: TimeTicks(int((uptime_s_at_start + m.elapsed_s) * 100) % _C32)
        ),
        SYS_NAME: _utf8(name),
    }


@dataclass(frozen=True)
class _IfRow:
    if_index: int
    descr: str
    name: str
    if_type: int
    speed_bps: int
    admin_up: bool
    oper_up: bool
    mtu: int = 1500
    alias: str = ""
    # name (Counters field) -> value at a moment; None: the interface counts nothing
    counters: Callable[[Moment], dict[str, int]] | None = None


def _if_rows(rows: Sequence[_IfRow]) -> OidValues:
    out: OidValues = {IF_NUMBER: Integer32(len(rows))}
    e, x = IF_ENTRY, IF_X_ENTRY
    for r in rows:
        i = r.if_index

        def counter(key: str, wide: bool = False, r: _IfRow = r) -> Reading:
            def read(m: Moment) -> Any:
                n = r.counters(m).get(key, 0) if r.counters else 0
                return _c64(n) if wide else _c32(n)

            return Reading(read)

        out.update(
            {
                (*e, 1, i): Integer32(i),
                (*e, 2, i): _utf8(r.descr),
                (*e, 3, i): Integer32(r.if_type),
                (*e, 4, i): Integer32(r.mtu),
                (*e, 5, i): Gauge32(min(r.speed_bps, _C32 - 1)),
                (*e, 6, i): OctetString(b""),
                (*e, 7, i): Integer32(1 if r.admin_up else 2),
                (*e, 8, i): Integer32(1 if r.oper_up else 2),
                (*e, 9, i): TimeTicks(0),
                (*e, 10, i): counter("input_bytes"),
                (*e, 11, i): counter("input_packets"),
                (*e, 12, i): _c32(0),
                (*e, 13, i): counter("input_drops"),
                (*e, 14, i): counter("input_errors"),
                (*e, 15, i): _c32(0),
                (*e, 16, i): counter("output_bytes"),
                (*e, 17, i): counter("output_packets"),
                (*e, 18, i): _c32(0),
                (*e, 19, i): counter("output_drops"),
                (*e, 20, i): counter("output_errors"),
                (*e, 21, i): Gauge32(0),
                (*e, 22, i): ObjectName((0, 0)),
                (*x, 1, i): _utf8(r.name),
                (*x, 2, i): _c32(0),
                (*x, 3, i): _c32(0),
                (*x, 4, i): _c32(0),
                (*x, 5, i): _c32(0),
                (*x, 6, i): counter("input_bytes", wide=True),
                (*x, 7, i): counter("input_packets", wide=True),
                (*x, 8, i): _c64(0),
                (*x, 9, i): _c64(0),
                (*x, 10, i): counter("output_bytes", wide=True),
                (*x, 11, i): counter("output_packets", wide=True),
                (*x, 12, i): _c64(0),
                (*x, 13, i): _c64(0),
                (*x, 14, i): Integer32(1),  # ifLinkUpDownTrapEnable enabled(1)
                (*x, 15, i): Gauge32(r.speed_bps // 1_000_000),
                (*x, 16, i): Integer32(2),  # ifPromiscuousMode false(2)
                (*x, 17, i): Integer32(1),  # ifConnectorPresent true(1)
                (*x, 18, i): _utf8(r.alias),
                (*x, 19, i): TimeTicks(0),  # no counter discontinuity since start
            }
        )
    return out


@dataclass(frozen=True)
class E1Port:
    """One E1 port of an NE as the lab serves it over DS1-MIB.

    status: dsx1LineStatus bit names (RcvAIS, LossOfSignal, ...); empty means NoAlarm.
    counters: current-interval values at lab start, by short name (es ses sefs uas css pcv les
    bes dm lcv); growth_per_min: their increase per minute of lab time; the interval rolls over
    every 900 s and finished intervals go into dsx1TotalTable (plus `totals`).
    line_index: dsx1LineIndex (default: = if_index, as the MIB recommends).
    """

    name: str
    if_index: int
    status: tuple[str, ...] = ()
    counters: Mapping[str, int] = field(default_factory=dict)
    growth_per_min: Mapping[str, float] = field(default_factory=dict)
    totals: Mapping[str, int] = field(default_factory=dict)
    interval_elapsed_s: int = 300
    valid_intervals: int = 96
    line_index: int | None = None
    line_type: int = LINE_TYPE_E1_CRC
    line_coding: int = LINE_CODING_HDB3
    circuit_id: str = ""
    descr: str | None = None

    def controller(self) -> E1Controller:
        """The same counters as the routers' E1Controller (whose interval logic is reused)."""

        def long(m: Mapping[str, Any]) -> dict[str, Any]:
            unknown = sorted(set(m) - set(DSX1_SHORT_NAMES))
            if unknown:
                raise ValueError(
                    f"E1 port {self.name}: unknown counters {unknown}; known: "
                    f"{', '.join(DSX1_SHORT_NAMES)}"
                )
            return {DSX1_SHORT_NAMES[k]: v for k, v in m.items()}

        return E1Controller(
            name=self.name,
            growth_per_min=long(self.growth_per_min),
            totals=long(self.totals),
            interval_elapsed_s=self.interval_elapsed_s,
            valid_intervals=self.valid_intervals,
            **long(self.counters),
        )

    @property
    def bits(self) -> int:
        return line_status_bits(self.status)

    @property
    def signal_ok(self) -> bool:
        return not self.bits & (
            DSX1_BITS["LossOfSignal"] | DSX1_BITS["LossOfFrame"] | DSX1_BITS["RcvAIS"]
        )


def _ds1_rows(port: E1Port, ctrl: E1Controller) -> OidValues:
    line = port.line_index if port.line_index is not None else port.if_index
    c, cur, tot = DSX1_CONFIG_ENTRY, DSX1_CURRENT_ENTRY, DSX1_TOTAL_ENTRY
    looped = bool(port.bits & DSX1_BITS["LoopbackState"])

    def elapsed(m: Moment) -> Integer32:
        return Integer32(e1_reading(ctrl, m).elapsed_in_interval)

    def valid(m: Moment) -> Integer32:
        return Integer32(e1_reading(ctrl, m).valid_intervals)

    def current(name: str) -> Reading:
        return Reading(lambda m: Gauge32(e1_reading(ctrl, m).current[name] % _C32))

    def total(name: str) -> Reading:
        return Reading(lambda m: Gauge32(e1_reading(ctrl, m).total[name] % _C32))

    out: OidValues = {
        (*c, 1, line): Integer32(line),
        (*c, 2, line): Integer32(port.if_index),
        (*c, 3, line): Reading(elapsed),
        (*c, 4, line): Reading(valid),
        (*c, 5, line): Integer32(port.line_type),
        (*c, 6, line): Integer32(port.line_coding),
        (*c, 7, line): Integer32(1),  # dsx1SendCode dsx1SendNoCode(1)
        (*c, 8, line): _utf8(port.circuit_id),
        (*c, 9, line): Integer32(3 if looped else 1),  # dsx1LoopbackConfig lineLoop / noLoop
        (*c, 10, line): Integer32(port.bits),
        (*c, 11, line): Integer32(1),  # dsx1SignalMode none(1)
        (*c, 12, line): Integer32(1),  # dsx1TransmitClockSource loopTiming(1)
        (*c, 16, line): TimeTicks(0),  # dsx1LineStatusLastChange
        # dsx1LoopbackStatus NearEndLine(4) / NoLoopback(1)
        (*c, 18, line): Integer32(4 if looped else 1),
        (*cur, 1, line): Integer32(line),
        (*tot, 1, line): Integer32(line),
    }
    for col, name in DSX1_COUNTER_COLUMNS.items():
        out[(*cur, col, line)] = current(name)
        out[(*tot, col, line)] = total(name)
    return out


def ne_oids(
    name: str, ports: Sequence[E1Port], sys_descr: str | None = None, uptime_s: float = 864_000.0
) -> OidValues:
    """System group, one ifTable/ifXTable row (ifType ds1) and DS1-MIB rows per E1 port."""
    seen: set[int] = set()
    for p in ports:
        if p.if_index in seen:
            raise ValueError(f"NE {name}: ifIndex {p.if_index} used by two ports")
        seen.add(p.if_index)
    out = system_oids(
        name, sys_descr or f"diag lab NE {name}: DS1-MIB E1 ports", LAB_OBJECT_ID, uptime_s
    )
    rows = [
        _IfRow(
            if_index=p.if_index,
            descr=p.descr or p.name,
            name=p.name,
            if_type=IF_TYPE_DS1,
            speed_bps=2_048_000,
            admin_up=True,
            oper_up=p.signal_ok,
            alias=p.circuit_id,
        )
        for p in sorted(ports, key=lambda p: p.if_index)
    ]
    out.update(_if_rows(rows))
    for p in ports:
        out.update(_ds1_rows(p, p.controller()))
    return out


def hr_processor_oids(loads: Sequence[int | Callable[[Moment], int]]) -> OidValues:
    """HOST-RESOURCES-MIB hrProcessorTable: one row per load (a % or a function of time)."""
    out: OidValues = {}
    for n, load in enumerate(loads):
        idx = (HR_DEVICE_PROCESSOR_BASE * 256 + n,)
        out[(*HR_PROCESSOR_ENTRY, 1, *idx)] = ObjectName((0, 0))
        out[(*HR_PROCESSOR_ENTRY, 2, *idx)] = (
            Reading(_load_reader(load)) if callable(load) else Integer32(load)
        )
    return out


def _load_reader(load: Callable[[Moment], int]) -> Callable[[Moment], Integer32]:
    return lambda m: Integer32(load(m))

"""Numeric OIDs the direct device collectors read, each checked against its MIB's text.

Numbers only (no MIB compiler at run time); the MIB name and object are in the comment.  The
MIB files are in shared/corpus/mibs/{standard,vendor}/.  Tables are given as their *entry* OID;
a column is `(*ENTRY, column)` and an instance `(*ENTRY, column, *index)`.

This is the MIB dictionary only.  Which vendor reads which table, in what order, and each
vendor's enterprise number belong to the vendor profiles (diag.collectors.vendors).

The lab agent (diag.lab.ne_agent) writes its OIDs out independently, so a wrong number on
either side shows up in the tests; tests/collectors/test_snmp_router.py pins the CPU map.
"""

from __future__ import annotations

from diag.collectors.vendors import cisco_ios as _cisco
from diag.collectors.vendors import huawei_vrp as _huawei

Oid = tuple[int, ...]

# --------------------------------------------------------------------- SNMPv2-MIB (RFC 3418)
SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 2, 1, 1, 2, 0)  # sysObjectID.0
SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)  # sysUpTime.0 (TimeTicks, 1/100 s)

# --------------------------------------------------------------------- IF-MIB (RFC 2863)
IF_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1)  # ifTable.ifEntry
IF_DESCR = 2  # ifDescr
IF_TYPE = 3  # ifType
IF_ADMIN_STATUS = 7  # ifAdminStatus: up(1) down(2) testing(3)
IF_OPER_STATUS = 8  # ifOperStatus: up(1) down(2) testing(3) unknown(4) dormant(5) notPresent(6) lowerLayerDown(7)
IF_LAST_CHANGE = 9  # ifLastChange (TimeTicks)
IF_IN_UCAST_PKTS = 11  # ifInUcastPkts (Counter32)
IF_IN_NUCAST_PKTS = 12  # ifInNUcastPkts (Counter32, deprecated)
IF_IN_DISCARDS = 13  # ifInDiscards
IF_IN_ERRORS = 14  # ifInErrors (Counter32) - NOT a CRC count: it aggregates every input error
IF_OUT_UCAST_PKTS = 17  # ifOutUcastPkts
IF_OUT_NUCAST_PKTS = 18  # ifOutNUcastPkts (deprecated)
IF_OUT_DISCARDS = 19  # ifOutDiscards
IF_OUT_ERRORS = 20  # ifOutErrors

IF_X_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)  # ifXTable.ifXEntry
IF_NAME = 1  # ifName
IF_HC_IN_UCAST_PKTS = 7  # ifHCInUcastPkts (Counter64)
IF_HC_IN_MULTICAST_PKTS = 8  # ifHCInMulticastPkts
IF_HC_IN_BROADCAST_PKTS = 9  # ifHCInBroadcastPkts
IF_HC_OUT_UCAST_PKTS = 11  # ifHCOutUcastPkts
IF_HC_OUT_MULTICAST_PKTS = 12  # ifHCOutMulticastPkts
IF_HC_OUT_BROADCAST_PKTS = 13  # ifHCOutBroadcastPkts
IF_ALIAS = 18  # ifAlias
IF_COUNTER_DISCONTINUITY_TIME = 19  # ifCounterDiscontinuityTime (sysUpTime at the last reset)

IF_STATUS_UP = 1
IF_OPER_LOWER_LAYER_DOWN = 7

# --------------------------------------------------------------------- EtherLike-MIB (RFC 3635)
# dot3StatsIndex "is the same as ifIndex".
DOT3_STATS_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 10, 7, 2, 1)  # dot3StatsTable.dot3StatsEntry
DOT3_STATS_FCS_ERRORS = 3  # dot3StatsFCSErrors (Counter32): Ethernet CRC

# --------------------------------------------------------------------- OLD-CISCO-INTERFACES-MIB
# lifTable is indexed by ifIndex.
LIF_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 9, 2, 2, 1, 1)  # lifTable.lifEntry
LOC_IF_IN_CRC = 12  # locIfInCRC: input CRC errors (the IOS "CRC" counter)
LOC_IF_CARRIER_TRANSITIONS = 21  # locIfCarrierTransitions: carrier (DCD) transitions

# --------------------------------------------------------------------- vendor CPU MIBs
# CISCO-PROCESS-MIB, HUAWEI-CPU-MIB and HUAWEI-ENTITY-EXTENT-MIB are numbered (and checked
# against their MIB text) in the vendor profiles; the names stay importable from here.
CPM_CPU_TOTAL_ENTRY = _cisco.CPM_CPU_TOTAL_ENTRY
CPM_CPU_TOTAL_5SEC = _cisco.CPM_CPU_TOTAL_5SEC
CPM_CPU_TOTAL_1MIN = _cisco.CPM_CPU_TOTAL_1MIN
CPM_CPU_TOTAL_5MIN = _cisco.CPM_CPU_TOTAL_5MIN
CPM_CPU_TOTAL_5SEC_REV = _cisco.CPM_CPU_TOTAL_5SEC_REV
CPM_CPU_TOTAL_1MIN_REV = _cisco.CPM_CPU_TOTAL_1MIN_REV
CPM_CPU_TOTAL_5MIN_REV = _cisco.CPM_CPU_TOTAL_5MIN_REV
HW_CPU_DEV_ENTRY = _huawei.HW_CPU_DEV_ENTRY
HW_CPU_DEV_DUTY = _huawei.HW_CPU_DEV_DUTY
HW_AVG_DUTY_1MIN = _huawei.HW_AVG_DUTY_1MIN
HW_AVG_DUTY_5MIN = _huawei.HW_AVG_DUTY_5MIN
HW_ENTITY_STATE_ENTRY = _huawei.HW_ENTITY_STATE_ENTRY
HW_ENTITY_CPU_USAGE = _huawei.HW_ENTITY_CPU_USAGE
HW_ENTITY_5MIN_CPU_USAGE = _huawei.HW_ENTITY_5MIN_CPU_USAGE

# --------------------------------------------------------------------- HOST-RESOURCES-MIB (RFC 2790)
HR_PROCESSOR_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 25, 3, 3, 1)  # hrProcessorTable.hrProcessorEntry
HR_PROCESSOR_LOAD = 2  # hrProcessorLoad: % not idle over the last minute, per processor

# --------------------------------------------------------------------- DS1-MIB (RFC 4805)
DS1: Oid = (1, 3, 6, 1, 2, 1, 10, 18)  # transmission 18
# dsx1ConfigTable.dsx1ConfigEntry, INDEX { dsx1LineIndex }
DSX1_CONFIG_ENTRY: Oid = (*DS1, 6, 1)
DSX1_IF_INDEX = 2  # dsx1IfIndex (deprecated; = ifIndex)
DSX1_TIME_ELAPSED = 3  # dsx1TimeElapsed: seconds into the current 15-min interval (0..899)
DSX1_VALID_INTERVALS = 4  # dsx1ValidIntervals
DSX1_LINE_TYPE = 5  # dsx1LineType
DSX1_LINE_CODING = 6  # dsx1LineCoding
DSX1_CIRCUIT_IDENTIFIER = 8  # dsx1CircuitIdentifier
DSX1_LOOPBACK_CONFIG = 9  # dsx1LoopbackConfig
DSX1_LINE_STATUS = 10  # dsx1LineStatus (bitmap as a sum)
DSX1_LINE_STATUS_LAST_CHANGE = 16  # dsx1LineStatusLastChange (TimeTicks)

# dsx1CurrentTable.dsx1CurrentEntry, INDEX { dsx1CurrentIndex }
DSX1_CURRENT_ENTRY: Oid = (*DS1, 7, 1)
# Column -> short name (PerfCurrentCount, current 15-minute interval).
DSX1_CURRENT_COLUMNS: dict[int, str] = {
    2: "es",  # dsx1CurrentESs
    3: "ses",  # dsx1CurrentSESs
    4: "sefs",  # dsx1CurrentSEFSs
    5: "uas",  # dsx1CurrentUASs
    6: "css",  # dsx1CurrentCSSs (controlled slip seconds)
    7: "pcv",  # dsx1CurrentPCVs (path code violations: CRC-4 / FAS errors)
    8: "les",  # dsx1CurrentLESs
    9: "bes",  # dsx1CurrentBESs
    10: "dm",  # dsx1CurrentDMs (degraded minutes)
    11: "lcv",  # dsx1CurrentLCVs (line code violations / BPV)
}

# dsx1LineStatus bit values -> names, from the MIB's DESCRIPTION (dsx1 prefix dropped).
DSX1_LINE_STATUS_BITS: dict[int, str] = {
    1: "NoAlarm",
    2: "RcvFarEndLOF",  # far end LOF, a.k.a. yellow alarm / RAI received
    4: "XmtFarEndLOF",  # near end sending LOF indication (RAI)
    8: "RcvAIS",  # far end sending AIS
    16: "XmtAIS",  # near end sending AIS
    32: "LossOfFrame",  # near end LOF, a.k.a. red alarm
    64: "LossOfSignal",  # near end LOS
    128: "LoopbackState",  # near end is looped
    256: "T16AIS",  # E1 TS16 AIS
    512: "RcvFarEndLOMF",  # far end sending TS16 LOMF
    1024: "XmtFarEndLOMF",  # near end sending TS16 LOMF
    2048: "RcvTestCode",  # near end detects a test code
    4096: "OtherFailure",
    8192: "UnavailSigState",  # near end in unavailable signal state
    16384: "NetEquipOOS",  # carrier equipment out of service
    32768: "RcvPayloadAIS",  # DS2 payload AIS
    65536: "Ds2PerfThreshold",  # DS2 performance threshold exceeded
}
DSX1_LINE_STATUS_MAX = 131071  # SYNTAX INTEGER (1..131071)

# dsx1LineType / dsx1LineCoding / dsx1LoopbackConfig enumerations (for the raw evidence).
DSX1_LINE_TYPES: dict[int, str] = {
    1: "other",
    2: "dsx1ESF",
    3: "dsx1D4",
    4: "dsx1E1",
    5: "dsx1E1CRC",
    6: "dsx1E1MF",
    7: "dsx1E1CRCMF",
    8: "dsx1Unframed",
    9: "dsx1E1Unframed",
    10: "dsx1DS2M12",
    11: "dsx1E2",
    12: "dsx1E1Q50",
    13: "dsx1E1Q50CRC",
    14: "dsx1J1ESF",
    16: "dsx1J1Unframed",
}
DSX1_LINE_CODINGS: dict[int, str] = {
    1: "dsx1JBZS",
    2: "dsx1B8ZS",
    3: "dsx1HDB3",
    4: "dsx1ZBTSI",
    5: "dsx1AMI",
    6: "other",
    7: "dsx1B6ZS",
}


def decode_line_status(bits: int) -> list[str]:
    """dsx1LineStatus sum -> the names of the bits set, lowest bit first.

    Bits the MIB does not define are named `Bit<value>` so nothing read is dropped.
    """
    names = []
    value = 1
    rest = bits
    while rest and value <= rest:
        if rest & value:
            names.append(DSX1_LINE_STATUS_BITS.get(value, f"Bit{value}"))
            rest &= ~value
        value <<= 1
    return names


def encode_line_status(names: list[str] | tuple[str, ...]) -> int:
    """Names (as decode_line_status gives them, with or without the dsx1 prefix) -> the sum.

    No names means NoAlarm (1); NoAlarm together with another bit is refused, as the MIB says
    NoAlarm is set iff no other flag is.
    """
    by_name = {v.lower(): k for k, v in DSX1_LINE_STATUS_BITS.items()}
    total = 0
    for name in names:
        key = name.lower().removeprefix("dsx1")
        if key not in by_name:
            known = ", ".join(DSX1_LINE_STATUS_BITS.values())
            raise ValueError(f"unknown dsx1LineStatus bit {name!r}; known: {known}")
        total |= by_name[key]
    if total == 0:
        return 1
    if total & 1 and total != 1:
        raise ValueError("dsx1LineStatus NoAlarm cannot be set together with another bit")
    return total

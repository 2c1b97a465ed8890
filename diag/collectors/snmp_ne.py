"""Direct SNMP polling of a transmission NE's E1 ports (RFC 4805 DS1-MIB).

For each inventory port string:
1. the port is found in IF-MIB by ifName or ifDescr (exact first, then case/separator
   tolerant: `E1-1`, `e1_1`, `E1 1` and `E1/1` are one name; `E1-01` equals `E1-1`);
2. its DS1 line is the dsx1ConfigTable row whose dsx1IfIndex is that ifIndex, or the row whose
   dsx1LineIndex equals it (the MIB says dsx1LineIndex "should be made equal to ifIndex");
3. dsx1LineStatus (walked) is decoded into the bit names of the MIB, and the current 15-minute
   interval counters (dsx1CurrentTable ES/SES/UAS/CSS/PCV/LCV, plus SEFS/LES/BES/DM, the time
   elapsed in the interval, line type and coding in `raw`) are read for that line.

Numeric OIDs only (diag.collectors.snmp.oids).  Timeouts and refused v3 credentials propagate
from the client as CollectorTimeout / CollectorAuthError; anything else that stops the read
(no DS1-MIB, unknown port) is a CollectorError that says what was seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from diag.collectors.snmp import oids as O
from diag.collectors.snmp.client import Oid, SnmpClient, SnmpTarget, SnmpValue, oid_str, parse_oid
from diag.errors import CollectorError
from diag.model.inventory import Device
from diag.model.observations import NeE1LineObservation

DEFAULT_SNMP_PORT = 161
_MAX_NAMES_IN_MESSAGE = 40


# --------------------------------------------------------------------------- shared helpers


def device_target(device: Device) -> SnmpTarget:
    """Where to poll a device directly: mgmt.address, snmp.port (default 161), snmp settings."""
    if device.snmp is None:
        raise CollectorError(
            f"device {device.name}: no 'snmp' settings in the inventory, so it cannot be polled "
            "directly; add snmp: {version, community | user/auth_key/priv_key, port}"
        )
    if device.mgmt is None:
        raise CollectorError(
            f"device {device.name}: no 'mgmt' address in the inventory to poll over SNMP; "
            "add mgmt: {address: ...}"
        )
    port = device.snmp.port or DEFAULT_SNMP_PORT
    return SnmpTarget(device.mgmt.address, port, device.snmp, label=f"device {device.name}")


def as_int(value: SnmpValue | None) -> int | None:
    """An SNMP number as int; None when absent or not a number."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def as_text(value: SnmpValue | None) -> str:
    if value is None:
        return ""
    if hasattr(value, "asOctets"):
        return bytes(value.asOctets()).decode("utf-8", errors="replace")
    return str(value)


def pretty(value: SnmpValue) -> str:
    return str(value.prettyPrint()) if hasattr(value, "prettyPrint") else str(value)


def column_by_index(rows: Iterable[tuple[str, SnmpValue]], column: Oid) -> dict[Oid, SnmpValue]:
    """Rows of a walk under `column` -> {instance index: value}."""
    out: dict[Oid, SnmpValue] = {}
    n = len(column)
    for oid, value in rows:
        parsed = parse_oid(oid)
        if parsed[:n] == column and len(parsed) > n:
            out[parsed[n:]] = value
    return out


def name_tokens(name: str) -> tuple[str | int, ...]:
    """'Serial0/0/0:0' -> ('serial', 0, 0, 0, 0); 'E1-01' -> ('e', 1, 1): case and separators
    do not matter, nor leading zeros."""
    return tuple(int(t) if t.isdigit() else t for t in re.findall(r"[a-z]+|[0-9]+", name.lower()))


def _abbreviates(a: tuple[str | int, ...], b: tuple[str | int, ...]) -> bool:
    """IOS/VRP style: one type word a prefix (>= 2 letters) of the other, same numbers."""
    if len(a) != len(b) or not a or a[1:] != b[1:]:
        return False
    x, y = a[0], b[0]
    if not isinstance(x, str) or not isinstance(y, str):
        return False
    aliases = {"ge": "gigabitethernet", "xge": "xgigabitethernet", "eth": "ethernet"}
    x, y = aliases.get(x, x), aliases.get(y, y)
    short, long_ = sorted((x, y), key=len)
    return len(short) >= 2 and long_.startswith(short)


def find_if_index(
    device: str,
    what: str,
    wanted: str,
    names: Mapping[int, Sequence[str]],
    abbreviations: bool = False,
) -> int:
    """The one ifIndex whose ifName/ifDescr is `wanted`.

    Tried in order, the first level with hits wins: exact string; same tokens (case/separator
    tolerant); with `abbreviations`, an interface-type prefix (`Se0/0/0:0` = `Serial0/0/0:0`,
    `GE0/0/1` = `GigabitEthernet0/0/1`).  No hit, or hits on several ifIndexes, is an error
    naming what the agent has.
    """
    target = name_tokens(wanted)
    levels: list[Callable[[str], bool]] = [
        lambda n: n == wanted,
        lambda n: bool(target) and name_tokens(n) == target,
    ]
    if abbreviations:
        levels.append(lambda n: _abbreviates(name_tokens(n), target))
    for match in levels:
        hits = sorted({idx for idx, ns in names.items() for n in ns if n and match(n)})
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            seen = "; ".join(f"ifIndex {i}: {' / '.join(names[i])}" for i in hits)
            raise CollectorError(
                f"device {device}: {what} {wanted!r} matches several interfaces ({seen}); "
                "write the exact ifName in the inventory"
            )
    listed = [" / ".join(dict.fromkeys(n for n in names[i] if n)) for i in sorted(names)]
    shown = ", ".join(x for x in listed[:_MAX_NAMES_IN_MESSAGE] if x) or "none"
    more = len(listed) - _MAX_NAMES_IN_MESSAGE
    if more > 0:
        shown += f", ... and {more} more"
    raise CollectorError(
        f"device {device}: {what} {wanted!r} is not among the agent's interfaces "
        f"(ifName / ifDescr seen: {shown}); check the port name in the inventory"
    )


IF_NAME_COLUMN: Oid = (*O.IF_X_ENTRY, O.IF_NAME)
IF_DESCR_COLUMN: Oid = (*O.IF_ENTRY, O.IF_DESCR)


def names_from_rows(rows: Iterable[tuple[str, SnmpValue]]) -> dict[int, list[str]]:
    """{ifIndex: [ifName, ifDescr]} (either may be missing) from walked IF-MIB rows."""
    rows = list(rows)
    out: dict[int, list[str]] = {}
    for col in (IF_NAME_COLUMN, IF_DESCR_COLUMN):
        for index, value in column_by_index(rows, col).items():
            if len(index) == 1:
                out.setdefault(index[0], []).append(as_text(value))
    return out


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


# --------------------------------------------------------------------------- DS1-MIB


async def poll_ne_e1(
    client: SnmpClient, device: Device, ports: list[str]
) -> list[NeE1LineObservation]:
    """One NeE1LineObservation per inventory port, in the order given."""
    if not ports:
        return []
    target = device_target(device)
    status_col = (*O.DSX1_CONFIG_ENTRY, O.DSX1_LINE_STATUS)
    if_index_col = (*O.DSX1_CONFIG_ENTRY, O.DSX1_IF_INDEX)
    rows = await client.walk_many(
        target, [IF_NAME_COLUMN, IF_DESCR_COLUMN, status_col, if_index_col]
    )
    at = datetime.now(UTC)
    walked = dict(rows)
    names = names_from_rows(rows)
    status = {i[0]: v for i, v in column_by_index(rows, status_col).items() if len(i) == 1}
    if not status:
        raise CollectorError(
            f"device {device.name}: the agent at {target.host}:{target.port} has no DS1-MIB "
            "dsx1ConfigTable rows (dsx1LineStatus 1.3.6.1.2.1.10.18.6.1.10), so it reports no "
            "E1 lines over SNMP"
        )
    line_of_if: dict[int, int] = {line: line for line in status}
    for index, value in column_by_index(rows, if_index_col).items():
        if_index = as_int(value)
        if len(index) == 1 and index[0] in status and if_index is not None:
            line_of_if[if_index] = index[0]

    resolved: list[tuple[str, int, int]] = []
    for port in ports:
        if_index = find_if_index(device.name, "E1 port", port, names)
        line = line_of_if.get(if_index)
        if line is None:
            raise CollectorError(
                f"device {device.name}: port {port!r} is ifIndex {if_index} "
                f"({' / '.join(names.get(if_index, []))}) but has no DS1-MIB line "
                f"(dsx1ConfigTable lines: {', '.join(map(str, sorted(status)))}); "
                "is it an E1 port?"
            )
        resolved.append((port, if_index, line))

    config_cols = (
        O.DSX1_TIME_ELAPSED,
        O.DSX1_VALID_INTERVALS,
        O.DSX1_LINE_TYPE,
        O.DSX1_LINE_CODING,
        O.DSX1_LOOPBACK_CONFIG,
        O.DSX1_LINE_STATUS_LAST_CHANGE,
    )
    wanted: list[Oid] = []
    for _, _, line in resolved:
        wanted += [(*O.DSX1_CONFIG_ENTRY, c, line) for c in config_cols]
        wanted += [(*O.DSX1_CURRENT_ENTRY, c, line) for c in O.DSX1_CURRENT_COLUMNS]
    got = await client.get(target, wanted)

    out: list[NeE1LineObservation] = []
    for port, if_index, line in resolved:
        bits = as_int(status[line])
        if bits is None:
            raise CollectorError(
                f"device {device.name}: dsx1LineStatus.{line} is not a number "
                f"({pretty(status[line])})"
            )
        counters = {
            short: as_int(got.get(oid_str((*O.DSX1_CURRENT_ENTRY, col, line))))
            for col, short in O.DSX1_CURRENT_COLUMNS.items()
        }
        raw: dict[str, str] = {}
        for col in (IF_NAME_COLUMN, IF_DESCR_COLUMN):
            key = oid_str((*col, if_index))
            if key in walked:
                raw[key] = pretty(walked[key])
        raw[oid_str((*status_col, line))] = pretty(status[line])
        for oid in [
            *((*O.DSX1_CONFIG_ENTRY, c, line) for c in config_cols),
            *((*O.DSX1_CURRENT_ENTRY, c, line) for c in O.DSX1_CURRENT_COLUMNS),
        ]:
            key = oid_str(oid)
            if key in got:
                raw[key] = pretty(got[key])
        out.append(
            NeE1LineObservation(
                id=f"ne-e1-{slug(device.name)}-{slug(port)}",
                collector=f"snmp:{device.name}",
                at=at,
                device=device.name,
                if_index=if_index,
                port=port,
                line_status_bits=bits,
                line_status=O.decode_line_status(bits),
                es=counters["es"],
                ses=counters["ses"],
                uas=counters["uas"],
                css=counters["css"],
                pcv=counters["pcv"],
                lcv=counters["lcv"],
                raw=raw,
            )
        )
    return out

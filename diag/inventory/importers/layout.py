"""The CSV layout: one row per circuit, its devices described in the same row.

Columns (docs/import.md has the table):

* the circuit: `circuit_id customer service bandwidth group region`;
* each end `a_` / `b_`: `site address contact contact_phone interface service wan_interface
  wan_ip cpe_port cpe_line cpe_boards`, and three devices, `router`, `converter`, `cpe`;
* the transport network elements in order from A to B: `hop1`, `hop2`, ... with
  `hopN_a_port hopN_b_port hopN_boards`;
* the links: `linkN_from linkN_to linkN_kind linkN_label` and the optical figures;
* a device column (`a_router`, `b_cpe`, `hop3`, ...) holds the device's name; its attributes
  follow as `<device column>_<attribute>` (DEVICE_ATTRS).  A device named on several rows is
  one device: its attributes may be given once, and a row that gives them differently is
  reported.
"""

from __future__ import annotations

import re
from typing import Any

from diag.model.inventory import Device, Role, SnmpSettings

CIRCUIT_COLS = ("circuit_id", "customer", "service", "bandwidth", "group", "region")
END_COLS = (
    "site",
    "address",
    "contact",
    "contact_phone",
    "interface",
    "service",
    "wan_interface",
    "wan_ip",
    "cpe_port",
    "cpe_line",
    "cpe_boards",
)
END_DEVICES = ("router", "converter", "cpe")
DEVICE_ATTRS = (
    "role",
    "vendor",
    "model",
    "device_type",
    "mgmt",
    "ssh_port",
    "console",
    "username",
    "password",
    "secret",
    "snmp",
    "owner",
    "nms",
    "ne_name",
    "region",
)
HOP_COLS = ("a_port", "b_port", "boards")
LINK_COLS = (
    "from",
    "to",
    "kind",
    "label",
    "launch_power_dbm",
    "attenuation_db",
    "overload_dbm",
    "sensitivity_dbm",
)
LINK_FLOATS = LINK_COLS[4:]
# Columns every export writes, used or not: what a new spreadsheet needs to start from.
CORE = (
    *CIRCUIT_COLS[:4],
    *(f"{e}_{c}" for e in "ab" for c in ("site", "interface", "wan_interface", "wan_ip")),
    *(f"{e}_{d}" for e in "ab" for d in ("router", "cpe")),
)
_NUMBERED = re.compile(r"^(hop|link)([1-9][0-9]{0,2})(?:_(.+))?$")
_SNMP_INTS = {"port", "retries", "walk_max_rows"}
_SNMP_FLOATS = {"timeout", "walk_timeout_s"}


def col(position: str, attr: str = "") -> str:
    """The column of a device attribute: `a_router` + `vendor` -> `a_router_vendor`."""
    return f"{position}_{attr}" if attr else position


def end_positions() -> list[str]:
    return [f"{e}_{d}" for e in "ab" for d in END_DEVICES]


def fixed_columns() -> list[str]:
    """Every column that is not numbered, in the order an export writes them."""
    out = list(CIRCUIT_COLS)
    for e in "ab":
        out += [f"{e}_{c}" for c in END_COLS]
        for d in END_DEVICES:
            out += [col(f"{e}_{d}", a) for a in ("", *DEVICE_ATTRS)]
    return out


def hop_columns(n: int) -> list[str]:
    return [f"hop{n}", *(f"hop{n}_{c}" for c in (*HOP_COLS, *DEVICE_ATTRS))]


def link_columns(n: int) -> list[str]:
    return [f"link{n}_{c}" for c in LINK_COLS]


_FIXED = frozenset(fixed_columns())


def known_column(name: str) -> bool:
    if name in _FIXED:
        return True
    m = _NUMBERED.match(name)
    if not m:
        return False
    kind, rest = m.group(1), m.group(3)
    if kind == "hop":
        return rest is None or rest in HOP_COLS or rest in DEVICE_ATTRS
    return rest in LINK_COLS


def numbers(columns: list[str], kind: str) -> list[int]:
    """The hop or link numbers the header uses, in order."""
    found = {int(m.group(2)) for c in columns if (m := _NUMBERED.match(c)) and m.group(1) == kind}
    return sorted(found)


# --------------------------------------------------------------------------- cells


def split_list(cell: str) -> list[str]:
    """`2-PQ1, 3-PQ1` or `2-PQ1 3-PQ1` -> ['2-PQ1', '3-PQ1']."""
    return [p for p in re.split(r"[,\s]+", cell) if p]


def snmp_cell(snmp: SnmpSettings) -> str:
    """`version=v2c community=env:X port=16722`: the settings that differ from the defaults."""
    data = snmp.model_dump(mode="json", exclude_defaults=True)
    if "version" not in data:
        data = {"version": snmp.version.value, **data}
    return " ".join(f"{k}={v}" for k, v in data.items())


def parse_snmp(cell: str) -> dict[str, Any]:
    """The SNMP cell as a mapping for SnmpSettings; ValueError naming the bad item."""
    out: dict[str, Any] = {}
    for item in cell.split():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{item!r} is not key=value (e.g. version=v3 user=diag)")
        if key in _SNMP_INTS:
            if not value.isdigit():
                raise ValueError(f"{key}: {value!r} is not a whole number")
            out[key] = int(value)
        elif key in _SNMP_FLOATS:
            try:
                out[key] = float(value)
            except ValueError:
                raise ValueError(f"{key}: {value!r} is not a number") from None
        else:
            out[key] = value
    return out


def device_cells(d: Device) -> dict[str, str]:
    """A device as its cells, keyed by attribute ('' for the name)."""
    cells = {
        "": d.name,
        "role": d.role.value,
        "vendor": d.vendor,
        "model": d.model or "",
        "device_type": d.device_type or "",
        "mgmt": d.mgmt.address if d.mgmt else "",
        "ssh_port": str(d.mgmt.port) if d.mgmt else "",
        "console": d.console or "",
        "username": d.login.username if d.login else "",
        "password": d.login.password if d.login else "",
        "secret": (d.login.secret or "") if d.login else "",
        "snmp": snmp_cell(d.snmp) if d.snmp else "",
        "owner": d.owner or "",
        "nms": d.nms or "",
        "ne_name": d.ne_name or "",
        "region": d.region or "",
    }
    return cells


def device_raw(cells: dict[str, str], default_role: Role) -> tuple[dict[str, Any], dict[str, str]]:
    """The Device mapping from a position's non-empty cells; and problems by attribute."""
    raw: dict[str, Any] = {"name": cells[""], "role": cells.get("role") or default_role.value}
    problems: dict[str, str] = {}
    for attr in ("vendor", "model", "device_type", "console", "owner", "nms", "ne_name", "region"):
        if cells.get(attr):
            raw[attr] = cells[attr]
    if cells.get("mgmt"):
        raw["mgmt"] = {"address": cells["mgmt"]}
        port = cells.get("ssh_port", "")
        if port:
            if port.isdigit():
                raw["mgmt"]["port"] = int(port)
            else:
                problems["ssh_port"] = f"{port!r} is not a port number"
    elif cells.get("ssh_port"):
        problems["ssh_port"] = "an SSH port without a management address (column _mgmt)"
    if any(cells.get(a) for a in ("username", "password", "secret")):
        login = {a: cells[a] for a in ("username", "password", "secret") if cells.get(a)}
        raw["login"] = login
    if cells.get("snmp"):
        try:
            raw["snmp"] = parse_snmp(cells["snmp"])
        except ValueError as exc:
            problems["snmp"] = str(exc)
    return raw, problems


def device_column(loc: tuple[int | str, ...]) -> str:
    """The attribute a pydantic error location of Device points to."""
    if not loc:
        return ""
    head = str(loc[0])
    if head == "name":
        return ""
    if head == "mgmt":
        return "ssh_port" if len(loc) > 1 and loc[1] == "port" else "mgmt"
    if head == "login":
        return str(loc[1]) if len(loc) > 1 else "username"
    return head

"""Router vendor profiles: one module per vendor, a registry keyed by netmiko `device_type`.

A profile (`VendorProfile`, diag.collectors.vendors.base) owns what diag knows about a vendor
outside its output parsers: the CLI dialogue (prompt, paging, enable, logout), the commands the
parsers' command set does not carry (version, clear counters), the console's login texts, the
SNMP enterprise number and the CPU MIB chain.  It names its parsers and TextFSM templates
(diag.collectors.cli.parsers, keyed the same way).

Adding a vendor: one module here exposing `PROFILE`, listed in `_MODULES`, plus its parser
module and templates under diag.collectors.cli.parsers.
"""

from __future__ import annotations

from diag.collectors.vendors import cisco_ios, huawei_vrp
from diag.collectors.vendors.base import (
    ClearCommand,
    ConsoleTexts,
    CpuColumns,
    CpuMib,
    Enable,
    Oid,
    VendorProfile,
)
from diag.errors import CollectorError

__all__ = [
    "BY_DEVICE_TYPE",
    "PROFILES",
    "ClearCommand",
    "ConsoleTexts",
    "CpuColumns",
    "CpuMib",
    "Enable",
    "VendorProfile",
    "by_inventory",
    "by_sys_object_id",
    "profile_for",
]

_MODULES = (cisco_ios, huawei_vrp)

PROFILES: tuple[VendorProfile, ...] = tuple(m.PROFILE for m in _MODULES)

BY_DEVICE_TYPE: dict[str, VendorProfile] = {
    device_type: p for p in PROFILES for device_type in p.device_types
}


def profile_for(device_type: str | None, device: str = "") -> VendorProfile:
    """The profile of a netmiko `device_type`; CollectorError naming the known ones if none."""
    profile = BY_DEVICE_TYPE.get(device_type or "")
    if profile is None:
        who = f"{device}: " if device else ""
        raise CollectorError(
            f"{who}device_type {device_type!r} is not one diag reads; known: "
            f"{', '.join(sorted(BY_DEVICE_TYPE))} (netmiko names)"
        )
    return profile


def by_sys_object_id(sys_object_id: Oid) -> VendorProfile | None:
    """The profile whose enterprise number starts `sys_object_id` (1.3.6.1.4.1.9 is not .90)."""
    for p in PROFILES:
        if sys_object_id[: len(p.enterprise)] == p.enterprise:
            return p
    return None


def by_inventory(vendor: str, device_type: str | None) -> VendorProfile | None:
    """The profile the inventory names: by device_type, else by the vendor word."""
    if device_type and device_type in BY_DEVICE_TYPE:
        return BY_DEVICE_TYPE[device_type]
    text = f"{vendor} {device_type or ''}".lower()
    return next((p for p in PROFILES if p.vendor in text), None)

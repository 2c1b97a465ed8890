"""Cisco IOS / IOS-XE routers (ISR G2, ISR 4000): everything diag knows outside the parsers.

Output parsers and TextFSM templates: diag.collectors.cli.parsers.cisco_ios (named below).
"""

from __future__ import annotations

import re

from diag.collectors.vendors.base import (
    ClearCommand,
    ConsoleTexts,
    CpuColumns,
    CpuMib,
    Enable,
    Oid,
    VendorProfile,
)

# CISCO-PROCESS-MIB (shared/corpus/mibs/vendor): cpmCPUTotalEntry =
# ciscoMgmt(1.3.6.1.4.1.9.9).109.1.1.1.1, INDEX { cpmCPUTotalIndex }.
# Several public projects mislabel .7 as the 5-minute value; the MIB text says:
CPM_CPU_TOTAL_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1)
CPM_CPU_TOTAL_5SEC = 3  # cpmCPUTotal5sec (deprecated, 1..100)
CPM_CPU_TOTAL_1MIN = 4  # cpmCPUTotal1min (deprecated)
CPM_CPU_TOTAL_5MIN = 5  # cpmCPUTotal5min (deprecated)
CPM_CPU_TOTAL_5SEC_REV = 6  # cpmCPUTotal5secRev (Gauge32 0..100, deprecated by MonInterval)
CPM_CPU_TOTAL_1MIN_REV = 7  # cpmCPUTotal1minRev (Gauge32 0..100): the LAST 1 MINUTE
CPM_CPU_TOTAL_5MIN_REV = 8  # cpmCPUTotal5minRev (Gauge32 0..100): the LAST 5 MINUTES

CISCO_CPU = CpuColumns(
    "CISCO-PROCESS-MIB",
    CPM_CPU_TOTAL_ENTRY,
    five_sec=CPM_CPU_TOTAL_5SEC_REV,
    one_min=CPM_CPU_TOTAL_1MIN_REV,
    five_min=CPM_CPU_TOTAL_5MIN_REV,
    names={6: "cpmCPUTotal5secRev", 7: "cpmCPUTotal1minRev", 8: "cpmCPUTotal5minRev"},
)
# Older IOS trains answer only the deprecated columns.
CISCO_CPU_DEPRECATED = CpuColumns(
    "CISCO-PROCESS-MIB",
    CPM_CPU_TOTAL_ENTRY,
    five_sec=CPM_CPU_TOTAL_5SEC,
    one_min=CPM_CPU_TOTAL_1MIN,
    five_min=CPM_CPU_TOTAL_5MIN,
    names={3: "cpmCPUTotal5sec", 4: "cpmCPUTotal1min", 5: "cpmCPUTotal5min"},
)


def _clear(interface: str) -> ClearCommand:
    # IOS asks "Clear "show interface" counters on this interface [confirm]".
    return ClearCommand(f"clear counters {interface}", question=r"\[confirm\]")


def _base_prompt(prompt: str) -> str:
    # As netmiko's IOS driver: configuration mode abbreviates the hostname at 20 characters.
    return prompt[:-1][:16]


PROFILE = VendorProfile(
    name="cisco_ios",
    title="Cisco IOS",
    vendor="cisco",
    device_types=("cisco_ios", "cisco_xe", "cisco_ios_serial", "cisco_ios_telnet"),
    parser="cisco_ios",
    prompt=re.compile(r"[\w.\-/:()]+[>#]"),
    base_prompt=_base_prompt,
    paging_command="terminal length 0",
    logout_command="exit",
    enable=Enable(command="enable", password_prompt="ssword", tries=3),  # noqa: S106
    version_command="show version",
    clear_counters=_clear,
    host_key_command="show crypto key mypubkey rsa",
    console_driver="netmiko.cisco.cisco_ios:CiscoIosSerial",
    console_device_type="cisco_ios_serial",
    console_texts=ConsoleTexts(
        idle=r"Press RETURN to get started",
        login_banner=r"User Access Verification",
        refused=r"% Login invalid|% Bad passwords|% Authentication failed|Access denied",
    ),
    enterprise=(1, 3, 6, 1, 4, 1, 9),  # enterprises.cisco
    cpu_mibs=(CpuMib(CISCO_CPU, "lowest"), CpuMib(CISCO_CPU_DEPRECATED, "lowest")),
)

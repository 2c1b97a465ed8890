"""Huawei VRP routers (AR series): everything diag knows outside the parsers.

Output parsers and TextFSM templates: diag.collectors.cli.parsers.huawei_vrp (named below).
VRP has no enable step: the login's user level gives the display commands diag runs.
"""

from __future__ import annotations

import re

from diag.collectors.vendors.base import (
    ClearCommand,
    ConsoleTexts,
    CpuColumns,
    CpuMib,
    Oid,
    VendorProfile,
)

# HUAWEI-CPU-MIB (shared/corpus/mibs/vendor): hwCpuDevEntry = hwDev(1.3.6.1.4.1.2011.6.3).4.1,
# INDEX { hwFrameIndex, hwSlotIndex, hwCpuDevIndex }
HW_CPU_DEV_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 2011, 6, 3, 4, 1)
HW_CPU_DEV_DUTY = 2  # hwCpuDevDuty: current (5 s) CPU occupancy %
HW_AVG_DUTY_1MIN = 3  # hwAvgDuty1min
HW_AVG_DUTY_5MIN = 4  # hwAvgDuty5min

# HUAWEI-ENTITY-EXTENT-MIB: hwEntityStateEntry = hwDatacomm(1.3.6.1.4.1.2011.5.25).31.1.1.1.1,
# INDEX { entPhysicalIndex }
HW_ENTITY_STATE_ENTRY: Oid = (1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1)
HW_ENTITY_CPU_USAGE = 5  # hwEntityCpuUsage: current CPU usage % of the entity
HW_ENTITY_5MIN_CPU_USAGE = 45  # hwEntity5MinCpuUsage

HUAWEI_CPU = CpuColumns(
    "HUAWEI-CPU-MIB",
    HW_CPU_DEV_ENTRY,
    five_sec=HW_CPU_DEV_DUTY,
    one_min=HW_AVG_DUTY_1MIN,
    five_min=HW_AVG_DUTY_5MIN,
    names={2: "hwCpuDevDuty", 3: "hwAvgDuty1min", 4: "hwAvgDuty5min"},
)
# Boxes without HUAWEI-CPU-MIB report per entity; the busiest entity (the main board) is taken.
HUAWEI_ENTITY_CPU = CpuColumns(
    "HUAWEI-ENTITY-EXTENT-MIB",
    HW_ENTITY_STATE_ENTRY,
    five_sec=HW_ENTITY_CPU_USAGE,
    one_min=None,
    five_min=HW_ENTITY_5MIN_CPU_USAGE,
    names={5: "hwEntityCpuUsage", 45: "hwEntity5MinCpuUsage"},
)


def _clear(interface: str) -> ClearCommand:
    return ClearCommand(f"reset counters interface {interface}")


def _base_prompt(prompt: str) -> str:
    return prompt[1:-1]  # <AR1> and [AR1] -> AR1


PROFILE = VendorProfile(
    name="huawei_vrp",
    title="Huawei VRP",
    vendor="huawei",
    device_types=("huawei", "huawei_vrp", "huawei_serial", "huawei_telnet"),
    parser="huawei",
    prompt=re.compile(r"[<\[][\w.\-/:~]+[>\]]"),
    base_prompt=_base_prompt,
    paging_command="screen-length 0 temporary",
    logout_command="quit",
    enable=None,
    version_command="display version",
    clear_counters=_clear,
    host_key_command="display rsa local-key-pair public",
    console_driver="netmiko.huawei.huawei:HuaweiBase",
    console_device_type="huawei_serial",
    console_texts=ConsoleTexts(
        idle=r"press any key to log on",
        login_banner=r"Login authentication",
        refused=r"[Aa]uthentication is rejected|Login incorrect|Access denied",
    ),
    enterprise=(1, 3, 6, 1, 4, 1, 2011),  # enterprises.huawei
    cpu_mibs=(CpuMib(HUAWEI_CPU, "lowest"), CpuMib(HUAWEI_ENTITY_CPU, "busiest")),
)

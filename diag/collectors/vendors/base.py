"""What a vendor profile holds: everything diag knows about one router vendor's CLI and MIBs.

Plain data and small functions only (no netmiko, no pysnmp): the SNMP collector imports the
profiles too, and `diag --help` must stay fast.  The transports (diag.collectors.cli.ssh,
diag.collectors.cli.console) build their netmiko classes from a profile when they connect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from diag.collectors.cli.parsers import CommandSet

Oid = tuple[int, ...]


@dataclass(frozen=True)
class ClearCommand:
    """How the vendor clears one interface's counters (only when `clear_counters` is set)."""

    command: str
    question: str | None = None  # regex of a confirmation question, answered with `answer`
    answer: str = "y"


@dataclass(frozen=True)
class Enable:
    """How the vendor enters privileged mode with a secret (IOS `enable`)."""

    command: str = "enable"
    password_prompt: str = "ssword"  # regex, case-insensitive  # noqa: S105
    tries: int = 3  # how many times the router asks again after a wrong secret


@dataclass(frozen=True)
class ConsoleTexts:
    """What the vendor's console prints around a login (regexes).

    `idle`: the banner of a logged-out line (the session is gone); `login_banner`: the text that
    opens a login; `refused`: a login refused.  Username:/Password: prompts are common to every
    vendor and live with the console transport.
    """

    idle: str
    login_banner: str
    refused: str


@dataclass(frozen=True)
class CpuColumns:
    """Which column of a CPU table is which averaging window."""

    mib: str
    entry: Oid
    five_sec: int | None
    one_min: int | None
    five_min: int | None
    names: dict[int, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[int]:
        return [c for c in (self.five_sec, self.one_min, self.five_min) if c is not None]


@dataclass(frozen=True)
class CpuMib:
    """One CPU table of the vendor's chain, and which row stands for the router."""

    columns: CpuColumns
    pick: Literal["lowest", "busiest", "mean"]


@dataclass(frozen=True, eq=False)  # one object per vendor: compared and hashed by identity
class VendorProfile:
    """One router vendor: its CLI dialogue, commands outside the parsers, console, SNMP MIBs.

    The output parsers and their TextFSM templates stay in diag.collectors.cli.parsers; the
    profile names them (`parser`, the key of that registry).
    """

    name: str  # the profile's id, e.g. "cisco_ios"
    title: str  # for messages, e.g. "Cisco IOS"
    vendor: str  # the inventory's `vendor` word ("cisco"), and the SNMP vendor name
    device_types: tuple[str, ...]  # netmiko device_type names read with this profile
    parser: str  # key of diag.collectors.cli.parsers.VENDORS: commands, parsers, templates
    # --- CLI
    prompt: re.Pattern[str]  # one whole prompt line as the router prints it
    base_prompt: Callable[[str], str]  # prompt line -> netmiko's base prompt
    paging_command: str
    logout_command: str
    enable: Enable | None  # None: no privileged mode to enter
    version_command: str  # prints the uptime (counter-reset evidence between CRC samples)
    clear_counters: Callable[[str], ClearCommand]
    host_key_command: str  # shows the router's own SSH host key, to compare on the console
    # --- console
    console_driver: str  # "module:Class" of netmiko's class a console session builds on
    console_device_type: str  # netmiko's name of that class's device_type
    console_texts: ConsoleTexts
    # --- SNMP
    enterprise: Oid  # sysObjectID prefix
    cpu_mibs: tuple[CpuMib, ...]  # tried in order; HOST-RESOURCES-MIB comes after every chain

    @property
    def ssh_device_types(self) -> tuple[str, ...]:
        return tuple(d for d in self.device_types if "_serial" not in d and "_telnet" not in d)

    def commands_for(self, wan_interface: str) -> CommandSet:
        """The parsers' command set for one WAN interface (diag.collectors.cli.parsers)."""
        from diag.collectors.cli.parsers import VENDORS

        return VENDORS[self.parser].commands_for(wan_interface)

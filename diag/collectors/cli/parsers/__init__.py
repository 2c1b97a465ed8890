"""Vendor CLI parsers behind one registry keyed by netmiko `device_type`.

Public API (the runner and `diag parse` code against exactly this):

* `commands_for(device_type, wan_interface)` -> `CommandSet`: what to run on one router for one
  circuit end, including the router-originated ping command line.
* `parse_command(device_type, command, text, device=..., at=...)` -> typed observations
  (`InterfaceObservation`, `E1ControllerObservation`, `CpuObservation`, `LogObservation`,
  `PingObservation`) with the output kept in `raw`.
* `SUPPORTED`: device_type -> the command forms `parse_command` reads.

Each vendor lives in its own module and exposes a `Vendor` (its command table and command set);
this module only holds what they share and the registry.  Outputs are read with our own TextFSM
templates (`../templates/`): the ntc-templates ones were tried first and do not fit these
commands (each template's header says why); the CPU history graph is read by column position.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import textfsm

from diag.errors import CollectorError, CollectorParseError
from diag.model.observations import Observation

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

LogCategory = Literal["cpu", "line-flap", "protocol-flap", "controller", "other"]

# (target, count, payload size in bytes, per-probe timeout in s, DF bit, hex pattern) -> CLI line
PingBuilder = Callable[[str, int, int, float, bool, str | None], str]


@dataclass(frozen=True)
class CommandSet:
    """What to run on one router for one circuit end (None: the vendor or the WAN type has none)."""

    interface: str
    controller: str | None
    serial: str | None
    cpu: str
    cpu_history: str | None
    log: str
    ping_builder: PingBuilder = field(repr=False, compare=False)

    def ping(
        self,
        target: str,
        count: int,
        size: int,
        timeout_s: float,
        df: bool = False,
        pattern: str | None = None,
    ) -> str:
        """The router-originated ping command line.

        `size` is the ICMP payload in bytes (as `settings.ping_size` and host pings count it);
        IOS's `size` counts the whole IP datagram, so the IOS line adds the 28 header bytes.
        """
        return self.ping_builder(target, count, size, timeout_s, df, pattern)

    @property
    def reads(self) -> tuple[str, ...]:
        """Every show/display command of the set, in a sensible order (ping needs a target)."""
        cmds = (
            self.interface,
            self.controller,
            self.serial,
            self.cpu,
            self.cpu_history,
            self.log,
        )
        return tuple(c for c in cmds if c is not None)


@dataclass(frozen=True)
class Ctx:
    """What a vendor parse function gets: one command's output and who/when it was read."""

    device: str
    at: datetime
    command: str
    args: str  # what followed the matched keywords, pipe removed
    text: str  # the output without echo and prompt lines
    raw: str  # the output exactly as given

    def meta(self, kind: str, n: int = 1) -> dict[str, Any]:
        """The Obs fields every observation carries (the runner renumbers `id`)."""
        return {"id": f"{kind}-{n}", "collector": f"router:{self.device}", "at": self.at}

    def error(self, line: str, why: str = "") -> CollectorParseError:
        return parse_error(self.device, self.command, line, why)


def parse_error(device: str, command: str, line: str, why: str = "") -> CollectorParseError:
    where = f"first offending line: {line.strip()!r}" if line.strip() else "the output is empty"
    return CollectorParseError(
        f"{device}: cannot read the output of {command!r}{f' ({why})' if why else ''}; {where}. "
        "If the command works by hand on this router, keep the output: it is a format the "
        "parser does not know yet (add it as a test fixture)."
    )


@dataclass(frozen=True)
class CommandForm:
    """One command a vendor parser reads: keywords typed as any prefix of at least the
    bracketed minimum (`sh[ow]` = sh, sho, show), then arguments matched by `args`."""

    usage: str
    keywords: str
    parse: Callable[[Ctx], list[Observation]]
    args: str | None = None  # regex the rest of the line must fully match; None = nothing

    def match(self, tokens: list[str]) -> str | None:
        """The argument text when `tokens` is this command, else None."""
        kws = [_keyword(k) for k in self.keywords.split()]
        if len(tokens) < len(kws):
            return None
        for (word, min_len), tok in zip(kws, tokens, strict=False):
            t = tok.lower()
            if len(t) < min_len or not word.startswith(t):
                return None
        rest = " ".join(tokens[len(kws) :])
        if self.args is None:
            return "" if not rest else None
        return rest if re.fullmatch(self.args, rest, re.IGNORECASE) else None


def _keyword(spec: str) -> tuple[str, int]:
    head, _, tail = spec.partition("[")
    return (head + tail.rstrip("]")).lower(), len(head)


@dataclass(frozen=True)
class Vendor:
    name: str
    title: str
    forms: tuple[CommandForm, ...]
    commands_for: Callable[[str], CommandSet]


# --- text helpers shared by the vendor modules -------------------------------------------------

# A prompt (`R1#`, `R1>`, `<AR1>`), optionally followed by the echoed command, or a bare echo of
# a show/display command (genie captures start with one).  Only leading lines are dropped.
_ECHO = re.compile(
    r"^\s*(?:(?:[\w.:/()-]+[#>]|<[^<>\s]+>)(?:\s*\S.*)?|(?:sh(?:ow?)?|dis(?:p(?:l(?:ay?)?)?)?)\s+\S.*)$"
)
_PROMPT = re.compile(r"^\s*(?:[\w.:/()-]+[#>]|<[^<>\s]+>)\s*$")
# The CLI refused the command: IOS "% Invalid input ...", VRP "Error: Unrecognized command ...".
_CLI_ERROR = re.compile(r"^\s*(?:%\s+\S|Error:\s)")


def clean_output(text: str) -> str:
    """Newlines normalised; leading echo/prompt lines and trailing prompts removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = 0
    while (
        start < len(lines) and start < 4 and (not lines[start].strip() or _ECHO.match(lines[start]))
    ):
        start += 1
    end = len(lines)
    while end > start and (not lines[end - 1].strip() or _PROMPT.match(lines[end - 1])):
        end -= 1
    return "\n".join(lines[start:end]) + "\n" if end > start else ""


def first_line(text: str) -> str:
    return next((ln for ln in text.splitlines() if ln.strip()), "")


def cli_error_line(text: str) -> str | None:
    return next((ln for ln in text.splitlines() if _CLI_ERROR.match(ln)), None)


@cache
def _template_text(name: str) -> str:
    return (TEMPLATES / f"{name}.textfsm").read_text(encoding="utf-8")


def run_template(name: str, text: str) -> list[dict[str, Any]]:
    """Records of our TextFSM template `name` (file stem under templates/) over `text`."""
    fsm = textfsm.TextFSM(io.StringIO(_template_text(name)))
    records: list[dict[str, Any]] = fsm.ParseTextToDicts(text)
    return records


def num(value: str | None) -> int | None:
    """TextFSM leaves unmatched values as ''; that is 'not printed', not zero."""
    return int(value) if value else None


def fnum(value: str | None) -> float | None:
    return float(value) if value else None


def lower(value: str | None) -> str | None:
    return value.strip().lower() if value else None


# --- registry ----------------------------------------------------------------------------------

# The vendor modules import the shared types above, so they are imported after them.
from diag.collectors.cli.parsers import cisco_ios, huawei_vrp  # noqa: E402

VENDORS: dict[str, Vendor] = {
    "cisco_ios": cisco_ios.VENDOR,
    "cisco_xe": cisco_ios.VENDOR,
    "cisco_ios_serial": cisco_ios.VENDOR,
    "cisco_ios_telnet": cisco_ios.VENDOR,
    "huawei": huawei_vrp.VENDOR,
    "huawei_vrp": huawei_vrp.VENDOR,
    "huawei_serial": huawei_vrp.VENDOR,
    "huawei_telnet": huawei_vrp.VENDOR,
}

SUPPORTED: dict[str, list[str]] = {dt: [f.usage for f in v.forms] for dt, v in VENDORS.items()}


def _vendor(device_type: str) -> Vendor:
    vendor = VENDORS.get(device_type)
    if vendor is None:
        raise CollectorError(
            f"no CLI parser for device_type {device_type!r}; supported: "
            f"{', '.join(sorted(VENDORS))}. Set the router's device_type in the inventory to one "
            "of these (netmiko names)."
        )
    return vendor


def commands_for(device_type: str, wan_interface: str) -> CommandSet:
    """The commands to run on a `device_type` router whose circuit ends on `wan_interface`."""
    return _vendor(device_type).commands_for(wan_interface)


def parse_command(
    device_type: str, command: str, text: str, *, device: str, at: datetime
) -> list[Observation]:
    """Read one command's output into observations (`raw` keeps the text).

    Raises CollectorParseError when the command is not one we read (the message lists those we
    do), when the router refused it (`% Invalid input ...`), or when the output is not the
    expected shape (the message names the first offending line).
    """
    vendor = _vendor(device_type)
    tokens = command.split("|", 1)[0].split()
    for form in vendor.forms:
        args = form.match(tokens)
        if args is not None:
            break
    else:
        raise CollectorParseError(
            f"{device}: diag does not read {command!r} from a {vendor.title} router "
            f"(device_type {device_type}); it reads: {'; '.join(f.usage for f in vendor.forms)}"
        )
    body = clean_output(text)
    refused = cli_error_line(body)
    if refused is not None:
        raise parse_error(device, command, refused, "the router refused the command")
    if not body.strip():
        raise parse_error(device, command, "")
    ctx = Ctx(device=device, at=at, command=command, args=args, text=body, raw=text)
    observations = form.parse(ctx)
    if not observations:
        raise ctx.error(first_line(body))
    return observations


__all__ = [
    "SUPPORTED",
    "VENDORS",
    "CommandForm",
    "CommandSet",
    "Ctx",
    "LogCategory",
    "PingBuilder",
    "Vendor",
    "commands_for",
    "parse_command",
]

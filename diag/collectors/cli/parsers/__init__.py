"""Vendor CLI parsers behind one registry keyed by netmiko `device_type`.

Public API (the runner and `diag parse` code against exactly this):

* `commands_for(device_type, wan_interface)` -> `CommandSet`: what to run on one router for one
  circuit end, including the router-originated ping command line.
* `parse_command(device_type, command, text, device=..., at=...)` -> typed observations
  (`InterfaceObservation`, `E1ControllerObservation`, `CpuObservation`, `LogObservation`,
  `PingObservation`) with the output kept in `raw`.
* `SUPPORTED`: device_type -> the command forms `parse_command` reads.
* `parse_reads(device_type, command, texts, ...)`: several reads of one command merged into one
  reading where the output allows it (`mergeable()`: the IOS CPU history graph), else the last.
* `verified(device_type, command, observation)`: whether the parser checked that output whole
  (its structure shows any lost or garbled line), so an `ok` quality there is a checked one; a
  `False` (logs) means a lossy session leaves that reading `degraded`.

Read quality: an output whose own structure shows lost or garbled lines (a counter block without
its header, a status word that is not one the router prints, a CPU graph whose digits disagree
with its bars) gives observations with `quality="partial"`, the fields that could not be read
whole left unknown (None or []) and named in `unread`, and a `quality_note` saying what was lost.
A value that could not be read whole is never given.

Bounds (diag/collectors/numbers.py): every number is read from ASCII digits (`[0-9]` in the
templates, re.ASCII elsewhere) within the range of its quantity: counters up to 2**64-1,
percentages 0..100, RTTs up to an hour, the E1 current interval up to 900 s, at most 100,000
probes in a ping.  A garbled number in a record (`Numbers`) leaves its field unknown and the
observation partial; a count a whole output depends on (a ping's probes sent and received, its
size) makes the output unreadable.  No list is sized by a printed number beyond those bounds.
The only error a parser raises is CollectorParseError, and reading takes time linear in the
output: no pattern rescans a line from every position (`SP` for whitespace within a line in
whole-output patterns, possessive runs before lazy values, `A then B` searched in two steps).
tests/fuzz checks both with mutated real outputs (bench/fuzz.py runs 100,000 per parser).

Each vendor lives in its own module and exposes a `Vendor` (its command table and command set);
what they share is in .base (the Vendor contract, Ctx) and .text (text and read-quality helpers),
re-exported here; this module holds the registry and the parse entry points.  Outputs are read with our own TextFSM
templates (`../templates/`): the ntc-templates ones were tried first and do not fit these
commands (each template's header says why); the CPU history graph is read by column position.
"""

from __future__ import annotations

from datetime import datetime

from diag.collectors.cli.parsers import cisco_ios, huawei_vrp
from diag.collectors.cli.parsers.base import (
    CommandForm,
    CommandSet,
    Ctx,
    LogCategory,
    PingBuilder,
    Vendor,
    parse_error,
)
from diag.collectors.cli.parsers.text import (
    E1_COUNTERS,
    SP,
    block,
    chunks,
    clean_output,
    cli_error_line,
    first_line,
    lost_note,
    partial,
    ping_target,
    plain_name,
    plain_status,
    plain_text,
    records,
    unchecked,
    unsure,
)
from diag.errors import CollectorError, CollectorParseError
from diag.model.observations import Observation

# --- registry ----------------------------------------------------------------------------------

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


def _form(device_type: str, command: str, device: str) -> tuple[CommandForm, str]:
    vendor = _vendor(device_type)
    tokens = command.split("|", 1)[0].split()
    for form in vendor.forms:
        args = form.match(tokens)
        if args is not None:
            return form, args
    raise CollectorParseError(
        f"{device}: diag does not read {command!r} from a {vendor.title} router "
        f"(device_type {device_type}); it reads: {'; '.join(f.usage for f in vendor.forms)}"
    )


def _ctx(device: str, at: datetime, command: str, args: str, text: str) -> Ctx:
    body = clean_output(text)
    refused = cli_error_line(body)
    if refused is not None:
        raise parse_error(device, command, refused, "the router refused the command")
    if not body.strip():
        raise parse_error(device, command, "")
    return Ctx(device=device, at=at, command=command, args=args, text=body, raw=text)


def parse_command(
    device_type: str, command: str, text: str, *, device: str, at: datetime
) -> list[Observation]:
    """Read one command's output into observations (`raw` keeps the text).

    Raises CollectorParseError when the command is not one we read (the message lists those we
    do), when the router refused it (`% Invalid input ...`), or when the output is not the
    expected shape (the message names the first offending line).
    """
    form, args = _form(device_type, command, device)
    ctx = _ctx(device, at, command, args, text)
    observations = form.parse(ctx)
    if not observations:
        raise ctx.error(first_line(ctx.text))
    return _own_blocks(observations, text)


def _own_blocks(observations: list[Observation], text: str) -> list[Observation]:
    """Each interface or controller keeps only its own block of a multi-block output as `raw`
    (not the whole output once per observation).  A block starts at the outermost line that
    names it; when any block cannot be found, every observation keeps the whole text."""
    names = [getattr(o, "interface", None) or getattr(o, "controller", None) for o in observations]
    if len(observations) < 2 or any(not n for n in names) or len(set(names)) < len(names):
        return observations
    lines = text.splitlines(keepends=True)
    # the outermost indentation (pasted text may be indented as a whole)
    margin = min((len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip()), default=0)
    starts: list[int] = []
    for name in names:
        at = next(
            (
                i
                for i, line in enumerate(lines)
                if line[margin : margin + 1].strip() and _names_block(line[margin:], str(name))
            ),
            None,
        )
        if at is None:
            return observations
        starts.append(at)
    order = sorted(range(len(starts)), key=lambda k: starts[k])
    if len({starts[k] for k in order}) < len(order):
        return observations
    out = list(observations)
    for pos, k in enumerate(order):
        begin = 0 if pos == 0 else starts[k]  # the echo and any header go with the first block
        end = starts[order[pos + 1]] if pos + 1 < len(order) else len(lines)
        obs = observations[k]
        if getattr(obs, "raw", None) == text:
            out[k] = obs.model_copy(update={"raw": "".join(lines[begin:end])})
    return out


def _names_block(line: str, name: str) -> bool:
    """`Serial0/0/0:0 is up, ...`, `E1 0/0/0 is up.`, `Serial1/0/0:0 current state : UP`."""
    if not line.startswith(name):
        return False
    rest = line[len(name) :]
    return not rest or not (rest[0].isalnum() or rest[0] in "/:.")


def mergeable(device_type: str, command: str) -> bool:
    """Whether several reads of `command` can be merged into one reading (`parse_reads`)."""
    try:
        form, _ = _form(device_type, command, "")
    except CollectorError:
        return False
    return form.merge is not None


def parse_reads(
    device_type: str, command: str, texts: list[str], *, device: str, at: datetime
) -> list[Observation]:
    """Several reads of one command as one reading: merged when the form allows it (reads that
    the router refused or that are empty are left out), else the last read alone."""
    form, args = _form(device_type, command, device)
    if form.merge is None or len(texts) == 1:
        return parse_command(device_type, command, texts[-1], device=device, at=at)
    ctxs = []
    error: CollectorParseError | None = None
    for text in texts:
        try:
            ctxs.append(_ctx(device, at, command, args, text))
        except CollectorParseError as exc:
            error = exc
    if not ctxs:
        assert error is not None
        raise error
    observations = form.merge(ctxs)
    if not observations:
        raise ctxs[-1].error(first_line(ctxs[-1].text))
    return observations


def verified(device_type: str, command: str, observation: Observation) -> bool:
    """Whether the parser of `command` checked `observation` whole (see the module docstring)."""
    try:
        form, _ = _form(device_type, command, "")
    except CollectorError:
        return False
    return form.checked(observation)


__all__ = [
    "E1_COUNTERS",
    "SP",
    "SUPPORTED",
    "VENDORS",
    "CommandForm",
    "CommandSet",
    "Ctx",
    "LogCategory",
    "PingBuilder",
    "Vendor",
    "block",
    "chunks",
    "clean_output",
    "cli_error_line",
    "commands_for",
    "first_line",
    "lost_note",
    "mergeable",
    "parse_command",
    "parse_error",
    "parse_reads",
    "partial",
    "ping_target",
    "plain_name",
    "plain_status",
    "plain_text",
    "records",
    "unchecked",
    "unsure",
    "verified",
]

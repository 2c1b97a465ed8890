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
from typing import Any, Literal, TypeVar

import textfsm

from diag.collectors.numbers import (
    COUNTER64_MAX,
    PERCENT_MAX,
    NumberError,
    read_float,
    read_int,
)
from diag.errors import CollectorError, CollectorParseError
from diag.model.observations import Observation, Quality

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

    def number(self, value: str, hi: int, what: str, lo: int = 0) -> int:
        """A number the output must hold whole (a probe count, a size) in lo..hi; a garbled one
        is a CollectorParseError naming its line (diag/collectors/numbers.py)."""
        try:
            got = read_int(value, hi, lo, what=what)
        except NumberError as exc:
            line = next((ln for ln in self.text.splitlines() if value.strip() in ln), "")
            raise self.error(line or first_line(self.text), str(exc)) from exc
        if got is None:
            raise self.error(first_line(self.text), f"no {what}")
        return got


def parse_error(device: str, command: str, line: str, why: str = "") -> CollectorParseError:
    where = f"first offending line: {line.strip()!r}" if line.strip() else "the output is empty"
    return CollectorParseError(
        f"{device}: cannot read the output of {command!r}{f' ({why})' if why else ''}; {where}. "
        "If the command works by hand on this router, keep the output: it is a format the "
        "parser does not know yet (add it as a test fixture)."
    )


def _always(_: Observation) -> bool:
    return True


@dataclass(frozen=True)
class CommandForm:
    """One command a vendor parser reads: keywords typed as any prefix of at least the
    bracketed minimum (`sh[ow]` = sh, sho, show), then arguments matched by `args`.

    `merge` reads several outputs of the command as one (outputs that do not change between
    reads); `checked` says whether the parser verified an observation whole (False: nothing in
    the output can show a lost line, e.g. a log)."""

    usage: str
    keywords: str
    parse: Callable[[Ctx], list[Observation]]
    args: str | None = None  # regex the rest of the line must fully match; None = nothing
    merge: Callable[[list[Ctx]], list[Observation]] | None = None
    checked: Callable[[Observation], bool] = _always

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

# Whitespace within one line.  Patterns searched over a whole output (re.M) use it instead of
# `\s`, which also matches newlines: `^\s*X` would rescan every following blank line from each
# line start, quadratic on an output that is mostly empty lines.
SP = r"[^\S\n]"

# A prompt (`R1#`, `R1>`, `<AR1>`), optionally followed by the echoed command, or a bare echo of
# a show/display command (genie captures start with one).  Only leading lines are dropped.
_ECHO = re.compile(
    r"^\s*(?:(?:[\w.:/()-]+[#>]|<[^<>\s]+>)(?:\s*\S.*)?|(?:sh(?:ow?)?|dis(?:p(?:l(?:ay?)?)?)?)\s+\S.*)$"
)
_PROMPT = re.compile(r"^\s*(?:[\w.:/()-]+[#>]|<[^<>\s]+>)\s*$")
# The CLI refused the command: IOS "% Invalid input ...", VRP "Error: Unrecognized command ...".
_CLI_ERROR = re.compile(r"^\s*(?:%\s+\S|Error:\s)")
# The marker a CLI prints under the echo, pointing at the word it refused.
_CARET = re.compile(r"^\s*\^\s*$")
# Lines (blank ones aside) a refusal may sit in: at most two lines of echo, the marker, the error.
_REFUSAL_LINES = 4


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
    """The router's refusal in a cleaned output (`clean_output`), else None.

    Only at the command's own position: the first line after the echo (the `^` marker may come
    first), or the line under the marker when an echo the cleaner did not know (a wrapped or
    system-view one) is left above it.  The same shape deeper in the output is output, e.g. a
    VRP counter `Error: 0`."""
    head = [line for line in text.splitlines() if line.strip()][:_REFUSAL_LINES]
    for i, line in enumerate(head):
        if _CLI_ERROR.match(line) and (
            all(_CARET.match(above) for above in head[:i]) or _CARET.match(head[i - 1])
        ):
            return line
    return None


@cache
def _template_text(name: str) -> str:
    return (TEMPLATES / f"{name}.textfsm").read_text(encoding="utf-8")


def run_template(name: str, text: str) -> list[dict[str, Any]]:
    """Records of our TextFSM template `name` (file stem under templates/) over `text`."""
    fsm = textfsm.TextFSM(io.StringIO(_template_text(name)))
    records: list[dict[str, Any]] = fsm.ParseTextToDicts(text)
    return records


def num(value: str | None, hi: int = COUNTER64_MAX) -> int | None:
    """A whole number the template read in 0..hi, None when not printed (TextFSM leaves
    unmatched values as ''; that is 'not printed', not zero).

    Raises CollectorParseError for a garbled one (see `Numbers` to keep the rest of a record).
    """
    try:
        return read_int(value, hi)
    except NumberError as exc:
        raise CollectorParseError(f"unreadable number: {exc}") from exc


def fnum(value: str | None, hi: float = PERCENT_MAX) -> float | None:
    """As `num`, for a decimal (percentages by default)."""
    try:
        return read_float(value, hi)
    except NumberError as exc:
        raise CollectorParseError(f"unreadable number: {exc}") from exc


def lower(value: str | None) -> str | None:
    return value.strip().lower() if value else None


# --- read quality helpers shared by the vendor modules -----------------------------------------

Q = TypeVar("Q", bound=Quality)


def partial(obs: Q, unread: list[str], why: str) -> Q:
    """`obs` with the fields in `unread` made unknown (None, or [] for lists) and marked partial.

    `why` says what was lost and how it was seen; it is added to any note already there.
    """
    if not unread and not why:
        return obs
    update: dict[str, Any] = {}
    for name in unread:
        update[name] = [] if isinstance(getattr(obs, name), list) else None
    names = list(dict.fromkeys([*obs.unread, *unread]))
    note = "; ".join(n for n in (obs.quality_note, why) if n)
    return obs.model_copy(
        update={**update, "quality": "partial", "quality_note": note, "unread": names}
    )


class Numbers:
    """The numbers of one record, each read against its range (diag/collectors/numbers.py).

    A number that is not ASCII digits or is outside its range was garbled (line noise, two lines
    run together): its field is left unknown and named in `garbled`, so `apply` marks the
    observation partial; the other fields of the record stay read.
    """

    def __init__(self) -> None:
        self.garbled: list[str] = []
        self.why: list[str] = []

    def int(self, name: str, value: str | None, hi: int = COUNTER64_MAX, lo: int = 0) -> int | None:
        try:
            return read_int(value, hi, lo, what=name)
        except NumberError as exc:
            self.garbled.append(name)
            self.why.append(str(exc))
            return None

    def float(
        self, name: str, value: str | None, hi: float = PERCENT_MAX, lo: float = 0.0
    ) -> float | None:
        try:
            return read_float(value, hi, lo, what=name)
        except NumberError as exc:
            self.garbled.append(name)
            self.why.append(str(exc))
            return None

    def apply(self, obs: Q, also: list[str] | None = None) -> Q:
        """`obs` marked partial for the garbled numbers (and the fields in `also` that depend
        on them), or `obs` itself when every number was read."""
        if not self.garbled:
            return obs
        fields = list(dict.fromkeys([*self.garbled, *(also or [])]))
        return partial(obs, fields, "garbled numbers: " + "; ".join(self.why))


def block(text: str, start: str, end: str) -> list[str] | None:
    """The lines after the first line matching `start`, up to the next matching `end`.

    None when either header is missing: without both, which counters belong to the block
    cannot be told (the next block repeats the same counter lines).
    """
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines) if re.search(start, ln)), None)
    if first is None:
        return None
    last = next((i for i in range(first + 1, len(lines)) if re.search(end, lines[i])), None)
    return None if last is None else lines[first + 1 : last]


E1_COUNTERS = [
    "line_code_violations",
    "path_code_violations",
    "slip_secs",
    "degraded_mins",
    "errored_secs",
    "severely_err_secs",
    "unavail_secs",
]


def chunks(text: str, header: re.Pattern[str]) -> list[str]:
    """The text of each record, split at its header lines."""
    starts = [m.start() for m in header.finditer(text)]
    if not starts:
        return []
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


_PLAIN_NAME = re.compile(r"(?:(?:E1|T1)\s+)?[A-Za-z0-9][\w./:-]*")


def plain_name(name: str) -> bool:
    """An interface or controller name as routers print them (a garbled one has line noise)."""
    return bool(_PLAIN_NAME.fullmatch(name.strip()))


_PLAIN_TEXT = re.compile(r"[\w\s.,:;/()=+-]*")
_STATUS = re.compile(r"(?:administratively\s+)?(?:up|down)", re.I)


def plain_text(value: str | None) -> bool:
    """A short value (framing, clock source, cable) without line noise in it."""
    return value is None or bool(_PLAIN_TEXT.fullmatch(value))


def plain_status(value: str | None) -> bool:
    """An up/down/administratively down state word as read (a garbled one is unknown)."""
    return value is not None and bool(_STATUS.fullmatch(value.strip()))


def ping_target(read: str, typed: str) -> str:
    """The ping target as the output names it, or as typed when the output's is garbled."""
    return read if plain_name(read) else typed


def records(
    recs: list[dict[str, Any]], text: str, header: re.Pattern[str], key: str
) -> list[tuple[dict[str, Any], str | None]]:
    """TextFSM records paired with their own text (None when the headers found do not pair up
    with the records), leaving out records whose name `key` is garbled: a garbled name is no
    interface (with no record left, the output is refused as unreadable)."""
    texts: list[str | None] = list(chunks(text, header))
    if len(texts) != len(recs):
        texts = [None] * len(recs)
    return [(r, t) for r, t in zip(recs, texts, strict=True) if plain_name(r[key])]


def lost_note(what: str, lines: list[str]) -> str:
    return f"{what}: {', '.join(lines)} lost or garbled"


def unchecked(_: Observation) -> bool:
    """Nothing in a log shows a lost line (any number of messages is a valid log)."""
    return False


def unsure(lines: list[str], fields: dict[str, tuple[str, str]]) -> list[str]:
    """Fields (name -> (regex of the label on its line, the value the template read)) that were
    not read, or whose label is on more than one line of the block (which one the template
    kept cannot be told)."""
    return [
        name
        for name, (label, value) in fields.items()
        if not value or sum(bool(re.search(label, ln)) for ln in lines) > 1
    ]


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
    "commands_for",
    "lost_note",
    "mergeable",
    "parse_command",
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

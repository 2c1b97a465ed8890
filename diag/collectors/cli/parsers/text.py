"""Text and read-quality helpers shared by the vendor parser modules: cleaning an output, the
router's refusal line, TextFSM templates, bounded numbers, blocks and records, partial readings.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import textfsm

from diag.collectors.numbers import COUNTER64_MAX, PERCENT_MAX, NumberError, read_float, read_int
from diag.errors import CollectorParseError
from diag.model.observations import Observation, Quality

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


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
_STATUS = re.compile(r"(?:administratively\s+)?(?:up|down)", re.IGNORECASE)


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

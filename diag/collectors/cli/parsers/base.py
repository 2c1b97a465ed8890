"""What a vendor parser module provides and works with: its command forms and command set
(`Vendor`, `CommandForm`, `CommandSet`) and the reading context of one output (`Ctx`).

The registry of vendors is in diag.collectors.cli.parsers; the helpers in .text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from diag.collectors.cli.parsers.text import first_line
from diag.collectors.numbers import NumberError, read_int
from diag.errors import CollectorParseError
from diag.model.observations import Observation

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

"""Command grammar shared by the vendor CLIs: keyword abbreviation, arguments, error positions.

A command is written like the ntc-templates index: `sh[ow] int[erfaces] <name...>` means the
keyword `show` may be typed as any prefix of at least `sh`, `<name>` takes one token and
`<name...>` the rest of the line.  Matching reports *where* input went wrong, because both
IOS and VRP point a caret at the first bad token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from diag.lab.routers.clock import Moment
from diag.lab.routers.state import RouterState


@dataclass(frozen=True)
class Keyword:
    word: str
    min_len: int

    def accepts(self, token: str) -> bool:
        t = token.lower()
        return len(t) >= self.min_len and self.word.startswith(t)

    def too_short(self, token: str) -> bool:
        t = token.lower()
        return len(t) < self.min_len and self.word.startswith(t)


@dataclass(frozen=True)
class Arg:
    name: str
    rest: bool


_KEYWORD = re.compile(r"([^\[\]]+)(?:\[([^\]]+)\])?")


def parse_spec(spec: str) -> tuple[Keyword | Arg, ...]:
    out: list[Keyword | Arg] = []
    for part in spec.split():
        if part.startswith("<"):
            name = part.strip("<>")
            out.append(Arg(name.rstrip("."), name.endswith("...")))
            continue
        m = _KEYWORD.fullmatch(part)
        if m is None:
            raise ValueError(f"bad command spec token {part!r} in {spec!r}")
        out.append(Keyword((m.group(1) + (m.group(2) or "")).lower(), len(m.group(1))))
    return tuple(out)


@dataclass(frozen=True)
class Ctx:
    """What a command handler sees."""

    state: RouterState
    at: Moment
    line: str
    args: dict[str, str]
    arg_cols: dict[str, int]
    privileged: bool


Action = Literal["enable", "disable", "close"]
# "parameter": the command exists but an argument names nothing (IOS still says invalid input).
ErrorKind = Literal["invalid", "incomplete", "ambiguous", "parameter"]


@dataclass(frozen=True)
class Reply:
    text: str = ""
    action: Action | None = None
    # A question such as IOS "[confirm]": `text` asks it, the next input line answers it, and
    # `on_confirm` runs (its result is printed) when the answer is RETURN or y.
    on_confirm: Callable[[], str] | None = None


class CliError(Exception):
    """A handler rejects its arguments; `col` is the offset in the line the caret points at."""

    def __init__(self, kind: ErrorKind, col: int) -> None:
        super().__init__(kind)
        self.kind: ErrorKind = kind
        self.col = col


Handler = Callable[[Ctx], "str | Reply"]


@dataclass(frozen=True)
class Command:
    spec: str
    handler: Handler
    tokens: tuple[Keyword | Arg, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", parse_spec(self.spec))


@dataclass(frozen=True)
class Match:
    command: Command | None
    args: dict[str, str]
    arg_cols: dict[str, int]
    error: ErrorKind | None = None
    col: int = 0
    depth: int = 0


_RANK = {"incomplete": 2, "ambiguous": 1, "invalid": 0, "parameter": 0}


def _try(cmd: Command, line: str, toks: list[tuple[int, str]]) -> Match:
    args: dict[str, str] = {}
    cols: dict[str, int] = {}
    i = 0
    for spec_tok in cmd.tokens:
        if i >= len(toks):
            return Match(None, {}, {}, "incomplete", len(line), i)
        off, tok = toks[i]
        if isinstance(spec_tok, Arg):
            args[spec_tok.name] = line[off:].strip() if spec_tok.rest else tok
            cols[spec_tok.name] = off
            i = len(toks) if spec_tok.rest else i + 1
        elif spec_tok.accepts(tok):
            i += 1
        elif spec_tok.too_short(tok):
            return Match(None, {}, {}, "ambiguous", off, i)
        else:
            return Match(None, {}, {}, "invalid", off, i)
    if i < len(toks):
        return Match(None, {}, {}, "invalid", toks[i][0], i)
    return Match(cmd, args, cols)


def match(commands: tuple[Command, ...], line: str) -> Match:
    """The first command that matches the whole line, else the most telling error."""
    toks = [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]
    best: Match | None = None
    for cmd in commands:
        m = _try(cmd, line, toks)
        if m.command is not None:
            return m
        assert m.error is not None
        if best is None or (m.depth, _RANK[m.error]) > (best.depth, _RANK[best.error or "invalid"]):
            best = m
    return best or Match(None, {}, {}, "invalid", 0)


@dataclass(frozen=True)
class Dialect:
    """Everything vendor-specific about a CLI session except the command outputs themselves."""

    name: str
    commands: tuple[Command, ...]
    has_enable: bool
    prompt: Callable[[str, bool], str]
    # (kind, command line as typed, caret column counted from the start of the prompt)
    error: Callable[[ErrorKind, str, int], str]
    # Serial console login texts.
    login_banner: str
    username_prompt: str
    password_prompt: str
    login_failed: str
    logout_banner: Callable[[str], str]

"""One CLI session on a simulated router, shared by the SSH server and the serial console.

The transport feeds complete input lines and writes back what `feed()` returns followed by
`prompt()`.  The session owns the privilege level and the enable-secret dialogue; the vendor
`Dialect` (looked up in `VENDORS`) owns the command table and the error texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from diag.lab.routers.cisco_ios import IOS
from diag.lab.routers.clock import Clock
from diag.lab.routers.dialect import CliError, Ctx, Dialect, Reply, match
from diag.lab.routers.huawei_vrp import VRP
from diag.lab.routers.state import RouterState

VENDORS: dict[str, Dialect] = {"cisco_ios": IOS, "huawei": VRP}

# IOS gives up after three wrong enable secrets.
_ENABLE_TRIES = 3


@dataclass(frozen=True)
class Output:
    text: str
    close: bool = False


class Session:
    """Per-connection state: privilege level and a pending enable-secret prompt."""

    def __init__(self, state: RouterState, clock: Clock, enable_secret: str | None = None) -> None:
        self.state = state
        self.dialect = VENDORS[state.vendor]
        self.clock = clock
        self.enable_secret = enable_secret
        self.privileged = not self.dialect.has_enable
        self._secret_tries = 0
        self._confirm: Callable[[], str] | None = None

    @property
    def awaiting_secret(self) -> bool:
        """True while the next line is a password (the transport must not echo it)."""
        return self._secret_tries > 0

    def prompt(self) -> str:
        if self.awaiting_secret:
            return "Password: "
        if self._confirm is not None:
            return ""  # the question itself ended the output
        return self.dialect.prompt(self.state.hostname, self.privileged)

    def feed(self, line: str) -> Output:
        """Run one input line; the returned text ends with a newline when not empty."""
        if self.awaiting_secret:
            return self._check_secret(line)
        if self._confirm is not None:
            run, self._confirm = self._confirm, None
            answer = line.strip().lower()
            return Output(run() if answer in ("", "y", "yes") else "")
        line = line.rstrip("\r\n")
        if not line.strip():
            return Output("")
        command, _, pipe = line.partition(" | ")
        prompt_len = len(self.prompt())
        m = match(self.dialect.commands, command)
        if m.command is None:
            assert m.error is not None
            return Output(self.dialect.error(m.error, line, prompt_len + m.col))
        ctx = Ctx(self.state, self.clock.moment(), command, m.args, m.arg_cols, self.privileged)
        try:
            result = m.command.handler(ctx)
        except CliError as err:
            return Output(self.dialect.error(err.kind, line, prompt_len + err.col))
        reply = result if isinstance(result, Reply) else Reply(result)
        if reply.action == "enable":
            return self._enable()
        if reply.action == "disable":
            self.privileged = False
        if reply.action == "close":
            return Output("", close=True)
        if reply.on_confirm is not None:
            self._confirm = reply.on_confirm
            return Output(reply.text)
        if pipe:
            filtered = _filter(reply.text, pipe)
            if filtered is None:
                col = prompt_len + len(command) + 3
                return Output(self.dialect.error("invalid", line, col))
            return Output(filtered)
        return Output(reply.text)

    def _enable(self) -> Output:
        if self.privileged:
            return Output("")
        if self.enable_secret is None:
            self.privileged = True
            return Output("")
        self._secret_tries = _ENABLE_TRIES
        return Output("")

    def _check_secret(self, line: str) -> Output:
        if line.rstrip("\r\n") == self.enable_secret:
            self._secret_tries = 0
            self.privileged = True
            return Output("")
        self._secret_tries -= 1
        return Output("" if self._secret_tries else "% Bad secrets\n\n")


def _filter(text: str, pipe: str) -> str | None:
    """`| include|exclude|begin <regex>`, as both IOS and VRP offer; None if malformed."""
    verb, _, pattern = pipe.strip().partition(" ")
    verb = verb.lower()
    if not verb or not pattern:
        return None
    try:
        rx = re.compile(pattern.strip())
    except re.error:
        return None
    lines = text.splitlines()
    if "include".startswith(verb):
        kept = [ln for ln in lines if rx.search(ln)]
    elif "exclude".startswith(verb):
        kept = [ln for ln in lines if not rx.search(ln)]
    elif "begin".startswith(verb):
        start = next((i for i, ln in enumerate(lines) if rx.search(ln)), len(lines))
        kept = lines[start:]
    else:
        return None
    return "".join(ln + "\n" for ln in kept)

"""The hostile SSH peer for the fault matrix: a real asyncssh server in front of the lab
router's real CLI session (split from peers.py)."""

from __future__ import annotations

import contextlib
import random
from typing import Any, Literal, TypeGuard, get_args

import asyncssh

# --------------------------------------------------------------------------- SSH

SshMode = Literal["garbage", "truncated", "dropped", "ok", "hang"]


def is_ssh_mode(fault: str) -> TypeGuard[SshMode]:
    return fault in get_args(SshMode)


class _AnyPassword(asyncssh.SSHServer):
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return (username, password) == (self.username, self.password)


class HostileSsh:
    """A real SSH login into the lab router's real CLI, whose show / ping answers are then
    garbled, cut short, or the connection dropped after `drop_after` of them; or answered as
    they are (`ok`), or never answered after `drop_after` of them (`hang`: the router stops
    mid-session, the connection stays).  `commands` lists every line the client sent."""

    def __init__(
        self,
        mode: SshMode,
        state: Any,
        clock: Any,
        username: str,
        password: str,
        secret: str | None,
        drop_after: int = 2,
    ) -> None:
        self.mode = mode
        self.state, self.clock = state, clock
        self.username, self.password, self.secret = username, password, secret
        self.drop_after = drop_after
        self.port = 0
        self.commands: list[str] = []
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self) -> int:
        from diag.lab.routers.server import host_key

        self._acceptor = await asyncssh.create_server(
            lambda: _AnyPassword(self.username, self.password),
            "127.0.0.1",
            0,
            server_host_keys=[host_key()],
            process_factory=self._serve,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]
        return self.port

    def _mangle(self, text: str, rng: random.Random) -> str:
        if self.mode == "garbage":
            n = max(3, text.count("\n"))
            return "".join(
                "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(5, 70))) + "\n"
                for _ in range(n)
            )
        lines = text.splitlines(keepends=True)  # truncated: the first third of the lines
        return "".join(lines[: max(1, len(lines) // 3)])

    async def _serve(self, process: asyncssh.SSHServerProcess[str]) -> None:
        from diag.lab.routers.cli import Session

        session = Session(self.state, self.clock, self.secret)
        rng = random.Random(5)
        shows = 0
        try:
            process.stdout.write(session.prompt())
            while True:
                try:
                    line = await process.stdin.readline()
                except asyncssh.TerminalSizeChanged:
                    continue
                if not line:
                    break
                self.commands.append(line.strip())
                out = session.feed(line)
                if out.close:
                    break
                text = out.text
                if line.strip().split(" ")[0] in ("show", "ping", "display"):
                    shows += 1
                    if self.mode == "dropped" and shows > self.drop_after:
                        process.channel.get_connection().abort()
                        return
                    if self.mode == "hang" and shows > self.drop_after:
                        while await process.stdin.readline():  # reads on, never answers
                            pass
                        return
                    if self.mode in ("garbage", "truncated"):
                        text = self._mangle(text, rng)
                process.stdout.write(text)
                process.stdout.write(session.prompt())
        except (BrokenPipeError, ConnectionError, asyncssh.Error):
            pass
        finally:
            with contextlib.suppress(Exception):
                process.exit(0)

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()

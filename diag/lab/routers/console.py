"""A simulated router's serial console on a pseudo-terminal.

The router side holds the pty master; clients (pyserial, netmiko `cisco_ios_serial`, minicom)
open the slave through a stable symlink such as /tmp/diag-lab/tty/<router>.  The console
behaves like a router's con0: RETURN wakes it up, it asks Username:/Password:, echoes what is
typed (except passwords) and serves the same CLI as SSH.

An intermittent console (DOMAIN.md case 4.2: the congested router's console "时断时续") is
imitated deterministically (same router -> same losses on every run):
- `console_drop_pct` loses that share of command-output lines, and of the lone prompts that
  answer a bare RETURN (the prompt after a command's output is kept, so every command still
  ends; a lost final prompt would only become a client timeout);
- `console_garble_pct` corrupts characters in that share of the same lines;
- `console_hangup_after` logs the session out after that many input lines.

The same router name and the same commands lose the same lines, so a lossy console is a
reproducible test peer: tests/collectors/test_console_behaviour.py reads a 94-97 % CPU router
through it (the field report of a "9 %" peak read from a graph that lost its tens row).

`serve_tcp()` adds a terminal-server port: a TCP client (pyserial `socket://host:port`) is
bridged byte for byte to the pty, as a console server wired to the router's console port is.

I/O runs on the caller's asyncio loop via add_reader/add_writer, so nothing blocks the loop.
"""

from __future__ import annotations

import asyncio
import os
import random
import tty
import zlib
from pathlib import Path
from typing import Literal

from diag.errors import LabError
from diag.lab.routers.cli import VENDORS, Session
from diag.lab.routers.clock import Clock
from diag.lab.routers.state import RouterState

_Phase = Literal["idle", "username", "password", "shell"]
_BACKSPACE = {0x08, 0x7F}


class ConsoleServer:
    """Console port of one simulated router.

    `start()` creates the pty pair and the symlink and begins serving; `stop()` ends serving,
    closes both pty ends and removes the symlink.
    """

    def __init__(
        self,
        name: str,
        state: RouterState,
        link_path: str | Path,
        username: str,
        password: str,
        enable_secret: str | None,
        clock: Clock,
        seed: int | None = None,
    ) -> None:
        self.name = name
        self.state = state
        self.link_path = Path(link_path)
        self.username = username
        self.password = password
        self.enable_secret = enable_secret
        self.clock = clock
        self.dialect = VENDORS[state.vendor]
        # Same router -> same lost lines on every run.
        seed = seed if seed is not None else zlib.crc32(name.encode())
        self._rng = random.Random(seed)  # noqa: S311
        # Prompts and garbling draw from their own stream so the lost output lines stay the
        # same whether or not those are enabled.
        self._noise = random.Random(seed + 1)  # noqa: S311
        self._lines_in_session = 0
        self._tcp: asyncio.Server | None = None
        self._tcp_client: asyncio.StreamWriter | None = None
        self.tcp_port = 0
        self._master = -1
        self._slave = -1
        self.tty_path = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._out = bytearray()
        self._line = bytearray()
        self._after_cr = False
        self._phase: _Phase = "idle"
        self._typed_user = ""
        self._session: Session | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._master, self._slave = os.openpty()
        # Raw slave: bytes pass untouched and the kernel does not echo; the router echoes.
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.tty_path = os.ttyname(self._slave)
        self._link()
        self._loop.add_reader(self._master, self._on_readable)

    async def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Also serve the console on a TCP port (one client at a time); returns the port."""
        self._tcp = await asyncio.start_server(self._bridge, host, port)
        self.tcp_port = self._tcp.sockets[0].getsockname()[1]
        return self.tcp_port

    async def _bridge(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._tcp_client is not None or not self.tty_path:
            writer.close()  # a console server port is exclusive
            return
        assert self._loop is not None
        self._tcp_client = writer
        fd = os.open(self.tty_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)

        def to_client() -> None:
            try:
                data = os.read(fd, 4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if data and not writer.is_closing():
                writer.write(data)

        self._loop.add_reader(fd, to_client)
        try:
            while data := await reader.read(4096):
                while data:
                    try:
                        data = data[os.write(fd, data) :]
                    except BlockingIOError:
                        await asyncio.sleep(0.01)
        except (ConnectionError, OSError):
            pass
        finally:
            self._loop.remove_reader(fd)
            os.close(fd)
            writer.close()
            self._tcp_client = None

    def hang_up(self) -> None:
        """The console line resets: the session is logged out (like an exec-timeout)."""
        if self._phase == "shell":
            self._session = None
            self._phase = "idle"
            self._send(self.dialect.logout_banner(self.state.hostname))

    async def stop(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
            if self._tcp_client is not None:
                self._tcp_client.close()
            await self._tcp.wait_closed()
            self._tcp = None
        if self._loop is not None and self._master >= 0:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        if self.link_path.is_symlink() and os.readlink(self.link_path) == self.tty_path:
            self.link_path.unlink()

    def _link(self) -> None:
        self.link_path.parent.mkdir(parents=True, exist_ok=True)
        if self.link_path.exists() and not self.link_path.is_symlink():
            raise LabError(
                f"lab: console path {self.link_path} for router {self.name} exists and is not "
                "a symlink; remove it or change the console path in the inventory."
            )
        # Replace a stale link from an earlier lab atomically.
        tmp = self.link_path.with_name(f".{self.link_path.name}.{os.getpid()}")
        tmp.unlink(missing_ok=True)
        os.symlink(self.tty_path, tmp)
        os.replace(tmp, self.link_path)

    # --- byte I/O ------------------------------------------------------------------------------

    def _on_readable(self) -> None:
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # the slave side went away
            return
        for byte in data:
            self._on_byte(byte)

    def _send(self, text: str) -> None:
        if not text or self._master < 0:
            return
        # Terminals want CRLF; the CLI layer speaks plain newlines.
        self._out += text.replace("\r\n", "\n").replace("\n", "\r\n").encode()
        self._flush()

    def _flush(self) -> None:
        assert self._loop is not None
        while self._out:
            try:
                n = os.write(self._master, self._out)
            except BlockingIOError:
                self._loop.add_writer(self._master, self._flush)
                return
            del self._out[:n]
        self._loop.remove_writer(self._master)

    def _echoing(self) -> bool:
        if self._phase == "password":
            return False
        return not (self._session is not None and self._session.awaiting_secret)

    def _on_byte(self, byte: int) -> None:
        if byte == 0x0A and self._after_cr:  # CR LF counts as one RETURN
            self._after_cr = False
            return
        self._after_cr = byte == 0x0D
        if byte in (0x0D, 0x0A):
            line = self._line.decode(errors="replace")
            self._line.clear()
            self._send("\n")
            self._on_line(line)
        elif byte in _BACKSPACE:
            if self._line:
                self._line.pop()
                if self._echoing():
                    self._send("\b \b")
        elif byte >= 0x20:
            self._line.append(byte)
            if self._echoing() and self._phase != "idle":
                self._send(chr(byte))

    # --- login and CLI -------------------------------------------------------------------------

    def _on_line(self, line: str) -> None:
        d = self.dialect
        if self._phase == "idle":
            self._phase = "username"
            self._send(d.login_banner + d.username_prompt)
        elif self._phase == "username":
            self._typed_user = line.strip()
            self._phase = "password"
            self._send(d.password_prompt)
        elif self._phase == "password":
            if self._typed_user == self.username and line == self.password:
                self._phase = "shell"
                self._lines_in_session = 0
                self._session = Session(self.state, self.clock, self.enable_secret)
                self._send(self._session.prompt())
            else:
                self._phase = "username"
                self._send(d.login_failed + d.username_prompt)
        else:
            assert self._session is not None
            self._lines_in_session += 1
            limit = self.state.console_hangup_after
            if limit is not None and self._lines_in_session > limit:
                self.hang_up()
                return
            out = self._session.feed(line)
            if out.close:
                self._session = None
                self._phase = "idle"
                self._send(d.logout_banner(self.state.hostname))
                return
            self._send(self._lossy(out.text))
            prompt = self._session.prompt()
            if not line.strip():
                # A bare RETURN is answered by a lone prompt line: lost or garbled like any line.
                prompt = self._noisy_prompt(prompt)
            self._send(prompt)

    def _lossy(self, text: str) -> str:
        share = self.state.console_drop_pct / 100
        if not text:
            return text
        lines = text.splitlines(keepends=True)
        if share:
            lines = [ln for ln in lines if self._rng.random() >= share]
        return "".join(self._garbled(ln) for ln in lines)

    def _noisy_prompt(self, prompt: str) -> str:
        share = self.state.console_drop_pct / 100
        if share and self._noise.random() < share:
            return ""
        return self._garbled(prompt)

    def _garbled(self, line: str) -> str:
        share = self.state.console_garble_pct / 100
        body = line.rstrip("\r\n")
        if not share or not body or self._noise.random() >= share:
            return line
        chars = list(body)
        for _ in range(self._noise.randint(1, 3)):
            i = self._noise.randrange(len(chars))
            # Line noise: a printable character that differs from the one sent.
            chars[i] = self._noise.choice([c for c in "~#$%&*@^`|}{?" if c != chars[i]])
        return "".join(chars) + line[len(body) :]

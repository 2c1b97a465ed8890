"""A simulated router reachable over real SSH (asyncssh), running on the caller's event loop.

Interactive shells get asyncssh's line editor (netmiko asks for a PTY), so typed characters are
echoed like on a router; echo is switched off while the enable secret is typed.  An exec request
(`ssh host "show version"`) runs the one command and exits.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging

import asyncssh
from asyncssh.editor import SSHLineEditorChannel
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from diag.errors import LabPortInUse
from diag.lab.routers.cli import Session
from diag.lab.routers.clock import Clock
from diag.lab.routers.state import RouterState

log = logging.getLogger(__name__)


# Lab routers keep their SSH host key across restarts, as real routers do, so the known-hosts
# file the lab writes for its inventory (diag.lab.manager) stays right and `diag demo` and the
# lab tests run under ssh_host_keys=strict.  Each key is derived from the router's name: stable,
# different per router, and nothing to store.  It is not a secret (anyone with this code can
# derive it): a lab on loopback needs identity, not secrecy.
_KEY_SALT = b"diag lab router host key v1\0"


@functools.cache
def lab_host_key(name: str) -> asyncssh.SSHKey:
    """The ed25519 host key of the lab router `name` (the same in every process)."""
    seed = hashlib.sha256(_KEY_SALT + name.encode()).digest()
    pem = Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()
    )
    return asyncssh.import_private_key(pem)


def lab_known_hosts_line(name: str, host: str, port: int) -> str:
    """The known_hosts line (OpenSSH format) that pins lab router `name` at host:port."""
    where = host if port == 22 else f"[{host}]:{port}"
    public = lab_host_key(name).export_public_key("openssh").decode().split()
    return f"{where} {public[0]} {public[1]} diag-lab:{name}\n"


def host_key() -> asyncssh.SSHKey:
    """A host key for test peers that are not lab routers."""
    return lab_host_key("diag-lab-test-peer")


class _Auth(asyncssh.SSHServer):
    """Password-only authentication against the router's single account."""

    def __init__(self, owner: RouterServer) -> None:
        self._owner = owner
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._owner.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._owner.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        self._owner.auth_attempts.append(username)
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        self._owner.passwords_received += 1
        if self._owner.refuse_logins:
            return False  # the account was changed on the router, not in the inventory
        return username == self._owner.username and password == self._owner.password


class RouterServer:
    """SSH front end of one simulated router.

    `start()` binds host:port and serves in the background on the running loop; `stop()` closes
    the listener and every open session.  `refuse_logins`: every password is wrong (scenario
    `ssh: bad-credentials`).  `host_key`: the router's SSH key (default: `lab_host_key(name)`;
    another key plays a replaced router).  `auth_attempts` (usernames that began a login) and
    `passwords_received` count what clients sent, so a test can prove a refused client sent
    nothing.
    """

    def __init__(
        self,
        name: str,
        state: RouterState,
        host: str,
        port: int,
        username: str,
        password: str,
        enable_secret: str | None,
        clock: Clock,
        refuse_logins: bool = False,
        host_key: asyncssh.SSHKey | None = None,
    ) -> None:
        self.name = name
        self.host_key = host_key or lab_host_key(name)
        self.auth_attempts: list[str] = []
        self.passwords_received = 0
        self.refuse_logins = refuse_logins
        self.state = state
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.enable_secret = enable_secret
        self.clock = clock
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self._acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self) -> None:
        try:
            self._acceptor = await asyncssh.create_server(
                lambda: _Auth(self),
                self.host,
                self.port,
                server_host_keys=[self.host_key],
                process_factory=self._serve,
                # Routers do not offer these; keep the surface to password logins.
                allow_scp=False,
                agent_forwarding=False,
                x11_forwarding=False,
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise LabPortInUse(
                    what=f"router {self.name} (SSH)", proto="tcp", host=self.host, port=self.port
                ) from exc
            raise
        if self.port == 0:
            self.port = self._acceptor.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for conn in list(self.connections):
            conn.close()
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None

    async def _serve(self, process: asyncssh.SSHServerProcess[str]) -> None:
        session = Session(self.state, self.clock, self.enable_secret)
        try:
            if process.command:
                process.stdout.write(session.feed(process.command).text)
            else:
                await self._shell(process, session)
        except (BrokenPipeError, ConnectionError, asyncssh.Error) as exc:
            log.debug("router %s: session ended: %s", self.name, exc)
        finally:
            process.exit(0)

    async def _shell(self, process: asyncssh.SSHServerProcess[str], session: Session) -> None:
        write = process.stdout.write
        write(session.prompt())
        while True:
            try:
                line = await process.stdin.readline()
            except asyncssh.TerminalSizeChanged:
                continue
            except asyncssh.BreakReceived:
                break
            if not line:  # EOF
                break
            out = session.feed(line)
            if out.close:
                break
            write(out.text)
            _set_echo(process, not session.awaiting_secret)
            write(session.prompt())


def _set_echo(process: asyncssh.SSHServerProcess[str], on: bool) -> None:
    """Line-editor channels can hide typed passwords; plain channels have no echo anyway."""
    if isinstance(process.channel, SSHLineEditorChannel):
        process.channel.set_echo(on)

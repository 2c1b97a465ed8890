"""SSH host keys: the known-hosts file that goes with the inventory, and how it is enforced.

The file is OpenSSH's known_hosts format (`ssh-keygen -F/-R -f FILE` work on it; hashed names
are read too), by default `known_hosts` in the inventory folder (setting `known_hosts`).  The
policy is the setting `ssh_host_keys`:

- `strict` (default): a router whose key is not in the file, or differs from the one there, is
  refused.
- `accept-new`: a router the file does not know is trusted on first use and its key recorded
  (atomically: written to a temporary file, then renamed over the old one, under a lock); a
  changed key is refused as in strict.
- `off`: nothing is checked; every session says so on stderr.

Nothing is sent before the check: paramiko compares the key right after the key exchange, before
authentication, so a refused router never sees the username or the password.

netmiko's supported mechanism is used: `ssh_strict=True` and the connection's `key_policy` (the
paramiko `MissingHostKeyPolicy` netmiko hands to `SSHClient.set_missing_host_key_policy`) set to
`KeyPolicy`, which makes paramiko's own comparison (a known host's key of the same type, else its
first key; a mismatch is `BadHostKeyException`) against the file, parsed once per version of the
file (`_parsed`).  netmiko is not given the file to load: paramiko would parse the whole file at
every session, which a sweep of 2,000 routers, each known to a file of 2,000 lines, pays 4
million times.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import paramiko
from paramiko.hostkeys import HostKeyEntry, HostKeys, InvalidHostKey

Policy = Literal["strict", "accept-new", "off"]

# One writer at a time in this process (threads reading several routers); flock on the folder
# covers other diag processes sharing the inventory.
_WRITE_LOCK = threading.Lock()


class KnownHostsError(Exception):
    """The known-hosts file cannot be read or written (message says what to do)."""


@dataclass(frozen=True)
class Pinned:
    """A key the file holds for a host."""

    line: int
    key_type: str
    fingerprint: str


def fingerprint(key: paramiko.PKey) -> str:
    """The key's SHA256 fingerprint as OpenSSH prints it (`ssh-keygen -lf`)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def entry_name(host: str, port: int) -> str:
    """The name a known_hosts line gives a host: `host`, or `[host]:port` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"


def _matches(names: list[str], name: str) -> bool:
    for n in names:
        if n.startswith("|1|"):
            with contextlib.suppress(Exception):  # a malformed hash matches nothing
                if HostKeys.hash_host(name, n) == n:
                    return True
        elif n == name:
            return True
    return False


_Line = tuple[int, str, HostKeyEntry | None]
_CACHE: dict[
    Path, tuple[tuple[int, int, int], tuple[_Line, ...], dict[str, list[paramiko.PKey]]]
] = {}
_CACHE_LOCK = threading.Lock()


def _parse(path: Path, text: str) -> tuple[_Line, ...]:
    out: list[_Line] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            out.append((lineno, raw, None))
            continue
        if line.startswith("@"):
            # paramiko has no @cert-authority / @revoked: ignoring a revocation would trust it.
            raise KnownHostsError(
                f"{path}:{lineno}: markers such as {line.split()[0]} are not supported; keep "
                "plain `host keytype key` lines in diag's known-hosts file"
            )
        try:
            entry = HostKeyEntry.from_line(line, lineno)
        except (InvalidHostKey, paramiko.SSHException) as exc:
            raise KnownHostsError(f"{path}:{lineno}: not a known_hosts line ({exc})") from exc
        out.append((lineno, raw, entry))
    return tuple(out)


def _parsed(path: Path) -> tuple[tuple[_Line, ...], dict[str, list[paramiko.PKey]]]:
    """The file's lines and its plain host names' keys, parsed once per version of the file
    (inode, size, modification time): a sweep opens thousands of sessions against one file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return (), {}
    except OSError as exc:
        raise KnownHostsError(f"cannot read the known-hosts file {path}: {exc}") from exc
    version = (st.st_ino, st.st_size, st.st_mtime_ns)
    with _CACHE_LOCK:
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return (), {}
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownHostsError(f"cannot read the known-hosts file {path}: {exc}") from exc
    lines = _parse(path, text)
    plain: dict[str, list[paramiko.PKey]] = {}
    for _, _, entry in lines:
        if entry is None or entry.key is None:
            continue
        for name in entry.hostnames:
            if not name.startswith("|1|"):
                plain.setdefault(name, []).append(entry.key)
    with _CACHE_LOCK:
        _CACHE[path] = (version, lines, plain)
    return lines, plain


def _entries(path: Path) -> Iterator[_Line]:
    """(line number, line, entry or None for comments and blank lines) of the file."""
    yield from _parsed(path)[0]


def keys_for(path: Path, name: str) -> list[paramiko.PKey]:
    """The keys the file holds for `name` (an `entry_name`), in file order (hashed names too)."""
    lines, plain = _parsed(path)
    if not any(n.startswith("|1|") for _, _, e in lines if e is not None for n in e.hostnames):
        return list(plain.get(name, []))
    return [e.key for _, _, e in lines if e is not None and e.key and _matches(e.hostnames, name)]


def check_file(path: Path) -> None:
    """Raise KnownHostsError when the file exists and cannot be used (unreadable, markers)."""
    for _ in _entries(path):
        pass


def pinned(path: Path, name: str) -> list[Pinned]:
    """The keys the file holds for `name` (an `entry_name`), in file order."""
    return [
        Pinned(lineno, entry.key.get_name(), fingerprint(entry.key))
        for lineno, _, entry in _entries(path)
        if entry is not None and _matches(entry.hostnames, name)
    ]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    folder = path.parent
    if not folder.is_dir():
        raise KnownHostsError(
            f"cannot record a host key: the folder of the known-hosts file {path} does not exist"
        )
    with _WRITE_LOCK:
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock


def _write(path: Path, text: str) -> None:
    """Replace the file's content at once (a reader sees the old file or the new one)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644  # public keys: readable by the team that shares the inventory
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _line(name: str, key: paramiko.PKey) -> str:
    return f"{name} {key.get_name()} {key.get_base64()}\n"


def _current(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def record(path: Path, name: str, key: paramiko.PKey) -> None:
    """Trust on first use: add `name`'s key unless the file already has one for it.

    Raises HostKeyChanged when another session recorded a different key meanwhile.
    """
    try:
        with _locked(path):
            known = pinned(path, name)
            if known:
                if any(p.fingerprint == fingerprint(key) for p in known):
                    return
                raise HostKeyChanged(name, key, known, path)
            text = _current(path)
            if text and not text.endswith("\n"):
                text += "\n"
            _write(path, text + _line(name, key))
    except OSError as exc:
        raise KnownHostsError(f"cannot record the host key in {path}: {exc}") from exc


def replace(path: Path, name: str, key: paramiko.PKey) -> list[Pinned]:
    """Pin `key` for `name`: every line for `name` removed, one line added; the removed keys."""
    try:
        with _locked(path):
            removed: list[Pinned] = []
            kept: list[str] = []
            for lineno, raw, entry in _entries(path):
                if entry is not None and _matches(entry.hostnames, name):
                    removed.append(Pinned(lineno, entry.key.get_name(), fingerprint(entry.key)))
                    others = [h for h in entry.hostnames if not _matches([h], name)]
                    if others:  # a line shared with other names keeps them
                        kept.append(_line(",".join(others), entry.key).rstrip("\n"))
                    continue
                kept.append(raw)
            text = "\n".join(kept)
            if text and not text.endswith("\n"):
                text += "\n"
            _write(path, text + _line(name, key))
            return removed
    except OSError as exc:
        raise KnownHostsError(f"cannot write the known-hosts file {path}: {exc}") from exc


def presented_key(host: str, port: int, timeout: float) -> paramiko.PKey:
    """The host key a server presents: the key exchange only, no authentication attempted."""
    sock = socket.create_connection((host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        assert isinstance(key, paramiko.PKey)
        return key
    finally:
        transport.close()


# --- refusals, raised inside paramiko's connect (before authentication) --------------------------


class HostKeyUnknown(paramiko.SSHException):  # type: ignore[misc]  # paramiko is untyped
    """strict: the file has no key for this host."""

    def __init__(self, name: str, key: paramiko.PKey, path: Path) -> None:
        self.name, self.key, self.path = name, key, path
        super().__init__(f"host key of {name} not in {path}")


class HostKeyChanged(paramiko.SSHException):  # type: ignore[misc]
    """The host presents a key other than the one(s) the file pins."""

    def __init__(self, name: str, key: paramiko.PKey, known: list[Pinned], path: Path) -> None:
        self.name, self.key, self.known, self.path = name, key, known, path
        super().__init__(f"host key of {name} differs from {path}")


class KeyPolicy(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """The file's verdict on a router's key (paramiko asks, having loaded no file itself).

    A host the file knows: its key of the same type, else its first key, must be the one shown,
    or BadHostKeyException, as paramiko's own check; a host it does not know: the policy.
    """

    def __init__(self, path: Path, policy: Policy, note: Callable[[str], None]) -> None:
        self.path = path
        self.policy = policy
        self.note = note

    def missing_host_key(
        self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey
    ) -> None:
        known = keys_for(self.path, hostname)
        if known:
            same = [k for k in known if k.get_name() == key.get_name()]
            expected = same[0] if same else known[0]
            if expected != key:
                raise paramiko.BadHostKeyException(hostname, key, expected)
            return
        if self.policy == "accept-new":
            record(self.path, hostname, key)
            self.note(
                f"host key of {hostname} recorded in {self.path} (ssh_host_keys=accept-new): "
                f"{key.get_name()} {fingerprint(key)}"
            )
            return
        raise HostKeyUnknown(hostname, key, self.path)

"""A router's CLI over SSH on netmiko: the connection class, the host-key check, the errors.

The class is netmiko's own for the device_type with diag's behaviour mixed in (`ssh_class`):
a quick logout (diag never enters configuration mode, so netmiko's check for it on the way out,
a read that waits two seconds on VRP, is skipped) and reads that notice at once that the router
closed the session (netmiko's read loops would otherwise poll an ended channel until their
timeout, and report the drop as a wrong enable secret or a slow router).

Host keys: diag.collectors.cli.hostkeys.  Errors say what happened, after how long, and what to
check; they never contain a secret.
"""

from __future__ import annotations

import functools
import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import paramiko
from netmiko import BaseConnection
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
from netmiko.ssh_dispatcher import CLASS_MAPPER

from diag.collectors.cli import hostkeys
from diag.collectors.cli.deadline import MARGIN_S
from diag.collectors.vendors import VendorProfile
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.model.inventory import Device
from diag.settings import CollectorSettings

# paramiko's transport thread logs a failed handshake with a traceback; without a handler that
# reaches stderr through logging's last resort.  diag reports the failure itself.
logging.getLogger("paramiko.transport").addHandler(logging.NullHandler())


class SessionClosed(EOFError):
    """The router (or something on the path) ended the session."""


def _channel_ended(chan: Any) -> bool:
    if not isinstance(chan, paramiko.Channel) or chan.recv_ready():
        return False
    transport = chan.get_transport()
    return bool(chan.closed or chan.eof_received or transport is None or not transport.is_active())


class SshSession(BaseConnection):
    """diag's additions to netmiko's SSH class of a vendor (see the module docstring)."""

    profile: ClassVar[VendorProfile]

    def cleanup(self, command: str = "") -> None:
        if self.session_log:
            self.session_log.fin = True
        self.write_channel((command or self.profile.logout_command) + self.RETURN)

    def read_channel(self) -> str:
        data = super().read_channel()
        if not data and _channel_ended(self.remote_conn):
            raise SessionClosed("the router closed the SSH session")
        return data

    def close_transport(self) -> None:
        """Close the TCP connection from another thread (a deadline passed)."""
        client = getattr(self, "remote_conn_pre", None)
        if client is not None:
            client.close()


@functools.cache
def ssh_class(profile: VendorProfile, device_type: str) -> type[SshSession] | None:
    """netmiko's SSH class for `device_type` with diag's additions; None if netmiko has none."""
    base = CLASS_MAPPER.get(device_type)
    if base is None or device_type not in profile.ssh_device_types:
        return None
    cls: type[SshSession] = type(f"Diag{base.__name__}", (SshSession, base), {"profile": profile})
    return cls


def known_hosts_path(settings: CollectorSettings) -> Path:
    """The known-hosts file: the setting, else `known_hosts` in the inventory folder."""
    if settings.known_hosts:
        return Path(settings.known_hosts).expanduser()
    from diag.inventory import default_inventory_dir

    root = default_inventory_dir()
    return (root if root.is_dir() else root.parent) / "known_hosts"


def warn_unchecked(target: str) -> None:
    """`ssh_host_keys=off`: said on stderr at every session (and in the transcript)."""
    print(  # noqa: T201
        f"diag: warning: {target}: SSH host key NOT checked (ssh_host_keys=off): the login and "
        "password go to whatever answers at this address",
        file=sys.stderr,
    )


def host_key_options(
    settings: CollectorSettings, note: Any
) -> tuple[dict[str, Any], paramiko.MissingHostKeyPolicy | None, Path | None]:
    """(netmiko keyword arguments, the key policy to set, the file) for the setting's policy."""
    if settings.ssh_host_keys == "off":
        return {"ssh_strict": False, "system_host_keys": False, "alt_host_keys": False}, None, None
    path = known_hosts_path(settings)
    hostkeys.check_file(path)
    policy = hostkeys.KeyPolicy(path, settings.ssh_host_keys, note)
    options = {
        "ssh_strict": True,
        # Only the inventory's file (~/.ssh/known_hosts belongs to whoever runs diag), checked by
        # the policy from its parse cached per version of the file (hostkeys.KeyPolicy)
        "system_host_keys": False,
        "alt_host_keys": False,
    }
    return options, policy, path


# --- errors ---------------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def _accept_hint(device: Device, name: str, path: Path, key: paramiko.PKey) -> str:
    fp = hostkeys.fingerprint(key)
    return (
        f"If the router was replaced or its SSH key regenerated, compare {fp} with the key the "
        f"router shows on its console ({_host_key_command(device)}), then accept it: "
        f"diag known-hosts accept {device.name} --fingerprint {fp} (or: ssh-keygen -R "
        f"'{name}' -f {path}, then one run with --set ssh_host_keys=accept-new)"
    )


def _host_key_command(device: Device) -> str:
    from diag.collectors.vendors import BY_DEVICE_TYPE

    profile = BY_DEVICE_TYPE.get(device.device_type or "")
    return profile.host_key_command if profile else "its own SSH key display"


def host_key_error(
    exc: BaseException, target: str, device: Device, path: Path | None
) -> CollectorError | None:
    """The refusal message when `exc` is a host-key refusal, else None."""
    for e in _chain(exc):
        if isinstance(e, hostkeys.HostKeyUnknown):
            absent = "" if e.path.exists() else ", which does not exist yet"
            return CollectorError(
                f"{target}: REFUSED before login: its SSH host key is not in the known-hosts "
                f"file {e.path}{absent} (ssh_host_keys=strict); it presents {e.key.get_name()} "
                f"{hostkeys.fingerprint(e.key)}. Nothing was sent to it (no username, no "
                f"password). To trust it, check the fingerprint on the router's console "
                f"({_host_key_command(device)}), then: diag known-hosts accept {device.name} "
                f"--fingerprint {hostkeys.fingerprint(e.key)}, or run once with --set "
                "ssh_host_keys=accept-new"
            )
        if isinstance(e, hostkeys.HostKeyChanged | paramiko.BadHostKeyException):
            presented: paramiko.PKey = e.key
            name = (
                e.name
                if isinstance(e, hostkeys.HostKeyChanged)
                else hostkeys.entry_name(device.mgmt.address, device.mgmt.port)
                if device.mgmt
                else "?"
            )
            file = e.path if isinstance(e, hostkeys.HostKeyChanged) else path
            known = (
                e.known
                if isinstance(e, hostkeys.HostKeyChanged)
                else hostkeys.pinned(file, name)
                if file
                else []
            )
            was = "; ".join(f"{p.key_type} {p.fingerprint} (line {p.line})" for p in known)
            return CollectorError(
                f"{target}: REFUSED before login: the router's SSH host key CHANGED. The "
                f"known-hosts file {file} pins {was or 'another key'}; the router now presents "
                f"{presented.get_name()} {hostkeys.fingerprint(presented)}. Nothing was sent to "
                "it (no username, no password): something else may be answering at this "
                f"address. {_accept_hint(device, name, file or Path('known_hosts'), presented)}"
            )
        if isinstance(e, hostkeys.KnownHostsError):
            return CollectorError(f"{target}: {e}")
    return None


def ssh_error(
    exc: BaseException,
    target: str,
    device: Device,
    t: float,
    elapsed: float,
    path: Path | None,
) -> CollectorError:
    """What a failed connect + login means, with the time it took (never a secret)."""
    refused_key = host_key_error(exc, target, device, path)
    if refused_key is not None:
        return refused_key
    cause = exc.__context__
    text = " ".join(str(exc).split())
    user = device.login.username if device.login else "?"
    ref = device.login.password if device.login else "?"
    after = f"after {elapsed:.1f} s"
    if isinstance(exc, NetmikoAuthenticationException):
        return CollectorAuthError(
            f"{target}: login as {user!r} refused ({after}): check login.username and the "
            f"password reference {ref} (its value is not shown)"
        )
    if isinstance(exc, NetmikoTimeoutException) and isinstance(cause, OSError):
        if isinstance(cause, paramiko.ssh_exception.NoValidConnectionsError):
            # paramiko tried every address of the host; one reason per address.
            reasons = list(cause.errors.values())
            cause = reasons[0] if reasons else cause
        if isinstance(cause, ConnectionRefusedError):
            return CollectorError(
                f"{target}: connection refused ({after}), nothing listens there: check "
                "mgmt.address and mgmt.port in the inventory and that SSH is enabled on the "
                "router; try the console"
            )
        if isinstance(cause, socket.gaierror) or "not known" in text:
            return CollectorError(f"{target}: the host name does not resolve: check mgmt.address")
        if isinstance(cause, TimeoutError):
            return CollectorError(
                f"{target}: no answer to the TCP connection within {t:g} s (ssh_timeout_s): "
                "check the route and firewalls to the management address, or whether the "
                "router is down"
            )
        return CollectorError(f"{target}: cannot connect ({after}): {cause}")
    if isinstance(exc, SessionClosed) or any(
        isinstance(e, EOFError | ConnectionResetError) for e in _chain(exc)
    ):
        return CollectorError(
            f"{target}: the router closed the connection during the SSH handshake or login, "
            f"{after}: it accepts TCP on this port but ended the session (all its SSH/vty "
            "lines busy, an access list on the vty lines, or not an SSH server); try again, "
            "or the console"
        )
    if isinstance(exc, ReadTimeout):
        return CollectorTimeout(
            f"{target}: logged in, but the CLI gave no prompt within {t:g} s (ssh_timeout_s, "
            f"{after}): the router may be congested (check its CPU over the console), or "
            f"device_type {device.device_type!r} may be wrong"
        )
    if isinstance(exc, NetmikoTimeoutException | paramiko.SSHException):
        if elapsed < t * 0.8:
            inner = next((e for e in _chain(exc) if isinstance(e, paramiko.SSHException)), exc)
            reason = " ".join(str(inner).split()) or type(inner).__name__
            return CollectorError(
                f"{target}: the SSH handshake failed {after}: {reason}; check that this port "
                "is the router's SSH server"
            )
        return CollectorTimeout(
            f"{target}: the TCP connection was accepted but SSH did not complete within "
            f"{t:g} s (ssh_timeout_s, {after}): check that this port is the router's SSH "
            "server; an overloaded router also answers like this"
        )
    if isinstance(exc, OSError):
        return CollectorError(f"{target} ({after}): {type(exc).__name__}: {exc.strerror or exc}")
    if isinstance(exc, Exception):
        return CollectorError(f"{target} ({after}): {type(exc).__name__}: {text}")
    raise exc  # KeyboardInterrupt and friends are not device problems


def deadline_error(
    target: str, what: str, t: float, elapsed: float, setting: str
) -> CollectorTimeout:
    return CollectorTimeout(
        f"{target}: {what} did not complete within {t + MARGIN_S:g} s ({setting} {t:g} s + "
        f"{MARGIN_S:g} s margin): stopped after {elapsed:.1f} s and the connection closed; the "
        "router may be congested (check its CPU over the console)"
    )


# --- `diag known-hosts accept` ---------------------------------------------------------------


@dataclass(frozen=True)
class HostKeyStatus:
    """What a router presents now next to what the known-hosts file pins for it."""

    path: Path
    name: str  # the known_hosts entry name: host or [host]:port
    pinned: list[hostkeys.Pinned]
    presented: paramiko.PKey

    @property
    def fingerprint(self) -> str:
        return hostkeys.fingerprint(self.presented)

    @property
    def already_pinned(self) -> bool:
        return any(p.fingerprint == self.fingerprint for p in self.pinned)


def host_key_status(device: Device, settings: CollectorSettings) -> HostKeyStatus:
    """Read the key `device` presents (key exchange only: no login, nothing of ours is sent)."""
    if device.mgmt is None:
        raise CollectorError(f"{device.name}: the inventory gives no 'mgmt' address for SSH")
    path = known_hosts_path(settings)
    host, port = device.mgmt.address, device.mgmt.port
    try:
        hostkeys.check_file(path)
        key = hostkeys.presented_key(host, port, settings.ssh_timeout_s)
    except hostkeys.KnownHostsError as exc:
        raise CollectorError(str(exc)) from exc
    except (OSError, EOFError, paramiko.SSHException) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise CollectorError(
            f"{device.name}: cannot read its SSH host key at {host}:{port}: {why}"
        ) from exc
    name = hostkeys.entry_name(host, port)
    return HostKeyStatus(path, name, hostkeys.pinned(path, name), key)


def pin(status: HostKeyStatus) -> list[hostkeys.Pinned]:
    """Pin the presented key in place of whatever the file held for the host; the removed."""
    try:
        return hostkeys.replace(status.path, status.name, status.presented)
    except hostkeys.KnownHostsError as exc:
        raise CollectorError(str(exc)) from exc

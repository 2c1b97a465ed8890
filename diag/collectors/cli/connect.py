"""Opening a router's CLI session: credentials, connect, login, enable, paging off.

`open_session()` is the one entry point (diag.collectors.router calls it); the session it
returns (diag.collectors.cli.session.CliSession) runs the commands.  Connect + login runs in the
session's worker under `ssh_timeout_s` + MARGIN_S (diag.collectors.cli.deadline), as does enable.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from netmiko import BaseConnection

from diag.collectors.cli.console import check_port, console_class, console_error
from diag.collectors.cli.deadline import CLOSE_S, MARGIN_S, DeadlineExceeded, SessionWorker
from diag.collectors.cli.hostkeys import KnownHostsError
from diag.collectors.cli.session import CliSession, Via, session_target
from diag.collectors.cli.ssh import (
    deadline_error,
    host_key_options,
    ssh_class,
    ssh_error,
    warn_unchecked,
)
from diag.collectors.cli.transcript import Transcript
from diag.collectors.vendors import VendorProfile, profile_for
from diag.credentials import Secret, resolve
from diag.errors import CollectorAuthError, CollectorError, CredentialError
from diag.model.inventory import Device
from diag.settings import CollectorSettings

__all__ = ["open_session", "resolve_secrets"]


def resolve_secrets(device: Device) -> tuple[Secret, Secret | None]:
    """(password, enable secret) of the device's login; CollectorAuthError if unresolvable."""
    if device.login is None:
        raise CollectorAuthError(f"{device.name}: the inventory gives no 'login' for this router")
    try:
        password = resolve(device.login.password)
        secret = resolve(device.login.secret) if device.login.secret else None
    except CredentialError as exc:
        raise CollectorAuthError(f"{device.name}: {exc}") from exc
    return password, secret


def open_session(
    device: Device, settings: CollectorSettings, via: Via, transcript: Transcript
) -> CliSession:
    """Connect, log in, enable (if a secret is set), paging off.  Raises CollectorError & co."""
    password, secret = resolve_secrets(device)
    transcript.secrets[:0] = [s for s in (password, secret) if s is not None]
    profile = profile_for(device.device_type, device.name)
    worker = SessionWorker(f"{device.name}:{via}")
    opener = _open_ssh if via == "ssh" else _open_console
    try:
        conn = opener(device, profile, settings, transcript, password, secret, worker)
    except BaseException:
        worker.stop()
        raise
    session = CliSession(conn, via, device, profile, transcript, settings, worker)
    if secret is not None:
        session.enable()
    conn.read_timeout_override = settings.command_timeout_s
    return session


def _common(
    device: Device,
    settings: CollectorSettings,
    transcript: Transcript,
    password: Secret,
    secret: Secret | None,
) -> dict[str, Any]:
    assert device.login is not None
    return {
        "username": device.login.username,
        "password": password.reveal(),
        "secret": secret.reveal() if secret else "",
        "session_log": transcript.sink,
        "session_log_record_writes": True,
        # Session set-up reads are bounded by the login timeout; commands get their own.
        "read_timeout_override": settings.ssh_timeout_s,
        "auto_connect": False,
    }


def _opened(
    conn: BaseConnection,
    worker: SessionWorker,
    t: float,
    error: Callable[[BaseException, float], CollectorError],
    target: str,
) -> None:
    """`conn._open()` (connect, login, paging off) in the worker within t + MARGIN_S."""
    start = time.monotonic()
    try:
        # auto_connect=False: the read timeouts given above apply to the login
        worker.call(conn._open, t + MARGIN_S, "connect and login")
    except DeadlineExceeded as exc:
        raise deadline_error(
            target, "connect and login", t, exc.elapsed_s, "ssh_timeout_s"
        ) from exc
    except BaseException as exc:
        elapsed = time.monotonic() - start
        _discard(conn, worker)
        raise error(exc, elapsed) from exc


def _open_ssh(
    device: Device,
    profile: VendorProfile,
    settings: CollectorSettings,
    transcript: Transcript,
    password: Secret,
    secret: Secret | None,
    worker: SessionWorker,
) -> BaseConnection:
    target = session_target(device, "ssh")
    if device.mgmt is None:
        raise CollectorError(f"{device.name}: the inventory gives no 'mgmt' address for SSH")
    host, port, t = device.mgmt.address, device.mgmt.port, settings.ssh_timeout_s
    cls = ssh_class(profile, device.device_type or "")
    if cls is None:
        raise CollectorError(
            f"{device.name}: device_type {device.device_type!r} is not an SSH device_type "
            f"netmiko knows (use {' or '.join(profile.ssh_device_types)})"
        )
    try:
        key_options, policy, known_hosts = host_key_options(settings, transcript.note)
    except KnownHostsError as exc:
        raise CollectorError(f"{target}: {exc}") from exc
    conn = cls(
        device_type=device.device_type or "",
        host=host,
        port=port,
        conn_timeout=t,
        auth_timeout=t,
        banner_timeout=t,
        allow_agent=False,
        use_keys=False,
        **key_options,
        **_common(device, settings, transcript, password, secret),
    )
    if policy is not None:
        conn.key_policy = policy  # netmiko hands it to paramiko's set_missing_host_key_policy
    transcript.attach(conn)
    worker.on_abandon = conn.close_transport
    user = device.login.username if device.login else "?"
    transcript.note(f"connecting to {host}:{port} over SSH as {user}")
    if known_hosts is None:
        warn_unchecked(target)
        transcript.note("WARNING: the SSH host key is not checked (ssh_host_keys=off)")
    else:
        transcript.note(f"host key checked against {known_hosts} ({settings.ssh_host_keys})")
    _opened(
        conn,
        worker,
        t,
        lambda exc, elapsed: ssh_error(exc, target, device, t, elapsed, known_hosts),
        target,
    )
    return conn


def _open_console(
    device: Device,
    profile: VendorProfile,
    settings: CollectorSettings,
    transcript: Transcript,
    password: Secret,
    secret: Secret | None,
    worker: SessionWorker,
) -> BaseConnection:
    target = session_target(device, "console")
    port = check_port(device, target)
    t = settings.ssh_timeout_s
    conn = console_class(profile)(
        port=port,
        baudrate=settings.console_baudrate,
        **_common(device, settings, transcript, password, secret),
    )
    conn.login_timeout_s = t
    transcript.attach(conn)
    worker.on_abandon = conn.close_port
    transcript.note(f"opening console {port} at {settings.console_baudrate} baud")
    _opened(
        conn,
        worker,
        t,
        lambda exc, elapsed: console_error(
            exc, target, device, t, settings.console_baudrate, elapsed
        ),
        target,
    )
    return conn


def _discard(conn: BaseConnection, worker: SessionWorker) -> None:
    """Release what a failed open left behind (socket, port, log filter) without raising."""
    with contextlib.suppress(Exception):
        worker.call(conn.disconnect, CLOSE_S, "cleaning up")

"""The pysnmp engine the lab SNMP agents (devices in ne_agent, NMSes in nms_agent) answer with."""

from __future__ import annotations

import errno
import hashlib
import socket

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.proto.rfc1902 import OctetString

from diag.errors import LabError, LabPortInUse

V2C_SECURITY_NAME = "diag-lab-v2c"

_ALL: tuple[int, ...] = (1, 3, 6, 1)


def responder_engine(
    sock: socket.socket,
    engine_id_seed: str,
    community: str,
    v3_user: str,
    auth_key: str,
    priv_key: str,
    write: tuple[int, ...] = (),
    notify: tuple[int, ...] = (),
) -> SnmpEngine:
    """An engine on the bound UDP `sock` that lets v2c `community` and v3 `v3_user` (SHA/AES)
    read everything under 1.3.6.1, and write / be notified of the `write` / `notify` subtrees.

    A distinct engine ID per agent (from `engine_id_seed`): v3 clients keep boots/time per
    engine ID.
    """
    digest = hashlib.sha1(engine_id_seed.encode()).digest()[:12]  # noqa: S324
    engine = SnmpEngine(snmpEngineID=OctetString(b"\x80\x00\x4f\xb8\x05" + digest))
    transport = udp.UdpAsyncioTransport().open_server_mode(sock=sock)
    config.add_transport(engine, udp.DOMAIN_NAME, transport)
    config.add_v1_system(engine, V2C_SECURITY_NAME, community)
    config.add_vacm_user(engine, 2, V2C_SECURITY_NAME, "noAuthNoPriv", _ALL, write, notify)
    config.add_v3_user(
        engine,
        v3_user,
        config.USM_AUTH_HMAC96_SHA,
        auth_key,
        config.USM_PRIV_CFB128_AES,
        priv_key,
    )
    config.add_vacm_user(engine, 3, v3_user, "authPriv", _ALL, write, notify)
    return engine


def bind_udp(host: str, port: int, what: str, hint: str) -> socket.socket:
    """A non-blocking UDP socket bound to host:port for a lab agent (`what`, e.g. "NMS x (SNMP)");
    a port already taken raises LabPortInUse, any other failure LabError ending with `hint`."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as exc:
        raise LabError(f"lab: cannot create a UDP socket for {what}: {exc}") from exc
    try:
        # No SO_REUSEADDR: on Linux it would let two UDP sockets share the port.
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, errno.EACCES):
            raise LabPortInUse(what=what, proto="udp", host=host, port=port) from exc
        raise LabError(
            f"lab: cannot bind {what} to UDP {host}:{port}: {exc.strerror}; {hint}"
        ) from exc
    sock.setblocking(False)
    return sock

"""The pysnmp engine the lab SNMP agents (devices in ne_agent, NMSes in nms_agent) answer with."""

from __future__ import annotations

import hashlib
import socket

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.proto.rfc1902 import OctetString

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
    digest = hashlib.sha1(engine_id_seed.encode()).digest()[:12]
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

"""Forged SNMP notifications for the trap-authenticity tests: an SNMPv2c trap (or v1 trap)
encoded with pysnmp's protocol API and sent from a plain UDP socket bound to any loopback address,
so a test chooses the source address (127.0.0.2 is not the NMS) without net-snmp.  Imported as a
plain module like snmp_helpers.py."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from pyasn1.codec.ber import encoder
from pysnmp.proto import api
from pysnmp.proto.rfc1902 import ObjectName, OctetString, TimeTicks

SYS_UPTIME_0 = "1.3.6.1.2.1.1.3.0"
SNMP_TRAP_OID_0 = "1.3.6.1.6.3.1.1.4.1.0"


def v2c_trap(community: str, trap_oid: str, varbinds: Sequence[tuple[str, Any]] = ()) -> bytes:
    """The BER bytes of an SNMPv2-Trap under `community`: sysUpTime, snmpTrapOID, varbinds."""
    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = proto.SNMPv2TrapPDU()
    proto.apiTrapPDU.set_defaults(pdu)
    proto.apiTrapPDU.set_varbinds(
        pdu,
        [
            (ObjectName(SYS_UPTIME_0), TimeTicks(4242)),
            (ObjectName(SNMP_TRAP_OID_0), ObjectName(trap_oid)),
            *((ObjectName(oid), value) for oid, value in varbinds),
        ],
    )
    msg = proto.Message()
    proto.apiMessage.set_defaults(msg)
    proto.apiMessage.set_community(msg, OctetString(community))
    proto.apiMessage.set_pdu(msg, pdu)
    data: bytes = encoder.encode(msg)
    return data


def send_from(source: str, dest: tuple[str, int], datagram: bytes) -> None:
    """Send one datagram from `source` (an address of this host, port chosen by the kernel)."""
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.sendto(datagram, dest)

"""Where a trap receiver listens and whom it hears: the listen address, the allowed sources
(addresses, networks, host names), pysnmp UDP transports that drop other sources' datagrams
before pysnmp parses them, and the socket's large receive buffer (alarm resync bursts).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp, udp6

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _host_of(address: object) -> str:
    """The host part of a transport address (a tuple, or pysnmp's tuple subclass)."""
    try:
        return str(address[0])  # type: ignore[index]
    except (TypeError, IndexError):
        return ""


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`host` as an address; an IPv4-mapped IPv6 address (a dual-stack socket) as IPv4."""
    try:
        addr = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _network(spec: str) -> Network | None:
    """'10.0.0.5', '10.0.0.0/24', '2001:db8::1', 'fe80::1%eth0' -> a network; None: a name."""
    try:
        net = ipaddress.ip_network(spec.partition("%")[0], strict=False)
    except ValueError:
        return None
    if isinstance(net, ipaddress.IPv6Network) and net.prefixlen == 128:
        mapped = net.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.ip_network(mapped)
    return net


class _SourceChecked:
    """Mixin for pysnmp's asyncio UDP transports: datagrams from elsewhere never reach pysnmp."""

    admit: Any = None  # Callable[[object], bool], set by TrapReceiver

    def datagram_received(self, datagram: bytes, transportAddress: Any) -> None:  # noqa: N803
        if self.admit is None or self.admit(transportAddress):
            super().datagram_received(datagram, transportAddress)  # type: ignore[misc]


class _CheckedUdp(_SourceChecked, udp.UdpAsyncioTransport):  # type: ignore[misc]
    pass


class _CheckedUdp6(_SourceChecked, udp6.Udp6AsyncioTransport):  # type: ignore[misc]
    pass


def parse_listen(listen: str | tuple[str, int]) -> tuple[str, int]:
    """'host:port' (IPv6 as '[::1]:162') or (host, port) -> (host, port)."""
    if isinstance(listen, tuple):
        return listen
    text = listen.strip()
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"{listen!r}: write the listen address as host:port, e.g. 0.0.0.0:16162")
    return host.strip("[]"), int(port)


#: An alarm resync is a burst: the NMS sends the whole list as fast as it can (171 traps per
#: read in a 1,000-circuit lab, ~2.3 KiB of kernel memory each), while this process may be busy
#: with router sessions for a moment.  The default buffer (~208 KiB) held ~90 of them: the rest
#: were dropped by the kernel, and the two reads of the query then differed (lost Query traps).
TRAP_RCVBUF = 8 * 1024 * 1024


def _large_receive_buffer(sock: socket.socket) -> None:
    """Ask for TRAP_RCVBUF: beyond net.core.rmem_max with CAP_NET_ADMIN (SO_RCVBUFFORCE), up to
    it otherwise; a smaller buffer only makes a loss more likely, which the reads compare."""
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    for option in (force, socket.SO_RCVBUF):
        if option is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, TRAP_RCVBUF)
            return
        except OSError:
            continue

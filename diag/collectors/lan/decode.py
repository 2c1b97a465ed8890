"""The few header fields a LAN capture counts, read straight from the frame's bytes.

scapy captures and reads/writes the pcaps; its full dissection is not used per frame because
it cannot keep up with a storm: on this project's 2-core VM `Ether(raw)` took 376 µs a frame
(440 µs with `conf.layers.filter`), so a capture fell behind at about 1,000 frames/s and the
kernel dropped the rest, while these struct reads take a few µs.  tests/lan_capture checks this
decoder field by field against scapy's own dissection of the same frames.
"""

from __future__ import annotations

from diag.collectors.lan.aggregate import Frame

_VLAN = (0x8100, 0x88A8)
_IPV4, _ARP = 0x0800, 0x0806


def _ip(b: bytes) -> str:
    return f"{b[0]}.{b[1]}.{b[2]}.{b[3]}"


def decode(data: bytes, ts: float, wirelen: int | None = None) -> Frame | None:
    """The counted fields of one Ethernet frame (None: shorter than an Ethernet header)."""
    if len(data) < 14:
        return None
    length = wirelen if wirelen is not None else len(data)
    dst, src = data[0:6].hex(":"), data[6:12].hex(":")
    off = 12
    etype = int.from_bytes(data[off : off + 2], "big")
    while etype in _VLAN and len(data) >= off + 6:  # 802.1Q / QinQ tags
        off += 4
        etype = int.from_bytes(data[off : off + 2], "big")
    off += 2
    if etype == _ARP and len(data) >= off + 28:
        return Frame(
            ts=ts,
            length=length,
            src=src,
            dst=dst,
            arp_op=int.from_bytes(data[off + 6 : off + 8], "big"),
            arp_psrc=_ip(data[off + 14 : off + 18]),
            arp_pdst=_ip(data[off + 24 : off + 28]),
        )
    if etype != _IPV4 or len(data) < off + 20 or data[off] >> 4 != 4:
        return Frame(ts=ts, length=length, src=src, dst=dst)
    ihl = (data[off] & 0x0F) * 4
    proto = data[off + 9]
    ip_src, ip_dst = _ip(data[off + 12 : off + 16]), _ip(data[off + 16 : off + 20])
    frag = int.from_bytes(data[off + 6 : off + 8], "big") & 0x1FFF
    l4 = off + ihl
    if frag or ihl < 20:  # a later fragment carries no L4 header
        return Frame(ts=ts, length=length, src=src, dst=dst, ip_src=ip_src, ip_dst=ip_dst)
    if proto == 6 and len(data) >= l4 + 14:
        flags = data[l4 + 13]
        return Frame(
            ts=ts,
            length=length,
            src=src,
            dst=dst,
            ip_src=ip_src,
            ip_dst=ip_dst,
            proto="tcp",
            sport=int.from_bytes(data[l4 : l4 + 2], "big"),
            dport=int.from_bytes(data[l4 + 2 : l4 + 4], "big"),
            syn_only=bool(flags & 0x02) and not flags & 0x10,
        )
    if proto == 17 and len(data) >= l4 + 4:
        return Frame(
            ts=ts,
            length=length,
            src=src,
            dst=dst,
            ip_src=ip_src,
            ip_dst=ip_dst,
            proto="udp",
            sport=int.from_bytes(data[l4 : l4 + 2], "big"),
            dport=int.from_bytes(data[l4 + 2 : l4 + 4], "big"),
        )
    if proto == 1 and len(data) > l4:
        return Frame(
            ts=ts,
            length=length,
            src=src,
            dst=dst,
            ip_src=ip_src,
            ip_dst=ip_dst,
            proto="icmp",
            icmp_echo=data[l4] == 8,
        )
    return Frame(ts=ts, length=length, src=src, dst=dst, ip_src=ip_src, ip_dst=ip_dst)

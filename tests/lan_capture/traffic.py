"""LAN traffic built with scapy for the capture tests, with what was sent counted beside it.

Each plan is a list of (seconds from the start, frame bytes) and a `Sent` tally of the same
frames.  The tests write a plan to a pcap (offline), or this file, run as a script inside the
"LAN" namespace, sends the plans on its veth at their times (live):

    python traffic.py IFACE normal storm ...     # "ready" once built; a line on stdin sends,
                                                 # then the Sent tally of everything, as JSON

Addresses: 198.18.60.0/24 (RFC 2544 benchmarking), inside the test's own namespaces only.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw

NET = "198.18.60"
ROUTER_IP, ROUTER_MAC = f"{NET}.1", "02:00:00:00:60:01"
HOSTS = {f"{NET}.{n}": f"02:00:00:00:60:{n:02x}" for n in (11, 12, 13)}
STORM_IP, STORM_MAC = f"{NET}.66", "02:00:00:00:60:66"
SCANNER_IP, SCANNER_MAC = f"{NET}.77", "02:00:00:00:60:77"
FLOODER_IP, FLOODER_MAC = f"{NET}.88", "02:00:00:00:60:88"
LAPTOP_IP = f"{NET}.250"  # the capturing end: targeted by nothing, so it answers nothing
BCAST = "ff:ff:ff:ff:ff:ff"
SCAN_HOSTS = [f"{NET}.{n}" for n in range(100, 160)]  # 60 hosts probed on 445
SCAN_PORTS = list(range(1, 101))  # 100 ports of .12 probed
STORM_FRAMES, STORM_SECONDS = 7500, 3.0
FLOOD_FRAMES, FLOOD_SECONDS = 4500, 3.0

Plan = list[tuple[float, bytes]]


@dataclass
class Sent:
    frames: int = 0
    octets: int = 0  # bytes
    broadcast: int = 0
    multicast: int = 0
    arp_requests: int = 0
    arp_replies: int = 0
    arp_gratuitous: int = 0
    to_router: int = 0
    by_source: dict[str, int] = field(default_factory=dict)

    def add(self, pkt: Packet, times: int = 1) -> bytes:
        """Tally `pkt` sent `times` times; its bytes (built once: scapy builds slowly)."""
        data = bytes(pkt)
        self.frames += times
        self.octets += len(data) * times
        eth = pkt[Ether]
        self.by_source[eth.src] = self.by_source.get(eth.src, 0) + times
        if eth.dst == BCAST:
            self.broadcast += times
        elif int(eth.dst[:2], 16) & 1:
            self.multicast += times
        if ARP in pkt:
            a = pkt[ARP]
            self.arp_requests += times * (a.op == 1)
            self.arp_replies += times * (a.op == 2)
            self.arp_gratuitous += times * (a.psrc == a.pdst)
        elif IP in pkt and pkt[IP].dst == ROUTER_IP:
            self.to_router += times
        return data


def _eth(src_ip: str, dst_ip: str) -> Ether:
    macs = {**HOSTS, ROUTER_IP: ROUTER_MAC}
    return Ether(src=macs[src_ip], dst=macs[dst_ip])


def normal(sent: Sent, start: float = 0.0, seconds: float = 3.0) -> Plan:
    """An office LAN: two TCP sessions, DNS to the router, ARP (one gratuitous), NetBIOS
    broadcasts and mDNS multicast: 133 frames, nothing a rule should mind."""
    out: Plan = []
    a, b, c = HOSTS

    def at(i: int, n: int) -> float:
        return start + seconds * i / n

    for client, server, port in ((a, b, 80), (c, a, 445)):
        sport = 40000 + int(client.rsplit(".", 1)[1])
        out.append(
            (
                at(0, 1),
                sent.add(
                    _eth(client, server)
                    / IP(src=client, dst=server)
                    / TCP(sport=sport, dport=port, flags="S")
                ),
            )
        )
        out.append(
            (
                at(0, 1),
                sent.add(
                    _eth(server, client)
                    / IP(src=server, dst=client)
                    / TCP(sport=port, dport=sport, flags="SA")
                ),
            )
        )
        for i in range(40):
            src, dst, sp, dp = (
                (client, server, sport, port) if i % 2 else (server, client, port, sport)
            )
            pkt = _eth(src, dst) / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags="PA")
            out.append((at(i, 40), sent.add(pkt / Raw(b"d" * 200))))
    for n, host in enumerate(HOSTS):
        for i in range(5):
            q = _eth(host, ROUTER_IP) / IP(src=host, dst=ROUTER_IP) / UDP(sport=50000 + i, dport=53)
            out.append((at(i + n, 8), sent.add(q / Raw(b"q" * 30))))
            r = _eth(ROUTER_IP, host) / IP(src=ROUTER_IP, dst=host) / UDP(sport=53, dport=50000 + i)
            out.append((at(i + n, 8), sent.add(r / Raw(b"r" * 60))))
        req = Ether(src=HOSTS[host], dst=BCAST) / ARP(
            op=1, hwsrc=HOSTS[host], psrc=host, pdst=ROUTER_IP
        )
        out.append((at(n, 3), sent.add(req)))
        rep = Ether(src=ROUTER_MAC, dst=HOSTS[host]) / ARP(
            op=2, hwsrc=ROUTER_MAC, psrc=ROUTER_IP, hwdst=HOSTS[host], pdst=host
        )
        out.append((at(n, 3), sent.add(rep)))
    grat = Ether(src=HOSTS[b], dst=BCAST) / ARP(op=1, hwsrc=HOSTS[b], psrc=b, pdst=b)
    out.append((at(1, 2), sent.add(grat)))
    for i in range(6):
        nb = (
            Ether(src=HOSTS[c], dst=BCAST) / IP(src=c, dst=f"{NET}.255") / UDP(sport=137, dport=137)
        )
        out.append((at(i, 6), sent.add(nb / Raw(b"n" * 50))))
        md = Ether(src=HOSTS[a], dst="01:00:5e:00:00:fb") / IP(src=a, dst="224.0.0.251")
        out.append((at(i, 6), sent.add(md / UDP(sport=5353, dport=5353) / Raw(b"m" * 40))))
    return out


def storm(sent: Sent, start: float = 0.0) -> Plan:
    """One host flooding broadcasts (a looped or infected PC): 2,500 frames/s for 3 s."""
    pkt = Ether(src=STORM_MAC, dst=BCAST) / IP(src=STORM_IP, dst=f"{NET}.255")
    data = sent.add(pkt / UDP(sport=50123, dport=9) / Raw(b"s" * 60), STORM_FRAMES)
    return [(start + STORM_SECONDS * i / STORM_FRAMES, data) for i in range(STORM_FRAMES)]


def scans(sent: Sent, start: float = 0.0) -> Plan:
    """One host probing 445 on 60 hosts, then 100 ports of .12 (TCP SYN, as nmap -sS)."""
    out: Plan = []
    src = Ether(src=SCANNER_MAC, dst=ROUTER_MAC)
    for i, host in enumerate(SCAN_HOSTS):
        syn = src / IP(src=SCANNER_IP, dst=host) / TCP(sport=61000, dport=445, flags="S")
        out.append((start + 1.5 * i / len(SCAN_HOSTS), sent.add(syn)))
    target = f"{NET}.12"
    for i, port in enumerate(SCAN_PORTS):
        syn = Ether(src=SCANNER_MAC, dst=HOSTS[target]) / IP(src=SCANNER_IP, dst=target)
        pkt = syn / TCP(sport=61001, dport=port, flags="S")
        out.append((start + 1.5 + 1.5 * i / len(SCAN_PORTS), sent.add(pkt)))
    return out


def flood(sent: Sent, start: float = 0.0) -> Plan:
    """One host pinging the router's LAN address 1,500 times a second for 3 s."""
    pkt = Ether(src=FLOODER_MAC, dst=ROUTER_MAC) / IP(src=FLOODER_IP, dst=ROUTER_IP)
    data = sent.add(pkt / ICMP(type=8) / Raw(b"f" * 56), FLOOD_FRAMES)
    return [(start + FLOOD_SECONDS * i / FLOOD_FRAMES, data) for i in range(FLOOD_FRAMES)]


PLANS = {"normal": normal, "storm": storm, "scans": scans, "flood": flood}


def build(names: list[str]) -> tuple[Plan, Sent]:
    sent = Sent()
    plan: Plan = []
    for name in names:
        plan += PLANS[name](sent)
    plan.sort(key=lambda x: x[0])
    return plan, sent


def send(iface: str, plan: Plan) -> float:
    """Send each frame at its time (in bursts: sleeping only when ahead); the seconds taken."""
    import scapy.arch  # noqa: F401  (conf.L2socket for this platform)
    from scapy.config import conf

    sock = conf.L2socket(iface=iface)
    t0 = time.monotonic()
    try:
        for when, data in plan:
            ahead = t0 + when - time.monotonic()
            if ahead > 0.002:
                time.sleep(ahead)
            sock.send(data)  # type: ignore[arg-type]  # bytes are sent as they are
    finally:
        sock.close()
    return time.monotonic() - t0


if __name__ == "__main__":
    plan, sent = build(sys.argv[2:])
    print("ready", flush=True)  # built (scapy is slow to): send when told, on stdin
    sys.stdin.readline()
    took = send(sys.argv[1], plan)
    print(json.dumps({**asdict(sent), "seconds": took}), flush=True)

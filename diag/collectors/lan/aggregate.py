"""Counting what a LAN capture saw, in bounded memory: one `Frame` at a time in, one
`LanCaptureObservation` out.  No scapy here (capture.py turns packets into frames), so the
arithmetic is tested from data alone.

Memory stays bounded on a storm or a spoofed-MAC flood: at most MAX_SOURCES source MACs are
tracked one by one (the rest are counted together and said so), and every scan set stops
growing at MAX_DISTINCT (a count at the cap reads "at least").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from diag.i18n import tr
from diag.model.observations import LanCaptureObservation, LanScan, LanTalker

MAX_SOURCES = 4096  # source MACs tracked one by one
MAX_PROBERS = 1024  # sources whose probes are tracked for scans
MAX_PAIRS = 8192  # (source, host) pairs whose probed ports are tracked
MAX_DISTINCT = 1024  # distinct hosts / ports kept per prober; more reads "at least this"
TOP = 10  # top talkers reported
BROADCAST = "ff:ff:ff:ff:ff:ff"
OTHER = "(other sources)"


@dataclass(frozen=True, slots=True)
class Frame:
    """The fields of one captured frame that the counts read (None: not in this frame)."""

    ts: float
    length: int
    src: str
    dst: str
    ip_src: str | None = None
    ip_dst: str | None = None
    proto: str | None = None  # "tcp", "udp", "icmp"
    sport: int | None = None
    dport: int | None = None
    syn_only: bool = False  # TCP SYN without ACK: a connection attempt
    icmp_echo: bool = False  # ICMP echo request
    arp_op: int | None = None  # 1 request, 2 reply
    arp_psrc: str | None = None
    arp_pdst: str | None = None


@dataclass(frozen=True)
class CaptureMeta:
    """How the capture was made (not counted from the frames)."""

    source: Literal["live", "pcap"] = "live"
    pcap: str | None = None
    end: Literal["a", "b"] | None = None
    kernel_drops: int | None = None
    unmeasured: tuple[str, ...] = ()


@dataclass(slots=True)
class _Source:
    packets: int = 0
    bytes: int = 0
    arp: int = 0
    broadcast: int = 0
    to_router: int = 0
    ips: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Probes:
    targets: set[str] = field(default_factory=set)
    probes: int = 0
    first: float = 0.0
    last: float = 0.0
    ip: str | None = None

    def add(self, target: str, ts: float) -> None:
        if not self.probes:
            self.first = ts
        self.probes += 1
        self.last = ts
        if len(self.targets) < MAX_DISTINCT:
            self.targets.add(target)


def _probe(f: Frame) -> bool:
    """A connection attempt: what a scanner sends (TCP SYN, UDP from an ephemeral port,
    ICMP echo request).  UDP from a port below 1024 is a server's answer (DNS, NTP...)."""
    if f.proto == "tcp":
        return f.syn_only
    if f.proto == "udp":
        return f.sport is not None and f.sport >= 1024 and f.dport is not None
    return f.icmp_echo


@dataclass
class LanAggregator:
    """The running counts of one capture (feed frames with `add`, read with `observation`)."""

    router_lan: str | None = None
    packets: int = 0
    bytes: int = 0
    broadcast: int = 0
    multicast: int = 0
    arp_requests: int = 0
    arp_replies: int = 0
    arp_gratuitous: int = 0
    to_router_packets: int = 0
    to_router_bytes: int = 0
    first_ts: float | None = None
    last_ts: float | None = None
    sources: dict[str, _Source] = field(default_factory=dict)
    hosts: dict[str, _Probes] = field(default_factory=dict)  # by source MAC
    ports: dict[tuple[str, str], _Probes] = field(default_factory=dict)  # (MAC, host)
    overflow: set[str] = field(default_factory=set)

    def add(self, f: Frame) -> None:
        self.packets += 1
        self.bytes += f.length
        if self.first_ts is None:
            self.first_ts = f.ts
        self.last_ts = f.ts
        src = self._source(f.src)
        src.packets += 1
        src.bytes += f.length
        ip = f.ip_src or f.arp_psrc
        if ip and (ip in src.ips or len(src.ips) < 4):
            src.ips[ip] = src.ips.get(ip, 0) + 1
        dst = f.dst.lower()
        if dst == BROADCAST:
            self.broadcast += 1
            src.broadcast += 1
        elif int(dst[:2], 16) & 1:  # the I/G bit: a group address
            self.multicast += 1
        if f.arp_op is not None:
            self._arp(f, src)
        if self.router_lan is not None and f.ip_dst == self.router_lan:
            self.to_router_packets += 1
            self.to_router_bytes += f.length
            src.to_router += 1
        if f.ip_dst is not None and _probe(f):
            self._probed(f, f.ip_dst, f.dport if f.proto != "icmp" else None)

    def _source(self, mac: str) -> _Source:
        got = self.sources.get(mac)
        if got is None:
            if len(self.sources) >= MAX_SOURCES:
                self.overflow.add("sources")
                mac = OTHER
                got = self.sources.get(mac)
            if got is None:
                got = self.sources[mac] = _Source()
        return got

    def _arp(self, f: Frame, src: _Source) -> None:
        src.arp += 1
        if f.arp_op == 1:
            self.arp_requests += 1
        elif f.arp_op == 2:
            self.arp_replies += 1
        if f.arp_psrc is not None and f.arp_psrc == f.arp_pdst:
            self.arp_gratuitous += 1  # announcing its own address (RFC 5227)
        elif f.arp_op == 1 and f.arp_pdst is not None:
            self._probed(f, f.arp_pdst, None)  # an ARP sweep probes hosts too (arp-scan)

    def _probed(self, f: Frame, host: str, port: int | None) -> None:
        h = self.hosts.get(f.src)
        if h is None:
            if len(self.hosts) >= MAX_PROBERS:
                self.overflow.add("probers")
                return
            h = self.hosts[f.src] = _Probes()
        h.add(host, f.ts)
        h.ip = h.ip or f.ip_src or f.arp_psrc
        if port is None:
            return
        key = (f.src, host)
        p = self.ports.get(key)
        if p is None:
            if len(self.ports) >= MAX_PAIRS:
                self.overflow.add("pairs")
                return
            p = self.ports[key] = _Probes(ip=f.ip_src)
        p.add(str(port), f.ts)

    # ------------------------------------------------------------------ the result

    def observation(
        self,
        *,
        obs_id: str,
        at: datetime,
        interface: str,
        seconds: float | None,
        min_hosts: int,
        min_ports: int,
        meta: CaptureMeta | None = None,
    ) -> LanCaptureObservation:
        """The observation: rates per `seconds` (the capture window; None: first to last
        frame), scans from `min_hosts` hosts or `min_ports` ports of one host on."""
        span = (self.last_ts or 0.0) - (self.first_ts or 0.0)
        window = seconds if seconds is not None else span
        per = window if window > 0 else 1.0

        def rate(n: int) -> float:
            return round(n / per, 2)

        def share(n: int, of: int) -> float:
            return round(100.0 * n / of, 2) if of else 0.0

        talkers = sorted(self.sources.items(), key=lambda kv: (-kv[1].packets, kv[0]))[:TOP]
        top = [
            LanTalker(
                mac=mac,
                ip=max(s.ips, key=lambda k: s.ips[k]) if s.ips else None,
                packets=s.packets,
                bytes=s.bytes,
                pps=rate(s.packets),
                share_pct=share(s.packets, self.packets),
                arp=s.arp,
                broadcast=s.broadcast,
            )
            for mac, s in talkers
        ]
        meta = meta or CaptureMeta()
        unmeasured = list(meta.unmeasured)
        if "sources" in self.overflow:
            unmeasured.append(
                tr("more than {n} source MACs: the rest counted together", n=MAX_SOURCES)
            )
        if self.overflow & {"probers", "pairs"}:
            unmeasured.append(tr("too many probing sources: scans of the later ones not tracked"))
        if self.router_lan is None:
            unmeasured.append(tr("traffic aimed at the router: its LAN address not given"))
        by = max(self.sources.items(), key=lambda kv: kv[1].to_router, default=None)
        told = self.router_lan is not None
        obs = LanCaptureObservation(
            id=obs_id,
            collector="lan-capture",
            at=at,
            interface=interface,
            router_lan=self.router_lan,
            seconds=round(window, 3),
            packets=self.packets,
            bytes=self.bytes,
            pps=rate(self.packets),
            broadcast=self.broadcast,
            broadcast_pps=rate(self.broadcast),
            multicast=self.multicast,
            multicast_pps=rate(self.multicast),
            arp_requests=self.arp_requests,
            arp_replies=self.arp_replies,
            arp_gratuitous=self.arp_gratuitous,
            arp_pps=rate(self.arp_requests + self.arp_replies),
            top_talkers=top,
            scans=self._scans(min_hosts, min_ports),
            unmeasured=unmeasured,
            source=meta.source,
            pcap=meta.pcap,
            end=meta.end,
            kernel_drops=meta.kernel_drops,
        )
        if told:
            obs.to_router_packets = self.to_router_packets
            obs.to_router_bytes = self.to_router_bytes
            obs.to_router_pps = rate(self.to_router_packets)
            obs.to_router_share_pct = share(self.to_router_packets, self.packets)
            obs.to_router_bytes_share_pct = share(self.to_router_bytes, self.bytes)
            obs.to_router_top_source = by[0] if by and by[1].to_router else None
        return obs

    def _scans(self, min_hosts: int, min_ports: int) -> list[LanScan]:
        out = [
            LanScan(
                pattern="host_scan",
                source_mac=mac,
                source_ip=h.ip,
                distinct=len(h.targets),
                probes=h.probes,
                window_s=round(h.last - h.first, 3),
            )
            for mac, h in self.hosts.items()
            if len(h.targets) >= min_hosts
        ]
        out += [
            LanScan(
                pattern="port_scan",
                source_mac=mac,
                source_ip=p.ip,
                target_ip=host,
                distinct=len(p.targets),
                probes=p.probes,
                window_s=round(p.last - p.first, 3),
            )
            for (mac, host), p in self.ports.items()
            if len(p.targets) >= min_ports
        ]
        return sorted(out, key=lambda s: (-s.distinct, s.pattern, s.source_mac))

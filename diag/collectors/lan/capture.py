"""Sniffing the customer's LAN with scapy (live on its L2 listening socket, or a pcap written by
tcpdump / Wireshark / `--pcap` through its pcap reader), one frame at a time into the aggregator:
no frame is kept, so memory stays bounded however hard the LAN storms.  scapy is imported here
only, when a capture runs.

No BPF filter: every frame counts (broadcasts, ARP, scans and floods alike), and a filter would
need libpcap's compiler, which a field laptop may not have.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from diag.collectors.lan.aggregate import CaptureMeta, LanAggregator
from diag.collectors.lan.decode import decode
from diag.i18n import tr
from diag.model.observations import LanCaptureObservation

SOL_PACKET = 263  # linux/socket.h
PACKET_STATISTICS = 6  # linux/if_packet.h: struct tpacket_stats {tp_packets, tp_drops}
OBS_ID = "lan-capture-1"


@dataclass(frozen=True)
class Scan:
    """The scan thresholds the capture reports against (from the playbook's thresholds)."""

    min_hosts: int
    min_ports: int


def scan_thresholds() -> Scan:
    from diag.analyzers.thresholds import defaults

    t = defaults()
    return Scan(int(t["lan_host_scan_hosts"]), int(t["lan_port_scan_ports"]))


def _failed(
    interface: str, error: str, meta: CaptureMeta, router_lan: str | None
) -> LanCaptureObservation:
    return LanCaptureObservation(
        id=OBS_ID,
        collector="lan-capture",
        at=datetime.now(UTC),
        interface=interface,
        source=meta.source,
        pcap=meta.pcap,
        end=meta.end,
        router_lan=router_lan,
        ok=False,
        error=error,
        unmeasured=[tr("everything: the capture did not run")],
    )


def _open_error(interface: str, exc: OSError) -> str:
    if exc.errno in (errno.EPERM, errno.EACCES):
        return tr(
            "capture on {iface} not permitted: run as root (sudo diag lan-capture ...) or give "
            "the Python interpreter CAP_NET_RAW (setcap cap_net_raw+ep)",
            iface=interface,
        )
    if exc.errno in (errno.ENODEV, errno.ENXIO):
        return tr("no interface {iface} here (ip link lists them)", iface=interface)
    return tr("cannot capture on {iface}: {why}", iface=interface, why=exc.strerror or str(exc))


def _drops(sock: Any) -> int | None:
    """Frames the kernel dropped because the reader fell behind (read once: it resets)."""
    raw = getattr(sock, "ins", None)
    if not isinstance(raw, socket.socket):
        return None
    try:
        got = raw.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
    except OSError:
        return None
    return int(struct.unpack("II", got)[1])


@dataclass(frozen=True)
class Live:
    """A live capture's observation, and whether Ctrl-C ended it before its time."""

    observation: LanCaptureObservation
    interrupted: bool = False


def live(
    interface: str,
    seconds: float,
    *,
    router_lan: str | None,
    end: Literal["a", "b"] | None,
    pcap_out: Path | None = None,
    ready: Callable[[], None] | None = None,
) -> Live:
    """Capture on `interface` for `seconds` (Ctrl-C ends it early, keeping the counts); every
    failure to capture is an observation with ok=False that says why, never an exception."""
    import scapy.arch
    import scapy.layers.l2  # noqa: F401  (Ethernet known before the socket guesses its type)
    from scapy.config import conf
    from scapy.error import Scapy_Exception

    meta = CaptureMeta(source="live", pcap=str(pcap_out) if pcap_out else None, end=end)
    if not os.path.exists(f"/sys/class/net/{interface}"):
        why = tr("no interface {iface} here (ip link lists them)", iface=interface)
        return Live(_failed(interface, why, meta, router_lan))
    agg = LanAggregator(router_lan=router_lan)
    try:
        sock = conf.L2listen(iface=interface, promisc=True)
    except OSError as exc:
        return Live(_failed(interface, _open_error(interface, exc), meta, router_lan))
    except Scapy_Exception as exc:
        why = tr("cannot capture on {iface}: {why}", iface=interface, why=str(exc))
        return Live(_failed(interface, why, meta, router_lan))
    _bigger_buffer(sock)
    try:
        writer = _writer(pcap_out)
    except OSError as exc:
        sock.close()
        why = tr("cannot write {path}: {why}", path=str(pcap_out), why=exc.strerror or str(exc))
        return Live(_failed(interface, why, meta, router_lan))
    started = datetime.now(UTC)
    t0 = time.monotonic()
    interrupted = False
    try:
        if ready is not None:
            ready()
        try:
            _loop(sock, agg, writer, t0 + seconds)
        except KeyboardInterrupt:
            interrupted = True  # Ctrl-C: what was counted so far is the capture
        drops = _drops(sock)
    finally:
        sock.close()
        if writer is not None:
            writer.close()
    # the window is the capture's own (rates per second of listening), not first-to-last frame
    window = max(time.monotonic() - t0, 1e-3)
    scan = scan_thresholds()
    unmeasured: list[str] = []
    if drops is None:
        unmeasured.append(tr("frames dropped by the kernel: not readable on this socket"))
    if interrupted:
        unmeasured.append(
            tr("the rest of the window: interrupted after {secs:g} s", secs=round(window, 1))
        )
    meta = CaptureMeta(meta.source, meta.pcap, end, drops, tuple(unmeasured))
    obs = agg.observation(
        obs_id=OBS_ID,
        at=started,
        interface=interface,
        seconds=window,
        min_hosts=scan.min_hosts,
        min_ports=scan.min_ports,
        meta=meta,
    )
    return Live(obs, interrupted)


def _bigger_buffer(sock: Any) -> None:
    """A storm's bursts wait in the kernel while the counts catch up (8 MiB; root may exceed
    net.core.rmem_max with SO_RCVBUFFORCE, else the plain option up to the maximum)."""
    raw = getattr(sock, "ins", None)
    if not isinstance(raw, socket.socket):
        return
    for opt in (33, socket.SO_RCVBUF):  # SO_RCVBUFFORCE = 33 (asm-generic/socket.h)
        try:
            raw.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            return
        except OSError:
            continue


def _loop(sock: Any, agg: LanAggregator, writer: Any, deadline: float) -> None:
    """Read frames until the deadline: bytes only, decoded by decode.py (see there why)."""
    add, now = agg.add, time.time
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        ready, _, _ = select.select([sock], [], [], min(left, 0.25))
        if not ready:
            continue
        _cls, data, _ts = sock.recv_raw(65535)
        if not data:
            continue
        ts = now()
        f = decode(data, ts)
        if f is not None:
            add(f)
        if writer is not None:
            sec = int(ts)
            writer.write_packet(data, sec=sec, usec=int((ts - sec) * 1e6))


def _writer(pcap_out: Path | None) -> Any:
    if pcap_out is None:
        return None
    from scapy.utils import PcapWriter

    writer = PcapWriter(str(pcap_out), linktype=1, sync=False)  # streamed: nothing kept
    writer.write_header(None)  # even an empty capture is a pcap Wireshark opens
    return writer


def read(
    path: Path, *, router_lan: str | None, end: Literal["a", "b"] | None, interface: str = ""
) -> LanCaptureObservation:
    """Count a pcap (tcpdump -w, Wireshark, --pcap), streamed; rates over first to last frame."""
    from scapy.error import Scapy_Exception
    from scapy.utils import RawPcapReader

    meta = CaptureMeta(source="pcap", pcap=str(path), end=end)
    name = interface or path.name
    agg = LanAggregator(router_lan=router_lan)
    try:
        with RawPcapReader(str(path)) as reader:
            if getattr(reader, "linktype", 1) != 1:
                why = tr(
                    "{path}: not an Ethernet capture (link type {lt})",
                    path=str(path),
                    lt=reader.linktype,
                )
                return _failed(name, why, meta, router_lan)
            for data, md in reader:
                ts = _ts(md)
                f = decode(data, ts, getattr(md, "wirelen", None))
                if f is not None:
                    agg.add(f)
    except OSError as exc:
        why = tr("cannot read {path}: {why}", path=str(path), why=exc.strerror or str(exc))
        return _failed(name, why, meta, router_lan)
    except Scapy_Exception as exc:
        why = tr("{path} is not a pcap file scapy can read: {why}", path=str(path), why=str(exc))
        return _failed(name, why, meta, router_lan)
    scan = scan_thresholds()
    meta = CaptureMeta(
        "pcap",
        str(path),
        end,
        None,
        (tr("frames dropped while capturing: not recorded in a pcap file"),),
    )
    at = datetime.fromtimestamp(agg.first_ts, UTC) if agg.first_ts else datetime.now(UTC)
    return agg.observation(
        obs_id=OBS_ID,
        at=at,
        interface=name,
        seconds=None,
        min_hosts=scan.min_hosts,
        min_ports=scan.min_ports,
        meta=meta,
    )


def _ts(md: Any) -> float:
    """A pcap record's time: (sec, usec) in pcap, (tshigh, tslow, tsresol) in pcapng."""
    sec = getattr(md, "sec", None)
    if sec is not None:
        return float(sec) + float(getattr(md, "usec", 0)) / 1e6
    high, low, resol = (
        getattr(md, "tshigh", 0),
        getattr(md, "tslow", 0),
        getattr(md, "tsresol", 1e6),
    )
    return ((high << 32) | low) / float(resol)

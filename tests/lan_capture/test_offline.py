"""`diag lan-capture --read PCAP` on pcaps scapy writes (the field engineer's tcpdump/Wireshark
file), the frame decoder against scapy's own dissection, and the aggregator's bounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from scapy.layers.inet import IP, TCP, UDP, fragment
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw
from scapy.utils import PcapNgWriter, RawPcapWriter

from diag.cli import cli
from diag.collectors.lan.aggregate import MAX_SOURCES, Frame, LanAggregator
from diag.collectors.lan.decode import decode
from diag.model.observations import LanCaptureObservation, ObservationsDocument

from .traffic import (
    FLOODER_MAC,
    ROUTER_IP,
    SCAN_HOSTS,
    SCAN_PORTS,
    SCANNER_MAC,
    STORM_MAC,
    Plan,
    build,
)

T0 = 1_790_000_000.0  # the pcap's first timestamp


def _pcap(path: Path, plan: Plan) -> Path:
    """The plan as tcpdump would have written it (Ethernet, microsecond times)."""
    with RawPcapWriter(str(path), linktype=1) as w:
        w.write_header(None)
        for when, data in plan:
            t = T0 + when
            w.write_packet(data, sec=int(t), usec=round((t - int(t)) * 1e6))
    return path


def _read(path: Path, *args: str) -> LanCaptureObservation:
    r = CliRunner().invoke(cli, ["lan-capture", "--read", str(path), "--json", "-", *args])
    assert r.exit_code == 0, r.output
    (obs,) = ObservationsDocument.model_validate_json(r.stdout).observations
    assert isinstance(obs, LanCaptureObservation)
    return obs


def test_everything_counted_exactly_from_a_pcap(tmp_path: Path) -> None:
    plan, sent = build(["normal", "storm", "scans", "flood"])
    obs = _read(_pcap(tmp_path / "lan.pcap", plan), "--router-lan", ROUTER_IP, "--end", "b")
    assert obs.source == "pcap" and obs.end == "b" and obs.ok
    assert (obs.packets, obs.bytes) == (sent.frames, sent.octets)
    assert (obs.broadcast, obs.multicast) == (sent.broadcast, sent.multicast)
    assert (obs.arp_requests, obs.arp_replies, obs.arp_gratuitous) == (
        sent.arp_requests,
        sent.arp_replies,
        sent.arp_gratuitous,
    )
    # rates over first to last frame of the file: the plans span 3 s
    span = max(w for w, _ in plan) - min(w for w, _ in plan)
    assert obs.seconds == pytest.approx(span, abs=0.001)
    assert obs.broadcast_pps == pytest.approx(sent.broadcast / span, rel=0.001)
    talkers = {t.mac: t for t in obs.top_talkers}
    assert obs.top_talkers[0].mac == STORM_MAC and talkers[FLOODER_MAC].packets == 4500
    assert sum(t.packets for t in obs.top_talkers) == sent.frames  # fewer than 10 sources
    assert obs.to_router_packets == sent.to_router and obs.to_router_top_source == FLOODER_MAC
    assert obs.to_router_share_pct == pytest.approx(100 * sent.to_router / sent.frames, abs=0.01)
    scans = {(s.pattern, s.source_mac): s for s in obs.scans}
    assert set(scans) == {("host_scan", SCANNER_MAC), ("port_scan", SCANNER_MAC)}
    assert scans["host_scan", SCANNER_MAC].distinct == len(SCAN_HOSTS) + 1
    assert scans["port_scan", SCANNER_MAC].distinct == len(SCAN_PORTS)
    assert obs.kernel_drops is None and obs.unmeasured  # a pcap does not say what was dropped


def test_normal_traffic_shows_no_scan_and_no_router_without_its_address(tmp_path: Path) -> None:
    plan, sent = build(["normal"])
    obs = _read(_pcap(tmp_path / "normal.pcap", plan))
    assert obs.scans == [] and obs.packets == sent.frames == 133
    assert obs.to_router_pps is None
    assert any("LAN address not given" in u for u in obs.unmeasured)


def _frames() -> list[Ether]:
    plan, _ = build(["normal", "scans", "flood"])
    seen = {data for _, data in plan}
    extra = [
        Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff")
        / Dot1Q(vlan=10)
        / ARP(op=1, psrc="10.0.0.1", pdst="10.0.0.9"),
        Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:03")
        / Dot1Q(vlan=20)
        / IP(src="10.0.0.2", dst="10.0.0.3")
        / UDP(sport=4000, dport=161),
        *[
            Ether(src="02:00:00:00:00:04", dst="02:00:00:00:00:05") / f
            for f in fragment(  # type: ignore[no-untyped-call]
                IP(src="10.0.0.4", dst="10.0.0.5")
                / TCP(sport=1234, dport=80, flags="S")
                / Raw(b"z" * 3000),
                fragsize=1000,
            )
        ],
    ]
    return [Ether(d) for d in sorted(seen)] + [Ether(bytes(p)) for p in extra]


def test_decoder_agrees_with_scapy_dissection() -> None:
    frames = _frames()
    assert len(frames) > 100
    for pkt in frames:
        f = decode(bytes(pkt), 1.0)
        assert f is not None
        assert (f.src, f.dst, f.length) == (pkt[Ether].src, pkt[Ether].dst, len(pkt))
        if ARP in pkt:
            assert (f.arp_op, f.arp_psrc, f.arp_pdst) == (pkt[ARP].op, pkt[ARP].psrc, pkt[ARP].pdst)
            continue
        assert (f.ip_src, f.ip_dst) == (pkt[IP].src, pkt[IP].dst)
        if pkt[IP].frag:  # a later fragment: no L4 header to read
            assert f.proto is None
        elif TCP in pkt:
            t = pkt[TCP]
            assert (f.proto, f.sport, f.dport) == ("tcp", t.sport, t.dport)
            assert f.syn_only == (t.flags == "S")
        elif UDP in pkt:
            assert (f.proto, f.sport, f.dport) == ("udp", pkt[UDP].sport, pkt[UDP].dport)
        else:
            assert f.proto == "icmp" and f.icmp_echo


def test_memory_stays_bounded_on_a_spoofed_mac_flood() -> None:
    agg = LanAggregator()
    n = MAX_SOURCES + 3000
    for i in range(n):
        mac = "02:" + ":".join(f"{(i >> s) & 0xFF:02x}" for s in (32, 24, 16, 8, 0))
        agg.add(Frame(ts=i / 1000, length=64, src=mac, dst="ff:ff:ff:ff:ff:ff"))
    assert len(agg.sources) == MAX_SOURCES + 1  # the rest in one "(other sources)" bucket
    obs = agg.observation(
        obs_id="x",
        at=__import__("datetime").datetime.now(),
        interface="t",
        seconds=None,
        min_hosts=25,
        min_ports=15,
    )
    assert obs.packets == obs.broadcast == n
    assert obs.top_talkers[0].mac == "(other sources)" and obs.top_talkers[0].packets == 3000
    assert any("source MACs" in u for u in obs.unmeasured)


def test_unreadable_files_are_said(tmp_path: Path) -> None:
    junk = tmp_path / "notes.pcap"
    junk.write_text("not a capture\n")
    r = CliRunner().invoke(cli, ["lan-capture", "--read", str(junk)])
    assert r.exit_code == 6 and "not a pcap file" in r.output
    r = CliRunner().invoke(cli, ["lan-capture", "--read", str(tmp_path / "missing.pcap")])
    assert r.exit_code == 6 and "cannot read" in r.output
    r = CliRunner().invoke(cli, ["lan-capture", "--read", str(junk), "--pcap", "x.pcap"])
    assert r.exit_code == 2
    r = CliRunner().invoke(cli, ["lan-capture"])
    assert r.exit_code == 2 and "interface" in r.output


def test_summary_in_chinese(tmp_path: Path) -> None:
    plan, _ = build(["scans"])
    path = _pcap(tmp_path / "scan.pcap", plan)
    r = CliRunner().invoke(cli, ["--lang", "zh", "lan-capture", "--read", str(path)])
    assert r.exit_code == 0, r.output
    assert "端口扫描" in r.output and "主机扫描" in r.output and SCANNER_MAC in r.output


def test_answers_files_still_read(tmp_path: Path) -> None:
    # --observations keeps reading KEY: VALUE answers; a capture document is read beside them
    from diag.collectors.lan.files import read_observations

    answers = tmp_path / "a.yaml"
    answers.write_text("a.switch.ports_blink_in_unison: yes\n")
    assert read_observations(answers) == ([], {"a.switch.ports_blink_in_unison": "yes"})
    plan, _ = build(["normal"])
    r = CliRunner().invoke(
        cli,
        [
            "lan-capture",
            "--read",
            str(_pcap(tmp_path / "n.pcap", plan)),
            "--json",
            str(tmp_path / "cap.json"),
        ],
    )
    assert r.exit_code == 0
    typed, pairs = read_observations(tmp_path / "cap.json")
    assert pairs == {} and [o.kind for o in typed] == ["lan_capture"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": "1.0", "observations": [{"kind": "lan_capture"}]}))
    with pytest.raises(Exception, match="not an observations document"):
        read_observations(bad)


def test_wireshark_pcapng_is_read_too(tmp_path: Path) -> None:
    # Wireshark saves pcapng by default: the same counts and span as from a pcap
    plan, sent = build(["normal", "scans"])
    path = tmp_path / "lan.pcapng"
    w = PcapNgWriter(str(path))
    for when, data in plan:
        p = Ether(data)
        p.time = T0 + when
        w.write(p)
    w.close()
    obs = _read(path)
    assert (obs.packets, obs.bytes, obs.broadcast) == (sent.frames, sent.octets, sent.broadcast)
    assert obs.seconds == pytest.approx(max(w for w, _ in plan), abs=0.001)
    assert {s.pattern for s in obs.scans} == {"host_scan", "port_scan"}

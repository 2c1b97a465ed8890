"""`diag lan-capture` for real: scapy sends a LAN's traffic on one end of a veth pair (the LAN's
namespace), the command listens on the other (the laptop's namespace), and its observation is
checked against what was sent; then `diag circuit --replay ... --observations` with that JSON
gives (or, for a normal LAN, does not give) the customer-LAN finding citing it.

Counts are compared with what traffic.py says it sent (the kernel's drop count must be 0, so a
shortfall would be the decoder's); a few stray frames are tolerated, none are expected.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from diag.model.observations import LanCaptureObservation, ObservationsDocument

from .lanns import DIAG, ROOT, LanNs
from .traffic import FLOODER_MAC, ROUTER_IP, SCAN_HOSTS, SCAN_PORTS, SCANNER_MAC, STORM_MAC

_why_not = LanNs.unavailable()
pytestmark = pytest.mark.skipif(_why_not is not None, reason=f"LAN capture tests: {_why_not}")

STRAY = 5  # frames the laptop's own stack might add (none expected: IPv6 off, not targeted)
COURT = "LAB-HC2C-COURT"  # case 4.2's city court: end a is the court's LAN
CAPTURES = ROOT / "fixtures" / "captures"


@pytest.fixture(scope="module")
def lan() -> Iterator[LanNs]:
    with LanNs() as ns:
        yield ns


def _capture(
    lan: LanNs, tmp: Path, *plans: str, more: tuple[str, ...] = ()
) -> tuple[LanCaptureObservation, dict[str, Any]]:
    dest = tmp / "capture.json"
    sender = lan.prepare(*plans)
    proc = lan.start_capture(
        "--seconds", "6", "--router-lan", ROUTER_IP, "--end", "a", "--json", str(dest), *more
    )
    sent = lan.go(sender)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    doc = ObservationsDocument.model_validate_json(dest.read_text())
    (obs,) = doc.observations
    assert isinstance(obs, LanCaptureObservation)
    assert obs.ok and obs.kernel_drops == 0, obs
    assert obs.interface == lan.laptop_if and obs.seconds >= 5.9  # listened its whole window
    assert sent["frames"] <= obs.packets <= sent["frames"] + STRAY
    assert obs.pps == pytest.approx(obs.packets / obs.seconds, rel=0.01)
    return obs, sent


def _circuit(tmp: Path, circuit: str, capture: Path) -> dict[str, Any]:
    out = tmp / "findings.json"
    proc = subprocess.run(
        [
            *DIAG,
            "circuit",
            circuit,
            "--replay",
            str(CAPTURES / circuit),
            "--observations",
            str(capture),
            "--json",
            str(out),
            "--no-history",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode in (0, 10, 11, 12), proc.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    return doc


def _mine(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["rule"] == "lan-capture-attack"]


def test_normal_lan_counts_and_no_finding(lan: LanNs, tmp_path: Path) -> None:
    obs, sent = _capture(lan, tmp_path, "normal")
    assert obs.broadcast == sent["broadcast"]  # 3 ARP requests, 1 gratuitous, 6 NetBIOS
    assert obs.multicast == sent["multicast"]
    assert (obs.arp_requests, obs.arp_replies, obs.arp_gratuitous) == (
        sent["arp_requests"],
        sent["arp_replies"],
        sent["arp_gratuitous"],
    )
    assert obs.to_router_packets == sent["to_router"] == 15
    assert obs.scans == []
    assert obs.broadcast_pps < 10 and obs.to_router_pps is not None and obs.to_router_pps < 10
    doc = _circuit(tmp_path, "LAB-E1-OK1", tmp_path / "capture.json")
    mine = _mine(doc)
    assert [f["kind"] for f in mine] == ["info"]  # evidence of a normal LAN, cited
    assert mine[0]["evidence"][0]["observation"] == "lan-capture-1"
    assert doc["verdict"]["status"] == "healthy"


def test_broadcast_storm(lan: LanNs, tmp_path: Path) -> None:
    obs, sent = _capture(lan, tmp_path, "normal", "storm")
    assert sent["broadcast"] <= obs.broadcast <= sent["broadcast"] + STRAY
    assert obs.broadcast_pps == pytest.approx(obs.broadcast / obs.seconds, rel=0.01)
    top = obs.top_talkers[0]
    assert top.mac == STORM_MAC and top.packets == sent["by_source"][STORM_MAC] == 7500
    assert top.broadcast == 7500 and top.share_pct > 95
    assert obs.scans == []
    doc = _circuit(tmp_path, COURT, tmp_path / "capture.json")
    (f,) = [f for f in _mine(doc) if f["kind"] == "fault"]
    assert f["segment"] == {"from": f"{COURT}:lan-a", "to": f"{COURT}:lan-a"}
    assert f["owner"] == "customer" and f["confidence"] >= 0.7
    assert any(e["observation"] == "lan-capture-1" for e in f["evidence"])
    assert any(STORM_MAC in s for s in f["next_steps"])


def test_host_and_port_scan(lan: LanNs, tmp_path: Path) -> None:
    pcap = tmp_path / "scan.pcap"
    obs, _sent = _capture(lan, tmp_path, "normal", "scans", more=("--pcap", str(pcap)))
    by = {s.pattern: s for s in obs.scans}
    assert set(by) == {"host_scan", "port_scan"}
    host, port = by["host_scan"], by["port_scan"]
    assert host.source_mac == port.source_mac == SCANNER_MAC
    assert host.distinct == len(SCAN_HOSTS) + 1  # the port scan's target is probed too
    assert port.target_ip == "198.18.60.12" and port.distinct == len(SCAN_PORTS)
    assert port.probes == len(SCAN_PORTS) and 0 < port.window_s < obs.seconds
    # the pcap saved while capturing, read back as a field engineer's file: the same counts
    r = subprocess.run(
        [*DIAG, "lan-capture", "--read", str(pcap), "--json", "-"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    (again,) = ObservationsDocument.model_validate_json(r.stdout).observations
    assert isinstance(again, LanCaptureObservation)
    assert (again.packets, again.bytes, again.broadcast) == (obs.packets, obs.bytes, obs.broadcast)
    assert again.scans == obs.scans or [s.distinct for s in again.scans] == [
        s.distinct for s in obs.scans
    ]
    doc = _circuit(tmp_path, COURT, tmp_path / "capture.json")
    (f,) = [f for f in _mine(doc) if f["kind"] == "fault"]
    assert "port scan" in " ".join(e["text"] for e in f["evidence"])
    assert f["segment"]["from"] == f"{COURT}:lan-a"


def test_flood_aimed_at_the_router(lan: LanNs, tmp_path: Path) -> None:
    obs, sent = _capture(lan, tmp_path, "normal", "flood")
    assert obs.to_router_packets == sent["to_router"] == 4500 + 15
    assert obs.to_router_share_pct == pytest.approx(
        100 * obs.to_router_packets / obs.packets, abs=0.01
    )
    assert obs.to_router_top_source == FLOODER_MAC
    assert obs.to_router_pps is not None and obs.to_router_pps > 500
    doc = _circuit(tmp_path, COURT, tmp_path / "capture.json")
    (f,) = [f for f in _mine(doc) if f["kind"] == "fault"]
    # the router itself is aimed at: the segment runs from the court's LAN to its router, and
    # the court router's own case 4.2 signs (CPU 97 %, intermittent console) join the evidence
    assert f["segment"] == {"from": f"{COURT}:lan-a", "to": "hc2c-rtr-a"}
    assert f["confidence"] >= 0.85
    cited = {e["observation"] for e in f["evidence"]}
    assert "lan-capture-1" in cited and len(cited) > 1


def test_permission_denied_is_said_not_raised(lan: LanNs) -> None:
    # as nobody (no CAP_NET_RAW): the message and exit 6, and the JSON says so too
    proc = lan.run_capture("--seconds", "1", "--json", "-", user="nobody")
    assert proc.returncode == 6, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "not permitted" in proc.stderr and "CAP_NET_RAW" in proc.stderr
    doc = ObservationsDocument.model_validate_json(proc.stdout)
    (obs,) = doc.observations
    assert isinstance(obs, LanCaptureObservation) and not obs.ok and not doc.ok
    assert obs.error is not None and "not permitted" in obs.error and obs.packets == 0


def test_root_without_cap_net_raw_is_refused_in_words(lan: LanNs) -> None:
    # root, but with CAP_NET_RAW dropped from the bounding set (capsh): the same message
    argv = [
        "ip",
        "netns",
        "exec",
        lan.laptop,
        "capsh",
        "--drop=cap_net_raw",
        "--",
        "-c",
        " ".join([*DIAG[:2], repr(DIAG[2]), "lan-capture", lan.laptop_if, "--seconds", "1"]),
    ]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 6, proc.stderr
    assert "not permitted" in proc.stderr and "Traceback" not in proc.stderr


def test_no_such_interface(lan: LanNs) -> None:
    proc = subprocess.run(
        ["ip", "netns", "exec", lan.laptop, *DIAG, "lan-capture", "nosuch0", "--seconds", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 6 and "no interface nosuch0" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_ctrl_c_or_sigterm_keeps_the_counts(lan: LanNs, sig: signal.Signals) -> None:
    proc = lan.start_capture("--seconds", "120", "--json", "-")
    sender = lan.prepare("normal")
    sent = lan.go(sender)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "interrupted after" in err
    doc = ObservationsDocument.model_validate_json(out)
    (obs,) = doc.observations
    assert doc.partial and isinstance(obs, LanCaptureObservation) and obs.ok
    assert sent["frames"] <= obs.packets <= sent["frames"] + STRAY and obs.seconds < 60

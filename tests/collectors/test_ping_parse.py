"""Output parsing of the ping engines, and how settings become an engine and a command line.

iputils: every Linux iputils output copied from jc's corpus (fixtures/corpus/ping/jc/<os>/*.out)
is parsed and compared with jc's expected parse (*.json): summary counts, each reply line (seq,
time, DUP! mark), the -O "no answer yet" lines, and the per-probe list we derive.  jc has no
fping (or iputils ICMP-error) samples, so those are real outputs captured in the test namespaces
(tests/netns.py) and kept verbatim below.
"""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from diag.collectors.ping.collector import check_target, observation
from diag.collectors.ping.engines import (
    EngineResult,
    FpingEngine,
    IputilsEngine,
    ProbeSpec,
    choose_engine,
    get_engine,
    iputils_probes,
    parse_fping,
    parse_icmp,
    parse_iputils,
    read_iputils,
    run_tool,
    unwrap_seq,
)
from diag.collectors.ping.stats import summarize
from diag.errors import CollectorError, CollectorParseError
from diag.settings import CollectorSettings

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "ping" / "jc"
LINUX_IPUTILS = ("centos-7.7", "fedora32", "ubuntu-18.04", "ubuntu-22.04", "pi")
CASES = sorted(p for d in LINUX_IPUTILS for p in (CORPUS / d).glob("*.out"))


def _expected(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    return data


def test_corpus_is_there() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("out", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_iputils_matches_jc(out: Path) -> None:
    exp = _expected(out)
    parsed = parse_iputils(out.read_text(encoding="utf-8"))

    assert parsed.transmitted == exp["packets_transmitted"]
    assert parsed.received == exp["packets_received"]
    assert parsed.duplicates == exp["duplicates"]
    assert parsed.loss_pct == exp["packet_loss_percent"]

    replies = [
        (r["icmp_seq"], r["time_ms"], r["duplicate"])
        for r in exp["responses"]
        if r["type"] == "reply"
    ]
    assert [(r.seq, r.time_ms, r.duplicate) for r in parsed.replies] == replies
    timeouts = [r["icmp_seq"] for r in exp["responses"] if r["type"] == "timeout"]
    assert parsed.no_answer == timeouts

    rtts, duplicates, errors = iputils_probes(parsed)
    assert len(rtts) == exp["packets_transmitted"]
    assert errors == 0
    # first reply per icmp_seq, in probe order
    first: dict[int, float] = {}
    for seq, time_ms, _dup in replies:
        first.setdefault(seq, time_ms)
    assert rtts == [first.get(i + 1) for i in range(len(rtts))]
    assert duplicates == len(replies) - len(first)
    # "no answer yet" probes are lost ones
    assert all(rtts[seq - 1] is None for seq in timeouts)


@pytest.mark.parametrize("out", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_iputils_stats_agree_with_the_tools_summary(out: Path) -> None:
    """Our statistics from the printed per-reply times vs iputils' own summary (µs precision).

    Per-reply times are printed to 3 significant digits, so mean/stddev agree to ~0.05 ms + 2 %;
    iputils' mdev is a population deviation, ours is the sample one (× √((n-1)/n) to compare).
    """
    exp = _expected(out)
    rtts, _dups, _errs = iputils_probes(parse_iputils(out.read_text(encoding="utf-8")))
    s = summarize(rtts)
    if exp["packets_received"] == 0:
        assert s.received == 0 and s.loss_pct == 100.0 and s.rtt_mean_ms is None
        return
    got = [r for r in rtts if r is not None]
    assert s.rtt_min_ms == min(got) and s.rtt_max_ms == max(got)
    if exp["duplicates"]:
        return  # the tool's summary includes the duplicates' times; ours does not
    assert s.rtt_mean_ms is not None
    assert s.rtt_mean_ms == pytest.approx(exp["round_trip_ms_avg"], abs=0.05, rel=0.02)
    if s.rtt_stddev_ms is not None and exp["round_trip_ms_stddev"] is not None:
        population = s.rtt_stddev_ms * math.sqrt((s.received - 1) / s.received)
        assert population == pytest.approx(exp["round_trip_ms_stddev"], abs=0.05, rel=0.05)
    if s.received == exp["packets_received"]:  # not so with an unreadable reply line (below)
        assert abs(s.loss_pct - exp["packet_loss_percent"]) < 1.0  # the tool prints an integer %


def test_broadcast_duplicates_are_not_received_probes() -> None:
    parsed = parse_iputils((CORPUS / "centos-7.7" / "ping-ip-dup.out").read_text(encoding="utf-8"))
    rtts, duplicates, _ = iputils_probes(parsed)
    assert rtts == [0.586, 0.861]
    assert duplicates == 19
    assert summarize(rtts).loss_pct == 0.0


def test_unreadable_reply_line_counts_as_lost() -> None:
    """jc reports one 'unparsable_line' for icmp_seq=4; we cannot time it, so it is lost for us
    (iputils' summary still says 20 received: the raw output keeps that)."""
    out = CORPUS / "centos-7.7" / "ping-ip-O-unparsedlines.out"
    rtts, _, _ = iputils_probes(parse_iputils(out.read_text(encoding="utf-8")))
    assert rtts[3] is None
    assert summarize(rtts).received == 19


# --------------------------------------------------------------------------- captured in netns
IPUTILS_UNREACHABLE = (
    "PING 198.18.1.3 (198.18.1.3) 56(84) bytes of data.\n"
    "From 198.18.1.3 icmp_seq=1 Destination Host Unreachable\n"
    "From 198.18.1.3 icmp_seq=2 Destination Host Unreachable\n"
    "From 198.18.1.3 icmp_seq=3 Destination Host Unreachable\n"
    "\n--- 198.18.1.3 ping statistics ---\n"
    "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 44ms\npipe 2\n"
)
IPUTILS_DF_TOO_BIG = (  # ping -M do -s 3000 over a 1500-byte MTU; stderr merged after stdout
    "PING 198.18.1.2 (198.18.1.2) 3000(3028) bytes of data.\n"
    "ping: local error: message too long, mtu=1500\n"
    "ping: local error: message too long, mtu=1500\n"
    "ping: local error: message too long, mtu=1500\n"
    "\n--- 198.18.1.2 ping statistics ---\n"
    "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 47ms\n\n"
)
IPUTILS_DUP = (  # the relay writes every reply twice
    "PING 198.18.1.2 (198.18.1.2) 56(84) bytes of data.\n"
    "64 bytes from 198.18.1.2: icmp_seq=1 ttl=64 time=5.57 ms\n"
    "64 bytes from 198.18.1.2: icmp_seq=1 ttl=64 time=5.72 ms (DUP!)\n"
    "64 bytes from 198.18.1.2: icmp_seq=2 ttl=64 time=5.64 ms\n"
    "64 bytes from 198.18.1.2: icmp_seq=2 ttl=64 time=5.68 ms (DUP!)\n"
    "64 bytes from 198.18.1.2: icmp_seq=3 ttl=64 time=5.62 ms\n"
    "\n--- 198.18.1.2 ping statistics ---\n"
    "3 packets transmitted, 3 received, +2 duplicates, 0% packet loss, time 202ms\n"
    "rtt min/avg/max/mdev = 5.568/5.644/5.716/0.050 ms\n"
)
FPING_LOSS = (  # fping -C 6 -p 20 -t 300 -b 100, 30 ms on replies, nft dropped 3 replies
    "198.18.1.2 : [0], 108 bytes, 30.6 ms (30.6 avg, 0% loss)\n"
    "198.18.1.2 : [2], 108 bytes, 30.6 ms (30.6 avg, 0% loss)\n"
    "198.18.1.2 : [4], 108 bytes, 30.7 ms (30.6 avg, 0% loss)\n"
    "198.18.1.2 : [1], timed out (30.6 avg, 25% loss)\n"
    "198.18.1.2 : [3], timed out (30.6 avg, 40% loss)\n"
    "198.18.1.2 : [5], timed out (30.6 avg, 50% loss)\n"
    "\n198.18.1.2 : 30.6 - 30.6 - 30.7 -\n"
)
FPING_UNREACHABLE = (
    "198.18.1.3 : [0], timed out (NaN avg, 100% loss)\n"
    "198.18.1.3 : [1], timed out (NaN avg, 100% loss)\n"
    "198.18.1.3 : [2], timed out (NaN avg, 100% loss)\n"
    "ICMP Host Unreachable from 198.18.1.3 for ICMP Echo sent to 198.18.1.3\n"
    "ICMP Host Unreachable from 198.18.1.3 for ICMP Echo sent to 198.18.1.3\n"
    "ICMP Host Unreachable from 198.18.1.3 for ICMP Echo sent to 198.18.1.3\n"
    "\n198.18.1.3 : - - -\n"
)
FPING_DUP_QUIET = (  # only `fping -q` prints duplicates (diag runs without -q: see engines.py)
    "198.18.1.2 : duplicate for [0], 64 bytes, 5.56 ms\n"
    "198.18.1.2 : duplicate for [1], 64 bytes, 5.43 ms\n"
    "198.18.1.2 : 5.53 5.40 5.37\n"
)


def test_iputils_icmp_errors_count_as_unreachables() -> None:
    parsed = parse_iputils(IPUTILS_UNREACHABLE)
    assert len(parsed.errors) == 3 and parsed.error_count == 3
    assert iputils_probes(parsed) == ([None, None, None], 0, 3)


def test_iputils_local_errors_count_as_unreachables() -> None:
    assert iputils_probes(parse_iputils(IPUTILS_DF_TOO_BIG)) == ([None, None, None], 0, 3)


def test_iputils_marked_duplicates() -> None:
    rtts, dups, errors = iputils_probes(parse_iputils(IPUTILS_DUP))
    assert (rtts, dups, errors) == ([5.57, 5.64, 5.62], 2, 0)


def test_iputils_sequence_wraps_at_65536() -> None:
    """icmp_seq is 16 bits: after 65535 iputils prints 0, 1, ... (long runs, count up to 100000)."""
    printed = [1, 30000, 60000, 65535, 0, 5, 30000]
    lines = [f"64 bytes from 10.0.0.1: icmp_seq={s} ttl=64 time=1.0 ms" for s in printed]
    text = "\n".join(lines) + "\n100000 packets transmitted, 7 received, 99.993% packet loss\n"
    rtts, _, _ = iputils_probes(parse_iputils(text))
    assert len(rtts) == 100000
    answered = [i + 1 for i, r in enumerate(rtts) if r is not None]
    assert answered == [1, 30000, 60000, 65535, 65536, 65541, 95536]
    assert unwrap_seq(2, 65535) == 65538 and unwrap_seq(65535, 3) == -1


def test_fping_per_probe_list_and_loss() -> None:
    parsed = parse_fping(FPING_LOSS)
    assert parsed.per_probe == {"198.18.1.2": [30.6, None, 30.6, None, 30.7, None]}
    assert parsed.replies == [(0, 30.6), (2, 30.6), (4, 30.7)]
    assert parsed.timeouts == [1, 3, 5]
    s = summarize(parsed.per_probe["198.18.1.2"])
    assert (s.sent, s.received, s.loss_pct) == (6, 3, 50.0)


def test_fping_icmp_errors() -> None:
    parsed = parse_fping(FPING_UNREACHABLE)
    assert parsed.per_probe == {"198.18.1.3": [None, None, None]}
    assert len(parsed.icmp_errors) == 3


def test_fping_duplicate_lines() -> None:
    parsed = parse_fping(FPING_DUP_QUIET)
    assert parsed.duplicates == [(0, 5.56), (1, 5.43)]
    assert parsed.per_probe == {"198.18.1.2": [5.53, 5.40, 5.37]}


def test_icmp_packets_raw_v4_reply_and_error() -> None:
    ip = bytes([0x45]) + bytes(19)
    reply = ip + bytes([0, 0, 0, 0]) + (0x1234).to_bytes(2, "big") + (7).to_bytes(2, "big")
    msg = parse_icmp(reply, 4, ip_header=True)
    assert msg is not None and (msg.type, msg.id, msg.seq) == (0, 0x1234, 7)
    quoted = ip + bytes([8, 0, 0, 0]) + (0x1234).to_bytes(2, "big") + (9).to_bytes(2, "big")
    error = ip + bytes([3, 1, 0, 0, 0, 0, 0, 0]) + quoted
    msg = parse_icmp(error, 4, ip_header=True)
    assert msg is not None and (msg.type, msg.code, msg.id, msg.seq) == (3, 1, 0x1234, 9)
    # our own echo request seen on a raw socket (loopback) is not a reply
    assert parse_icmp(quoted, 4, ip_header=True) is None


# --------------------------------------------------------------------------- settings → engine
def _spec(**kw: Any) -> ProbeSpec:
    return ProbeSpec.from_settings(CollectorSettings(**kw))


def test_iputils_command_line() -> None:
    argv = IputilsEngine().argv(
        "192.0.2.1",
        _spec(
            ping_count=5,
            ping_interval_s=0.05,
            ping_timeout_s=0.5,
            ping_size=1400,
            ping_df=True,
            ping_pattern="0xFF00",
        ),
    )
    assert argv[1:] == [
        "-n",
        "-c",
        "5",
        "-i",
        "0.05",
        "-W",
        "0.5",
        "-s",
        "1400",
        "-M",
        "do",
        "-p",
        "ff00",
        "192.0.2.1",
    ]
    assert "dont" in IputilsEngine().argv("192.0.2.1", _spec())


def test_fping_command_line() -> None:
    argv = FpingEngine().argv(
        "192.0.2.1",
        _spec(ping_count=5, ping_interval_s=0.05, ping_timeout_s=0.5, ping_size=1400, ping_df=True),
    )
    assert argv[1:] == ["-C", "5", "-p", "50", "-t", "500", "-b", "1400", "-M", "192.0.2.1"]


@pytest.mark.parametrize("bad", ["ff0", "zz", "00" * 17, ""])
def test_bad_pattern_is_refused(bad: str) -> None:
    with pytest.raises(CollectorError, match="1 to 16 bytes in hex"):
        _spec(ping_pattern=bad)


def test_unknown_engine() -> None:
    with pytest.raises(CollectorError, match="use one of auto, fping, icmplib, iputils"):
        get_engine("nmap")


@pytest.mark.parametrize("bad", ["-f", "", "a b", "x\0y"])
def test_option_like_or_odd_targets_are_refused(bad: str) -> None:
    with pytest.raises(CollectorError, match="not a host name or IP address"):
        check_target(bad)


def test_engine_limits() -> None:
    assert "ping_size >= 16" in (IputilsEngine().unsupported(_spec(ping_size=8)) or "")
    assert "payload pattern" in (FpingEngine().unsupported(_spec(ping_pattern="ab")) or "")
    assert IputilsEngine().unsupported(_spec()) is None
    assert FpingEngine().unsupported(_spec(ping_size=0)) is None


def test_auto_choice() -> None:
    usable = {
        name for name in ("iputils", "fping", "icmplib") if get_engine(name).unavailable() is None
    }
    if usable != {"iputils", "fping", "icmplib"}:
        pytest.skip(f"needs all three engines usable here; usable: {sorted(usable)}")
    assert choose_engine("auto", _spec()).name == "iputils"
    assert choose_engine("auto", _spec(ping_size=8)).name == "fping"
    assert choose_engine("auto", _spec(ping_size=8, ping_pattern="ab")).name == "icmplib"
    with pytest.raises(CollectorError, match="fping cannot set a payload pattern"):
        choose_engine("fping", _spec(ping_pattern="ab"))


def test_observation_counts_late_replies_as_lost() -> None:
    spec = _spec(ping_count=4, ping_timeout_s=0.1)
    result = EngineResult(
        "iputils", [20.0, 150.0, None, 30.0], duplicates=1, unreachables=0, raw="raw text"
    )
    obs = observation(target="r1", spec=spec, result=result, origin="noc", at=_now())
    assert obs.rtts_ms == [20.0, None, None, 30.0]
    assert (obs.sent, obs.received, obs.loss_pct) == (4, 2, 50.0)
    assert obs.origin == "host:noc" and obs.origin_kind == "host" and obs.collector == "ping:host"
    assert obs.rtt_mean_ms == 25.0 and obs.duplicates == 1 and obs.raw == "raw text"
    assert (obs.count, obs.size, obs.interval_s, obs.timeout_s) == (4, 100, 0.2, 0.1)


def _now() -> datetime:

    return datetime.now(UTC)


# --------------------------------------------------------------------------- bounds
def test_more_probes_than_asked_is_a_parse_error() -> None:
    text = IPUTILS_DUP.replace("3 packets transmitted", "4 packets transmitted")
    with pytest.raises(CollectorParseError, match="asked for 3"):
        read_iputils(text, _spec(ping_count=3), ["ping"])
    # as many as asked: read
    assert len(read_iputils(IPUTILS_DUP, _spec(ping_count=3), ["ping"]).rtts_ms) == 3


def test_absurd_summary_counts_are_garbled_not_allocated() -> None:
    """`99999999999 packets transmitted` used to build a list of that size (MemoryError)."""
    text = IPUTILS_UNREACHABLE.replace("3 packets transmitted", "99999999999 packets transmitted")
    parsed = parse_iputils(text)
    assert parsed.transmitted is None and "not a whole number in 0..100000" in parsed.garbled[0]
    with pytest.raises(CollectorParseError, match="statistics line is garbled"):
        iputils_probes(parsed)


def test_a_tool_that_never_stops_printing_is_stopped() -> None:
    """`yes` prints for ever: the reader stops at MAX_OUTPUT_BYTES instead of filling memory."""
    with pytest.raises(CollectorError, match=r"printed more than 16 MiB"):
        asyncio.run(run_tool(["yes", "64 bytes from 10.0.0.1"], budget_s=60, tool="ping"))


@pytest.mark.parametrize(
    ("script", "said"),
    [
        ("head -c 300 /dev/urandom | od -An -tx1; exit 0", "printed nothing diag can read"),
        (
            'echo "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.05 ms"; '
            'printf "64 bytes from 10.0.0.1: icmp_se"; exit 1',
            r"printed 1 reply line\(s\) and then stopped: no statistics, the output is cut short",
        ),
        (
            'echo "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.05 ms"; kill -9 $$',
            "killed by SIGKILL before it finished",
        ),
    ],
    ids=["noise", "cut", "killed"],
)
def test_unreadable_runs_say_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, said: str
) -> None:
    tool = tmp_path / "ping"
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(0o755)
    monkeypatch.setattr(IputilsEngine, "binary", lambda self: str(tool))
    with pytest.raises(CollectorError, match=said):
        asyncio.run(IputilsEngine().ping("10.0.0.1", _spec(ping_count=2)))

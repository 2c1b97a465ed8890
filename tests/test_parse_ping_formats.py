"""`diag parse ping FILE` (issue 12 item 4): pasted ping output of every common tool, counted
from its summary; what is not a ping run is refused, never read as loss.

Real outputs: jc's and pingparsing's samples (fixtures/corpus/ping/pasted/, NOTICE) and the
Linux iputils ones of fixtures/corpus/ping/jc, each checked against its upstream's own parse.
The samples written here (iputils -q, fping, Windows with loss, Chinese Windows) are shaped
line for line like the tools print them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.collectors.ping.pasted import parse_pasted_ping
from diag.errors import CollectorParseError
from diag.model.observations import PingObservation

PING = Path(__file__).resolve().parent.parent / "fixtures" / "corpus" / "ping"
JC = sorted((PING / "pasted" / "jc").glob("*/*.out")) + sorted((PING / "jc").glob("*/*.out"))
PINGPARSING = sorted((PING / "pasted" / "pingparsing").glob("*.txt"))

IPUTILS_Q = """\
PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.

--- 192.0.2.10 ping statistics ---
60 packets transmitted, 60 received, 0% packet loss, time 59085ms
rtt min/avg/max/mdev = 1.021/1.384/2.910/0.301 ms
"""

IPUTILS_LOSS = """\
PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.
64 bytes from 192.0.2.10: icmp_seq=1 ttl=63 time=1.10 ms
64 bytes from 192.0.2.10: icmp_seq=3 ttl=63 time=1.30 ms
64 bytes from 192.0.2.10: icmp_seq=4 ttl=63 time=1.50 ms

--- 192.0.2.10 ping statistics ---
4 packets transmitted, 3 received, 25% packet loss, time 3004ms
rtt min/avg/max/mdev = 1.100/1.300/1.500/0.163 ms
"""

FPING_C = """\
192.0.2.10 : [0], 64 bytes, 1.21 ms (1.21 avg, 0% loss)
192.0.2.10 : [1], 64 bytes, 1.35 ms (1.28 avg, 0% loss)
192.0.2.10 : [2], timed out (1.28 avg, 33% loss)
192.0.2.10 : [3], 64 bytes, 1.60 ms (1.38 avg, 25% loss)

192.0.2.10 : xmt/rcv/%loss = 4/3/25%, min/avg/max = 1.21/1.38/1.60
"""

FPING_C_ALL_LOST = "192.0.2.10 : xmt/rcv/%loss = 5/0/100%\n"

FPING_CC = "192.0.2.10 : 1.21 1.35 - 1.60\n"

BUSYBOX = """\
PING 192.0.2.10 (192.0.2.10): 56 data bytes
64 bytes from 192.0.2.10: seq=0 ttl=64 time=0.412 ms
64 bytes from 192.0.2.10: seq=1 ttl=64 time=0.388 ms
64 bytes from 192.0.2.10: seq=3 ttl=64 time=0.502 ms

--- 192.0.2.10 ping statistics ---
4 packets transmitted, 3 packets received, 25% packet loss
round-trip min/avg/max = 0.388/0.434/0.502 ms
"""

WINDOWS_LOSS = """\r
Pinging 192.0.2.10 with 32 bytes of data:\r
Reply from 192.0.2.10: bytes=32 time=2ms TTL=63\r
Request timed out.\r
Reply from 192.0.2.10: bytes=32 time<1ms TTL=63\r
Reply from 192.0.2.10: bytes=32 time=3ms TTL=63\r
\r
Ping statistics for 192.0.2.10:\r
    Packets: Sent = 4, Received = 3, Lost = 1 (25% loss),\r
Approximate round trip times in milli-seconds:\r
    Minimum = 0ms, Maximum = 3ms, Average = 1ms\r
"""

# Windows counts an ICMP error from a router as "Received".
WINDOWS_UNREACHABLE = """\
Pinging 192.0.2.10 with 32 bytes of data:
Reply from 198.51.100.1: Destination host unreachable.
Reply from 198.51.100.1: Destination host unreachable.
Request timed out.
Request timed out.

Ping statistics for 192.0.2.10:
    Packets: Sent = 4, Received = 2, Lost = 2 (50% loss),
"""

WINDOWS_ZH = """\
正在 Ping 192.0.2.10 具有 32 字节的数据:
来自 192.0.2.10 的回复: 字节=32 时间=1ms TTL=63
来自 192.0.2.10 的回复: 字节=32 时间=3ms TTL=63
来自 192.0.2.10 的回复: 字节=32 时间=2ms TTL=63
请求超时。

192.0.2.10 的 Ping 统计信息:
    数据包: 已发送 = 4，已接收 = 3，丢失 = 1 (25% 丢失)，
往返行程的估计时间(以毫秒为单位):
    最短 = 1ms，最长 = 3ms，平均 = 2ms
"""


def _macos(n: int, summary: bool) -> str:
    out = ["PING 192.0.2.10 (192.0.2.10): 56 data bytes"]
    out += [f"64 bytes from 192.0.2.10: icmp_seq={i} ttl=63 time=1.{i}00 ms" for i in range(n)]
    if summary:
        out += ["", "--- 192.0.2.10 ping statistics ---"]
        out += [f"{n} packets transmitted, {n} packets received, 0.0% packet loss"]
        out += ["round-trip min/avg/max/stddev = 1.000/1.450/1.900/0.287 ms"]
    return "\n".join(out) + "\n"


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_corpus_is_there() -> None:
    assert len(JC) >= 15 and len(PINGPARSING) == 3
    assert {p.parent.name for p in JC} >= {"osx-10.14.6", "freebsd12", "alpine-linux-3.13"}


@pytest.mark.parametrize("out", JC, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_jc_samples_as_jc_reads_them(out: Path) -> None:
    want = _json(out.with_suffix(".json"))
    got = parse_pasted_ping(out.read_text(encoding="utf-8"))
    assert (got.sent, got.received) == (want["packets_transmitted"], want["packets_received"])
    assert got.loss_pct == pytest.approx(want["packet_loss_percent"], abs=0.05)
    assert got.rtt_min_ms == want.get("round_trip_ms_min")
    assert got.rtt_avg_ms == want.get("round_trip_ms_avg")
    assert got.rtt_max_ms == want.get("round_trip_ms_max")
    assert got.duplicates == (want.get("duplicates") or 0)


@pytest.mark.parametrize("txt", PINGPARSING, ids=lambda p: p.stem)
def test_pingparsing_samples_as_pingparsing_reads_them(txt: Path) -> None:
    want = _json(txt.with_suffix(".json"))["expected_stats"]
    got = parse_pasted_ping(txt.read_text(encoding="utf-8"))
    assert (got.sent, got.received) == (want["packet_transmit"], want["packet_receive"])
    assert got.loss_pct == want["packet_loss_rate"]
    assert (got.rtt_min_ms, got.rtt_avg_ms, got.rtt_max_ms) == (
        want["rtt_min"],
        want["rtt_avg"],
        want["rtt_max"],
    )
    assert got.rtt_stddev_ms == want["rtt_mdev"]


@pytest.mark.parametrize(
    ("text", "fmt", "sent", "received", "rtt"),
    [
        (IPUTILS_Q, "iputils", 60, 60, (1.021, 1.384, 2.910)),
        (IPUTILS_LOSS, "iputils", 4, 3, (1.1, 1.3, 1.5)),
        (FPING_C, "fping", 4, 3, (1.21, 1.38, 1.6)),
        (FPING_C_ALL_LOST, "fping", 5, 0, (None, None, None)),
        (FPING_CC, "fping", 4, 3, (1.21, pytest.approx(4.16 / 3), 1.6)),
        (BUSYBOX, "busybox", 4, 3, (0.388, 0.434, 0.502)),
        (WINDOWS_LOSS, "windows", 4, 3, (0.0, 1.0, 3.0)),
        (WINDOWS_UNREACHABLE, "windows", 4, 0, (None, None, None)),
        (WINDOWS_ZH, "windows-zh", 4, 3, (1.0, 2.0, 3.0)),
        (_macos(10, summary=True), "bsd", 10, 10, (1.0, 1.45, 1.9)),
    ],
    ids=[
        "iputils-q",
        "iputils",
        "fping-c",
        "fping-c-all-lost",
        "fping-C",
        "busybox",
        "windows",
        "windows-unreachable",
        "windows-zh",
        "macos",
    ],
)
def test_each_format(
    text: str, fmt: str, sent: int, received: int, rtt: tuple[Any, Any, Any]
) -> None:
    got = parse_pasted_ping(text)
    assert (got.format, got.sent, got.received) == (fmt, sent, received)
    assert got.loss_pct == pytest.approx(100.0 * (sent - received) / sent)
    assert (got.rtt_min_ms, got.rtt_avg_ms, got.rtt_max_ms) == rtt
    assert got.target == "192.0.2.10"


def test_probes_numbered_from_zero_without_summary_are_counted() -> None:
    """A macOS paste cut before its summary: 10 probes (icmp_seq 0..9) are 10 sent, 10 back."""
    got = parse_pasted_ping(_macos(10, summary=False))
    assert (got.format, got.sent, got.received, got.from_summary) == ("bsd", 10, 10, False)
    assert got.rtts_ms[0] == 1.0 and got.rtts_ms[-1] == 1.9
    # iputils numbers from 1: its 10 probes are 10 too, and a gap is a lost probe
    lines = IPUTILS_LOSS.split("\n\n", maxsplit=1)[0]
    got = parse_pasted_ping(lines)
    assert (got.sent, got.received, got.rtts_ms[1]) == (4, 3, None)
    # Windows without its statistics: replies and timeouts are the probes
    got = parse_pasted_ping(WINDOWS_LOSS.split("\r\n\r\n", maxsplit=1)[0])
    assert (got.sent, got.received) == (4, 3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello, this is not a ping\n",
        "PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.\n",
        "Interface Serial0/0/0 is up, line protocol is up\n  5 minute input rate 0 bits/sec\n",
        IPUTILS_Q + IPUTILS_LOSS,  # two runs pasted together
        IPUTILS_Q.replace("60 received", "61 received"),  # more back than sent
        WINDOWS_LOSS.replace("Lost = 1", "Lost = 2"),  # counts that do not add up
    ],
    ids=["empty", "prose", "header-only", "show-interfaces", "two-runs", "61-of-60", "lost"],
)
def test_what_is_not_one_ping_run_is_refused(text: str) -> None:
    with pytest.raises(CollectorParseError, match="pasted ping"):
        parse_pasted_ping(text)


def test_cli_reads_a_file_and_gives_the_laptop_ping_answers(tmp_path: Path) -> None:
    f = tmp_path / "laptop.txt"
    f.write_text(WINDOWS_ZH, encoding="utf-8")
    r = CliRunner().invoke(cli, ["parse", "ping", str(f)])
    assert r.exit_code == 0, r.output
    obs = PingObservation.model_validate(json.loads(r.stdout)["observations"][0])
    assert (obs.sent, obs.received, obs.loss_pct, obs.rtt_mean_ms) == (4, 3, 25.0, 2.0)
    assert obs.engine == "pasted-windows-zh" and obs.size == 32
    assert "--observe test.laptop_ping.loss_pct=25 --observe test.laptop_ping.rtt_ms=2" in (
        r.stderr
    )
    r = CliRunner().invoke(cli, ["parse", "ping", "-"], input=IPUTILS_Q)
    assert r.exit_code == 0 and json.loads(r.stdout)["observations"][0]["loss_pct"] == 0.0


def test_the_parse_goes_straight_to_circuit_observations(tmp_path: Path) -> None:
    """`diag parse ping FILE --json F` then `diag circuit ID --observations F`: the laptops'
    40 % loss is read as the laptop-to-laptop test of step 3.3 (R-HC-2a), cited by its answer."""
    pasted, doc = tmp_path / "laptop.txt", tmp_path / "laptop.json"
    pasted.write_text(
        "PING 192.0.2.20 (192.0.2.20) 56(84) bytes of data.\n\n"
        "--- 192.0.2.20 ping statistics ---\n"
        "100 packets transmitted, 60 received, 40% packet loss, time 99123ms\n"
        "rtt min/avg/max/mdev = 10.1/35.2/120.3/5.5 ms\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(cli, ["parse", "ping", str(pasted), "--json", str(doc)])
    assert r.exit_code == 0, r.output
    kinds = [o["kind"] for o in _json(doc)["observations"]]
    assert kinds == ["ping", "answer", "answer"]
    capture = Path(__file__).resolve().parents[1] / "fixtures" / "captures" / "LAB-HC2A-1"
    out = tmp_path / "f.json"
    args = ["circuit", "LAB-HC2A-1", "--replay", str(capture), "--no-history", "--json", str(out)]
    r = CliRunner().invoke(cli, [*args, "--observations", str(doc)])
    assert r.exit_code in (10, 11), r.output  # a fault found
    found = {f["rule"]: f for f in _json(out)["findings"]}
    laptop = found["ping-laptop-bypass"]
    assert laptop["kind"] == "fault" and "40 % loss" in laptop["title"]
    cited = {e.get("observation") for e in laptop["evidence"]}
    answers = {o["id"]: o for o in _json(out)["observations"] if o["kind"] == "answer"}
    assert any(answers[c]["key"] == "test.laptop_ping.loss_pct" for c in cited if c in answers)


def test_cli_refuses_what_is_not_a_ping(tmp_path: Path) -> None:
    f = tmp_path / "mail.txt"
    f.write_text("Dear NOC, the line is slow again.\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["parse", "ping", str(f)])
    assert r.exit_code == 6
    assert "pasted ping" in r.stderr and "loss" not in r.stdout
    assert r.stdout == ""

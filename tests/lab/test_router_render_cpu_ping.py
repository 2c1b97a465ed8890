"""Renderers against real device output: Cisco CPU (show processes cpu, the history graph) and
ping, compared with the corpus captures (see test_router_render).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from ntc_templates.parse import parse_output

from diag.lab.routers.cpu_graph import graph, show_processes_cpu_history
from diag.lab.routers.state import CpuState, PingResult, RouterState
from tests.lab.render_helpers import ios
from tests.lab.router_helpers import corpus_json, corpus_text, corpus_yml

# --- Cisco CPU ---------------------------------------------------------------------------------


def test_show_processes_cpu_round_trip() -> None:
    rel = "ntc/cisco_ios/show_processes_cpu/cisco_ios_show_processes_cpu"
    parsed = parse_output(
        platform="cisco_ios", command="show processes cpu", data=corpus_text(rel + ".raw")
    )
    expected = corpus_yml(rel + ".yml")
    head = ("cpu_usage_5_sec", "cpu_interruption_5_sec", "cpu_usage_1_min", "cpu_usage_5_min")
    assert [{k: r[k] for k in head} for r in parsed] == [{k: r[k] for k in head} for r in expected]
    rec = parsed[0]
    cpu = CpuState(
        five_sec=int(rec["cpu_usage_5_sec"]),
        five_sec_interrupt=int(rec["cpu_interruption_5_sec"]),
        one_min=int(rec["cpu_usage_1_min"]),
        five_min=int(rec["cpu_usage_5_min"]),
    )
    state = RouterState(hostname="R1", vendor="cisco_ios", cpu=cpu)
    # The template ends in `^. -> Error`: parsing at all proves every line has a real shape.
    got = parse_output(
        platform="cisco_ios", command="show processes cpu", data=ios(state, "show processes cpu")
    )
    assert len(got) > 20
    assert {k: got[0][k] for k in head} == {k: expected[0][k] for k in head}
    busy = next(r for r in got if r["process_name"] == "IP Input")
    assert float(busy["process_cpu_usage_5_sec"]) > 0


def test_show_processes_cpu_header_like_genie_capture() -> None:
    theirs = corpus_text("genie/ios/ShowProcessesCpu/golden_output_output.txt")
    want = corpus_json("genie/ios/ShowProcessesCpu/golden_output_expected.json")
    rx = (
        r"^CPU utilization for five seconds: (\d+)%/(\d+)%; one minute: (\d+)%; "
        r"five minutes: (\d+)%$"
    )
    m = re.search(rx, theirs, re.MULTILINE)
    assert m is not None
    cpu = CpuState(
        five_sec=want["five_sec_cpu_total"],
        five_sec_interrupt=want["five_sec_cpu_interrupts"],
        one_min=want["one_min_cpu"],
        five_min=want["five_min_cpu"],
    )
    ours = ios(RouterState(hostname="R1", vendor="cisco_ios", cpu=cpu), "show processes cpu")
    m2 = re.search(rx, ours, re.MULTILINE)
    assert m2 is not None and m2.groups() == m.groups()
    assert re.search(
        r"^ PID Runtime\(ms\)\s+Invoked\s+uSecs\s+5Sec\s+1Min\s+5Min TTY Process",
        ours,
        re.MULTILINE,
    )


def decode_history(text: str) -> list[dict[str, dict[str, int]]]:
    """Read the three graphs back the way genie's ShowProcessesCpuHistory does."""
    lines = text.splitlines()
    out: list[dict[str, dict[str, int]]] = []
    i = 0
    while i < len(lines):
        if re.match(r"^\s+100 ", lines[i]):
            digits = lines[i - 3 : i]
            bars = lines[i : i + 10]
            width = max(len(b) for b in bars + digits) - 6
            graph_vals: dict[str, dict[str, int]] = {}
            for col in range(6, 6 + width):
                chars = [d[col] if col < len(d) else " " for d in digits]
                value = int("".join(c if c != " " else "0" for c in chars))
                avg = 0
                for row in bars:
                    if col < len(row) and row[col] == "#":
                        avg = max(avg, int(row[:5]))
                graph_vals[str(col - 5)] = {"maximum": value, "average": avg}
            out.append(graph_vals)
            i += 10
        i += 1
    return out


def test_cpu_history_decodes_like_genie_and_carries_72h_maxima() -> None:
    theirs = corpus_text("genie/ios/ShowProcessesCpuHistory/golden_output_output.txt")
    want = corpus_json("genie/ios/ShowProcessesCpuHistory/golden_output_expected.json")
    got = decode_history(theirs)
    wanted = [want["60s"], want["60m"], want["72h"]]
    # The capture's 72 h graph has data for 29 hours; genie fills the rest with zeros.
    assert [{k: g[k] for k in w} for g, w in zip(got, wanted, strict=True)] == wanted
    # Now ours: same three titles and axes, and the 72 h maxima come back out.
    hist = [73, 15, 82, 100, 9, 0, 44]
    ours = show_processes_cpu_history(CpuState(history_72h_max=hist), "R1")
    for title in (
        "CPU% per second (last 60 seconds)",
        "CPU% per minute (last 60 minutes)",
        "CPU% per hour (last 72 hours)",
        "* = maximum CPU%   # = average CPU%",
        "0....5....1....1....2....2....3....3....4....4....5....5....6....6....7..",
        "0....5....1....1....2....2....3....3....4....4....5....5....6",
    ):
        assert title in ours and title in theirs, title
    graphs = decode_history(ours)
    assert len(graphs) == 3
    assert [graphs[2][str(i + 1)]["maximum"] for i in range(len(hist))] == hist
    assert all(graphs[2][str(i)]["maximum"] == 0 for i in range(len(hist) + 1, 73))


def test_cpu_graph_rows_match_capture_exactly() -> None:
    """Our drawing of genie's 60-minute and 72-hour series is the captured drawing."""
    want = corpus_json("genie/ios/ShowProcessesCpuHistory/golden_output_expected.json")
    raw = corpus_text("genie/ios/ShowProcessesCpuHistory/golden_output_output.txt").splitlines()

    def series(key: str, field: str) -> list[int]:
        return [want[key][str(i)][field] for i in range(1, len(want[key]) + 1)]

    for key, width in (("60m", 60), ("72h", 72)):
        ours = graph(series(key, "maximum"), series(key, "average"), width)
        start = next(i for i, ln in enumerate(raw) if ln.rstrip() == ours[1].rstrip())
        theirs = raw[start - 1 : start - 1 + len(ours)]
        # The capture's 60-minute "10" row stops two columns early (a capture artefact).
        pairs = [(a.rstrip(), b.rstrip()) for a, b in zip(ours, theirs, strict=True)]
        assert [a for a, b in pairs if a != b and not a.startswith(b)] == []


# --- Cisco ping --------------------------------------------------------------------------------

PING_FILES = [
    "cisco_ios_ping",
    "cisco_ios_ping_200",
    "cisco_ios_ping_mix",
    "cisco_ios_ping_source",
    "cisco_ios_ping_source_df",
    "cisco_ios_ping_source_df_fail",
    "cisco_ios_ping_source_fail",
]


def ping_state_and_command(rec: dict[str, Any]) -> tuple[RouterState, str]:
    dest, sent = rec["destination"], int(rec["sent_qty"])
    ok = int(rec["success_qty"])
    rtt = tuple(int(rec[k] or 0) for k in ("rtt_min", "rtt_avg", "rtt_max"))
    state = RouterState(
        hostname="R1",
        vendor="cisco_ios",
        ping=[PingResult(target=dest, success_pct=100 * ok / sent, rtt_ms=rtt)],
    )
    size = rec["sent_type"].split("-")[0]
    cmd = f"ping {dest} repeat {sent} size {size} timeout {rec['timeout']}"
    if rec["source"]:
        cmd += f" source {rec['source']}"
    return state, cmd


@pytest.mark.parametrize("name", PING_FILES)
def test_ping_round_trip(name: str) -> None:
    rel = f"ntc/cisco_ios/ping/{name}"
    raw = corpus_text(rel + ".raw")
    (rec,) = parse_output(platform="cisco_ios", command="ping", data=raw)
    (expected,) = corpus_yml(rel + ".yml")
    assert rec == expected
    state, cmd = ping_state_and_command(rec)
    if "DF bit" in raw:
        cmd += " df-bit"
    out = ios(state, cmd)
    (got,) = parse_output(platform="cisco_ios", command="ping", data=out)
    fields = [
        "destination",
        "sent_qty",
        "sent_type",
        "timeout",
        "source",
        "success_pct",
        "success_qty",
    ]
    # IOS prints no round-trip times when nothing came back (those two captures were edited).
    if int(expected["success_qty"]):
        fields += ["rtt_min", "rtt_avg", "rtt_max"]
    assert {f: got[f] for f in fields} == {f: expected[f] for f in fields}
    assert "".join(got["response_stream"]).count("!") == int(expected["success_qty"])
    assert ("Packet sent with the DF bit set" in out) == ("DF bit" in raw)


def test_ping_like_genie_capture() -> None:
    want = corpus_json("ping/genie/ios/Ping/golden_output1_expected.json")["ping"]
    stats = want["statistics"]
    rt = stats["round_trip"]
    state = RouterState(
        hostname="R1",
        vendor="cisco_ios",
        ping=[
            PingResult(target=want["address"], rtt_ms=(rt["min_ms"], rt["avg_ms"], rt["max_ms"]))
        ],
    )
    out = ios(
        state,
        f"ping {want['address']} repeat {want['repeat']} size {want['data_bytes']} "
        f"source {want['source']}",
    )
    assert out.rstrip("\n") == corpus_text("ping/genie/ios/Ping/golden_output1_output.txt").rstrip(
        "\n"
    )

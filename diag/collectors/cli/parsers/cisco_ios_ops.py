"""Cisco IOS operational reads: `show processes cpu [sorted]`, `show processes cpu history`,
`show logging` and `ping` (the parsers; the command table is in cisco_ios).
"""

from __future__ import annotations

import re

from diag.collectors.cli.parsers.base import Ctx, LogCategory
from diag.collectors.cli.parsers.ios_cpu_graph import read_graph
from diag.collectors.cli.parsers.text import (
    SP,
    Numbers,
    first_line,
    partial,
    ping_target,
    run_template,
)
from diag.collectors.numbers import MAX_PING_SIZE, MAX_PING_TIMEOUT_S, MAX_PROBES, MAX_RTT_MS
from diag.model.observations import (
    CpuObservation,
    LogEvent,
    LogObservation,
    Observation,
    PingObservation,
)

# IOS `ping ... size N` counts the whole IP datagram: 20 bytes IP + 8 bytes ICMP header.
ICMP_IP_HEADERS = 28


# --- show processes cpu [history] --------------------------------------------------------------


def parse_cpu(ctx: Ctx) -> list[Observation]:
    recs = run_template("cisco_ios_show_processes_cpu", ctx.text)
    if not recs:
        raise ctx.error(first_line(ctx.text), "no 'CPU utilization for five seconds' line")
    rec = recs[0]
    n = Numbers()  # percentages: 0..100
    obs = CpuObservation(
        **ctx.meta("cpu"),
        device=ctx.device,
        source="cli:show processes cpu",
        five_sec=n.float("five_sec", rec["FIVE_SEC"]),
        one_min=n.float("one_min", rec["ONE_MIN"]),
        five_min=n.float("five_min", rec["FIVE_MIN"]),
        raw=ctx.raw,
    )
    return [n.apply(obs)]


_HOURS_TITLE = re.compile(r"CPU%\s+per\s+hour\s+\(last\s+72\s+hours\)")
CPU_HISTORY = "cli:show processes cpu history"


def parse_cpu_history(ctx: Ctx) -> list[Observation]:
    return parse_cpu_history_reads([ctx])


def parse_cpu_history_reads(ctxs: list[Ctx]) -> list[Observation]:
    """One or more reads of the history -> the 72 h maxima, or what is known of them.

    Read whole (the digits agree with the bars): history_72h and peak_72h.  Otherwise both are
    left empty, peak_72h_min gives what the bar rows read prove, and the observation is partial.
    """
    graph = read_graph([c.text for c in ctxs])
    ctx = ctxs[-1]
    if not graph.found and not any(_HOURS_TITLE.search(c.text) for c in ctxs):
        raise ctx.error(first_line(ctx.text), "no readable 'CPU% per hour (last 72 hours)' graph")
    raw = (
        ctx.raw
        if len(ctxs) == 1
        else "\n".join(f"--- read {n} of {len(ctxs)} ---\n{c.raw}" for n, c in enumerate(ctxs, 1))
    )
    obs = CpuObservation(
        **ctx.meta("cpu"),
        device=ctx.device,
        source=CPU_HISTORY,
        history_72h=graph.values or [],
        peak_72h=float(max(graph.values)) if graph.values else None,
        quality_note=graph.note() if graph.whole else None,
        raw=raw,
    )
    if graph.whole:
        return [obs]
    note = graph.note()
    assert note is not None
    bound = float(graph.at_least) if graph.at_least is not None else None
    return [
        partial(obs.model_copy(update={"peak_72h_min": bound}), ["history_72h", "peak_72h"], note)
    ]


# --- show logging ------------------------------------------------------------------------------

_CONTROLLER_FACILITIES = {"CONTROLLER", "DSX1", "DSX", "E1T1", "E1", "T1", "FRAMER"}
_RELEVANT = re.compile(r"\b(?:Serial|Multilink|E1|Controller|keepalive)", re.IGNORECASE)
_SYS_RELEVANT = {"CONFIG_I", "RELOAD", "RESTART"}


def log_category(facility: str, severity: int, mnemonic: str, message: str) -> LogCategory | None:
    """What a log line says about the circuit, or None when it does not matter here."""
    if facility == "SYS" and mnemonic.startswith("CPU"):  # CPURISINGTHRESHOLD, CPUHOG, ...
        return "cpu"
    if facility == "LINEPROTO":
        return "protocol-flap"
    if facility == "LINK":
        return "line-flap"
    if facility in _CONTROLLER_FACILITIES:
        return "controller"
    if severity <= 3 or _RELEVANT.search(message):
        return "other"
    if facility == "SYS" and mnemonic in _SYS_RELEVANT:  # who changed what, reloads
        return "other"
    return None


def parse_logging(ctx: Ctx) -> list[Observation]:
    recs = run_template("cisco_ios_show_logging", ctx.text)
    if not recs and not re.search(rf"^{SP}*(?:Syslog logging:|Log Buffer)", ctx.text, re.MULTILINE):
        raise ctx.error(first_line(ctx.text), "neither a logging header nor a log message")
    events = []
    for rec in recs:
        fac, sev, mnem, msg = rec["FACILITY"], int(rec["SEVERITY"]), rec["MNEMONIC"], rec["MESSAGE"]
        category = log_category(fac, sev, mnem, msg)
        if category is not None:
            events.append(
                LogEvent(at=rec["STAMP"], category=category, text=f"%{fac}-{sev}-{mnem}: {msg}")
            )
    return [
        LogObservation(
            **ctx.meta("log"), device=ctx.device, events=events, lines_read=len(recs), raw=ctx.raw
        )
    ]


# --- ping --------------------------------------------------------------------------------------


def _ping_args(args: str) -> tuple[bool, str | None]:
    """DF bit and data pattern as typed, for outputs that do not echo them."""
    toks = args.lower().split()
    pattern = next((toks[i + 1] for i, t in enumerate(toks[:-1]) if t == "data"), None)
    return any(t in ("df-bit", "df") for t in toks), pattern


def parse_ping(ctx: Ctx) -> list[Observation]:
    """Counts are bounded (at most MAX_PROBES probes, received <= sent): a count outside them is
    a garbled line and the output is refused; a garbled time or timeout leaves that field
    unknown (partial)."""
    recs = run_template("cisco_ios_ping", ctx.text)
    rec = recs[0] if recs else None
    if rec is None or not rec["SENT"]:
        raise ctx.error(first_line(ctx.text), "no 'Sending N, S-byte ICMP Echos to X' line")
    count = ctx.number(rec["SENT"], MAX_PROBES, "probe count", lo=1)
    datagram = ctx.number(
        rec["SIZE"], MAX_PING_SIZE + ICMP_IP_HEADERS, "datagram size", lo=ICMP_IP_HEADERS
    )
    stream = "".join(rec["STREAM"])
    if len(stream) > MAX_PROBES:
        raise ctx.error(stream[:40], f"{len(stream)} probe marks (more than {MAX_PROBES})")
    if not rec["RECEIVED"] and not rec["REPLY_REQUEST"] and len(stream) != count:
        # Neither the success line nor every probe's mark: how many came back is unknown.
        raise ctx.error(
            first_line(ctx.text),
            f"the 'Success rate' line is missing and {len(stream)} of {count} probe marks read",
        )
    sent = (
        ctx.number(rec["TOTAL"], MAX_PROBES, "probes sent", lo=1)
        if rec["TOTAL"]
        else (len(stream) or count)
    )
    requests = [ctx.number(r, max(sent - 1, 0), "request number") for r in rec["REPLY_REQUEST"]]
    n = Numbers()
    rtts: list[float | None] = []
    if rec["RECEIVED"]:
        received = ctx.number(rec["RECEIVED"], sent, "replies received")
    elif requests:
        # Directed broadcast: several hosts answer each request; a request counts once.
        received = len(set(requests))
    else:
        received = stream.count("!")
    if requests:
        first: dict[int, float | None] = {}
        for seq, ms in zip(requests, rec["REPLY_MS"], strict=True):
            first.setdefault(seq, n.float("rtts_ms", ms, MAX_RTT_MS))
        rtts = [first.get(seq) for seq in range(sent)]
    df_typed, pattern_typed = _ping_args(ctx.args)
    obs = PingObservation(
        **ctx.meta("ping"),
        origin=ctx.device,
        origin_kind="router",
        target=ping_target(rec["TARGET"], ctx.args.split()[0]),
        engine="router-cli",
        count=count,
        size=datagram - ICMP_IP_HEADERS,
        timeout_s=n.float("timeout_s", rec["TIMEOUT"], MAX_PING_TIMEOUT_S),
        df=bool(rec["DF"]) or df_typed,
        pattern=rec["PATTERN"] or pattern_typed,
        sent=sent,
        received=received,
        loss_pct=100.0 * (sent - received) / sent if sent else 100.0,
        unreachables=stream.count("U"),
        rtt_min_ms=n.float("rtt_min_ms", rec["RTT_MIN"], MAX_RTT_MS),
        rtt_mean_ms=n.float("rtt_mean_ms", rec["RTT_AVG"], MAX_RTT_MS),
        rtt_max_ms=n.float("rtt_max_ms", rec["RTT_MAX"], MAX_RTT_MS),
        rtts_ms=rtts,
        raw=ctx.raw,
    )
    obs = n.apply(obs)
    if received and not rec["RTT_MIN"]:
        return [partial(obs, RTT_FIELDS, "the round-trip times of the 'Success rate' line lost")]
    return [obs]


RTT_FIELDS = ["rtt_min_ms", "rtt_mean_ms", "rtt_max_ms"]

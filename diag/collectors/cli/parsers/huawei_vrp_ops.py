"""Huawei VRP operational reads: `display cpu-usage`, `display logbuffer` and `ping` (the
parsers; the command table is in huawei_vrp).
"""

from __future__ import annotations

import re

from diag.collectors.cli.parsers.base import Ctx, LogCategory
from diag.collectors.cli.parsers.text import (
    SP,
    Numbers,
    first_line,
    partial,
    ping_target,
    run_template,
)
from diag.collectors.numbers import (
    MAX_PING_SIZE,
    MAX_PROBES,
    MAX_RTT_MS,
    SPAN_MAX_S,
    NumberError,
    read_float,
    read_int,
)
from diag.model.observations import (
    CpuObservation,
    LogEvent,
    LogObservation,
    Observation,
    PingObservation,
)

# --- display cpu-usage -------------------------------------------------------------------------


def parse_cpu(ctx: Ctx) -> list[Observation]:
    recs = run_template("huawei_vrp_display_cpu_usage", ctx.text)
    rec = recs[0] if recs else None
    if rec is None or not (rec["FIVE_SEC"] or rec["USAGE"]):
        raise ctx.error(first_line(ctx.text), "no 'CPU Usage' or 'CPU utilization' line")
    n = Numbers()  # percentages: 0..100
    five_sec = n.float("five_sec", rec["FIVE_SEC"])
    one_min = n.float("one_min", rec["ONE_MIN"])
    five_min = n.float("five_min", rec["FIVE_MIN"])
    if rec["FIVE_SEC"] == "":
        # Releases without the three-figure line: "CPU Usage" covers the stat cycle (30 or 60 s).
        try:
            cycle = read_int(rec["CYCLE_S"], SPAN_MAX_S, what="stat cycle") or 60
        except NumberError as exc:
            n.garbled += ["five_sec", "one_min", "five_min"]  # which one "CPU Usage" is: unknown
            n.why.append(str(exc))
            cycle = 60
        field = "five_sec" if cycle <= 10 else "one_min" if cycle <= 120 else "five_min"
        usage = n.float(field, rec["USAGE"])
        if field == "five_sec":
            five_sec = usage
        elif field == "one_min":
            one_min = usage
        else:
            five_min = usage
    obs = CpuObservation(
        **ctx.meta("cpu"),
        device=ctx.device,
        source="cli:display cpu-usage",
        five_sec=five_sec,
        one_min=one_min,
        five_min=five_min,
        raw=ctx.raw,
    )
    return [n.apply(obs)]


# --- display logbuffer -------------------------------------------------------------------------

# "E1 ... LOS", "CPU ... high": a subject word, then (anywhere after it) a state word.  Searched
# as two steps (`_then`): one `A.*B` regex rescans the rest of the line from every A, quadratic
# on a line that repeats A.
_E1_WORD = re.compile(r"\bC?E1\b", re.IGNORECASE)
_ALARM_WORD = re.compile(r"\b(?:LOS|LOF|AIS|RAI|alarm)", re.IGNORECASE)
_CPU_WORD = re.compile(r"\bCPU\b", re.IGNORECASE)
_HIGH_WORD = re.compile(r"\b(?:high|rising|exceed|overload|threshold)", re.IGNORECASE)
_PHY = re.compile(r"change(?:d)?\s+(?:status|state)\s+to|has\s+turned\s+into", re.IGNORECASE)
_RELEVANT = re.compile(r"\b(?:Serial|E1|MP-group|Controller)", re.IGNORECASE)


def _then(first: re.Pattern[str], then: re.Pattern[str], text: str) -> bool:
    """`first` occurs in `text` and `then` somewhere after it (linear time)."""
    m = first.search(text)
    return m is not None and then.search(text, m.end()) is not None


def log_category(module: str, level: int, mnemonic: str, message: str) -> LogCategory | None:
    """What a VRP log line says about the circuit, or None when it does not matter here."""
    mod = module.upper()
    if _then(_CPU_WORD, _HIGH_WORD, message) or "CPU" in mnemonic.upper():
        return "cpu"
    if "line protocol" in message.lower() or mnemonic.upper() in ("LINK_STATE", "LINKNO_STATE"):
        return "protocol-flap"
    if mod == "PHY" or (mod == "IFNET" and _PHY.search(message)):
        return "line-flap"
    if _then(_E1_WORD, _ALARM_WORD, message) or mod in ("E1", "CE1", "E1T1"):
        return "controller"
    if level <= 3 or _RELEVANT.search(message):
        return "other"
    return None


def parse_logbuffer(ctx: Ctx) -> list[Observation]:
    recs = run_template("huawei_vrp_display_logbuffer", ctx.text)
    if not recs and not re.search(
        rf"^{SP}*Logging{SP}+buffer", ctx.text, re.MULTILINE | re.IGNORECASE
    ):
        raise ctx.error(first_line(ctx.text), "neither a logbuffer header nor a log message")
    events = []
    for rec in recs:
        mod, level, mnem, msg = rec["MODULE"], int(rec["LEVEL"]), rec["MNEMONIC"], rec["MESSAGE"]
        category = log_category(mod, level, mnem, msg)
        if category is not None:
            events.append(
                LogEvent(at=rec["STAMP"], category=category, text=f"{mod}/{level}/{mnem}:{msg}")
            )
    return [
        LogObservation(
            **ctx.meta("log"), device=ctx.device, events=events, lines_read=len(recs), raw=ctx.raw
        )
    ]


# --- ping --------------------------------------------------------------------------------------

_TIME = re.compile(r"\btime\s*[=<]\s*([0-9]+(?:\.[0-9]+)?)\s*ms", re.IGNORECASE)


RTT_FIELDS = ["rtt_min_ms", "rtt_mean_ms", "rtt_max_ms"]
# VRP sends five echoes when -c is not given.
VRP_PING_COUNT = 5


def _ping_args(args: str) -> tuple[float | None, bool, str | None, int]:
    """Timeout (s), DF, pattern and count as typed: VRP's output echoes none of them."""
    toks = args.split()
    opts = {toks[i]: toks[i + 1] for i in range(len(toks) - 1) if toks[i] in ("-t", "-p", "-c")}
    try:
        timeout_ms = read_int(opts.get("-t"), 65535)
        count = read_int(opts.get("-c"), MAX_PROBES, 1) or VRP_PING_COUNT
    except NumberError:  # not a line diag builds (ping_command checks its numbers)
        timeout_ms, count = None, VRP_PING_COUNT
    return (None if timeout_ms is None else timeout_ms / 1000), "-f" in toks, opts.get("-p"), count


def parse_ping(ctx: Ctx) -> list[Observation]:
    """Counts are bounded (at most MAX_PROBES probes, received <= sent): a count outside them is
    a garbled line and the output is refused; a garbled time leaves that value unknown."""
    recs = run_template("huawei_vrp_ping", ctx.text)
    rec = recs[0] if recs else None
    if rec is None or not rec["TARGET"]:
        raise ctx.error(first_line(ctx.text), "no 'PING <address>: N data bytes' line")
    if len(rec["PROBE"]) > MAX_PROBES:
        raise ctx.error(
            rec["PROBE"][0], f"{len(rec['PROBE'])} probe lines (more than {MAX_PROBES})"
        )
    rtts: list[float | None] = []
    replies = [p.lower().startswith("reply") for p in rec["PROBE"]]
    unreadable_times = 0
    for probe, reply in zip(rec["PROBE"], replies, strict=True):
        m = _TIME.search(probe) if reply else None
        ms = _rtt(m.group(1)) if m else None
        rtts.append(ms)
        unreadable_times += reply and ms is None
    timeout_s, df, pattern, typed = _ping_args(ctx.args)
    sent = (
        ctx.number(rec["TRANSMITTED"], MAX_PROBES, "probes sent", lo=1)
        if rec["TRANSMITTED"]
        else typed
    )
    probes_whole = len(rtts) == sent
    if not (rec["TRANSMITTED"] and rec["RECEIVED"]) and not probes_whole:
        # The statistics lines are gone and so is a probe line: how many came back is unknown.
        raise ctx.error(
            first_line(ctx.text),
            f"the statistics lines are missing and {len(rtts)} of {sent} probe lines read",
        )
    received = (
        ctx.number(rec["RECEIVED"], sent, "replies received") if rec["RECEIVED"] else sum(replies)
    )
    n = Numbers()
    obs = PingObservation(
        **ctx.meta("ping"),
        origin=ctx.device,
        origin_kind="router",
        target=ping_target(rec["TARGET"], ctx.args.split()[-1]),
        engine="router-cli",
        count=sent,
        size=ctx.number(rec["SIZE"], MAX_PING_SIZE, "payload size"),
        timeout_s=timeout_s,
        df=df,
        pattern=pattern,
        sent=sent,
        received=received,
        loss_pct=100.0 * (sent - received) / sent if sent else 100.0,
        unreachables=sum("unreachable" in p.lower() for p in rec["PROBE"]),
        rtt_min_ms=n.float("rtt_min_ms", rec["RTT_MIN"], MAX_RTT_MS),
        rtt_mean_ms=n.float("rtt_mean_ms", rec["RTT_AVG"], MAX_RTT_MS),
        rtt_max_ms=n.float("rtt_max_ms", rec["RTT_MAX"], MAX_RTT_MS),
        rtts_ms=rtts,
        raw=ctx.raw,
    )
    obs = n.apply(obs)
    if received and not rec["RTT_MIN"]:
        obs = partial(obs, RTT_FIELDS, "the 'round-trip min/avg/max' line lost")
    if not probes_whole:
        # Which probe a reply line belongs to is lost with the missing lines.
        why = f"{len(rtts)} of {sent} probe lines read; totals from the statistics lines"
        return [partial(obs, ["rtts_ms"], why)]
    if unreadable_times:
        # A reply whose time cannot be read is no lost probe (None in rtts_ms).
        why = f"the time of {unreadable_times} reply line(s) garbled"
        return [partial(obs, ["rtts_ms"], why)]
    return [obs]


def _rtt(text: str) -> float | None:
    try:
        return read_float(text, MAX_RTT_MS)
    except NumberError:
        return None


def _cpu_checked(obs: Observation) -> bool:
    return isinstance(obs, CpuObservation) and obs.five_sec is not None

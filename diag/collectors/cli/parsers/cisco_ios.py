"""Cisco IOS / IOS-XE routers (ISR G2, ISR 4000): command set and output parsers.

Reads `show interfaces`, `show controllers e1|t1`, `show controllers serial`, `show processes
cpu [sorted]`, `show processes cpu history`, `show logging` and `ping`.
"""

from __future__ import annotations

import math
import re

from diag.collectors.cli.parsers import (
    CommandForm,
    CommandSet,
    Ctx,
    LogCategory,
    Vendor,
    first_line,
    lower,
    num,
    run_template,
)
from diag.errors import CollectorError
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogEvent,
    LogObservation,
    Observation,
    PingObservation,
)

# IOS `ping ... size N` counts the whole IP datagram: 20 bytes IP + 8 bytes ICMP header.
ICMP_IP_HEADERS = 28
LEADS = ("DCD", "DSR", "DTR", "RTS", "CTS")

# Serial0/0/0:0 is channel group 0 of controller E1 0/0/0; Serial0/1/0 is a V.35 serial port.
_SERIAL = re.compile(r"^se(?:r(?:i(?:a(?:l)?)?)?)?\s*(\d+(?:/\d+)*)(?::(\d+))?$", re.IGNORECASE)
_HEX = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4})$")


# --- command set -------------------------------------------------------------------------------


def ping_command(
    target: str, count: int, size: int, timeout_s: float, df: bool, pattern: str | None
) -> str:
    """`ping <ip> repeat N size N timeout N [data HHHH] [df-bit]` (IOS one-line extended ping)."""
    datagram = size + ICMP_IP_HEADERS
    if count < 1 or not 36 <= datagram <= 18024:
        raise CollectorError(
            f"IOS ping: repeat must be >= 1 and the datagram 36..18024 bytes "
            f"(got count {count}, payload {size} + {ICMP_IP_HEADERS} header bytes); "
            "change ping_count / ping_size in the settings"
        )
    parts = ["ping", target, "repeat", str(count), "size", str(datagram)]
    parts += ["timeout", str(max(0, math.ceil(timeout_s)))]
    if pattern is not None:
        m = _HEX.match(pattern)
        if m is None:
            raise CollectorError(
                f"IOS ping data pattern must be 1-4 hex digits (e.g. abcd), got {pattern!r}; "
                "fix ping_pattern in the settings"
            )
        parts += ["data", m.group(1).upper()]
    if df:
        parts.append("df-bit")
    return " ".join(parts)


def commands_for(wan_interface: str) -> CommandSet:
    name = wan_interface.strip()
    m = _SERIAL.match(name)
    controller = serial = None
    if m and m.group(2) is not None:
        controller = f"show controllers e1 {m.group(1)}"
    elif m:
        serial = f"show controllers serial {m.group(1)}"
    return CommandSet(
        interface=f"show interfaces {name}",
        controller=controller,
        serial=serial,
        cpu="show processes cpu",
        cpu_history="show processes cpu history",
        log="show logging",
        ping_builder=ping_command,
    )


# --- show interfaces ---------------------------------------------------------------------------

SHOW_INTERFACES = "cli:show interfaces"


def parse_interfaces(ctx: Ctx) -> list[Observation]:
    out: list[Observation] = []
    for i, rec in enumerate(run_template("cisco_ios_show_interfaces", ctx.text), 1):
        link = rec["LINK_STATUS"].strip().lower()
        proto = rec["PROTOCOL_STATUS"].strip().lower()
        leads = {k: rec[k].lower() == "up" for k in LEADS if rec[k]}
        crc = num(rec["CRC"])
        out.append(
            InterfaceObservation(
                **ctx.meta("interface", i),
                device=ctx.device,
                interface=rec["INTERFACE"],
                source=SHOW_INTERFACES,
                # "deleted" (a removed sub-interface) is as administratively gone as a shutdown.
                admin_up=link not in ("administratively down", "deleted"),
                line_up=link.startswith("up"),
                protocol_up=proto.startswith("up"),
                # HDLC/PPP keepalives seeing their own frames: somebody looped the circuit.
                looped="looped" in proto,
                input_packets=num(rec["INPUT_PACKETS"]),
                output_packets=num(rec["OUTPUT_PACKETS"]),
                input_errors=num(rec["INPUT_ERRORS"]),
                crc=crc,
                crc_source=SHOW_INTERFACES if crc is not None else None,
                frame=num(rec["FRAME"]),
                overrun=num(rec["OVERRUN"]),
                ignored=num(rec["IGNORED"]),
                aborts=num(rec["ABORT"]),
                carrier_transitions=num(rec["CARRIER_TRANSITIONS"]),
                interface_resets=num(rec["INTERFACE_RESETS"]),
                output_errors=num(rec["OUTPUT_ERRORS"]),
                last_clearing=rec["LAST_CLEARING"] or None,
                v35_leads=leads or None,
                raw=ctx.raw,
            )
        )
    return out


# --- show controllers serial -------------------------------------------------------------------


def _serial_name(args: str) -> str:
    m = re.match(r"^(?:se\w*)\s*(\d\S*)$", args.strip(), re.IGNORECASE)
    return f"Serial{m.group(1)}" if m else args.strip()


def parse_controllers_serial(ctx: Ctx) -> list[Observation]:
    recs = run_template("cisco_ios_show_controllers_serial", ctx.text)
    rec = recs[0] if recs else None
    if rec is None or not (rec["ROLE"] or rec["NO_CABLE"]):
        raise ctx.error(first_line(ctx.text), "no cable/clocking line such as 'DTE V.35 ...'")
    if rec["NO_CABLE"]:
        # An unrecognised or missing cable is itself the finding (cabling problem).
        cable = "UNKNOWN" if "unknown" in rec["NO_CABLE"].lower() else "none attached"
        clocking = None
    else:
        cable = f"{rec['STANDARD']} {rec['ROLE']} cable"
        clocking = rec["CLOCKING"] or (
            f"clock rate {rec['CLOCK_RATE']}" if rec["CLOCK_RATE"] else None
        )
    return [
        InterfaceObservation(
            **ctx.meta("interface"),
            device=ctx.device,
            interface=rec["INTERFACE"] or _serial_name(ctx.args),
            source="cli:show controllers serial",
            cable=cable,
            clocking=clocking,
            raw=ctx.raw,
        )
    ]


# --- show controllers e1 -----------------------------------------------------------------------

# "Receiver has loss of signal." etc.  T1 framers also say yellow (RAI) and blue (AIS) alarm.
_RECEIVER_ALARMS = (
    ("loss of signal", "LOS"),
    ("loss of multiframe", "LOMF"),
    ("loss of frame", "LOF"),
    ("ais", "AIS"),
    ("blue alarm", "AIS"),
    ("remote alarm", "RAI"),
    ("yellow alarm", "RAI"),
)


def _receiver_alarm(text: str) -> str:
    t = text.lower()
    return next((code for words, code in _RECEIVER_ALARMS if words in t), text.strip())


def e1_alarms(receiver_lines: list[str], states: dict[str, str]) -> list[str]:
    """Alarm codes from the receiver lines and the `AIS State:... LOS State:...` line."""
    alarms = [_receiver_alarm(line) for line in receiver_lines]
    alarms += [code for code, state in states.items() if state and state.lower() != "clear"]
    return list(dict.fromkeys(alarms))


def parse_controllers_e1(ctx: Ctx) -> list[Observation]:
    out: list[Observation] = []
    for i, rec in enumerate(run_template("cisco_ios_show_controllers_e1", ctx.text), 1):
        states = {"AIS": rec["AIS_STATE"], "LOS": rec["LOS_STATE"], "LOF": rec["LOF_STATE"]}
        out.append(
            E1ControllerObservation(
                **ctx.meta("e1", i),
                device=ctx.device,
                controller=" ".join(rec["CONTROLLER"].split()),
                source=f"cli:show controllers {rec['CONTROLLER'].split()[0].lower()}",
                status=lower(rec["STATUS"]),
                alarms=e1_alarms(rec["RECEIVER"], states),
                framing=lower(rec["FRAMING"]),
                linecode=lower(rec["LINECODE"]),
                clock_source=lower(rec["CLOCK_SOURCE"]),
                line_code_violations=num(rec["LCV"]),
                path_code_violations=num(rec["PCV"]),
                errored_secs=num(rec["ERRORED_SECS"]),
                severely_err_secs=num(rec["SEVERELY_ERR_SECS"]),
                unavail_secs=num(rec["UNAVAIL_SECS"]),
                slip_secs=num(rec["SLIP_SECS"]),
                degraded_mins=num(rec["DEGRADED_MINS"]),
                interval_s=num(rec["INTERVAL_S"]),
                raw=ctx.raw,
            )
        )
    return out


# --- show processes cpu [history] --------------------------------------------------------------


def parse_cpu(ctx: Ctx) -> list[Observation]:
    recs = run_template("cisco_ios_show_processes_cpu", ctx.text)
    if not recs:
        raise ctx.error(first_line(ctx.text), "no 'CPU utilization for five seconds' line")
    rec = recs[0]
    return [
        CpuObservation(
            **ctx.meta("cpu"),
            device=ctx.device,
            source="cli:show processes cpu",
            five_sec=float(rec["FIVE_SEC"]),
            one_min=float(rec["ONE_MIN"]),
            five_min=float(rec["FIVE_MIN"]),
            raw=ctx.raw,
        )
    ]


_HOURS_TITLE = re.compile(r"CPU%\s+per\s+hour\s+\(last\s+72\s+hours\)")
_ROW_100 = re.compile(r"^\s*100 ")


def cpu_graph_72h(text: str) -> list[int] | None:
    """Hourly maxima of the 72-hour graph, most recent first; None when there is no such graph.

    Hand-read, not TextFSM: the values are written vertically (hundreds, tens and units rows
    above the `100` row), one column per hour, so only column positions carry meaning.  A blank
    digit is a zero (IOS prints neither leading zeros nor zero values).
    """
    lines = text.splitlines()
    title = next((i for i, ln in enumerate(lines) if _HOURS_TITLE.search(ln)), None)
    if title is None:
        return None
    top = next((i for i in range(title - 1, 2, -1) if _ROW_100.match(lines[i])), None)
    if top is None:
        return None
    m = _ROW_100.match(lines[top])
    assert m is not None
    col0 = m.end()
    digits = lines[top - 3 : top]
    values = []
    for col in range(col0, col0 + 72):
        chars = [row[col] if col < len(row) else " " for row in digits]
        if any(not (c.isdigit() or c == " ") for c in chars):
            return None
        values.append(int("".join(c if c.isdigit() else "0" for c in chars)))
    return values


def parse_cpu_history(ctx: Ctx) -> list[Observation]:
    hours = cpu_graph_72h(ctx.text)
    if hours is None:
        raise ctx.error(first_line(ctx.text), "no readable 'CPU% per hour (last 72 hours)' graph")
    return [
        CpuObservation(
            **ctx.meta("cpu"),
            device=ctx.device,
            source="cli:show processes cpu history",
            history_72h=hours,
            peak_72h=float(max(hours)),
            raw=ctx.raw,
        )
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
    if not recs and not re.search(r"^\s*(?:Syslog logging:|Log Buffer)", ctx.text, re.M):
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
    recs = run_template("cisco_ios_ping", ctx.text)
    rec = recs[0] if recs else None
    if rec is None or not rec["SENT"]:
        raise ctx.error(first_line(ctx.text), "no 'Sending N, S-byte ICMP Echos to X' line")
    count = int(rec["SENT"])
    stream = "".join(rec["STREAM"])
    requests = [int(r) for r in rec["REPLY_REQUEST"]]
    sent = int(rec["TOTAL"]) if rec["TOTAL"] else (len(stream) or count)
    rtts: list[float | None] = []
    if rec["RECEIVED"]:
        received = int(rec["RECEIVED"])
    elif requests:
        # Directed broadcast: several hosts answer each request; a request counts once.
        received = len(set(requests))
    else:
        received = stream.count("!")
    if requests:
        first: dict[int, float] = {}
        for seq, ms in zip(requests, rec["REPLY_MS"], strict=True):
            first.setdefault(seq, float(ms))
        rtts = [first.get(seq) for seq in range(sent)]
    df_typed, pattern_typed = _ping_args(ctx.args)
    return [
        PingObservation(
            **ctx.meta("ping"),
            origin=ctx.device,
            origin_kind="router",
            target=rec["TARGET"],
            engine="router-cli",
            count=count,
            size=int(rec["SIZE"]) - ICMP_IP_HEADERS,
            timeout_s=float(rec["TIMEOUT"]),
            df=bool(rec["DF"]) or df_typed,
            pattern=rec["PATTERN"] or pattern_typed,
            sent=sent,
            received=received,
            loss_pct=100.0 * (sent - received) / sent if sent else 100.0,
            unreachables=stream.count("U"),
            rtt_min_ms=_ms(rec["RTT_MIN"]),
            rtt_mean_ms=_ms(rec["RTT_AVG"]),
            rtt_max_ms=_ms(rec["RTT_MAX"]),
            rtts_ms=rtts,
            raw=ctx.raw,
        )
    ]


def _ms(value: str) -> float | None:
    return float(value) if value else None


# --- command table -----------------------------------------------------------------------------

_IFNAME = r"(?:[a-z][a-z-]*\s*\d[\d/:.]*)?"

VENDOR: Vendor = Vendor(
    name="cisco_ios",
    title="Cisco IOS",
    forms=(
        CommandForm(
            "show interfaces [<interface>]", "sh[ow] int[erfaces]", parse_interfaces, _IFNAME
        ),
        CommandForm(
            "show controllers e1|t1 [<slot/port>]",
            "sh[ow] cont[rollers]",
            parse_controllers_e1,
            r"[et]1(?:\s+\d[\d/]*)?",
        ),
        CommandForm(
            "show controllers serial <slot/port>",
            "sh[ow] cont[rollers]",
            parse_controllers_serial,
            r"se(?:r(?:i(?:a(?:l)?)?)?)?\s*\d[\d/]*",
        ),
        CommandForm(
            "show processes cpu history", "sh[ow] proc[esses] cpu h[istory]", parse_cpu_history
        ),
        CommandForm(
            "show processes cpu [sorted [5sec|1min|5min]]",
            "sh[ow] proc[esses] cpu",
            parse_cpu,
            r"(?:so(?:r(?:t(?:e(?:d)?)?)?)?(?:\s+\S+)?)?",
        ),
        CommandForm("show logging", "sh[ow] log[ging]", parse_logging),
        CommandForm(
            "ping <address> [repeat N] [size N] [timeout N] [data HHHH] [df-bit]",
            "pi[ng]",
            parse_ping,
            r"\S.*",
        ),
    ),
    commands_for=commands_for,
)

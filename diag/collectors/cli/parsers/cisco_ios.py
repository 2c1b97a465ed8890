"""Cisco IOS / IOS-XE routers (ISR G2, ISR 4000): command set and output parsers.

Reads `show interfaces`, `show controllers e1|t1`, `show controllers serial`, `show processes
cpu [sorted]`, `show processes cpu history`, `show logging` and `ping`.

Structure checks (read quality, see the package docstring): `show interfaces` needs its status
words and, on serial and Ethernet ports, its counter lines; `show controllers e1` its alarm
lines and a current-interval counter block closed by the next block's header; the CPU history
graph its digits agreeing with its bars (`ios_cpu_graph`); `ping` its result lines.  Logs cannot
be checked.  The CPU, log and ping parsers are in cisco_ios_ops.
"""

from __future__ import annotations

import math
import re
from typing import Any

from diag.collectors.cli.parsers.base import CommandForm, CommandSet, Ctx, Vendor
from diag.collectors.cli.parsers.cisco_ios_ops import (
    ICMP_IP_HEADERS,
    parse_cpu,
    parse_cpu_history,
    parse_cpu_history_reads,
    parse_logging,
    parse_ping,
)
from diag.collectors.cli.parsers.text import (
    E1_COUNTERS,
    SP,
    Numbers,
    block,
    first_line,
    lost_note,
    lower,
    partial,
    plain_name,
    plain_status,
    plain_text,
    records,
    run_template,
    unchecked,
    unsure,
)
from diag.collectors.numbers import E1_INTERVAL_MAX_S
from diag.errors import CollectorError
from diag.model.observations import E1ControllerObservation, InterfaceObservation, Observation

LEADS = ("DCD", "DSR", "DTR", "RTS", "CTS")

# Serial0/0/0:0 is channel group 0 of controller E1 0/0/0; Serial0/1/0 is a V.35 serial port.
_SERIAL = re.compile(
    r"^se(?:r(?:i(?:a(?:l)?)?)?)?\s*([0-9]+(?:/[0-9]+)*)(?::([0-9]+))?$", re.IGNORECASE
)
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

# The status words IOS prints; anything else on the status line is a garbled line.
_STATUS_NOTES = (
    r"(?:\s+\((?:looped|disabled|spoofing|err-disabled|notconnect|monitoring|standby|connected|"
    r"dormant)\))?"
)
_LINK_WORDS = re.compile(
    r"(?:up|down|administratively down|deleted|reset)" + _STATUS_NOTES, re.IGNORECASE
)
_PROTOCOL_WORDS = re.compile(r"(?:up|down)" + _STATUS_NOTES, re.IGNORECASE)
_STATUS_FIELDS = ["admin_up", "line_up", "protocol_up", "looped"]
# Counter lines every serial and Ethernet port prints: template value -> (fields, the line).
_COUNTER_LINES = (
    ("INPUT_PACKETS", ["input_packets"], "packets input"),
    (
        "INPUT_ERRORS",
        ["input_errors", "crc", "crc_source", "frame", "overrun", "ignored", "aborts"],
        "input errors, CRC",
    ),
    ("OUTPUT_PACKETS", ["output_packets"], "packets output"),
    ("OUTPUT_ERRORS", ["output_errors", "interface_resets"], "output errors"),
    ("LAST_CLEARING", ["last_clearing"], "Last clearing"),
)
# "never" or an age as IOS prints it (00:00:05, 1d02h, 3w2d, 1y5w).
_CLEARING = re.compile(
    r"never|[0-9]{1,6}:[0-9]{2}:[0-9]{2}|[0-9]{1,4}[dwy][0-9]{1,4}[hdw]", re.IGNORECASE
)
_COUNTED_PORTS = re.compile(r"^(?:Serial|\S*Ethernet)", re.IGNORECASE)


def interface_lost(rec: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(fields that could not be read whole, the lines missing or garbled) of one record."""
    unread: list[str] = []
    lines: list[str] = []
    link, proto = rec["LINK_STATUS"].strip(), rec["PROTOCOL_STATUS"].strip()
    if not (_LINK_WORDS.fullmatch(link) and _PROTOCOL_WORDS.fullmatch(proto)):
        unread += _STATUS_FIELDS
        lines.append(f"the status line ({link!r}, line protocol {proto!r})")
    name = rec["INTERFACE"]
    if rec["LAST_CLEARING"] and not _CLEARING.fullmatch(rec["LAST_CLEARING"]):
        rec = {**rec, "LAST_CLEARING": ""}  # garbled: counted as not read below
        if not _COUNTED_PORTS.match(name):
            unread.append("last_clearing")
            lines.append("the 'Last clearing' line")
    if _COUNTED_PORTS.match(name):
        for value, fields, line in _COUNTER_LINES:
            if not rec[value]:
                unread += fields
                lines.append(f"the {line!r} line")
        serial = name.lower().startswith("serial")
        if serial and not rec["CARRIER_TRANSITIONS"]:
            unread.append("carrier_transitions")
            lines.append("the 'carrier transitions' line")
        if serial and rec["INPUT_ERRORS"] and not rec["ABORT"]:
            unread.append("aborts")
            lines.append("the end of the 'input errors' line")
    leads = sum(bool(rec[k]) for k in LEADS)
    # A serial port that is not an E1 channel group prints its control leads on one line.
    v35 = re.fullmatch(r"serial[0-9]+(?:/[0-9]+)*", name, re.IGNORECASE) is not None
    if 0 < leads < len(LEADS) or (v35 and leads == 0):
        unread.append("v35_leads")
        lines.append("the DCD/DSR/DTR/RTS/CTS line" if leads == 0 else "part of the leads line")
    return unread, lines


def parse_interfaces(ctx: Ctx) -> list[Observation]:
    out: list[Observation] = []
    recs = run_template("cisco_ios_show_interfaces", ctx.text)
    # A garbled name is no interface: its record is left out (no record: the output is refused).
    for i, rec in enumerate((r for r in recs if plain_name(r["INTERFACE"])), 1):
        link = rec["LINK_STATUS"].strip().lower()
        proto = rec["PROTOCOL_STATUS"].strip().lower()
        leads = {k: rec[k].lower() == "up" for k in LEADS if rec[k]}
        n = Numbers()  # counters: 0..Counter64 max
        crc = n.int("crc", rec["CRC"])
        obs = InterfaceObservation(
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
            input_packets=n.int("input_packets", rec["INPUT_PACKETS"]),
            output_packets=n.int("output_packets", rec["OUTPUT_PACKETS"]),
            input_errors=n.int("input_errors", rec["INPUT_ERRORS"]),
            crc=crc,
            crc_source=SHOW_INTERFACES if crc is not None else None,
            frame=n.int("frame", rec["FRAME"]),
            overrun=n.int("overrun", rec["OVERRUN"]),
            ignored=n.int("ignored", rec["IGNORED"]),
            aborts=n.int("aborts", rec["ABORT"]),
            carrier_transitions=n.int("carrier_transitions", rec["CARRIER_TRANSITIONS"]),
            interface_resets=n.int("interface_resets", rec["INTERFACE_RESETS"]),
            output_errors=n.int("output_errors", rec["OUTPUT_ERRORS"]),
            last_clearing=rec["LAST_CLEARING"] or None,
            v35_leads=leads or None,
            raw=ctx.raw,
        )
        unread, lines = interface_lost(rec)
        obs = partial(obs, unread, lost_note(rec["INTERFACE"], lines)) if unread else obs
        out.append(n.apply(obs))
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
    name = rec["INTERFACE"] if plain_name(rec["INTERFACE"]) else _serial_name(ctx.args)
    obs = InterfaceObservation(
        **ctx.meta("interface"),
        device=ctx.device,
        interface=name,
        source="cli:show controllers serial",
        cable=cable,
        clocking=clocking,
        raw=ctx.raw,
    )
    if not plain_text(clocking):
        return [partial(obs, ["clocking"], lost_note(name, ["part of the clocking line"]))]
    return [obs]


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


_E1_HEADER = re.compile(rf"^{SP}*(?:E1|T1){SP}+\S+{SP}+is{SP}+", re.MULTILINE)
# The template's value of each counter and the label of its line.
_E1_COUNTER_LINES = {
    "line_code_violations": ("LCV", r"Line\s+Code\s+Violations"),
    "path_code_violations": ("PCV", r"Path\s+Code\s+Violations"),
    "slip_secs": ("SLIP_SECS", r"Slip\s+Secs"),
    "degraded_mins": ("DEGRADED_MINS", r"Degraded\s+Mins"),
    "errored_secs": ("ERRORED_SECS", r"[0-9]\s+Errored\s+Secs"),
    "severely_err_secs": ("SEVERELY_ERR_SECS", r"Severely\s+Err\s+Secs"),
    "unavail_secs": ("UNAVAIL_SECS", r"Unavail\s+Secs"),
}
_ALARM_LINES = re.compile(
    rf"^{SP}*(?:No{SP}+alarms{SP}+detected|Receiver\s|AIS{SP}+State:)", re.MULTILINE
)


def e1_lost(text: str, rec: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(fields not read whole, what was missing) of one controller's text."""
    unread: list[str] = []
    lines: list[str] = []
    if not plain_status(rec["STATUS"]):
        unread.append("status")
        lines.append("the status line")
    if not _ALARM_LINES.search(text):
        unread.append("alarms")
        lines.append("the alarm lines ('No alarms detected.' or 'Receiver has ...')")
    elif not all(plain_text(r) for r in rec["RECEIVER"]):
        unread.append("alarms")
        lines.append("a 'Receiver has ...' alarm line")
    framing = (rec["FRAMING"], rec["LINECODE"], rec["CLOCK_SOURCE"])
    if not rec["FRAMING"] or not all(plain_text(v) for v in framing):
        unread += ["framing", "linecode", "clock_source"]
        lines.append("the 'Framing is ...' line")
    if not rec["INTERVAL_S"]:
        unread.append("interval_s")
    current = block(text, r"Data\s+in\s+current\s+interval", r"Total\s+Data|Data\s+in\s+Interval")
    if current is None:
        unread += E1_COUNTERS
        if re.search(r"Data\s+in\s+current\s+interval", text):
            lines.append("the 'Total Data' line closing the current interval")
        else:
            lines.append("the 'Data in current interval' line")
    else:
        fields = {f: (label, rec[key]) for f, (key, label) in _E1_COUNTER_LINES.items()}
        missing = unsure(current, fields)
        unread += missing
        if missing:
            lines.append("counter lines of the current interval")
    return unread, lines


def parse_controllers_e1(ctx: Ctx) -> list[Observation]:
    out: list[Observation] = []
    recs = run_template("cisco_ios_show_controllers_e1", ctx.text)
    for i, (rec, rec_text) in enumerate(records(recs, ctx.text, _E1_HEADER, "CONTROLLER"), 1):
        states = {"AIS": rec["AIS_STATE"], "LOS": rec["LOS_STATE"], "LOF": rec["LOF_STATE"]}
        n = Numbers()
        obs = E1ControllerObservation(
            **ctx.meta("e1", i),
            device=ctx.device,
            controller=" ".join(rec["CONTROLLER"].split()),
            source=f"cli:show controllers {rec['CONTROLLER'].split()[0].lower()}",
            status=lower(rec["STATUS"]),
            alarms=e1_alarms(rec["RECEIVER"], states),
            framing=lower(rec["FRAMING"]),
            linecode=lower(rec["LINECODE"]),
            clock_source=lower(rec["CLOCK_SOURCE"]),
            line_code_violations=n.int("line_code_violations", rec["LCV"]),
            path_code_violations=n.int("path_code_violations", rec["PCV"]),
            errored_secs=n.int("errored_secs", rec["ERRORED_SECS"]),
            severely_err_secs=n.int("severely_err_secs", rec["SEVERELY_ERR_SECS"]),
            unavail_secs=n.int("unavail_secs", rec["UNAVAIL_SECS"]),
            slip_secs=n.int("slip_secs", rec["SLIP_SECS"]),
            degraded_mins=n.int("degraded_mins", rec["DEGRADED_MINS"]),
            interval_s=n.int("interval_s", rec["INTERVAL_S"], E1_INTERVAL_MAX_S),
            raw=ctx.raw,
        )
        if rec_text is not None:
            unread, lines = e1_lost(rec_text, rec)
        else:
            unread, lines = ["alarms", *E1_COUNTERS], ["a controller header line"]
        obs = partial(obs, unread, lost_note(rec["CONTROLLER"], lines)) if unread else obs
        out.append(n.apply(obs))
    return out


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
            "show processes cpu history",
            "sh[ow] proc[esses] cpu h[istory]",
            parse_cpu_history,
            merge=parse_cpu_history_reads,
        ),
        CommandForm(
            "show processes cpu [sorted [5sec|1min|5min]]",
            "sh[ow] proc[esses] cpu",
            parse_cpu,
            r"(?:so(?:r(?:t(?:e(?:d)?)?)?)?(?:\s+\S+)?)?",
        ),
        CommandForm("show logging", "sh[ow] log[ging]", parse_logging, checked=unchecked),
        CommandForm(
            "ping <address> [repeat N] [size N] [timeout N] [data HHHH] [df-bit]",
            "pi[ng]",
            parse_ping,
            r"\S.*",
        ),
    ),
    commands_for=commands_for,
)

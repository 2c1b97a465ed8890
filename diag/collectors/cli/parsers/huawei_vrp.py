"""Huawei VRP routers (AR series, VRP V200R): command set and output parsers.

Reads `display interface`, `display controller e1`, `display cpu-usage`, `display logbuffer` and
`ping`.  VRP has no CPU history graph, and `display interface` already carries the serial cable
and clocking, so those two commands of the set are None.

Structure checks (read quality, see the package docstring): `display interface` needs its state
words and its Input and Output block headers (the two blocks share counter labels, so a lost
header would move output counters into the input ones); `display controller e1` its alarm state
line and a current-interval block closed by the Total Data header; `ping` its statistics or
every probe line.  `display cpu-usage` is checked only when its five-second line was read (some
releases print only the cycle's usage, so a lost line cannot be told from an absent one); logs
cannot be checked.  The CPU, log and ping parsers are in huawei_vrp_ops.
"""

from __future__ import annotations

import re
from typing import Any

from diag.collectors.cli.parsers.base import CommandForm, CommandSet, Ctx, Vendor
from diag.collectors.cli.parsers.huawei_vrp_ops import (
    _cpu_checked,
    parse_cpu,
    parse_logbuffer,
    parse_ping,
)
from diag.collectors.cli.parsers.text import (
    E1_COUNTERS,
    SP,
    Numbers,
    block,
    lost_note,
    lower,
    partial,
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
_SERIAL = re.compile(
    r"^s(?:e(?:r(?:i(?:a(?:l)?)?)?)?)?\s*([0-9]+(?:/[0-9]+)*)(?::([0-9]+))?$", re.IGNORECASE
)
_HEX = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,8})$")


# --- command set -------------------------------------------------------------------------------


def ping_command(
    target: str, count: int, size: int, timeout_s: float, df: bool, pattern: str | None
) -> str:
    """`ping -c N -s N -t MS [-f] [-p HEX] <ip>`: -s is the ICMP payload, -t is in ms."""
    timeout_ms = round(timeout_s * 1000)
    if count < 1 or not 20 <= size <= 9600 or not 0 <= timeout_ms <= 65535:
        raise CollectorError(
            f"VRP ping: count must be >= 1, payload 20..9600 bytes and timeout 0..65.535 s "
            f"(got count {count}, size {size}, timeout {timeout_s} s); change ping_count / "
            "ping_size / ping_timeout_s in the settings"
        )
    parts = ["ping", "-c", str(count), "-s", str(size), "-t", str(timeout_ms)]
    if df:
        parts.append("-f")
    if pattern is not None:
        m = _HEX.match(pattern)
        if m is None:
            raise CollectorError(
                f"VRP ping pattern must be 1-8 hex digits (e.g. ff00), got {pattern!r}; "
                "fix ping_pattern in the settings"
            )
        parts += ["-p", m.group(1).lower()]
    parts.append(target)
    return " ".join(parts)


def commands_for(wan_interface: str) -> CommandSet:
    name = wan_interface.strip()
    m = _SERIAL.match(name)
    controller = f"display controller e1 {m.group(1)}" if m and m.group(2) is not None else None
    return CommandSet(
        interface=f"display interface {name}",
        controller=controller,
        serial=None,
        cpu="display cpu-usage",
        cpu_history=None,
        log="display logbuffer",
        ping_builder=ping_command,
    )


# --- display interface -------------------------------------------------------------------------

DISPLAY_INTERFACE = "cli:display interface"
# VRP writes the cable standard without its dot (V35); IOS and the inventory write V.35.
_CABLE_STANDARDS = {"V35": "V.35", "V24": "V.24", "V11": "V.11", "X21": "X.21", "V36": "V.36"}


_LINK_WORDS = re.compile(r"(?:administratively\s+)?(?:up|down)(?:\s*\([\w\s-]*\))?", re.IGNORECASE)
_PROTOCOL_WORDS = re.compile(r"(?:up|down)(?:\s*\([\w\s-]*\))?", re.IGNORECASE)
_IF_HEADER = re.compile(rf"^{SP}*\S+{SP}+current{SP}+state{SP}*:", re.MULTILINE)
_INPUT_FIELDS = ["input_errors", "crc", "crc_source", "frame", "overrun", "ignored", "aborts"]
# The input counters each port kind prints: field -> (template value, label of its line).
_SERIAL_INPUT = {
    "input_errors": ("INPUT_ERRORS", r"\bErrors\s*:"),
    "crc": ("CRC", r"\bCRC\s*:"),
    "overrun": ("OVERRUN", r"\bOverruns\s*:"),
    "aborts": ("ABORTS", r"\bAborts\s*:"),
    "frame": ("FRAME", r"\bFrame\s+Error\s*:"),
}
_ETHERNET_INPUT = {
    "input_errors": ("INPUT_ERRORS", r"\bTotal\s+Error\s*:"),
    "crc": ("CRC", r"\bCRC\s*:"),
    "ignored": ("IGNORED", r"\bIgnoreds\s*:"),
    "frame": ("FRAME", r"\bFrames\s*:"),
}


def interface_lost(rec: dict[str, Any], text: str | None) -> tuple[list[str], list[str]]:
    """(fields not read whole, what was missing) of one `display interface` record."""
    unread: list[str] = []
    lines: list[str] = []
    link, proto = rec["LINK_STATUS"].strip(), rec["PROTOCOL_STATUS"].strip()
    if not _LINK_WORDS.fullmatch(link) or not _PROTOCOL_WORDS.fullmatch(proto):
        unread += ["admin_up", "line_up", "protocol_up", "looped"]
        lines.append(f"the state lines ({link!r}, line protocol {proto!r})")
    if 0 < sum(bool(rec[k]) for k in LEADS) < len(LEADS):
        unread.append("v35_leads")
        lines.append("part of the DCD/DSR/DTR/RTS/CTS line")
    if not (plain_text(rec["CABLE_TYPE"]) and plain_text(rec["CLOCK_MODE"])):
        unread += ["cable", "clocking"]
        lines.append("the cable and clock mode line")
    if text is None:
        return [*unread, *_INPUT_FIELDS, "output_errors"], [*lines, "a record header line"]
    counted = re.match(r"(?:Serial|\S*Ethernet)", rec["INTERFACE"], re.IGNORECASE)
    if not counted or re.search(rf"^{SP}*Input{SP}+packets{SP}*:", text, re.MULTILINE):
        # Only serial and Ethernet ports print the counter blocks checked here (dialer members
        # print "Input packets:", NULL0 "0 errors").
        return unread, lines
    inputs = block(text, r"^\s*Input\s*:", r"^\s*Output\s*:")
    if inputs is None:
        unread += ["input_packets", *_INPUT_FIELDS, "output_packets", "output_errors"]
        lines.append("the 'Input:' or 'Output:' block header")
        return unread, lines
    labels = _SERIAL_INPUT if rec["INTERFACE"].lower().startswith("s") else _ETHERNET_INPUT
    missing = unsure(inputs, {f: (label, rec[key]) for f, (key, label) in labels.items()})
    unread += missing + (["crc_source"] if "crc" in missing else [])
    if missing:
        lines.append("input counter lines")
    head = re.search(rf"^{SP}*Output{SP}*:", text, re.MULTILINE)
    outputs = text[head.start() :].splitlines() if head else []
    whole_lines = {
        "input_packets": (r"^\s*Input\s*:", rec["INPUT_PACKETS"]),
        "output_packets": (r"^\s*Output\s*:", rec["OUTPUT_PACKETS"]),
    }
    missing = unsure(text.splitlines(), whole_lines)
    missing += unsure(outputs, {"output_errors": (r"Total\s+Error\s*:", rec["OUTPUT_ERRORS"])})
    unread += missing
    if missing:
        lines.append("packet or output counter lines")
    return unread, lines


def parse_interfaces(ctx: Ctx) -> list[Observation]:
    out: list[Observation] = []
    recs = run_template("huawei_vrp_display_interface", ctx.text)
    for i, (rec, rec_text) in enumerate(records(recs, ctx.text, _IF_HEADER, "INTERFACE"), 1):
        link = rec["LINK_STATUS"].strip().lower()
        proto = rec["PROTOCOL_STATUS"].strip().lower()
        leads = {k: rec[k].lower() == "up" for k in LEADS if rec[k]}
        cable = clocking = None
        if rec["ROLE"]:
            std = rec["CABLE_TYPE"].upper()
            cable = f"{_CABLE_STANDARDS.get(std, std)} {rec['ROLE']} cable"
            clocking = f"Clock mode is {rec['CLOCK_MODE']}"
            if rec["BAUDRATE"]:
                clocking += f", {rec['BAUD_WORD']} is {rec['BAUDRATE']} bps"
        n = Numbers()  # counters: 0..Counter64 max
        crc = n.int("crc", rec["CRC"])
        obs = InterfaceObservation(
            **ctx.meta("interface", i),
            device=ctx.device,
            interface=rec["INTERFACE"],
            source=DISPLAY_INTERFACE,
            admin_up="administratively" not in link,
            line_up=link.startswith("up"),
            protocol_up=proto.startswith("up"),
            looped="loop" in proto,
            input_packets=n.int("input_packets", rec["INPUT_PACKETS"]),
            output_packets=n.int("output_packets", rec["OUTPUT_PACKETS"]),
            input_errors=n.int("input_errors", rec["INPUT_ERRORS"]),
            crc=crc,
            crc_source=DISPLAY_INTERFACE if crc is not None else None,
            frame=n.int("frame", rec["FRAME"]),
            overrun=n.int("overrun", rec["OVERRUN"]),
            ignored=n.int("ignored", rec["IGNORED"]),
            aborts=n.int("aborts", rec["ABORTS"]),
            output_errors=n.int("output_errors", rec["OUTPUT_ERRORS"]),
            last_clearing=rec["LAST_CLEARING"] or None,
            v35_leads=leads or None,
            cable=cable,
            clocking=clocking,
            raw=ctx.raw,
        )
        unread, lines = interface_lost(rec, rec_text)
        obs = partial(obs, unread, lost_note(rec["INTERFACE"], lines)) if unread else obs
        out.append(n.apply(obs))
    return out


# --- display controller e1 ---------------------------------------------------------------------

_ALARM_WORDS = {
    "loss-of-signal": "LOS",
    "los": "LOS",
    "loss-of-frame": "LOF",
    "lof": "LOF",
    "lfa": "LOF",
    "alarm-indication-signal": "AIS",
    "ais": "AIS",
    "remote-alarm-indication": "RAI",
    "rai": "RAI",
    "rdi": "RAI",
    "loss-of-multiframe": "LOMF",
    "lomf": "LOMF",
    "lmfa": "LOMF",
}
# Source clock "slave" recovers the line clock; "master" is the router's own oscillator.
_CLOCK = {"slave": "line", "master": "internal"}


def vrp_alarms(text: str) -> list[str]:
    words = [w.strip() for w in re.split(r"[,;]", text) if w.strip()]
    codes = [_ALARM_WORDS.get(w.lower(), w) for w in words if w.lower() not in ("none", "normal")]
    return list(dict.fromkeys(codes))


_E1_HEADER = re.compile(rf"^{SP}*E1{SP}+\S+{SP}+current{SP}+state{SP}*:", re.MULTILINE)
_E1_COUNTER_LINES = {
    "line_code_violations": ("LCV", r"Linecode\s+Violations\s*:"),
    "path_code_violations": ("PCV", r"Pathcode\s+Violations\s*:"),
    "slip_secs": ("SLIP_SECS", r"Slip\s+Seconds\s*:"),
    "degraded_mins": ("DEGRADED_MINS", r"Degraded\s+Minutes\s*:"),
    "errored_secs": ("ERRORED_SECS", r"^\s*Errored\s+Seconds\s*:"),
    "severely_err_secs": ("SEVERELY_ERR_SECS", r"Severely\s+Err\s+Seconds\s*:"),
    "unavail_secs": ("UNAVAIL_SECS", r"Unavailable\s+Seconds\s*:"),
}


def e1_lost(text: str, rec: dict[str, Any]) -> tuple[list[str], list[str]]:
    unread: list[str] = []
    lines: list[str] = []
    if not plain_status(rec["STATUS"]):
        unread.append("status")
        lines.append("the state line")
    if not rec["ALARMS"] or not plain_text(rec["ALARMS"]):
        unread.append("alarms")
        lines.append("the 'Receiver alarm state is ...' line")
    if not rec["FRAMING"] or not plain_text(rec["FRAMING"]):
        unread.append("framing")
        lines.append("the 'Frame-format is ...' line")
    if not rec["INTERVAL_S"]:
        unread.append("interval_s")
    if not (rec["LINECODE"] and plain_text(rec["LINECODE"]) and plain_text(rec["CLOCK_SOURCE"])):
        unread += ["linecode", "clock_source"]
        lines.append("the 'Line code is ...' line")
    current = block(text, r"Data\s+in\s+current\s+interval", r"Total\s+Data")
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


def parse_controller_e1(ctx: Ctx) -> list[Observation]:
    out: list[Observation] = []
    recs = run_template("huawei_vrp_display_controller_e1", ctx.text)
    for i, (rec, rec_text) in enumerate(records(recs, ctx.text, _E1_HEADER, "CONTROLLER"), 1):
        clock = lower(rec["CLOCK_SOURCE"])
        n = Numbers()
        obs = E1ControllerObservation(
            **ctx.meta("e1", i),
            device=ctx.device,
            controller=" ".join(rec["CONTROLLER"].split()),
            source="cli:display controller e1",
            status=lower(rec["STATUS"]),
            alarms=vrp_alarms(rec["ALARMS"]),
            framing=lower(rec["FRAMING"]),
            linecode=lower(rec["LINECODE"]),
            clock_source=_CLOCK.get(clock, clock) if clock else None,
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

VENDOR: Vendor = Vendor(
    name="huawei",
    title="Huawei VRP",
    forms=(
        CommandForm(
            "display interface [<interface>]",
            "dis[play] int[erface]",
            parse_interfaces,
            r"(?:[a-z][a-z-]*\s*\d[\d/:.]*)?",
        ),
        CommandForm(
            "display controller e1 <slot/sub/port>",
            "dis[play] cont[roller] e1",
            parse_controller_e1,
            r"\d[\d/]*",
        ),
        CommandForm("display cpu-usage", "dis[play] cpu[-usage]", parse_cpu, checked=_cpu_checked),
        CommandForm(
            "display logbuffer", "dis[play] logb[uffer]", parse_logbuffer, checked=unchecked
        ),
        CommandForm(
            "ping [-c N] [-s N] [-t MS] [-f] [-p HEX] <address>", "pi[ng]", parse_ping, r"\S.*"
        ),
    ),
    commands_for=commands_for,
)

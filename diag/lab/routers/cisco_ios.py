"""Cisco IOS 15 (2901 ISR G2) CLI: command table and the non-interface outputs.

Commands: show interfaces [<if>], show ip interface brief, show controllers e1 [<port>],
show controllers serial <if>, show processes cpu [sorted|history], show logging, show version,
ping, terminal length/width, enable, disable, exit/logout.
"""

from __future__ import annotations

import re

from diag.lab.routers import cisco_interfaces as ci
from diag.lab.routers.cpu_graph import show_processes_cpu_history
from diag.lab.routers.dialect import CliError, Command, Ctx, Dialect, ErrorKind, Reply
from diag.lab.routers.fmt import serial_number
from diag.lab.routers.names import resolve
from diag.lab.routers.ping import plan_ping
from diag.lab.routers.state import CpuState, RouterState
from diag.lab.routers.timeline import plural, split_minutes, uptime_minutes

# --- show processes cpu ------------------------------------------------------------------------

# (pid, name, runtime ms per uptime hour, invocations per hour) of an idle 2901: background noise.
_PROCESSES: tuple[tuple[int, str, int, int], ...] = (
    (1, "Chunk Manager", 0, 1),
    (2, "Load Meter", 12, 720),
    (3, "SpanTree Helper", 0, 1),
    (4, "Check heaps", 1900, 120),
    (5, "Pool Manager", 0, 2),
    (6, "DiscardQ Backgro", 0, 60),
    (7, "Timers", 0, 1),
    (8, "WATCH_AFS", 0, 1),
    (9, "EnvMon", 110, 360),
    (10, "ARP Input", 40, 2500),
    (11, "ARP Background", 2, 360),
    (12, "ATM Idle Timer", 0, 1),
    (13, "AAA_SERVER_DEADT", 0, 1),
    (14, "Policy Manager", 0, 1),
    (15, "Entity MIB API", 0, 1),
    (16, "IFS Agent Manage", 0, 1),
    (17, "IPC Dynamic Cach", 0, 60),
    (18, "IPC Periodic Tim", 2, 18000),
    (19, "IPC Deferred Por", 1, 18000),
    (54, "Net Background", 60, 1800),
    (62, "Per-Second Jobs", 90, 3600),
    (63, "Per-minute Jobs", 35, 60),
    (81, "HDLC/PPP Keepali", 15, 720),
    (94, "IP Input", 300, 30000),
    (95, "CDP Protocol", 5, 60),
    (118, "SSH Process", 20, 30),
    (121, "SNMP ENGINE", 80, 400),
    (132, "TCP Timer", 6, 3600),
    (133, "TCP Protocols", 8, 900),
    (150, "IP Background", 10, 600),
)


def _cpu_rows(cpu: CpuState, up_min: int) -> list[tuple[int, str, int, int, float, float, float]]:
    """Rows with the non-interrupt load on the busy process (the rest is background noise)."""
    procs = list(_PROCESSES)
    if all(name != cpu.busy_process[:16] for _, name, _, _ in procs):
        procs.append((231, cpu.busy_process[:16], 300, 30000))
    interrupt = cpu.five_sec_interrupt
    share = {
        "5s": max(0, cpu.five_sec - interrupt),
        "1m": max(0, cpu.one_min - interrupt),
        "5m": max(0, cpu.five_min - interrupt),
    }
    hours = up_min / 60
    rows = []
    for pid, name, ms_h, inv_h in procs:
        busy = name == cpu.busy_process[:16]
        runtime = int(ms_h * hours + (share["5m"] * 36_000 * hours / 100 if busy else 0))
        invoked = max(1, int(inv_h * hours))
        rows.append(
            (
                pid,
                name,
                runtime,
                invoked,
                share["5s"] * 0.9 if busy else 0.0,
                share["1m"] * 0.9 if busy else 0.0,
                share["5m"] * 0.9 if busy else 0.0,
            )
        )
    return rows


def show_processes_cpu(state: RouterState, ctx: Ctx, sort: bool) -> str:
    cpu = state.cpu
    rows = _cpu_rows(cpu, uptime_minutes(state.uptime, ctx.at))
    if sort:
        rows.sort(key=lambda r: (-r[4], -r[5], r[0]))
    lines = [
        f"CPU utilization for five seconds: {cpu.five_sec}%/{cpu.five_sec_interrupt}%; "
        f"one minute: {cpu.one_min}%; five minutes: {cpu.five_min}%",
        " PID Runtime(ms)   Invoked      uSecs   5Sec   1Min   5Min TTY Process ",
    ]
    for pid, name, runtime, invoked, p5s, p1m, p5m in rows:
        usecs = runtime * 1000 // invoked
        lines.append(
            f"{pid:>4}{runtime:>12}{invoked:>10}{usecs:>11}{p5s:>6.2f}%{p1m:>6.2f}%{p5m:>6.2f}%"
            f"{0:>4} {name:<16} "
        )
    return "\n".join(lines) + "\n"


# --- show logging ------------------------------------------------------------------------------


def show_logging(state: RouterState) -> str:
    n = len(state.logs)
    head = [
        "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, "
        "0 overruns, xml disabled, filtering disabled)",
        "",
        "No Active Message Discriminator.",
        "",
        "",
        "",
        "No Inactive Message Discriminator.",
        "",
        "",
        f"    Console logging: level debugging, {n} messages logged, xml disabled,",
        "                     filtering disabled",
        "    Monitor logging: level debugging, 0 messages logged, xml disabled,",
        "                     filtering disabled",
        f"    Buffer logging:  level debugging, {n} messages logged, xml disabled,",
        "                    filtering disabled",
        "    Exception Logging: size (4096 bytes)",
        "    Count and timestamp logging messages: disabled",
        "    Persistent logging: disabled",
        "",
        "No active filter modules.",
        "",
        f"    Trap logging: level informational, {n} message lines logged",
        "        Logging Source-Interface:       VRF Name:",
        "",
        "Log Buffer (8192 bytes):",
        "",
    ]
    body = [f"{log.at}: {log.text}" for log in state.logs]
    return "\n".join(head + body) + "\n"


# --- show version ------------------------------------------------------------------------------


def _ios_uptime(minutes: int) -> str:
    parts = split_minutes(minutes)
    words = [plural(n, unit) for unit, n in parts.items() if n]
    return ", ".join(words) or "0 minutes"


def show_version(state: RouterState, ctx: Ctx) -> str:
    version = state.software or "15.7(3)M5"
    family = f"C{state.model[:2]}00"  # 2901 -> C2900
    n_eth = sum(i.kind == "ethernet" for i in state.interfaces)
    n_ser = sum(i.kind == "serial" for i in state.interfaces)
    lines = [
        f"Cisco IOS Software, {family} Software ({family}-UNIVERSALK9-M), Version {version}, "
        "RELEASE SOFTWARE (fc1)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2019 by Cisco Systems, Inc.",
        "Compiled Wed 30-Jan-19 04:41 by prod_rel_team",
        "",
        "ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)",
        "",
        f"{state.hostname} uptime is {_ios_uptime(uptime_minutes(state.uptime, ctx.at))}",
        "System returned to ROM by power-on",
        f'System image file is "flash0:{family.lower()}-universalk9-mz.SPA.'
        f'{version.replace("(", "-").replace(")", ".").replace(".", "", 1)}.bin"',
        "Last reload type: Normal Reload",
        "Last reload reason: power-on",
        "",
        f"Cisco CISCO{state.model}/K9 (revision 1.0) with 483328K/40960K bytes of memory.",
        f"Processor board ID {serial_number(state.hostname, 'FGL')}",
    ]
    if n_eth:
        lines.append(f"{n_eth} Gigabit Ethernet interface{'s' if n_eth != 1 else ''}")
    if n_ser:
        lines.append(f"{n_ser} Serial(sync/async) interface{'s' if n_ser != 1 else ''}")
    if state.controllers:
        lines.append(f"{len(state.controllers)} Channelized (E1 or T1)/PRI port")
    lines += [
        "DRAM configuration is 64 bits wide with parity enabled.",
        "255K bytes of non-volatile configuration memory.",
        "250880K bytes of ATA System CompactFlash 0 (Read/Write)",
        "",
        "Configuration register is 0x2102",
    ]
    return "\n".join(lines) + "\n"


# --- ping --------------------------------------------------------------------------------------

_PING_OPTIONS = ("repeat", "size", "timeout", "source", "data")


def ping(ctx: Ctx) -> str:
    """`ping [ip] <target> [repeat N] [size N] [timeout N] [source <if|ip>] [data HHHH] [df-bit]`."""
    toks = ctx.args["args"].split()
    col0 = ctx.arg_cols["args"]
    if toks and toks[0].lower() == "ip":
        toks = toks[1:]
    if not toks:
        raise CliError("incomplete", len(ctx.line))
    target, opts, df = toks[0], {"repeat": "5", "size": "100", "timeout": "2"}, False
    i = 1
    while i < len(toks):
        word = toks[i].lower()
        key = next((k for k in _PING_OPTIONS if len(word) >= 2 and k.startswith(word)), None)
        if word in ("df-bit", "df"):
            df, i = True, i + 1
            continue
        if key is None or i + 1 >= len(toks):
            raise CliError("invalid" if key is None else "incomplete", col0 + _offset(toks, i))
        opts[key], i = toks[i + 1], i + 2
    if not all(opts[k].isdigit() for k in ("repeat", "size", "timeout")):
        raise CliError("invalid", col0)
    if "data" in opts and not re.fullmatch(r"[0-9A-Fa-f]{1,4}", opts["data"]):
        raise CliError("invalid", col0)
    count = int(opts["repeat"])
    plan = plan_ping(ctx.state, target, count)
    lines = [
        "Type escape sequence to abort.",
        f"Sending {count}, {opts['size']}-byte ICMP Echos to {target}, "
        f"timeout is {opts['timeout']} seconds:",
    ]
    if "source" in opts:
        src = opts["source"]
        named = resolve([i.name for i in ctx.state.interfaces], src)
        iface = next((i for i in ctx.state.interfaces if i.name == named), None)
        if iface is not None and iface.ip:
            src = iface.ip.split("/")[0]
        lines.append(f"Packet sent with a source address of {src}")
    if "data" in opts:
        lines.append(f"Packet has data pattern 0x{opts['data'].upper():0>4}")
    if df:
        lines.append("Packet sent with the DF bit set")
    marks = "".join("!" if ok else "." for ok in plan.replies)
    lines += [marks[i : i + 70] for i in range(0, len(marks), 70)]
    summary = f"Success rate is {plan.success_pct} percent ({plan.received}/{count})"
    if plan.received:
        lo, avg, hi = plan.rtt_ms
        summary += f", round-trip min/avg/max = {lo}/{avg}/{hi} ms"
    return "\n".join([*lines, summary]) + "\n"


def _offset(toks: list[str], i: int) -> int:
    return sum(len(t) + 1 for t in toks[:i])


# --- command table -----------------------------------------------------------------------------


def _show_interfaces(ctx: Ctx) -> str:
    name = ctx.args.get("name")
    if name is None:
        return ci.show_interfaces(ctx.state, ctx.at)
    found = resolve([i.name for i in ctx.state.interfaces], name)
    iface = next((i for i in ctx.state.interfaces if i.name == found), None)
    if iface is None:
        raise CliError("parameter", ctx.arg_cols["name"])
    return ci.show_interface(ctx.state, iface, ctx.at)


def _show_controllers(ctx: Ctx) -> str:
    """`show controllers e1 [<port>]` or `show controllers serial <port>` / `<Serial0/0/0>`."""
    rest = ctx.args["what"]
    col = ctx.arg_cols["what"]
    words = rest.split()
    if words[0].lower() == "e1":
        wanted = words[1] if len(words) > 1 else None
        hits = [c for c in ctx.state.controllers if wanted in (None, ci.controller_port(c.name))]
        if not hits:
            raise CliError("parameter", col + len(words[0]) + 1)
        return "".join(ci.show_controller_e1(c, ctx.at) for c in hits)
    serials = [i.name for i in ctx.state.interfaces if i.kind == "serial"]
    found = resolve(serials, rest)
    iface = next((i for i in ctx.state.interfaces if i.name == found), None)
    if iface is None:
        raise CliError("parameter", col)
    return ci.show_controller_serial(iface)


def _clear_counters(ctx: Ctx) -> Reply:
    """`clear counters [<if>]` (privileged): asks [confirm], then restarts the counters at 0."""
    if not ctx.privileged:
        raise CliError("invalid", 0)
    name = ctx.args.get("name")
    if name is None:
        targets = list(ctx.state.interfaces)
        question = 'Clear "show interface" counters on all interfaces [confirm]'
    else:
        found = resolve([i.name for i in ctx.state.interfaces], name)
        targets = [i for i in ctx.state.interfaces if i.name == found]
        if not targets:
            raise CliError("parameter", ctx.arg_cols["name"])
        question = 'Clear "show interface" counters on this interface [confirm]'
    at = ctx.at.elapsed_s

    def clear() -> str:
        for iface in targets:
            iface.cleared_at_s = at
        return ""

    return Reply(question, on_confirm=clear)


def _enable(ctx: Ctx) -> Reply:
    return Reply(action="enable")


IOS_COMMANDS: tuple[Command, ...] = (
    Command("sh[ow] int[erfaces]", _show_interfaces),
    Command("sh[ow] int[erfaces] <name...>", _show_interfaces),
    Command("sh[ow] ip int[erface] br[ief]", lambda c: ci.show_ip_interface_brief(c.state)),
    Command("sh[ow] cont[rollers] <what...>", _show_controllers),
    Command("sh[ow] proc[esses] cpu", lambda c: show_processes_cpu(c.state, c, sort=False)),
    Command("sh[ow] proc[esses] cpu so[rted]", lambda c: show_processes_cpu(c.state, c, True)),
    Command(
        "sh[ow] proc[esses] cpu h[istory]",
        lambda c: show_processes_cpu_history(c.state.cpu, c.state.hostname),
    ),
    Command("sh[ow] log[ging]", lambda c: show_logging(c.state)),
    Command("sh[ow] ver[sion]", lambda c: show_version(c.state, c)),
    Command("pi[ng] <args...>", ping),
    Command("cl[ear] count[ers]", _clear_counters),
    Command("cl[ear] count[ers] <name...>", _clear_counters),
    Command("ter[minal] le[ngth] <n>", lambda c: ""),
    Command("ter[minal] wi[dth] <n>", lambda c: ""),
    Command("en[able]", _enable),
    Command("disa[ble]", lambda c: Reply(action="disable")),
    Command("exi[t]", lambda c: Reply(action="close")),
    Command("logo[ut]", lambda c: Reply(action="close")),
)


def _ios_error(kind: ErrorKind, line: str, col: int) -> str:
    if kind == "incomplete":
        return "% Incomplete command.\n"
    if kind == "ambiguous":
        return f'% Ambiguous command:  "{line.strip()}"\n'
    return " " * col + "^\n% Invalid input detected at '^' marker.\n"


IOS = Dialect(
    name="cisco_ios",
    commands=IOS_COMMANDS,
    has_enable=True,
    prompt=lambda host, priv: f"{host}{'#' if priv else '>'}",
    error=_ios_error,
    login_banner="\nUser Access Verification\n\n",
    username_prompt="Username: ",
    password_prompt="Password: ",  # noqa: S106
    login_failed="% Login invalid\n\n",
    logout_banner=lambda host: (
        f"\n\n\n{host} con0 is now available\n\n\n\n\n\nPress RETURN to get started.\n\n"
    ),
)

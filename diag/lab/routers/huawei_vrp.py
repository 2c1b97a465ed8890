"""Huawei VRP (AR-series, V200R) CLI: command table and the non-interface outputs.

Commands: display interface [<if>], display controller e1 <port>, display cpu-usage,
display logbuffer, display version, ping [-c N] [-s N] [-a SRC] [-t MS] <ip>,
screen-length 0 temporary, quit.  VRP has no enable level: the user view `<HOST>` is the session.
"""

from __future__ import annotations

from datetime import timedelta

from diag.lab.routers import huawei_interfaces as hi
from diag.lab.routers.dialect import CliError, Command, Ctx, Dialect, ErrorKind, Reply
from diag.lab.routers.names import resolve
from diag.lab.routers.ping import plan_ping
from diag.lab.routers.state import RouterState
from diag.lab.routers.timeline import split_minutes, uptime_minutes

# --- display cpu-usage -------------------------------------------------------------------------

# Background tasks of an AR router (name, explanation), listed after the idle and busy tasks.
_TASKS: tuple[tuple[str, str], ...] = (
    ("OS", "Operation System"),
    ("bcmCNTR.0", ""),
    ("SOCK", "SOCKet"),
    ("ARP", ""),
    ("IFPD", "IFNET Product Adapter"),
    ("LINK", "Link Layer"),
    ("PPP", "PPP"),
    ("SNMP", "Simple Network Management Protocol"),
    ("VTYD", "Virtual Terminal"),
)


def display_cpu_usage(state: RouterState, ctx: Ctx) -> str:
    cpu = state.cpu
    hist = cpu.history_72h_max
    peak = max([cpu.one_min, cpu.five_sec, *hist])
    peak_age_h = hist.index(peak) if peak in hist else 0
    peak_at = ctx.at.now.replace(minute=0, second=0) - timedelta(hours=peak_age_h)
    busy = cpu.busy_process.upper()[:12]
    lines = [
        "CPU Usage Stat. Cycle: 60 (Second)",
        f"CPU Usage            : {cpu.one_min}% Max: {peak}%",
        f"CPU Usage Stat. Time : {ctx.at.now:%Y-%m-%d  %H:%M:%S}",
        f"CPU utilization for five seconds: {cpu.five_sec}%: one minute: {cpu.one_min}%: "
        f"five minutes: {cpu.five_min}%",
        f"Max CPU Usage Stat. Time : {peak_at:%Y-%m-%d %H:%M:%S}.",
        "",
        "TaskName        CPU  Runtime(CPU Tick High/Tick Low)  Task Explanation",
        f"{'VIDL':<12}{100 - cpu.five_sec:>6}%{'0/a3f2c81e':>18}        DOPRA IDLE",
    ]
    rest = max(0, cpu.five_sec - 1)
    lines.append(f"{busy:<12}{rest:>6}%{'0/1d3a2ad':>18}        {busy}")
    for i, (task, text) in enumerate(_TASKS):
        share = 1 if i == 0 and cpu.five_sec else 0
        lines.append(f"{task:<12}{share:>6}%{f'0/{(i + 3) * 7919:x}':>18}        {text}")
    return "\n".join(lines) + "\n"


# --- display logbuffer -------------------------------------------------------------------------


def display_logbuffer(state: RouterState) -> str:
    n = len(state.logs)
    head = [
        "Logging buffer configuration and contents : enabled",
        "Allowed max buffer size : 1024",
        "Actual buffer size : 512",
        "Channel number : 4 , Channel name : logbuffer",
        "Dropped messages : 0",
        "Overwritten messages : 0",
        f"Current messages : {n}",
        "",
    ]
    # VRP lists the newest message first.
    body = [f"{log.at} {state.hostname} {log.text}" for log in reversed(state.logs)]
    return "\n".join(head + body) + "\n"


# --- display version ---------------------------------------------------------------------------


def _vrp_uptime(minutes: int) -> str:
    p = split_minutes(minutes)
    weeks = p["week"] + 52 * p["year"]

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n > 1 else ''}"

    return ", ".join(
        [
            unit(weeks, "week"),
            unit(p["day"], "day"),
            unit(p["hour"], "hour"),
            unit(p["minute"], "minute"),
        ]
    )


def display_version(state: RouterState, ctx: Ctx) -> str:
    model = state.model if state.model.upper().startswith("AR") else "AR2220"
    series = f"AR{model[2]}200" if len(model) > 2 and model[2].isdigit() else "AR2200"
    software = state.software or "V200R009C00SPC500"
    up = _vrp_uptime(uptime_minutes(state.uptime, ctx.at))
    lines = [
        "Huawei Versatile Routing Platform Software",
        f"VRP (R) software, Version 5.160 ({series} {software})",
        "Copyright (C) 2011-2018 HUAWEI TECH CO., LTD",
        f"Huawei {model} Router uptime is {up}",
        "BKP 0 version information: ",
        "1. PCB      Version  : AR01BAK2A VER.NC",
        "2. If Supporting PoE : No",
        "3. Board    Type     : " + model,
        "4. MPU Slot Quantity : 1",
        "5. LPU Slot Quantity : 6",
    ]
    return "\n".join(lines) + "\n"


# --- ping --------------------------------------------------------------------------------------

_FLAGS = ("-c", "-s", "-a", "-t", "-m", "-p")


def ping(ctx: Ctx) -> str:
    """`ping [-c count] [-s size] [-a source] [-t timeout] [-m interval] [-p pattern] [-f] <host>`."""
    toks = ctx.args["args"].split()
    col0 = ctx.arg_cols["args"]
    opts = {"-c": "5", "-s": "56"}
    target = None
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok == "-f":  # don't fragment: no value
            i += 1
        elif tok in _FLAGS:
            if i + 1 >= len(toks):
                raise CliError("incomplete", len(ctx.line))
            opts[tok], i = toks[i + 1], i + 2
        elif tok.startswith("-") or target is not None:
            raise CliError("parameter", col0 + sum(len(t) + 1 for t in toks[:i]))
        else:
            target, i = tok, i + 1
    if target is None:
        raise CliError("incomplete", len(ctx.line))
    if not (opts["-c"].isdigit() and opts["-s"].isdigit()):
        raise CliError("parameter", col0)
    count, size = int(opts["-c"]), int(opts["-s"])
    plan = plan_ping(ctx.state, target, count)
    lines = [f"  PING {target}: {size}  data bytes, press CTRL_C to break"]
    for seq, ok in enumerate(plan.replies):
        if ok:
            lines.append(
                f"    Reply from {target}: bytes={size} Sequence={seq + 1} ttl=255 "
                f"time={plan.rtt_of(seq)} ms"
            )
        else:
            lines.append("    Request time out")
    lines += [
        "",
        f"  --- {target} ping statistics ---",
        f"    {count} packet(s) transmitted",
        f"    {plan.received} packet(s) received",
        f"    {100 * (count - plan.received) / count if count else 0:.2f}% packet loss",
    ]
    if plan.received:
        lo, avg, hi = plan.rtt_ms
        lines.append(f"    round-trip min/avg/max = {lo}/{avg}/{hi} ms")
    return "\n".join(lines) + "\n"


# --- command table -----------------------------------------------------------------------------


def _display_interface(ctx: Ctx) -> str:
    name = ctx.args.get("name")
    if name is None:
        return hi.display_interfaces(ctx.state, ctx.at)
    found = resolve([i.name for i in ctx.state.interfaces], name)
    iface = next((i for i in ctx.state.interfaces if i.name == found), None)
    if iface is None:
        raise CliError("parameter", ctx.arg_cols["name"])
    return hi.display_interface(ctx.state, iface, ctx.at)


def _display_controller(ctx: Ctx) -> str:
    port = ctx.args["port"]
    ctrl = next((c for c in ctx.state.controllers if c.name.split()[-1] == port), None)
    if ctrl is None:
        raise CliError("parameter", ctx.arg_cols["port"])
    return hi.display_controller_e1(ctrl, ctx.at)


def _reset_counters(ctx: Ctx) -> str:
    """`reset counters interface [<if>]` (user view): restarts the counters at 0."""
    name = ctx.args.get("name")
    targets = list(ctx.state.interfaces)
    if name is not None:
        found = resolve([i.name for i in ctx.state.interfaces], name)
        targets = [i for i in targets if i.name == found]
        if not targets:
            raise CliError("parameter", ctx.arg_cols["name"])
    for iface in targets:
        iface.cleared_at_s = ctx.at.elapsed_s
    return ""


VRP_COMMANDS: tuple[Command, ...] = (
    Command("dis[play] int[erface]", _display_interface),
    Command("dis[play] int[erface] <name...>", _display_interface),
    Command("dis[play] cont[roller] e1 <port>", _display_controller),
    Command("dis[play] cpu[-usage]", lambda c: display_cpu_usage(c.state, c)),
    Command("dis[play] logb[uffer]", lambda c: display_logbuffer(c.state)),
    Command("dis[play] ver[sion]", lambda c: display_version(c.state, c)),
    Command("pi[ng] <args...>", ping),
    Command("res[et] count[ers] int[erface]", _reset_counters),
    Command("res[et] count[ers] int[erface] <name...>", _reset_counters),
    Command(
        "scr[een-length] <n> temp[orary]",
        lambda c: (
            "Info: The configuration takes effect on the current user terminal interface only.\n"
        ),
    ),
    Command("q[uit]", lambda c: Reply(action="close")),
)


def _vrp_error(kind: ErrorKind, line: str, col: int) -> str:
    what = {
        "invalid": "Unrecognized command",
        "incomplete": "Incomplete command",
        "ambiguous": "Ambiguous command",
        "parameter": "Wrong parameter",
    }[kind]
    return " " * col + f"^\nError: {what} found at '^' position.\n"


VRP = Dialect(
    name="huawei",
    commands=VRP_COMMANDS,
    has_enable=False,
    prompt=lambda host, _priv: f"<{host}>",
    error=_vrp_error,
    login_banner="\nLogin authentication\n\n\n",
    username_prompt="Username:",
    password_prompt="Password:",  # noqa: S106
    login_failed="Error: Local authentication is rejected.\n\n\nLogin authentication\n\n\n",
    logout_banner=lambda host: "  Configuration console exit, please press any key to log on\n",
)

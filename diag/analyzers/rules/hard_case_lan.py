"""Section 4.2 of the procedure (R-HC-2a/2b/2c): a LAN-side attack on the customer router; the
operator excluded by a clean bypass ping, or the congested router and its LAN pointed at by its
CPU and console.  The end signs shared by every hard case are read in rules/hard_cases.py.
"""

from __future__ import annotations

from diag.analyzers.context import SIDES, Context
from diag.analyzers.registry import rule
from diag.analyzers.rules.hard_cases import (
    _applies_congested,
    _ber_clean,
    _cites,
    _finding,
    _info,
    _lan_seg,
    _symptomatic,
    all_signs,
)
from diag.analyzers.rules.tests import listed
from diag.i18n import mark, tr
from diag.model.findings import Finding
from diag.model.inventory import Interface

# --------------------------------------------------------------------------- R-HC-2 (4.2)  # noqa: ERA001

CONF_BYPASS_END_KNOWN = 0.8  # the article states 2a/2b literally; the end is named by evidence
CONF_BYPASS_END_UNKNOWN = 0.45  # operator excluded, but which LAN is not known: one per end
CONF_2C_BOTH = 0.8  # intermittent console and CPU >= 90 %: the court case's two signs
CONF_2C_ONE = 0.6  # one of them: the article's "suspicion" stage
CONF_2C_CONFIRMED = 0.9  # LAN isolated: console stable / loss gone
CONF_2C_CULPRIT = 0.95  # a host found that sends the CPU up when reconnected
HC2C_NO_BER = 0.1  # channel test not reported: the channel is not yet excluded


def _lan_steps() -> list[str]:
    """Case 4.2's steps for the customer LAN, in the reader's language."""
    return [
        tr(
            "Isolate the LAN: with the customer's consent disconnect every device below the "
            "router's LAN port, keep only the WAN link, and repeat the ping and the console login."
        ),
        tr(
            "Read the router's log and CPU history (show processes cpu history / display "
            "cpu-usage history): a CPU peak at or above 97 % is the documented sign of a LAN-side "
            "attack."
        ),
        tr(
            "Reconnect the PCs and servers one at a time while watching the router CPU; the host "
            "that makes it jump (7 % -> 97 % in the documented case) is the attacker: clean or "
            "remove it."
        ),
    ]


def _suspect_ends(ctx: Context, named: str | None = None) -> list[str]:
    """The end(s) whose customer LAN is suspected: named, else the one whose router shows the
    most case 4.2 signs, else both (the caller lowers its confidence)."""
    if named in SIDES:
        return [named]
    signs = all_signs(ctx)
    scores = {s: signs[s].score for s in SIDES}
    best = max(scores.values())
    ends = [s for s in SIDES if scores[s] == best]
    if best > 0 and len(ends) == 1:
        return ends
    troubled = [s for s in SIDES if signs[s].troubled and ctx.path.end(s).router]
    return troubled if len(troubled) == 1 else list(SIDES)


def _bypass(
    ctx: Context, rid: str, ref: str, key: str, how: str, named: str | None
) -> list[Finding]:
    loss = ctx.answer_float(key)
    if loss is None:
        return []
    t = ctx.thresholds
    signs = all_signs(ctx)
    if loss > t["loss_pct"]:
        return [
            _info(
                rid,
                ref,
                tr("{how}: loss too, the operator is not excluded", how=how),
                tr(
                    "{how} lost {loss} % (above {loss_pct} %): the channel itself loses packets; "
                    "go on with the channel tests (step 3.3)",
                    how=how,
                    loss=f"{loss:g}",
                    loss_pct=f"{t['loss_pct']:g}",
                ),
                [ctx.cite(key)],
            )
        ]
    through = [s for s in SIDES if signs[s].loss or signs[s].crc]
    if not through:
        return []  # nothing lost through the routers: no LAN fault to place
    ends = _suspect_ends(ctx, named)
    out = []
    for side in ends:
        end = ctx.path.end(side)
        if end.router is None:
            continue
        seg = _lan_seg(ctx, side)
        known = len(ends) == 1
        which = (
            tr("the {site} end (router {router} and its LAN)", site=end.site, router=end.router)
            if known
            else tr(
                "one of the customer LANs; {site} is one candidate (which end is not known)",
                site=end.site,
            )
        )
        cause = tr(
            "operator excluded: {how} lost {loss} %, while traffic through the customer routers "
            "is lost or errored; the fault is in {which} (case 4.2)",
            how=how,
            loss=f"{loss:g}",
            which=which,
        )
        ev = [ctx.cite(key)]
        if rid == "lan-fault-wan-only-ping" and ctx.answer("test.wan_only_ping.end"):
            ev.append(ctx.cite("test.wan_only_ping.end"))
        for s in SIDES:
            ev += signs[s].evidence() if (s == side or not known) else []
        steps = [
            tr(
                "Tell the customer the line is clean (operator excluded) and help them check "
                "their LAN at {site}.",
                site=end.site,
            ),
            *_lan_steps(),
        ]
        if not known:
            steps.insert(
                1,
                tr(
                    "Find which end: repeat the test from {site} with its users disconnected and "
                    "read both routers' CPU and console.",
                    site=end.site,
                ),
            )
        out.append(
            _finding(
                rid,
                ref,
                tr("operator excluded; customer LAN fault at {site}", site=end.site),
                seg,
                "customer",
                CONF_BYPASS_END_KNOWN if known else CONF_BYPASS_END_UNKNOWN,
                cause,
                ev,
                steps,
            )
        )
    return out


def _applies_laptop(ctx: Context) -> bool:
    # 2a is the first choice when both ends have Ethernet hand-offs; a reported result is used
    # whatever the interfaces (the engineers found a way to plug laptops in).
    if not _symptomatic(ctx):
        return False
    both_eth = all(ctx.path.end(s).interface is Interface.ethernet for s in SIDES)
    return both_eth or ctx.has("test.laptop_ping.loss_pct")


@rule(
    "lan-fault-laptop-bypass",
    ("R-HC-2a",),
    "4.2",
    mark(
        "laptop-to-laptop ping bypassing both LANs is clean: operator excluded, customer LAN fault"
    ),
    ("test.laptop_ping.loss_pct",),
    applies=_applies_laptop,
)
def lan_fault_laptop_bypass(ctx: Context) -> list[Finding]:
    return _bypass(
        ctx,
        "lan-fault-laptop-bypass",
        "R-HC-2a",
        "test.laptop_ping.loss_pct",
        tr("the laptop-to-laptop ping bypassing both customer LANs"),
        None,
    )


def _applies_wan_only(ctx: Context) -> bool:
    # 2b is for circuits where 2a cannot be done; a reported result is always used.
    if not _symptomatic(ctx):
        return False
    has_router = any(ctx.path.end(s).router for s in SIDES)
    return has_router and (
        ctx.has("test.wan_only_ping.loss_pct") or not ctx.has("test.laptop_ping.loss_pct")
    )


@rule(
    "lan-fault-wan-only-ping",
    ("R-HC-2b",),
    "4.2",
    mark(
        "router-WAN-to-WAN ping with every user disconnected is clean: operator excluded, LAN fault"
    ),
    ("test.wan_only_ping.loss_pct",),
    applies=_applies_wan_only,
)
def lan_fault_wan_only_ping(ctx: Context) -> list[Finding]:
    # The ping was made from the end whose users were disconnected; it is clean, so that end's
    # LAN is what made the difference.  Without the end reported, the routers' signs decide.
    return _bypass(
        ctx,
        "lan-fault-wan-only-ping",
        "R-HC-2b",
        "test.wan_only_ping.loss_pct",
        tr("the WAN-to-WAN ping with every user disconnected"),
        ctx.answer("test.wan_only_ping.end"),
    )


@rule(
    "router-congested-by-lan",
    ("R-HC-2c",),
    "4.2",
    mark("loss through a router with an intermittent console or CPU >= 90 %: LAN-side attack"),
    ("cpu", "console", "log"),
    applies=_applies_congested,
)
def router_congested_by_lan(ctx: Context) -> list[Finding]:
    t = ctx.thresholds
    clean, ber_ev = _ber_clean(ctx)
    if clean is False:
        return []  # the channel has bit errors: that is the fault to chase first (step 3.3)
    iso_loss = ctx.answer_float("lan_isolated.loss_pct")
    if iso_loss is not None and iso_loss >= t["loss_pct"]:
        return []  # still lost with the LAN disconnected: the LAN is not the cause
    out = []
    for side, signs in all_signs(ctx).items():
        end = ctx.path.end(side)
        if end.router is None or not (signs.loss or signs.crc):
            continue
        console, cpu = signs.console is not None, signs.congested
        if not (console or cpu):
            continue
        conf = CONF_2C_BOTH if console and cpu else CONF_2C_ONE
        confirmed = ctx.answer("lan_isolated.console_stable") == "yes" or (
            iso_loss is not None and iso_loss < t["loss_pct"]
        )
        culprit = ctx.answer("lan.culprit_found") == "yes"
        jump = ctx.answer_float("lan.cpu_with_culprit_pct")
        if culprit:
            conf = CONF_2C_CULPRIT
        elif confirmed:
            conf = max(conf, CONF_2C_CONFIRMED)
        elif clean is None:
            conf -= HC2C_NO_BER
        signs_txt = []
        if signs.cpu_peak is not None:
            signs_txt.append(tr("CPU peaked at {cpu} %", cpu=f"{signs.cpu_peak[1]:g}"))
        if signs.cpu_now is not None:
            signs_txt.append(tr("CPU {cpu} % now", cpu=f"{signs.cpu_now[1]:g}"))
        if console:
            signs_txt.append(tr("its console is intermittent"))
        if signs.loss and signs.crc:
            lost = tr("packets are lost through it and its WAN counts growing CRC errors")
        elif signs.loss:
            lost = tr("packets are lost through it")
        else:
            lost = tr("its WAN counts CRC errors")
        channel = (
            tr("the E1 channel tests clean")
            if clean
            else tr("the E1 channel has not been tested yet (needed to exclude it)")
        )
        cause = tr(
            "{router} ({site}) is congested from its LAN side: {lost}, {signs}, and {channel} "
            "(case 4.2, the city-court case)",
            router=end.router,
            site=end.site,
            lost=lost,
            signs=listed(signs_txt),
            channel=channel,
        )
        if culprit and jump is not None:
            cause += tr(
                "; reconnecting the hosts one by one found the attacking host (CPU {cpu} % with "
                "it connected)",
                cpu=f"{jump:g}",
            )
        elif culprit:
            cause += tr("; reconnecting the hosts one by one found the attacking host")
        elif confirmed:
            cause += tr("; with the LAN disconnected the router is stable")
        ev = signs.evidence()
        ev += [ber_ev] if ber_ev else []
        ev += _cites(
            ctx,
            (
                "lan_isolated.console_stable",
                "lan_isolated.loss_pct",
                "lan.culprit_found",
                "lan.cpu_with_culprit_pct",
            ),
        )
        if culprit:
            steps = [
                tr(
                    "Clean or replace the host that sends the CPU up (virus), then reconnect it "
                    "and check that the router CPU stays low (below {cpu} %).",
                    cpu=f"{t['cpu_normal_pct']:g}",
                ),
                tr(
                    "Filter the attack traffic on {router}'s LAN port meanwhile (ACL / rate "
                    "limit), and ask the customer to scan the rest of the LAN.",
                    router=end.router,
                ),
            ]
        else:
            steps = _lan_steps()
            if clean is None:
                steps.insert(0, tr("Test the E1 channel (BER) to exclude the operator's side."))
        seg = _lan_seg(ctx, side)
        out.append(
            _finding(
                "router-congested-by-lan",
                "R-HC-2c",
                tr("{router} congested by its LAN (suspected attack)", router=end.router),
                seg,
                "customer",
                conf,
                cause,
                ev,
                steps,
            )
        )
    return out

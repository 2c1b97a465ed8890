"""Step 3.3(1)(2) and (4): the channel BER tests (E1, V.35) and the online test at a DDF
(R-TEST-4).  Shared helpers: rules/tests.py.
"""

from __future__ import annotations

from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import by_path, finding, rule
from diag.analyzers.rules.tests import (
    BER_PATTERN,
    CONF_BER_ERRORS,
    CONF_DDF,
    CONF_DDF_CONFLICT,
    CONF_DDF_NO_STATION,
    E1_INTERFACES,
    V35_INTERFACES,
    _span_text,
    channel_edge,
    ddf_test_step,
    flow_from,
    other,
    ping_test_step,
    wan_element,
)
from diag.model.findings import Finding
from diag.model.inventory import Interface

# --------------------------------------------------------------------------- 3.3(1)(2) BER


def _ber_rule(
    ctx: Context, rid: str, key: str, kind: Literal["E1", "V.35"], interface: tuple[Interface, ...]
) -> list[Finding]:
    ber = ctx.answer_float(key)
    if ber is None:
        return []
    t = ctx.thresholds
    x, y = channel_edge(ctx, "a", interface), channel_edge(ctx, "b", interface)
    seg = ctx.seg(x, y)
    if ber < t["ber_errors"]:
        return [
            finding(
                rule=rid,
                procedure="3.3",
                kind="info",
                title=f"{kind} channel test clean: the carrier channel is excluded",
                segment=None,
                owner="unknown",
                confidence=0.9,
                cause=(
                    f"{kind} channel BER {ber:g} is below {t.source('ber_errors')}: the channel "
                    f"{seg.from_} … {seg.to} is excluded; customers rarely accept a BER result, "
                    "so confirm with a ping test (3.3(3))"
                ),
                evidence=[ctx.cite(key)],
                next_steps=[ping_test_step(ctx)],
            )
        ]
    severe = ber >= t["ber_exc"]
    level = (
        f"excessive (signal fail, {t.source('ber_exc')})"
        if severe
        else f"at or above {t.source('ber_errors')}"
    )
    stations = [e.id for e in ctx.path.span(seg)[0] if e.end == "transport"]
    split = (
        f"Split the channel: loop back at the DDF of {stations[len(stations) // 2]} and test "
        f"each half from its end ({int(t['ber_test_min'])} min each, {BER_PATTERN[kind]})."
        if stations
        else f"Test each E1 cable between {x} and {y} on its own."
    )
    return [
        finding(
            rule=rid,
            procedure="3.3",
            title=f"{kind} channel test shows bit errors (BER {ber:g})",
            segment=seg,
            owner=ctx.owner(seg),
            confidence=CONF_BER_ERRORS,
            cause=(
                f"The {kind} channel BER {ber:g} is {level}: the fault is in the carrier "
                f"channel {_span_text(ctx, seg)}"
            ),
            evidence=[ctx.cite(key)],
            next_steps=[
                *ddf_test_step(ctx, " It tells which end to dispatch to first (R-TEST-4)."),
                split,
                f"Measure the received optical power at {ctx.path.end('a').cpe} and "
                f"{ctx.path.end('b').cpe}: power above the overload point gives bit errors with "
                "no other alarm (R-OPT-2); add an attenuator if so.",
            ],
        )
    ]


@rule(
    "e1-channel-ber",
    ("3.3",),
    "3.3",
    "E1 channel BER test: errors localise to the carrier channel, clean excludes it",
    ("test.e1.ber",),
)
def e1_channel_ber(ctx: Context) -> list[Finding]:
    return _ber_rule(ctx, "e1-channel-ber", "test.e1.ber", "E1", E1_INTERFACES)


@rule(
    "v35-channel-ber",
    ("3.3",),
    "3.3",
    "V.35 channel BER test: errors localise to the channel between the V.35 ports",
    ("test.v35.ber",),
    applies=by_path(
        lambda ctx: any(ctx.path.end(s).interface in V35_INTERFACES for s in ("a", "b"))
    ),
)
def v35_channel_ber(ctx: Context) -> list[Finding]:
    return _ber_rule(ctx, "v35-channel-ber", "test.v35.ber", "V.35", V35_INTERFACES)


# --------------------------------------------------------------------------- 3.3(4) R-TEST-4


def ddf_station(ctx: Context) -> str | None:
    """The element the online test was bridged at (device id or NE name, any case)."""
    at = (ctx.answer("test.ddf.at") or "").strip().lower()
    if not at:
        return None
    for e in ctx.path.elements:
        if e.kind != "lan" and at in (e.id.lower(), (e.ne_name or "").lower()):
            return e.id
    return None


@rule(
    "ddf-online-direction",
    ("R-TEST-4",),
    "3.3",
    "online DDF test: AIS / errors from one end -> dispatch to that end first",
    ("test.ddf.ais_from", "test.ddf.errors_from"),
)
def ddf_online_direction(ctx: Context) -> list[Finding]:
    seen = {
        what: v
        for what, key in (("AIS", "test.ddf.ais_from"), ("bit errors", "test.ddf.errors_from"))
        if (v := ctx.answer(key)) in ("a", "b")
    }
    keys = [
        k for k in ("test.ddf.ais_from", "test.ddf.errors_from", "test.ddf.at") if k in ctx.answers
    ]
    evidence = [ctx.cite(k) for k in keys]
    station = ddf_station(ctx)
    if not seen:
        return [
            finding(
                rule="ddf-online-direction",
                procedure="R-TEST-4",
                kind="info",
                title="Online DDF test: no AIS and no errors from either end",
                segment=None,
                owner="unknown",
                confidence=0.8,
                cause=(
                    f"The bridged test at {station or 'the DDF'} saw neither AIS nor bit errors "
                    "coming from either end while it ran"
                ),
                evidence=evidence,
                next_steps=[
                    "For an intermittent fault leave the bridged tester on for 24 h (M.2100 "
                    "in-service test) and report again."
                ],
            )
        ]
    conflict = len(set(seen.values())) > 1
    out = []
    for side in sorted(set(seen.values())):
        what = " and ".join(w for w, v in seen.items() if v == side)
        end, far = ctx.path.end(side), ctx.path.end(other(side))
        if station is not None:
            seg, conf = ctx.seg(end.cpe, station), CONF_DDF
        else:
            # Not told where the DDF is: as far as the last station before the far end's CPE.
            far_i = ctx.path.index(far.cpe) + (-1 if side == "a" else 1)
            last = ctx.path.elements[far_i].id
            seg, conf = ctx.seg(end.cpe, last), CONF_DDF_NO_STATION
        if conflict:
            conf = CONF_DDF_CONFLICT
        flow = flow_from(side)
        arrow = "A→B" if flow == "a-to-b" else "B→A"
        ddf = station or "the DDF"
        cause = (
            f"The online test at {ddf} sees {what} coming from the {side.upper()} end "
            f"({end.site}, {arrow}): the fault lies between {end.cpe} and the DDF, "
            f"{_span_text(ctx, seg)}. AIS is inserted by carrier equipment that lost its input; "
            f"had the customer's E1 into {end.cpe} failed, its tributary port would show LOS "
            "in the NMS (step 3.1)"
        )
        if conflict:
            cause += "; the other end shows the other symptom: two problems, or a misread test"
        steps = [
            f"Dispatch to {end.site} first ({end.cpe}) with a BER tester and spare E1 cables / "
            f"DDF jumpers: loop {end.cpe}'s E1 line side back towards the network and test from "
            f"the DDF at {ddf} ({int(ctx.thresholds['ber_test_min'])} min, {BER_PATTERN['E1']}); "
            f"errors or AIS on the loop put the fault between the DDF and {end.cpe}, a clean "
            "loop puts it in the DDF's own jumpers and the station port.",
            f"Before leaving, read {end.cpe}'s tributary and line alarms in the NMS: LOS on its "
            f"tributary puts the fault in the customer's E1 into it ({wan_element(ctx, side)}).",
        ]
        if station is None:
            told = ctx.answer("test.ddf.at")
            unknown = f" ({told!r} is not on this circuit's path)" if told else ""
            steps.append(f"Report at which station the test was bridged (test.ddf.at){unknown}.")
        out.append(
            finding(
                rule="ddf-online-direction",
                procedure="R-TEST-4",
                title=f"Online DDF test: {what} from the {side.upper()} end; dispatch to "
                f"{end.site} first",
                direction=flow,
                segment=seg,
                owner=ctx.owner(seg),
                confidence=conf,
                cause=cause,
                evidence=evidence,
                next_steps=steps,
            )
        )
    return out

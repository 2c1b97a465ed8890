"""Step 3.3(1)(2) and (4): the channel BER tests (E1, V.35) and the online test at a DDF
(R-TEST-4).  Shared helpers: rules/tests.py.
"""

from __future__ import annotations

from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import by_path, finding, rule
from diag.analyzers.rules.tests import (
    CONF_BER_ERRORS,
    CONF_DDF,
    CONF_DDF_CONFLICT,
    CONF_DDF_NO_STATION,
    E1_INTERFACES,
    V35_INTERFACES,
    _span_text,
    ber_pattern,
    channel_edge,
    ddf_test_step,
    flow_from,
    other,
    ping_test_step,
    wan_element,
)
from diag.i18n import mark, tr
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
                title=tr("{kind} channel test clean: the carrier channel is excluded", kind=kind),
                segment=None,
                owner="unknown",
                confidence=0.9,
                cause=tr(
                    "{kind} channel BER {ber:g} is below {threshold}: the channel {a} … {b} is "
                    "excluded; customers rarely accept a BER result, so confirm with a ping test "
                    "(3.3(3))",
                    kind=kind,
                    ber=ber,
                    threshold=t.source("ber_errors"),
                    a=seg.from_,
                    b=seg.to,
                ),
                evidence=[ctx.cite(key)],
                next_steps=[ping_test_step(ctx)],
            )
        ]
    severe = ber >= t["ber_exc"]
    span = _span_text(ctx, seg)
    cause = (
        tr(
            "The {kind} channel BER {ber:g} is excessive (signal fail, {threshold}): the fault "
            "is in the carrier channel {span}",
            kind=kind,
            ber=ber,
            threshold=t.source("ber_exc"),
            span=span,
        )
        if severe
        else tr(
            "The {kind} channel BER {ber:g} is at or above {threshold}: the fault is in the "
            "carrier channel {span}",
            kind=kind,
            ber=ber,
            threshold=t.source("ber_errors"),
            span=span,
        )
    )
    stations = [e.id for e in ctx.path.span(seg)[0] if e.end == "transport"]
    split = (
        tr(
            "Split the channel: loop back at the DDF of {station} and test each half from its "
            "end ({minutes} min each, {pattern}).",
            station=stations[len(stations) // 2],
            minutes=int(t["ber_test_min"]),
            pattern=ber_pattern(kind),
        )
        if stations
        else tr("Test each E1 cable between {x} and {y} on its own.", x=x, y=y)
    )
    return [
        finding(
            rule=rid,
            procedure="3.3",
            title=tr("{kind} channel test shows bit errors (BER {ber:g})", kind=kind, ber=ber),
            segment=seg,
            owner=ctx.owner(seg),
            confidence=CONF_BER_ERRORS,
            cause=cause,
            evidence=[ctx.cite(key)],
            next_steps=[
                *ddf_test_step(ctx, tr(" It tells which end to dispatch to first (R-TEST-4).")),
                split,
                tr(
                    "Measure the received optical power at {a} and {b}: power above the overload "
                    "point gives bit errors with no other alarm (R-OPT-2); add an attenuator if "
                    "so.",
                    a=ctx.path.end("a").cpe,
                    b=ctx.path.end("b").cpe,
                ),
            ],
        )
    ]


@rule(
    "e1-channel-ber",
    ("3.3",),
    "3.3",
    mark("E1 channel BER test: errors localise to the carrier channel, clean excludes it"),
    ("test.e1.ber",),
)
def e1_channel_ber(ctx: Context) -> list[Finding]:
    return _ber_rule(ctx, "e1-channel-ber", "test.e1.ber", "E1", E1_INTERFACES)


@rule(
    "v35-channel-ber",
    ("3.3",),
    "3.3",
    mark("V.35 channel BER test: errors localise to the channel between the V.35 ports"),
    ("test.v35.ber",),
    applies=by_path(
        lambda ctx: any(ctx.path.end(s).interface in V35_INTERFACES for s in ("a", "b"))
    ),
)
def v35_channel_ber(ctx: Context) -> list[Finding]:
    return _ber_rule(ctx, "v35-channel-ber", "test.v35.ber", "V.35", V35_INTERFACES)


# --------------------------------------------------------------------------- 3.3(4) R-TEST-4


def _seen_words(seen: list[str]) -> str:
    """What the online test saw from one end: AIS, bit errors, or both."""
    if len(seen) > 1:
        return tr("AIS and bit errors")
    return "AIS" if seen == ["AIS"] else tr("bit errors")


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
    mark("online DDF test: AIS / errors from one end -> dispatch to that end first"),
    ("test.ddf.ais_from", "test.ddf.errors_from"),
)
def ddf_online_direction(ctx: Context) -> list[Finding]:
    seen = {
        what: v
        for what, key in (("AIS", "test.ddf.ais_from"), ("errors", "test.ddf.errors_from"))
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
                title=tr("Online DDF test: no AIS and no errors from either end"),
                segment=None,
                owner="unknown",
                confidence=0.8,
                cause=tr(
                    "The bridged test at {ddf} saw neither AIS nor bit errors coming from either "
                    "end while it ran",
                    ddf=station or tr("the DDF"),
                ),
                evidence=evidence,
                next_steps=[
                    tr(
                        "For an intermittent fault leave the bridged tester on for 24 h (M.2100 "
                        "in-service test) and report again."
                    )
                ],
            )
        ]
    conflict = len(set(seen.values())) > 1
    out = []
    for side in sorted(set(seen.values())):
        what = _seen_words([w for w, v in seen.items() if v == side])
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
        ddf = station or tr("the DDF")
        cause = tr(
            "The online test at {ddf} sees {what} coming from the {end} end ({site}, {arrow}): "
            "the fault lies between {cpe} and the DDF, {span}. AIS is inserted by carrier "
            "equipment that lost its input; had the customer's E1 into {cpe} failed, its "
            "tributary port would show LOS in the NMS (step 3.1)",
            ddf=ddf,
            what=what,
            end=side.upper(),
            site=end.site,
            arrow=arrow,
            cpe=end.cpe,
            span=_span_text(ctx, seg),
        )
        if conflict:
            cause += tr("; the other end shows the other symptom: two problems, or a misread test")
        steps = [
            tr(
                "Dispatch to {site} first ({cpe}) with a BER tester and spare E1 cables / DDF "
                "jumpers: loop {cpe}'s E1 line side back towards the network and test from the "
                "DDF at {ddf} ({minutes} min, {pattern}); errors or AIS on the loop put the fault "
                "between the DDF and {cpe}, a clean loop puts it in the DDF's own jumpers and the "
                "station port.",
                site=end.site,
                cpe=end.cpe,
                ddf=ddf,
                minutes=int(ctx.thresholds["ber_test_min"]),
                pattern=ber_pattern("E1"),
            ),
            tr(
                "Before leaving, read {cpe}'s tributary and line alarms in the NMS: LOS on its "
                "tributary puts the fault in the customer's E1 into it ({router}).",
                cpe=end.cpe,
                router=wan_element(ctx, side),
            ),
        ]
        if station is None:
            told = ctx.answer("test.ddf.at")
            steps.append(
                tr(
                    "Report at which station the test was bridged (test.ddf.at) ({told!r} is "
                    "not on this circuit's path).",
                    told=told,
                )
                if told
                else tr("Report at which station the test was bridged (test.ddf.at).")
            )
        out.append(
            finding(
                rule="ddf-online-direction",
                procedure="R-TEST-4",
                title=tr(
                    "Online DDF test: {what} from the {end} end; dispatch to {site} first",
                    what=what,
                    end=side.upper(),
                    site=end.site,
                ),
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

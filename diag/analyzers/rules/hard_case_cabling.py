"""Sections 4.3 and 4.4 of the procedure: power interference and grounding (R-HC-3), 75/120 ohm
E1 ports joined without a converter (R-HC-4a) and non-conforming customer-purchased E1 devices
(R-HC-4b).  The end signs shared by every hard case are read in rules/hard_cases.py.
"""

from __future__ import annotations

from diag.analyzers.context import SIDES, Context
from diag.analyzers.registry import by_path, rule
from diag.analyzers.rules.hard_case_signs import _crc_ev
from diag.analyzers.rules.hard_cases import (
    _E1_OHMS,
    _SWAPS_ALL,
    _applies_router_symptom,
    _ber_clean,
    _cites,
    _e1_seg,
    _finding,
    _symptomatic,
    all_signs,
)
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding

# --------------------------------------------------------------------------- R-HC-3 (4.3)  # noqa: ERA001

CONF_HC3_PATTERN = 0.5  # clean channel + irregular CRC growth at the customer port
CONF_HC3_SWAPPED = 0.7  # ... and replacing equipment and channels did not help (all of 4.3)
HC3_CABLING = 0.15  # ... and the E1 cable is seen near power cables (what the case found)


@rule(
    "power-interference",
    ("R-HC-3",),
    "4.3",
    mark(
        "clean channel, irregular CRC growth at the customer port, swaps useless: power "
        "interference"
    ),
    ("test.e1.ber", "symptom.pattern"),
    applies=_applies_router_symptom,
    needs_any=False,
)
def power_interference(ctx: Context) -> list[Finding]:
    t = ctx.thresholds
    clean, ber_ev = _ber_clean(ctx)
    if not clean or ctx.answer("symptom.pattern") != "irregular":
        return []
    swaps = {k: ctx.answer(k) for k in _SWAPS_ALL}
    if "fixed" in swaps.values() or ctx.answer("swap.customer_router") == "fixed":
        return []  # a replaced part was the cause
    swapped = sum(v == "no-change" for v in swaps.values())
    out = []
    for side, signs in all_signs(ctx).items():
        end = ctx.path.end(side)
        near = ctx.answer(f"{side}.e1_cable.near_power_cables")
        if signs.crc is None or near == "no":
            continue  # no growth at this customer port, or its cabling was checked and is clean
        conf = CONF_HC3_SWAPPED if swapped >= 2 else CONF_HC3_PATTERN
        if near == "yes":
            conf += HC3_CABLING
        seg = _e1_seg(ctx, side)
        cm = t["hc_power_separation_cm"]
        cause = (
            tr(
                "CRC errors grow irregularly at {site}'s customer port ({router} {wan}) while "
                "the channel tests clean",
                site=end.site,
                router=end.router,
                wan=end.wan_interface,
            )
            + (tr("; replacing equipment and channels changed nothing") if swapped >= 2 else "")
            + (tr("; the E1 cable runs near or across power cables") if near == "yes" else "")
            + tr(
                ": electrical interference from power cabling (or poor grounding) in the "
                "customer's equipment room (case 4.3)"
            )
        )
        steps = [
            tr(
                "Trace the E1 cable at {site} (under the raised floor too): where it runs near or "
                "across AC/DC power cables, move it and watch the CRC counter (case 4.3: moving "
                "the cable stopped the loss at once).",
                site=end.site,
            ),
            tr(
                "Re-route it at least {cm} cm from every power cable and isolate the AC power "
                "cables in metal conduit; check the room's grounding.",
                cm=f"{cm:g}",
            ),
        ]
        if near is None:
            steps.insert(
                0,
                tr(
                    "Ask on site: {site}'s E1 cable near power cables, or poor grounding? [{key}]",
                    site=end.site,
                    key=f"{side}.e1_cable.near_power_cables",
                ),
            )
        ev = [_crc_ev(signs.crc), *([ber_ev] if ber_ev else [])]
        ev += _cites(ctx, ("symptom.pattern", *_SWAPS_ALL, f"{side}.e1_cable.near_power_cables"))
        out.append(
            _finding(
                "power-interference",
                "R-HC-3",
                tr("power interference on the E1 cable at {site}", site=end.site),
                seg,
                "customer",  # the room and its cabling are the customer's premises
                conf,
                cause,
                ev,
                steps,
            )
        )
    return out


# --------------------------------------------------------------------------- R-HC-4 (4.4)  # noqa: ERA001

CONF_HC4A_WIRED = 0.8  # mismatch, no converter, loss, clean BER: the article's pattern exactly
CONF_HC4A_NO_CONVERTER_UNKNOWN = 0.55  # mismatch seen, converter not checked yet
HC4A_BER_ERRORS = 0.2  # bit errors found: the hidden pattern does not hold, other causes too
HC4A_BER_UNKNOWN = 0.1


def _applies_e1_end(ctx: Context) -> bool:
    return _symptomatic(ctx) and any(ctx.path.end(s).interface in _E1_OHMS for s in SIDES)


@rule(
    "e1-impedance-mismatch",
    ("R-HC-4a",),
    "4.4",
    mark("75 ohm and 120 ohm E1 ports joined without a converter: loss with a clean BER"),
    ("{s}.cpe.e1_ohms",),
    applies=_applies_e1_end,
)
def e1_impedance_mismatch(ctx: Context) -> list[Finding]:
    clean, ber_ev = _ber_clean(ctx)
    out = []
    for side, signs in all_signs(ctx).items():
        end = ctx.path.end(side)
        customer = _E1_OHMS.get(end.interface)
        cpe = ctx.answer(f"{side}.cpe.e1_ohms")
        converter = ctx.answer(f"{side}.e1.impedance_converter")
        if customer is None or cpe is None or cpe == customer or converter == "yes":
            continue
        if not (signs.loss or signs.crc):
            continue
        conf = CONF_HC4A_WIRED if converter == "no" else CONF_HC4A_NO_CONVERTER_UNKNOWN
        if clean is False:
            conf -= HC4A_BER_ERRORS
        elif clean is None:
            conf -= HC4A_BER_UNKNOWN
        seg = _e1_seg(ctx, side)
        near = end.router or end.converter or tr("the customer equipment")
        cause = tr(
            "at {site} the customer side is {ohms} ohm (inventory: {interface}) and {cpe}'s E1 "
            "port is {cpe_ohms} ohm, joined {joined}{lost}",
            site=end.site,
            ohms=customer,
            interface=end.interface.value,
            cpe=end.cpe,
            cpe_ohms=cpe,
            joined=(
                tr("directly, with no 75/120 ohm converter")
                if converter == "no"
                else tr("with no converter recorded")
            ),
            lost=(
                tr(
                    "; packets are lost with a clean BER as the interfaces age: impedance "
                    "mismatch or E1 interface degradation (case 4.4)"
                )
                if clean
                else tr(
                    "; packets are lost as the interfaces age: impedance mismatch or E1 "
                    "interface degradation (case 4.4)"
                )
            ),
        )
        steps = [
            tr(
                "Fit the required 75/120 ohm impedance converter between {cpe} and {near}.",
                cpe=end.cpe,
                near=near,
            ),
            tr(
                "Check {cpe}'s E1 tributary port and {near}'s E1 port for degradation (aged "
                "equipment); replace a degraded port.",
                cpe=end.cpe,
                near=near,
            ),
        ]
        if converter is None:
            steps.insert(
                0,
                tr(
                    "Check on site whether a 75/120 ohm converter is fitted at {site} [{key}].",
                    site=end.site,
                    key=f"{side}.e1.impedance_converter",
                ),
            )
        ev = [
            Evidence(
                observation=None,
                text=tr(
                    "inventory: {site} end interface {interface} ({ohms} ohm)",
                    site=end.site,
                    interface=end.interface.value,
                    ohms=customer,
                ),
            ),
            *_cites(ctx, (f"{side}.cpe.e1_ohms", f"{side}.e1.impedance_converter")),
            *signs.evidence(),
            *([ber_ev] if ber_ev else []),
        ]
        out.append(
            _finding(
                "e1-impedance-mismatch",
                "R-HC-4a",
                tr("75/120 ohm E1 mismatch at {site}", site=end.site),
                seg,
                "carrier",  # fitting the converter is the operator's installation rule
                conf,
                cause,
                ev,
                steps,
            )
        )
    return out


CONF_HC4B_BURN = 0.85  # burn marks at the E1 connection: physical damage, as in the case
CONF_HC4B_ERRORS = 0.75  # repeated failures with bit errors on the channel test
CONF_HC4B_FAILURES = 0.55  # repeated failures alone: many causes fail a line repeatedly


def _applies_customer_cpe(ctx: Context) -> bool:
    return any(ctx.path.end(s).cpe_owner == "customer" for s in SIDES)


@rule(
    "customer-cpe-nonconforming",
    ("R-HC-4b",),
    "4.4",
    mark(
        "customer-purchased E1 device on operator SDH failing often or burnt: out-of-spec interface"
    ),
    ("{s}.cpe.high_failure_rate", "{s}.cpe.burn_marks"),
    applies=by_path(_applies_customer_cpe),
)
def customer_cpe_nonconforming(ctx: Context) -> list[Finding]:
    clean, ber_ev = _ber_clean(ctx)
    out = []
    for side in SIDES:
        end = ctx.path.end(side)
        if end.cpe_owner != "customer":
            continue
        burn = ctx.answer(f"{side}.cpe.burn_marks") == "yes"
        failing = ctx.answer(f"{side}.cpe.high_failure_rate") == "yes"
        if not (burn or failing):
            continue
        if burn:
            conf = CONF_HC4B_BURN
        elif clean is False:
            conf = CONF_HC4B_ERRORS
        else:
            conf = CONF_HC4B_FAILURES
        i = ctx.path.index(end.cpe)
        j = i + 1 if side == "a" else i - 1
        neighbour = ctx.path.elements[j]
        on = (
            tr(
                "directly on the operator's {kind} {ne}",
                kind=neighbour.kind.upper(),
                ne=neighbour.id,
            )
            if neighbour.kind in ("sdh", "msap", "pdh") and neighbour.owner == "carrier"
            else tr("next to {ne}", ne=neighbour.id)
        )
        what = []
        if burn:
            what.append(tr("burn marks at the E1 connection"))
        if failing:
            what.append(tr("a high failure rate"))
        if clean is False:
            what.append(tr("bit errors on the channel test"))
        cause = tr(
            "{cpe} at {site} is the customer's own E1 device, wired {on}, with {signs}: its E1 "
            "interface is suspected out of spec for the operator's SDH (case 4.4, the "
            "public-security PDH)",
            cpe=end.cpe,
            site=end.site,
            on=on,
            signs=tr(" and ").join(what),
        )
        seg = ctx.seg(end.cpe)
        steps = [
            tr(
                "Require the customer to replace {cpe} with certified equipment from a regular "
                "manufacturer (the documented fix).",
                cpe=end.cpe,
            ),
            tr(
                "Inspect {ne}'s tributary port facing {cpe} for damage and burn marks; move the "
                "circuit to a spare port or replace the tributary board.",
                ne=neighbour.id,
                cpe=end.cpe,
            ),
        ]
        ev = _cites(ctx, (f"{side}.cpe.burn_marks", f"{side}.cpe.high_failure_rate"))
        owned = tr("inventory: {cpe} is owned by the customer", cpe=end.cpe)
        ev.append(Evidence(observation=None, text=owned))
        ev += [ber_ev] if ber_ev else []
        out.append(
            _finding(
                "customer-cpe-nonconforming",
                "R-HC-4b",
                tr("non-conforming customer E1 device {cpe}", cpe=end.cpe),
                seg,
                "customer",
                conf,
                cause,
                ev,
                steps,
            )
        )
    return out

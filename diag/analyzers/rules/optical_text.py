"""Step 3.2, the optical rules' findings in words: R-OPT-1's loss of light with what the two
questions added, and R-OPT-2's finding for one received power against its receiver's limits
(with the confidence each case earns).  The rules themselves are in rules/optical.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from diag.analyzers.context import Context
from diag.analyzers.rules.customer import Kind, _finding, name
from diag.i18n import tr
from diag.model.findings import Evidence, Finding

if TYPE_CHECKING:
    from diag.analyzers.rules.optical import Assumed, PowerCheck, PowerState, Reading


def _loss_of_light_cause(cpe: str, opp: str, link: str, work: bool, digging: bool) -> str:
    """What the lamp says, and what the two questions added (one message per case)."""
    if work and digging:
        return tr(
            "{cpe} reports loss of light on the fibre from {opp} ({link}): generally a "
            "fibre-cable fault; cables were recently moved or tidied at the site and there is "
            "construction nearby",
            cpe=cpe,
            opp=opp,
            link=link,
        )
    if work:
        return tr(
            "{cpe} reports loss of light on the fibre from {opp} ({link}): generally a "
            "fibre-cable fault; cables were recently moved or tidied at the site",
            cpe=cpe,
            opp=opp,
            link=link,
        )
    if digging:
        return tr(
            "{cpe} reports loss of light on the fibre from {opp} ({link}): generally a "
            "fibre-cable fault; there is construction nearby",
            cpe=cpe,
            opp=opp,
            link=link,
        )
    return tr(
        "{cpe} reports loss of light on the fibre from {opp} ({link}): generally a fibre-cable "
        "fault",
        cpe=cpe,
        opp=opp,
        link=link,
    )


def _ber(ctx: Context) -> tuple[float | None, bool]:
    ber = ctx.answer_float("test.e1.ber")
    return ber, ber is not None and ber >= ctx.thresholds["ber_errors"]


def _power_confidence(state: PowerState, measured: bool, errors: bool, assumed: Assumed) -> float:
    # Overload: a measurement over the device's own overload point is the article's case itself
    # (0.9, 0.95 with the bit errors it causes).  Inventory figures alone are book values that the
    # article tells us to verify by measuring (0.6: suspected); with E1 bit errors they match the
    # article's symptom (0.8).  Too weak: the receiver is outside its range, same grading.
    # Marginal / near overload: a risk, a fault only when bit errors are seen (0.5).
    if state in ("overload", "too-weak"):
        conf = (0.95 if errors else 0.9) if measured else (0.8 if errors else 0.6)
    else:
        conf = 0.5
    # When the limit that decides is a default, not the device's figure: overload points of PDH
    # optics cluster near the article's -8 dBm (-0.15), sensitivities spread over ~10 dB between
    # optics classes (-0.3: a "too weak" against the default is a suspicion only).
    limit = "overload" if state in ("overload", "near-overload") else "sensitivity"
    if limit in assumed:
        conf -= 0.15 if limit == "overload" else 0.3
    return conf


def _power_finding(ctx: Context, r: Reading, check: PowerCheck, assumed: Assumed) -> Finding:
    ber, errors = _ber(ctx)
    lk = r.link
    link = name(lk)
    seg = ctx.seg(lk.from_, lk.to)
    ev = list(r.evidence) or [
        Evidence(observation=None, text=tr("inventory link {link}: {how}", link=lk.id, how=r.how))
    ]
    if ber is not None:
        ev.append(ctx.cite("test.e1.ber"))
    over, sens = check.overload_dbm, check.sensitivity_dbm
    spec = (
        tr(
            "overload {overload:g} dBm, sensitivity {sensitivity:g} dBm (assumed: {assumed})",
            overload=over,
            sensitivity=sens,
            assumed=tr("; ").join(assumed.values()),
        )
        if assumed
        else tr(
            "overload {overload:g} dBm, sensitivity {sensitivity:g} dBm",
            overload=over,
            sensitivity=sens,
        )
    )
    symptom = tr("; the E1 channel test shows bit errors (BER {ber:g})", ber=ber) if errors else ""
    kind: Kind = "fault"
    how = r.how
    if check.state == "overload":
        target = check.rx_dbm - check.attenuate_db
        title = tr("optical overload on {link}", link=link)
        cause = tr(
            "received optical power {how} is {above:g} dB above the receiver's overload point "
            "({spec}): too much light causes E1 bit errors{symptom}",
            how=how,
            above=check.attenuate_min_db,
            spec=spec,
            symptom=symptom,
        )
        steps = [
            tr(
                "Add an optical attenuator of at least {least:g} dB on {link}; {recommended:g} dB "
                "recommended (received {target:g} dBm, {margin:g} dB margin below overload).",
                least=check.attenuate_min_db,
                link=link,
                recommended=check.attenuate_db,
                target=target,
                margin=ctx.thresholds["optical_overload_margin_db"],
            ),
        ]
        if not r.measured:
            steps.insert(
                0,
                tr(
                    "Measure the actual received power at both ends of {link} with a power meter "
                    "before fitting the attenuator (the figures are from the inventory).",
                    link=link,
                ),
            )
        steps.append(tr("Re-run the E1 channel test after fitting it: the bit errors should stop."))
    elif check.state == "too-weak":
        title = tr("optical power below sensitivity on {link}", link=link)
        cause = tr(
            "received optical power {how} is below the receiver's sensitivity ({spec}): the link "
            "cannot work reliably{symptom}",
            how=how,
            spec=spec,
            symptom=symptom,
        )
        steps = [
            tr(
                "Clean and re-seat the connectors of {link}; check patch cords for bends.",
                link=link,
            ),
            tr(
                "OTDR the fibre for excess loss (splices, bends); check the far transmitter's "
                "launch power in the NMS."
            ),
        ]
    elif check.state == "near-overload":
        title = tr("optical power near overload on {link}", link=link)
        cause = tr(
            "received optical power {how} is within {margin:g} dB of the receiver's overload "
            "point ({spec}){symptom}",
            how=how,
            margin=ctx.thresholds["optical_overload_margin_db"],
            spec=spec,
            symptom=symptom,
        )
        steps = [
            tr(
                "Measure the received power at both ends of {link}; add a small attenuator.",
                link=link,
            )
        ]
        kind = "fault" if errors else "info"
    else:
        title = tr("optical power marginal on {link}", link=link)
        cause = tr(
            "received optical power {how} is within {margin:g} dB of the receiver's sensitivity "
            "({spec}){symptom}",
            how=how,
            margin=ctx.thresholds["optical_margin_db"],
            spec=spec,
            symptom=symptom,
        )
        steps = [
            tr(
                "Measure the received power at both ends of {link}; clean connectors, check "
                "splices.",
                link=link,
            )
        ]
        kind = "fault" if errors else "info"
    conf = _power_confidence(check.state, r.measured, errors, assumed)
    return _finding(
        ctx,
        "optical-power-budget",
        "R-OPT-2",
        title,
        seg,
        conf if kind == "fault" else 1.0,
        cause,
        ev,
        steps,
        kind=kind,
        direction=r.direction,
    )


def _explained(state: PowerState, link: str, rx: float) -> str:
    """Bit errors that a fibre's power state explains (one message per state)."""
    if state == "overload":
        return tr(
            "bit errors with no other alarm, and {link} receives {rx:g} dBm (overload); see the "
            "optical-power-budget finding",
            link=link,
            rx=rx,
        )
    if state == "near-overload":
        return tr(
            "bit errors with no other alarm, and {link} receives {rx:g} dBm (near-overload); see "
            "the optical-power-budget finding",
            link=link,
            rx=rx,
        )
    if state == "too-weak":
        return tr(
            "bit errors with no other alarm, and {link} receives {rx:g} dBm (too-weak); see the "
            "optical-power-budget finding",
            link=link,
            rx=rx,
        )
    return tr(
        "bit errors with no other alarm, and {link} receives {rx:g} dBm (marginal); see the "
        "optical-power-budget finding",
        link=link,
        rx=rx,
    )

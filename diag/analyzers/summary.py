"""The customer-facing summary and the comparison with an earlier diagnosis.  Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

from diag.i18n import mark, tr, tr_marked
from diag.model.findings import Comparison, CustomerSummary, Finding, FindingsDocument, Verdict
from diag.model.observations import (
    AlarmObservation,
    AnswerObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath


def _line_test(
    observations: Sequence[Observation],
) -> tuple[float | None, float | None, str | None]:
    """The test customers accept (article 3.3(3)): ping bypassing the LAN, router WAN or laptop."""
    router = [
        o for o in observations if isinstance(o, PingObservation) and o.origin_kind == "router"
    ]
    if router:
        worst = max(router, key=lambda o: o.loss_pct)
        return (
            worst.loss_pct,
            worst.rtt_mean_ms,
            tr(
                "ping from router {origin} WAN to {target}, {sent} probes",
                origin=worst.origin,
                target=worst.target,
                sent=worst.sent,
            ),
        )
    answers = {o.key: o.value for o in observations if isinstance(o, AnswerObservation)}
    if "test.laptop_ping.loss_pct" in answers:
        rtt = answers.get("test.laptop_ping.rtt_ms")
        return (
            float(answers["test.laptop_ping.loss_pct"]),
            float(rtt) if rtt else None,
            tr("ping between laptops at both ends, bypassing the LANs"),
        )
    host = [o for o in observations if isinstance(o, PingObservation)]
    if host:
        worst = max(host, key=lambda o: o.loss_pct)
        return (
            worst.loss_pct,
            worst.rtt_mean_ms,
            tr("ping from {origin} to {target}", origin=worst.origin, target=worst.target),
        )
    return None, None, None


_SIDE = {
    "carrier": mark("in the operator's network"),
    "customer": mark("in your own equipment or LAN"),
    "unknown": mark("on the line"),
}


def _verdict_words(verdict: Verdict) -> list[str]:
    """What the customer is told about the verdict: the fault that matters to them (the
    headline, by service impact), and that a second one is theirs or ours; the operator is said
    to be repairing only a localized carrier fault."""
    faults = verdict.faults
    if verdict.status == "healthy":
        return [tr("No fault was found on the line.")]
    if verdict.status == "inconclusive" or not faults:
        return [
            tr(
                "The checks are not finished: we could not yet read everything needed to say "
                "where the trouble is."
            )
        ]
    head = faults[0]
    seg = head.segment
    where = tr(
        "{side} ({start} to {end})", side=tr_marked(_SIDE[head.owner]), start=seg.from_, end=seg.to
    )
    out = []
    if verdict.status == "fault_localized":
        out.append(tr("The fault has been located {where}.", where=where))
        if head.owner == "carrier":
            out.append(tr("The operator is repairing it."))
        elif head.owner == "customer":
            out.append(tr("We will help you check your equipment."))
    else:
        out.append(tr("The fault is probably {where}; we are still checking.", where=where))
    for f in faults[1:]:
        if f.owner != head.owner and f.owner in ("customer", "carrier"):
            whose = (
                tr("your own equipment") if f.owner == "customer" else tr("the operator's network")
            )
            out.append(
                tr(
                    "A second problem was found in {whose} ({start} to {end}).",
                    whose=whose,
                    start=f.segment.from_,
                    end=f.segment.to,
                )
            )
            break
    return out


def customer_summary(
    path: CircuitPath, observations: Sequence[Observation], verdict: Verdict
) -> CustomerSummary:
    loss, rtt, how = _line_test(observations)
    parts = []
    if loss is not None:
        lat = tr(", average latency {rtt} ms", rtt=f"{rtt:.0f}") if rtt is not None else ""
        parts.append(
            tr(
                "Line test ({how}): {loss}% packet loss{latency}.",
                how=how,
                loss=f"{loss:.1f}",
                latency=lat,
            )
        )
    parts.extend(_verdict_words(verdict))
    return CustomerSummary(text=tr(" ").join(parts), loss_pct=loss, latency_ms=rtt, measured_by=how)


def _keys(doc: FindingsDocument) -> dict[str, str]:
    """What a fault ticket follows: the verdict's faults and the alarms that count against the
    circuit (context alarms on other circuits' ports are not this ticket's)."""
    out = {}
    if doc.verdict.faults:
        for f in doc.verdict.faults:
            refs = ",".join(f.procedure)
            out[f"fault {refs} {f.segment.from_}…{f.segment.to}"] = f.summary
    else:  # a document older than schema 1.2
        for fd in doc.findings:
            if fd.kind == "fault" and fd.segment:
                out[f"fault {fd.procedure} {fd.segment.from_}…{fd.segment.to}"] = fd.title
    not_counted = {c.observation for c in doc.context} | {
        n.observation for n in doc.inventory_notes
    }
    for o in doc.observations:
        if isinstance(o, AlarmObservation) and o.id not in not_counted:
            if o.severity.value == "cleared":
                continue
            out[f"alarm {o.ne} {o.port or ''} {o.vendor_name}".replace("  ", " ")] = o.vendor_name
    return out


def compare(current: FindingsDocument, previous: FindingsDocument) -> Comparison:
    """What cleared, what persists and what is new since `previous` (same circuit)."""
    now, before = _keys(current), _keys(previous)
    cleared = sorted(set(before) - set(now))
    persisting = sorted(set(before) & set(now))
    new = sorted(set(now) - set(before))
    if not persisting and not new and current.verdict.status == "healthy":
        summary = tr(
            "Fixed: {cleared} fault/alarm item(s) cleared since {when}, nothing new.",
            cleared=len(cleared),
            when=f"{previous.run.started:%Y-%m-%d %H:%M}",
        )
    elif persisting:
        summary = tr(
            "Not fixed: {persisting} item(s) persist, {cleared} cleared, {new} new.",
            persisting=len(persisting),
            cleared=len(cleared),
            new=len(new),
        )
    else:
        summary = tr("Changed: {cleared} cleared, {new} new.", cleared=len(cleared), new=len(new))
    return Comparison(
        previous_started=previous.run.started,
        previous_status=previous.verdict.status,
        cleared=cleared,
        persisting=persisting,
        new=new,
        summary=summary,
    )


__all__ = ["Finding", "compare", "customer_summary"]

"""The customer-facing summary and the comparison with an earlier diagnosis.  Pure functions."""

from __future__ import annotations

from collections.abc import Sequence

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
            (f"ping from router {worst.origin} WAN to {worst.target}, {worst.sent} probes"),
        )
    answers = {o.key: o.value for o in observations if isinstance(o, AnswerObservation)}
    if "test.laptop_ping.loss_pct" in answers:
        rtt = answers.get("test.laptop_ping.rtt_ms")
        return (
            float(answers["test.laptop_ping.loss_pct"]),
            float(rtt) if rtt else None,
            ("ping between laptops at both ends, bypassing the LANs"),
        )
    host = [o for o in observations if isinstance(o, PingObservation)]
    if host:
        worst = max(host, key=lambda o: o.loss_pct)
        return worst.loss_pct, worst.rtt_mean_ms, f"ping from {worst.origin} to {worst.target}"
    return None, None, None


_SIDE = {
    "carrier": "in the operator's network",
    "customer": "in your own equipment or LAN",
    "unknown": "on the line",
}


def _verdict_words(verdict: Verdict) -> list[str]:
    """What the customer is told about the verdict: the fault that matters to them (the
    headline, by service impact), and that a second one is theirs or ours; the operator is said
    to be repairing only a localized carrier fault."""
    faults = verdict.faults
    if verdict.status == "healthy":
        return ["No fault was found on the line."]
    if verdict.status == "inconclusive" or not faults:
        return [
            "The checks are not finished: we could not yet read everything needed to say "
            "where the trouble is."
        ]
    head = faults[0]
    seg = head.segment
    where = f"{_SIDE[head.owner]} ({seg.from_} to {seg.to})"
    out = []
    if verdict.status == "fault_localized":
        out.append(f"The fault has been located {where}.")
        if head.owner == "carrier":
            out.append("The operator is repairing it.")
        elif head.owner == "customer":
            out.append("We will help you check your equipment.")
    else:
        out.append(f"The fault is probably {where}; we are still checking.")
    for f in faults[1:]:
        if f.owner != head.owner and f.owner in ("customer", "carrier"):
            whose = "your own equipment" if f.owner == "customer" else "the operator's network"
            out.append(
                f"A second problem was found in {whose} ({f.segment.from_} to {f.segment.to})."
            )
            break
    return out


def customer_summary(
    path: CircuitPath, observations: Sequence[Observation], verdict: Verdict
) -> CustomerSummary:
    loss, rtt, how = _line_test(observations)
    parts = []
    if loss is not None:
        lat = f", average latency {rtt:.0f} ms" if rtt is not None else ""
        parts.append(f"Line test ({how}): {loss:.1f}% packet loss{lat}.")
    parts.extend(_verdict_words(verdict))
    return CustomerSummary(text=" ".join(parts), loss_pct=loss, latency_ms=rtt, measured_by=how)


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
        summary = (
            f"Fixed: {len(cleared)} fault/alarm item(s) cleared since "
            f"{previous.run.started:%Y-%m-%d %H:%M}, nothing new."
        )
    elif persisting:
        summary = (
            f"Not fixed: {len(persisting)} item(s) persist, {len(cleared)} cleared, {len(new)} new."
        )
    else:
        summary = f"Changed: {len(cleared)} cleared, {len(new)} new."
    return Comparison(
        previous_started=previous.run.started,
        previous_status=previous.verdict.status,
        cleared=cleared,
        persisting=persisting,
        new=new,
        summary=summary,
    )


__all__ = ["Finding", "compare", "customer_summary"]

"""Recurrence over stored diagnoses: pure functions, tested from data like the rules.

A fault *begins* in a diagnosis when its key (its segment, or one of its rule ids) is there and
was not there in the circuit's previous decisive diagnosis (healthy or faulty; an inconclusive
one proves neither and is passed over).  A sweep every 15 minutes that sees one long outage 40
times records one beginning, not 40.  See docs/history.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from diag.history.models import Chronic
from diag.history.settings import CHRONIC_COUNT, CHRONIC_DAYS, CONTAINMENT
from diag.model.findings import Status

__all__ = ["CHRONIC_COUNT", "CHRONIC_DAYS", "CONTAINMENT", "Event", "after_ticket", "recurring"]

Key = tuple[str, str]  # ("segment", "a..b") | ("rule", "rule-id")


@dataclass(frozen=True)
class Event:
    """One diagnosis as recurrence sees it: its counted faults' segments and rules."""

    id: int
    circuit: str
    customer: str
    started: datetime
    status: Status
    ticket: str | None = None
    segments: frozenset[str] = field(default_factory=frozenset)
    rules: frozenset[str] = field(default_factory=frozenset)

    def keys(self) -> set[Key]:
        return {("segment", s) for s in self.segments} | {("rule", r) for r in self.rules}


def ordered(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.started, e.id))


def beginnings(events: Sequence[Event]) -> Iterator[tuple[Event, set[Key]]]:
    """For one circuit's events (oldest first): each decisive event and the keys that begin there."""
    previous: set[Key] = set()
    for e in events:
        if e.status == "inconclusive":
            continue
        keys = e.keys()
        yield e, keys - previous
        previous = keys


def recurring(
    events: Sequence[Event], *, count: int, since: datetime, now: datetime
) -> list[Chronic]:
    """The segments and rules of one circuit that began at least `count` times in [since, now]."""
    seen: dict[Key, list[Event]] = {}
    for e, new in beginnings(events):
        if since <= e.started <= now:
            for k in new:
                seen.setdefault(k, []).append(e)
    out = []
    for (reason, key), evs in sorted(seen.items()):
        if len(evs) >= count:
            out.append(
                Chronic(
                    circuit=evs[0].circuit,
                    customer=evs[-1].customer,
                    reason="segment" if reason == "segment" else "rule",
                    key=key,
                    occurrences=len(evs),
                    first=evs[0].started,
                    last=evs[-1].started,
                    diagnoses=[e.id for e in evs],
                )
            )
    return out


def closures(events: Sequence[Event]) -> dict[str, Event]:
    """Each ticket's closing diagnosis: the first healthy one recorded under its number (the
    re-run after repair, DOMAIN.md §4)."""
    out: dict[str, Event] = {}
    for e in events:
        if e.ticket and e.status == "healthy" and e.ticket not in out:
            out[e.ticket] = e
    return out


def after_ticket(
    events: Sequence[Event], *, since: datetime, now: datetime, ticket: str | None = None
) -> list[Chronic]:
    """One circuit's closed tickets whose fault (same segment or rule) began again after the
    closure, at least once within [since, now].  `first` is the first recurrence after closure
    and `containment_due` 24 h after it."""
    out = []
    for number, closing in sorted(closures(events).items()):
        if ticket is not None and number != ticket:
            continue
        ticket_keys: set[Key] = set()
        for e in events:
            if e.ticket == number and (e.started, e.id) < (closing.started, closing.id):
                ticket_keys |= e.keys()
        if not ticket_keys:
            continue
        later = [e for e in events if (e.started, e.id) >= (closing.started, closing.id)]
        hits = [(e, new & ticket_keys) for e, new in beginnings(later) if e.started <= now]
        hits = [(e, keys) for e, keys in hits if keys]
        if not hits or not any(since <= e.started for e, _ in hits):
            continue
        first, keys = hits[0]
        _, key = min(keys, key=lambda k: (k[0] != "segment", k[1]))
        out.append(
            Chronic(
                circuit=first.circuit,
                customer=hits[-1][0].customer,
                reason="after-ticket",
                key=key,
                occurrences=len(hits),
                first=first.started,
                last=hits[-1][0].started,
                diagnoses=[e.id for e, _ in hits],
                ticket=number,
                closed=closing.started,
                containment_due=first.started + CONTAINMENT,
            )
        )
    return out


def sort_key(c: Chronic) -> tuple[str, int, str, str]:
    order = {"after-ticket": 0, "segment": 1, "rule": 2}
    return c.circuit, order[c.reason], c.key, c.ticket or ""

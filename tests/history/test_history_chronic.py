"""Chronic circuits and recurrence after a closed ticket, over a real SQLite store."""

from __future__ import annotations

from datetime import datetime, timedelta

from diag.history.store import HistoryStore
from tests.history.history_helpers import NOW, doc_at, with_status

AIS1_SEG = "ais1-pdh-1..ais1-sdh-a"
AIS1_RULE = "ais-upstream-localize"


def _record(store: HistoryStore, plan: list[tuple[str, datetime]], **kw: str) -> list[int]:
    """Record LAB-E1-AIS1 diagnoses: 'F' its real fault, 'H' healthy, 'I' inconclusive."""
    ids = []
    for what, at in plan:
        doc = doc_at("LAB-E1-AIS1", at, **kw)
        if what != "F":
            doc = with_status(doc, {"H": "healthy", "I": "inconclusive"}[what])
        ids.append(store.record(doc))
    return ids


def test_one_long_outage_seen_by_every_sweep_is_one_occurrence(store: HistoryStore) -> None:
    # a sweep every 15 minutes for 10 hours sees the same outage 40 times
    start = NOW - timedelta(hours=10)
    _record(store, [("F", start + timedelta(minutes=15 * i)) for i in range(40)])
    assert store.chronic(count=2, days=7, now=NOW) == []
    # counted per beginning, it is still one
    (seg,) = [c for c in store.chronic(count=1, days=7, now=NOW) if c.reason == "segment"]
    assert seg.occurrences == 1 and seg.first == start and seg.key == AIS1_SEG


def test_a_fault_that_comes_back_three_times_in_a_week_is_chronic(store: HistoryStore) -> None:
    day = timedelta(days=1)
    plan = [
        ("F", NOW - 6 * day),  # begins
        ("F", NOW - 6 * day + timedelta(minutes=15)),  # continues
        ("H", NOW - 5 * day),
        ("F", NOW - 4 * day),  # begins again
        ("I", NOW - 3 * day),  # the NMS could not be read: neither there nor gone
        ("F", NOW - 3 * day + timedelta(minutes=15)),  # continues: not a new beginning
        ("H", NOW - 2 * day),
        ("F", NOW - 1 * day),  # a third time
        ("F", NOW - 1 * day + timedelta(minutes=15)),
    ]
    ids = _record(store, plan)
    found = store.chronic(count=3, days=7, now=NOW)
    assert [(c.reason, c.key) for c in found] == [("segment", AIS1_SEG), ("rule", AIS1_RULE)]
    seg = found[0]
    assert seg.circuit == "LAB-E1-AIS1" and seg.customer == "Commercial Bank, branch 17"
    assert seg.occurrences == 3
    assert seg.diagnoses == [ids[0], ids[3], ids[7]]
    assert (seg.first, seg.last) == (NOW - 6 * day, NOW - 1 * day)
    assert seg.ticket is None and seg.containment_due is None
    assert store.chronic(count=4, days=7, now=NOW) == []
    # a narrower window holds fewer beginnings
    assert store.chronic(count=3, days=5, now=NOW) == []
    assert [c.occurrences for c in store.chronic(count=2, days=5, now=NOW)] == [2, 2]


def test_an_outage_that_began_before_the_window_does_not_begin_in_it(
    store: HistoryStore,
) -> None:
    day = timedelta(days=1)
    # began 9 days ago and never cleared; the window (7 days) holds only its continuation
    _record(store, [("F", NOW - 9 * day)] + [("F", NOW - d * day) for d in range(6, 0, -1)])
    assert store.chronic(count=1, days=7, now=NOW) == []
    # after a healthy diagnosis before the window, the first one inside does begin there
    _record(store, [("H", NOW - 30 * day), ("F", NOW - 29 * day)])
    assert store.chronic(count=1, days=7, now=NOW) == []


def test_a_fault_back_after_a_closed_ticket_needs_containment_in_24h(store: HistoryStore) -> None:
    hour = timedelta(hours=1)
    _record(store, [("F", NOW - 50 * hour)], ticket="TS05123")  # the complaint's diagnosis
    _record(store, [("H", NOW - 40 * hour)], ticket="TS05123")  # the re-run after repair
    assert store.chronic(count=99, days=7, now=NOW) == []  # closed, nothing back yet
    back = NOW - 10 * hour
    ids = _record(store, [("F", back), ("F", back + hour)])  # a sweep sees it again
    (c,) = store.chronic(count=99, days=7, now=NOW)
    assert (c.reason, c.key, c.ticket) == ("after-ticket", AIS1_SEG, "TS05123")
    assert c.closed == NOW - 40 * hour
    assert c.first == back and c.containment_due == back + timedelta(hours=24)
    assert c.occurrences == 1 and c.diagnoses == [ids[0]]
    th = store.ticket_history("TS05123", now=NOW)
    assert [r.status for r in th.diagnoses] == ["fault_localized", "healthy"]
    assert th.closed == NOW - 40 * hour and th.circuits == ["LAB-E1-AIS1"]
    assert th.recurrences == [c]
    # outside the window, the recurrence is no longer listed (the ticket still shows it)
    assert store.chronic(count=99, days=0.25, now=NOW) == []
    assert store.ticket_history("TS05123", now=NOW).recurrences == [c]


def test_an_open_ticket_or_another_circuit_is_no_recurrence(store: HistoryStore) -> None:
    hour = timedelta(hours=1)
    _record(store, [("F", NOW - 50 * hour), ("F", NOW - 30 * hour)], ticket="TS05124")
    th = store.ticket_history("TS05124", now=NOW)
    assert th.closed is None and th.recurrences == []
    # closed on AIS1; the same rule faulting on another circuit is not this ticket's recurrence
    _record(store, [("H", NOW - 20 * hour)], ticket="TS05124")
    store.record(doc_at("LAB-E1-AIS2", NOW - 5 * hour))
    assert store.chronic(count=99, days=7, now=NOW) == []
    assert store.ticket_history("TS05124", now=NOW).recurrences == []
    assert store.ticket_history("TS05999", now=NOW).diagnoses == []


def test_similar_lists_this_circuit_then_the_same_pattern_elsewhere(store: HistoryStore) -> None:
    from diag.history.experience import render_experience

    hour = timedelta(hours=1)
    old = _record(store, [("F", NOW - 30 * hour), ("H", NOW - 20 * hour)])
    store.record(doc_at("LAB-E1-AIS2", NOW - 10 * hour))  # same rule set, pdh..sdh
    store.record(doc_at("LAB-E1-AIS2", NOW - 12 * hour))  # an older one of the same circuit
    store.record(doc_at("LAB-V35-1", NOW - 5 * hour))  # same rule set, sdh..pdh
    store.record(doc_at("LAB-LINE-HIST", NOW - 3 * hour))  # other rule, pdh..sdh
    store.record(doc_at("LAB-ALM-FIBER", NOW - 2 * hour))  # other rule, sdh..sdh: no match
    store.record(doc_at("LAB-E1-OK1", NOW - 1 * hour))  # healthy: no pattern
    new = doc_at("LAB-E1-AIS1", NOW)
    store.record(new)  # recorded before the question: not its own past
    exp = store.similar(new)
    assert exp.rules == [AIS1_RULE] and exp.segment_kinds == ["pdh..sdh"]
    assert [r.id for r in exp.same_circuit] == old[::-1]  # most recent first
    got = [(c.match, c.pattern, c.row.circuit, c.row.started) for c in exp.other_circuits]
    assert got == [
        ("rules", AIS1_RULE, "LAB-V35-1", NOW - 5 * hour),
        ("rules", AIS1_RULE, "LAB-E1-AIS2", NOW - 10 * hour),
        ("segment-kind", "pdh..sdh", "LAB-LINE-HIST", NOW - 3 * hour),
    ]
    assert store.similar(new, limit=1).other_circuits[0].row.circuit == "LAB-V35-1"
    lines = render_experience(exp)
    assert lines[0] == "Seen before:"
    assert "healthy" in lines[1] and f"fault_localized {AIS1_SEG} (carrier)" in lines[2]
    assert lines[3].startswith(f"  same rules ({AIS1_RULE}) on LAB-V35-1, ")
    assert lines[5].startswith("  same segment kind (pdh..sdh) on LAB-LINE-HIST, ")
    assert exp.other_circuits[2].row.headline in lines[5]
    # a healthy diagnosis has no symptom pattern: only its own circuit's past
    ok = store.similar(doc_at("LAB-E1-OK1", NOW))
    assert ok.other_circuits == [] and len(ok.same_circuit) == 1
    fresh = store.similar(doc_at("LAB-TEST-OK", NOW))
    assert render_experience(fresh) == [
        "Seen before: nothing recorded for this circuit or this symptom pattern."
    ]

"""The same store, migrations and queries against a real PostgreSQL server: the private cluster
of conftest.py's `pg_url` (a free loopback port, started once for the session)."""

from __future__ import annotations

from datetime import timedelta

from diag.history import open_store
from tests.history.history_helpers import NOW, doc_at, with_status


def test_store_on_postgresql(pg_url: str) -> None:
    hour = timedelta(hours=1)
    with open_store(pg_url) as s:
        assert "not-needed-pw" not in s.url
        s.record(doc_at("LAB-E1-AIS1", NOW - 50 * hour, ticket="TS05123"))
        s.record(with_status(doc_at("LAB-E1-AIS1", NOW - 40 * hour, ticket="TS05123"), "healthy"))
        for i in range(4):  # one outage seen by four sweeps
            s.record(doc_at("LAB-E1-AIS1", NOW - 10 * hour + i * 15 * timedelta(minutes=1)))
        s.record(doc_at("LAB-E1-AIS2", NOW - 3 * hour), sweep_id="SW-1")
    with open_store(pg_url) as s:  # re-open: already at head
        rows = s.timeline("LAB-E1-AIS1")
        assert [r.status for r in rows][:2] == ["fault_localized", "healthy"] and len(rows) == 6
        assert rows[0].started == NOW - 50 * hour
        chronic = s.chronic(count=2, days=7, now=NOW)
        assert [(c.reason, c.occurrences) for c in chronic] == [
            ("after-ticket", 1),
            ("segment", 2),
            ("rule", 2),
        ]
        assert chronic[0].containment_due == NOW - 10 * hour + timedelta(hours=24)
        exp = s.similar(doc_at("LAB-E1-AIS1", NOW))
        assert [c.row.circuit for c in exp.other_circuits] == ["LAB-E1-AIS2"]
        assert len(exp.same_circuit) == 5 and exp.same_circuit[0].started > rows[1].started
        assert s.sweep_done("SW-1") == {"LAB-E1-AIS2"}
        assert s.documents(sweep_id="SW-1")[0].circuit.id == "LAB-E1-AIS2"

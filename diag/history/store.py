"""The history store: every diagnosis and sweep, in SQLite by default or PostgreSQL.

SQLAlchemy Core, portable SQL except the insert-once statements (diag/history/once.py: ON
CONFLICT, which SQLite and PostgreSQL both have), migrated to head by Alembic on open.  Errors
become HistoryError with what to do next and no password.

Exactly once: a sweep's circuit is recorded once whatever the redeliveries (the unique index on
diagnoses(sweep_id, circuit)), a sweep started once (its primary key); see docs/history.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast, overload

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from diag.history import tables as t
from diag.history.chronic import Event, after_ticket, ordered, recurring, sort_key
from diag.history.connect import connect, explain
from diag.history.errors import HistoryError
from diag.history.extract import (
    counted_faults,
    diagnosis_values,
    fault_rows,
    rule_set,
    segment_key,
    segment_kind,
    utc_aware,
    utc_naive,
)
from diag.history.models import (
    Chronic,
    Experience,
    HistoryRow,
    SimilarCase,
    SimilarMatch,
    TicketHistory,
)
from diag.history.once import insert_once, upsert
from diag.history.rows import history_rows
from diag.history.url import default_url, mask_url
from diag.model.findings import FindingsDocument
from diag.sweep.model import CircuitResult, SweepDocument, SweepState

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

FAULTY = ("fault_localized", "fault_suspected")
_ROW_COLS = [c for c in t.diagnoses.c if c.name != "document"]
#: the idempotent key of a sweep's diagnosis: the columns of the unique index (migration 0002)
ONCE_KEY = ("sweep_id", "circuit")


class HistoryStore:
    """An open store; use `open_store`.  Also a context manager."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._url = url
        self.url = mask_url(url)

    # -- plumbing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise HistoryError(explain(exc, self._url)) from None

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    @overload
    def record(
        self, doc: FindingsDocument, *, sweep_id: None = None, region: str | None = None
    ) -> int: ...

    @overload
    def record(
        self, doc: FindingsDocument, *, sweep_id: str, region: str | None = None
    ) -> int | None: ...

    def record(
        self, doc: FindingsDocument, *, sweep_id: str | None = None, region: str | None = None
    ) -> int | None:
        """Store one diagnosis (its indexed columns, its faults, the whole document); its id.

        Under a sweep, once per (sweep_id, circuit): when that circuit is already recorded under
        the sweep (a redelivered task, a second worker), nothing is stored and None returned.
        Safe between processes: the database decides (ON CONFLICT on the unique index), and the
        faults go in the same transaction, only with the row that was inserted."""
        values = diagnosis_values(doc, sweep_id, region)
        with self._begin() as conn:
            if sweep_id is None:  # no key: every `diag circuit` run is its own row
                key = conn.execute(sa.insert(t.diagnoses).values(**values)).inserted_primary_key
                assert key is not None
                did = int(key[0])
            else:
                new = insert_once(conn, t.diagnoses, values, ONCE_KEY, t.diagnoses.c.id)
                if new is None:
                    return None
                did = int(new)
            self._insert_faults(conn, did, doc)
        return did

    @staticmethod
    def _insert_faults(conn: Connection, did: int, doc: FindingsDocument) -> None:
        for f in fault_rows(doc):
            fkey = conn.execute(
                sa.insert(t.faults).values(
                    diagnosis_id=did,
                    number=f.number,
                    seg_from=f.seg_from,
                    seg_to=f.seg_to,
                    segment=segment_key(f.seg_from, f.seg_to),
                    from_kind=f.from_kind,
                    to_kind=f.to_kind,
                    owner=f.owner,
                    impact=f.impact,
                    confidence=f.confidence,
                    counted=f.counted,
                    summary=f.summary,
                )
            ).inserted_primary_key
            assert fkey is not None
            if f.rules:
                conn.execute(
                    sa.insert(t.fault_rules),
                    [{"fault_id": int(fkey[0]), "rule": r} for r in f.rules],
                )

    @staticmethod
    def _sweep_values(sweep: SweepDocument) -> dict[str, object]:
        return {
            "id": sweep.id,
            "state": sweep.state,
            "started": utc_naive(sweep.started),
            "finished": utc_naive(sweep.finished) if sweep.finished else None,
            "document": sweep.model_dump_json(by_alias=True),
        }

    def record_sweep(self, sweep: SweepDocument) -> None:
        """Insert or replace the sweep document with this id (start, end, resume)."""
        with self._begin() as conn:
            upsert(conn, t.sweeps, self._sweep_values(sweep), ["id"])

    def start_sweep(self, sweep: SweepDocument) -> bool:
        """Insert the sweep document if no sweep has its id (True); else leave the stored one
        as it is and return False (a duplicate start: a restarted beat, a redelivered task).
        Safe between processes: exactly one of several concurrent starts gets True."""
        with self._begin() as conn:
            new = insert_once(conn, t.sweeps, self._sweep_values(sweep), ["id"], t.sweeps.c.id)
        return new is not None

    # -- sweeps -----------------------------------------------------------------------------

    def _sweeps(self, where: Any, limit: int) -> list[SweepDocument]:
        q = sa.select(t.sweeps.c.document).where(where)
        q = q.order_by(t.sweeps.c.started.desc(), t.sweeps.c.id.desc()).limit(limit)
        with self._begin() as conn:
            texts = list(conn.execute(q).scalars())
        return [SweepDocument.model_validate_json(x) for x in texts]

    def sweep(self, sweep_id: str) -> SweepDocument | None:
        found = self._sweeps(t.sweeps.c.id == sweep_id, 1)
        return found[0] if found else None

    def latest_sweep(self) -> SweepDocument | None:
        found = self._sweeps(sa.true(), 1)
        return found[0] if found else None

    def sweeps(self, limit: int = 50) -> list[SweepDocument]:
        """The most recent sweeps, newest first."""
        return self._sweeps(sa.true(), limit)

    def sweep_state(self, sweep_id: str) -> SweepState | None:
        """The sweep's stored state (running, complete, partial), None if it is not stored: one
        indexed lookup, without reading the document."""
        with self._begin() as conn:
            state = conn.execute(
                sa.select(t.sweeps.c.state).where(t.sweeps.c.id == sweep_id)
            ).scalar_one_or_none()
        return cast("SweepState | None", state)

    def sweep_progress(self, sweep_id: str) -> tuple[int, int]:
        """(circuits recorded under the sweep, of which not healthy): one COUNT on the unique
        index, cheap enough to poll while a distributed sweep runs."""
        d = t.diagnoses
        q = sa.select(sa.func.count(), sa.func.count(sa.case((d.c.status != "healthy", 1)))).where(
            d.c.sweep_id == sweep_id
        )
        with self._begin() as conn:
            recorded, not_healthy = conn.execute(q).one()
        return int(recorded), int(not_healthy)

    def sweep_rows(self, sweep_id: str) -> list[HistoryRow]:
        """One row per circuit recorded under the sweep, by circuit id (no document parsed)."""
        d = t.diagnoses
        q = sa.select(*_ROW_COLS).where(d.c.sweep_id == sweep_id).order_by(d.c.circuit)
        with self._begin() as conn:
            return history_rows(conn, q)

    def sweep_results(self, sweep_id: str) -> list[CircuitResult]:
        """The sweep document's circuit results rebuilt from the stored rows (as the engine
        builds them from the documents; duration: finished - started; no document file)."""
        return [
            CircuitResult(
                circuit=r.circuit,
                status=r.status,
                segment=r.segment,
                owner=r.owner if r.segments else None,
                summary=r.headline,
                duration_s=round((r.finished - r.started).total_seconds(), 3),
            )
            for r in self.sweep_rows(sweep_id)
        ]

    def sweep_done(self, sweep_id: str) -> set[str]:
        """The circuits already recorded under this sweep (what --resume skips)."""
        d = t.diagnoses
        with self._begin() as conn:
            q = sa.select(d.c.circuit).where(d.c.sweep_id == sweep_id).distinct()
            return set(conn.execute(q).scalars())

    # -- diagnoses --------------------------------------------------------------------------

    def documents(
        self,
        *,
        sweep_id: str | None = None,
        circuit: str | None = None,
        since: datetime | None = None,
        not_healthy: bool = False,
    ) -> list[FindingsDocument]:
        """The stored findings documents, oldest first; `not_healthy`: only those whose status
        is not healthy (a sweep's failing circuits, without parsing the healthy ones)."""
        d = t.diagnoses
        q = sa.select(d.c.document).order_by(d.c.started, d.c.id)
        if sweep_id is not None:
            q = q.where(d.c.sweep_id == sweep_id)
        if not_healthy:
            q = q.where(d.c.status != "healthy")
        if circuit is not None:
            q = q.where(d.c.circuit == circuit)
        if since is not None:
            q = q.where(d.c.started >= utc_naive(since))
        with self._begin() as conn:
            texts = list(conn.execute(q).scalars())
        return [FindingsDocument.model_validate_json(x) for x in texts]

    def timeline(
        self, circuit: str, *, since: datetime | None = None, limit: int | None = None
    ) -> list[HistoryRow]:
        """A circuit's diagnoses, oldest first (with `limit`: the most recent `limit` of them)."""
        d = t.diagnoses
        q = sa.select(*_ROW_COLS).where(d.c.circuit == circuit)
        if since is not None:
            q = q.where(d.c.started >= utc_naive(since))
        q = q.order_by(d.c.started.desc(), d.c.id.desc())
        if limit is not None:
            q = q.limit(limit)
        with self._begin() as conn:
            return history_rows(conn, q)[::-1]

    def circuits(self) -> list[str]:
        """Every circuit with at least one diagnosis recorded, sorted."""
        d = t.diagnoses
        with self._begin() as conn:
            return list(
                conn.execute(sa.select(d.c.circuit).distinct().order_by(d.c.circuit)).scalars()
            )

    # -- recurrence -------------------------------------------------------------------------

    def _events(self, conn: Connection, where: Any) -> dict[str, list[Event]]:
        d, f, fr = t.diagnoses, t.faults, t.fault_rules
        base = conn.execute(
            sa.select(d.c.id, d.c.circuit, d.c.customer, d.c.started, d.c.status, d.c.ticket).where(
                where
            )
        ).all()
        segs: dict[int, set[str]] = {}
        rules: dict[int, set[str]] = {}
        fq = sa.select(d.c.id, f.c.segment, fr.c.rule).select_from(
            d.join(f, f.c.diagnosis_id == d.c.id).outerjoin(fr, fr.c.fault_id == f.c.id)
        )
        for did, seg, rule in conn.execute(fq.where(where, f.c.counted)):
            segs.setdefault(did, set()).add(seg)
            if rule is not None:
                rules.setdefault(did, set()).add(rule)
        out: dict[str, list[Event]] = {}
        for did, circuit, customer, started, status, ticket in base:
            out.setdefault(circuit, []).append(
                Event(
                    id=did,
                    circuit=circuit,
                    customer=customer,
                    started=utc_aware(started),
                    status=status,
                    ticket=ticket,
                    segments=frozenset(segs.get(did, ())),
                    rules=frozenset(rules.get(did, ())),
                )
            )
        return {c: ordered(evs) for c, evs in out.items()}

    def chronic(self, *, count: int, days: float, now: datetime | None = None) -> list[Chronic]:
        """Circuits whose faults recur: the same segment or rule began `count` times within
        `days`, or a fault came back after a closed ticket (docs/history.md)."""
        end = utc_aware(now) if now else datetime.now(UTC)
        since = end - timedelta(days=days)
        lo, hi = utc_naive(since), utc_naive(end)
        d = t.diagnoses
        faulty = (
            sa.select(d.c.circuit)
            .where(d.c.started >= lo, d.c.started <= hi, d.c.status.in_(FAULTY))
            .distinct()
        )
        prev_d = d.alias("prev_d")
        prev = (
            sa.select(prev_d.c.circuit, sa.func.max(prev_d.c.started).label("t"))
            .where(
                prev_d.c.circuit.in_(faulty),
                prev_d.c.started < lo,
                prev_d.c.status != "inconclusive",
            )
            .group_by(prev_d.c.circuit)
            .subquery()
        )
        in_window = sa.and_(d.c.circuit.in_(faulty), d.c.started >= lo, d.c.started <= hi)
        just_before = sa.exists().where(prev.c.circuit == d.c.circuit, prev.c.t == d.c.started)
        close_d = d.alias("close_d")
        closed = (
            sa.select(close_d.c.circuit, sa.func.min(close_d.c.started).label("t"))
            .where(
                close_d.c.circuit.in_(faulty),
                close_d.c.ticket.is_not(None),
                close_d.c.status == "healthy",
            )
            .group_by(close_d.c.circuit)
            .subquery()
        )
        ticket_span = sa.exists().where(
            closed.c.circuit == d.c.circuit,
            sa.or_(d.c.started >= closed.c.t, d.c.ticket.is_not(None)),
        )
        with self._begin() as conn:
            windows = self._events(conn, sa.or_(in_window, just_before))
            tickets = self._events(conn, sa.and_(ticket_span, d.c.started <= hi))
        out: list[Chronic] = []
        for evs in windows.values():
            out += recurring(evs, count=count, since=since, now=end)
        for evs in tickets.values():
            out += after_ticket(evs, since=since, now=end)
        return sorted(out, key=sort_key)

    def ticket_history(self, ticket: str, *, now: datetime | None = None) -> TicketHistory:
        """The diagnoses recorded under a ticket number, its closure, and recurrences after."""
        end = utc_aware(now) if now else datetime.now(UTC)
        d = t.diagnoses
        q = sa.select(*_ROW_COLS).where(d.c.ticket == ticket).order_by(d.c.started, d.c.id)
        with self._begin() as conn:
            rows = history_rows(conn, q)
            closed = next((r.started for r in rows if r.status == "healthy"), None)
            recurrences: list[Chronic] = []
            if closed is not None:
                cs = sorted({r.circuit for r in rows})
                span = sa.or_(d.c.ticket == ticket, d.c.started >= utc_naive(closed))
                events = self._events(conn, sa.and_(d.c.circuit.in_(cs), span))
                for evs in events.values():
                    recurrences += after_ticket(evs, since=closed, now=end, ticket=ticket)
        return TicketHistory(
            ticket=ticket,
            circuits=sorted({r.circuit for r in rows}),
            diagnoses=rows,
            closed=closed,
            recurrences=sorted(recurrences, key=sort_key),
        )

    # -- experience -------------------------------------------------------------------------

    def similar(self, doc: FindingsDocument, *, limit: int = 5) -> Experience:
        """The experience base: this circuit's past diagnoses, and the latest diagnosis of each
        other circuit with the same fault rule set, then with a fault on the same segment kind."""
        d, f = t.diagnoses, t.faults
        cid = doc.circuit.id
        me = utc_naive(doc.run.started)
        faults = counted_faults(doc)
        rules = rule_set(faults)
        kinds = sorted({segment_kind(doc, x) for x in faults})
        own = (
            sa.select(*_ROW_COLS)
            .where(d.c.circuit == cid, d.c.started != me)
            .order_by(d.c.started.desc(), d.c.id.desc())
            .limit(limit)
        )
        picked: list[tuple[SimilarMatch, str, int]] = []  # (match, pattern, diagnosis id)
        with self._begin() as conn:
            same = history_rows(conn, own)
            if rules:
                latest = (
                    sa.select(d.c.circuit, sa.func.max(d.c.started).label("t"))
                    .where(d.c.rule_set == " ".join(rules), d.c.circuit != cid)
                    .group_by(d.c.circuit)
                    .subquery()
                )
                q = (
                    sa.select(d.c.id, d.c.circuit)
                    .join(
                        latest, sa.and_(latest.c.circuit == d.c.circuit, latest.c.t == d.c.started)
                    )
                    .where(d.c.rule_set == " ".join(rules))
                    .order_by(d.c.started.desc(), d.c.circuit, d.c.id.desc())
                )
                seen: set[str] = set()
                for did, circuit in conn.execute(q):
                    if circuit not in seen and len(picked) < limit:
                        seen.add(circuit)
                        picked.append(("rules", " ".join(rules), did))
            if kinds and len(picked) < limit:
                taken = {c for c in self._circuits_of(conn, [p[2] for p in picked])}  # noqa: C416
                pairs = sa.or_(*(sa.and_(f.c.from_kind == a, f.c.to_kind == b) for a, b in kinds))
                q2 = (
                    sa.select(d.c.id, d.c.circuit, d.c.started, f.c.from_kind, f.c.to_kind)
                    .select_from(d.join(f, f.c.diagnosis_id == d.c.id))
                    .where(pairs, f.c.counted, d.c.circuit != cid)
                    .order_by(d.c.started.desc(), d.c.circuit, d.c.id.desc(), f.c.number)
                )
                # newest first: the first row seen of each circuit is its latest such diagnosis
                for did, circuit, _, fk, tk in conn.execute(q2):
                    if len(picked) >= limit:
                        break
                    if circuit not in taken:
                        taken.add(circuit)
                        picked.append(("segment-kind", f"{fk}..{tk}", did))
            by_id = {
                r.id: r
                for r in history_rows(
                    conn, sa.select(*_ROW_COLS).where(d.c.id.in_([p[2] for p in picked]))
                )
            }
        return Experience(
            circuit=cid,
            rules=rules,
            segment_kinds=[f"{a}..{b}" for a, b in kinds],
            same_circuit=same,
            other_circuits=[SimilarCase(match=m, pattern=p, row=by_id[i]) for m, p, i in picked],
        )

    def _circuits_of(self, conn: Connection, ids: Sequence[int]) -> set[str]:
        if not ids:
            return set()
        d = t.diagnoses
        return set(conn.execute(sa.select(d.c.circuit).where(d.c.id.in_(ids))).scalars())


def open_store(url: str | None = None) -> HistoryStore:
    """Open (and create or migrate to head) the store at `url` (default: `default_url()`)."""
    url = url or default_url()
    return HistoryStore(connect(url), url)

"""The store's tables (SQLAlchemy Core).  The migrations in migrations/versions create them; this
module is what the queries read, and a test checks the two agree.

Times are stored as UTC without a zone (portable: SQLite has no zone type, and PostgreSQL's
`timestamp` compares the same way); the store converts on the way in and out.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

diagnoses = sa.Table(
    "diagnoses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("circuit", sa.String(200), nullable=False, index=True),
    sa.Column("customer", sa.String(200), nullable=False),
    sa.Column("region", sa.String(200), nullable=True),
    sa.Column("started", sa.DateTime, nullable=False, index=True),
    sa.Column("finished", sa.DateTime, nullable=False),
    # no index of its own: the unique (sweep_id, circuit) index below leads with it
    sa.Column("sweep_id", sa.String(100), nullable=True),
    sa.Column("status", sa.String(40), nullable=False, index=True),
    sa.Column("owner", sa.String(20), nullable=False),
    sa.Column("headline", sa.Text, nullable=False),
    # the sorted rule ids of the counted faults, space-separated: the symptom pattern compared
    # whole by the experience base
    sa.Column("rule_set", sa.String(1000), nullable=False, index=True),
    sa.Column("loss_pct", sa.Float, nullable=True),
    sa.Column("rtt_ms", sa.Float, nullable=True),
    sa.Column("crc_per_min", sa.Float, nullable=True),
    sa.Column("ticket", sa.String(40), nullable=True, index=True),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("interrupted", sa.Boolean, nullable=False),
    sa.Column("schema_version", sa.String(10), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Index("ix_diagnoses_circuit_started", "circuit", "started"),
    # the idempotent key: one diagnosis per circuit and sweep, however often a distributed
    # sweep's task is delivered (migration 0002); NULL sweep ids (`diag circuit`) never collide
    sa.Index("ux_diagnoses_sweep_circuit", "sweep_id", "circuit", unique=True),
)

faults = sa.Table(
    "faults",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "diagnosis_id",
        sa.Integer,
        sa.ForeignKey("diagnoses.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("seg_from", sa.String(200), nullable=False),
    sa.Column("seg_to", sa.String(200), nullable=False),
    sa.Column("segment", sa.String(401), nullable=False, index=True),
    sa.Column("from_kind", sa.String(40), nullable=False),
    sa.Column("to_kind", sa.String(40), nullable=False),
    sa.Column("owner", sa.String(20), nullable=False, index=True),
    sa.Column("impact", sa.String(20), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    # False for a suspected verdict's lower-ranked candidates: alternatives, not faults
    sa.Column("counted", sa.Boolean, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)

fault_rules = sa.Table(
    "fault_rules",
    metadata,
    sa.Column(
        "fault_id",
        sa.Integer,
        sa.ForeignKey("faults.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("rule", sa.String(200), primary_key=True, index=True),
)

sweeps = sa.Table(
    "sweeps",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("started", sa.DateTime, nullable=False, index=True),
    sa.Column("finished", sa.DateTime, nullable=True),
    sa.Column("document", sa.Text, nullable=False),
)

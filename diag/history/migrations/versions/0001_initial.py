"""The history store's first tables: diagnoses, their faults and fault rules, sweeps.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagnoses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("circuit", sa.String(200), nullable=False),
        sa.Column("customer", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=True),
        sa.Column("started", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime, nullable=False),
        sa.Column("sweep_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(20), nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("rule_set", sa.String(1000), nullable=False),
        sa.Column("loss_pct", sa.Float, nullable=True),
        sa.Column("rtt_ms", sa.Float, nullable=True),
        sa.Column("crc_per_min", sa.Float, nullable=True),
        sa.Column("ticket", sa.String(40), nullable=True),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("interrupted", sa.Boolean, nullable=False),
        sa.Column("schema_version", sa.String(10), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    for col in ("circuit", "started", "sweep_id", "status", "rule_set", "ticket"):
        op.create_index(f"ix_diagnoses_{col}", "diagnoses", [col])
    op.create_index("ix_diagnoses_circuit_started", "diagnoses", ["circuit", "started"])

    op.create_table(
        "faults",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "diagnosis_id",
            sa.Integer,
            sa.ForeignKey("diagnoses.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("seg_from", sa.String(200), nullable=False),
        sa.Column("seg_to", sa.String(200), nullable=False),
        sa.Column("segment", sa.String(401), nullable=False),
        sa.Column("from_kind", sa.String(40), nullable=False),
        sa.Column("to_kind", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(20), nullable=False),
        sa.Column("impact", sa.String(20), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("counted", sa.Boolean, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )
    for col in ("diagnosis_id", "segment", "owner"):
        op.create_index(f"ix_faults_{col}", "faults", [col])

    op.create_table(
        "fault_rules",
        sa.Column(
            "fault_id",
            sa.Integer,
            sa.ForeignKey("faults.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("rule", sa.String(200), primary_key=True),
    )
    op.create_index("ix_fault_rules_rule", "fault_rules", ["rule"])

    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime, nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_index("ix_sweeps_state", "sweeps", ["state"])
    op.create_index("ix_sweeps_started", "sweeps", ["started"])


def downgrade() -> None:
    op.drop_table("fault_rules")
    op.drop_table("faults")
    op.drop_table("sweeps")
    op.drop_table("diagnoses")

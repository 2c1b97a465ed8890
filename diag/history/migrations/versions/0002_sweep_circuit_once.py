"""One diagnosis per circuit and sweep: a UNIQUE index on diagnoses(sweep_id, circuit).

A distributed sweep's task can be delivered twice (a worker killed after it recorded, the task
redelivered); the index makes the second INSERT a no-op (store.record: ON CONFLICT DO NOTHING).
Rows recorded twice before it existed are removed first, the earliest id of each kept.  NULL
sweep ids (single `diag circuit` runs) are distinct to both SQLite and PostgreSQL: unconstrained.

Revision ID: 0002
Revises: 0001
Create Date: 2027-01-11
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# a later row with the same (sweep_id, circuit) as an earlier one: the copies to remove
_DUPLICATES = (
    "SELECT d.id FROM diagnoses d WHERE d.sweep_id IS NOT NULL AND EXISTS ("
    "SELECT 1 FROM diagnoses e WHERE e.sweep_id = d.sweep_id AND e.circuit = d.circuit"
    " AND e.id < d.id)"
)


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        # no worker may record between the clean-up and the index (the index would then fail);
        # SHARE ROW EXCLUSIVE lets readers on and blocks writers until this migration commits
        op.execute("LOCK TABLE diagnoses IN SHARE ROW EXCLUSIVE MODE")
    # children first, explicitly: SQLite enforces no foreign keys (and so no ON DELETE CASCADE)
    # unless each connection asks for it, and diag's connections do not
    op.execute(
        "DELETE FROM fault_rules WHERE fault_id IN "  # noqa: S608
        f"(SELECT f.id FROM faults f WHERE f.diagnosis_id IN ({_DUPLICATES}))"
    )
    op.execute(f"DELETE FROM faults WHERE diagnosis_id IN ({_DUPLICATES})")  # noqa: S608
    op.execute(f"DELETE FROM diagnoses WHERE id IN ({_DUPLICATES})")  # noqa: S608
    # the new index leads with sweep_id, so it serves the sweep_id lookups the old one did
    op.drop_index("ix_diagnoses_sweep_id", table_name="diagnoses")
    op.create_index("ux_diagnoses_sweep_circuit", "diagnoses", ["sweep_id", "circuit"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_diagnoses_sweep_circuit", table_name="diagnoses")
    op.create_index("ix_diagnoses_sweep_id", "diagnoses", ["sweep_id"])

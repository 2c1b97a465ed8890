"""Inserts that happen once, however many processes try at once: INSERT ... ON CONFLICT on a
unique key, in the database itself (SQLite, PostgreSQL), so no check-then-insert race is left.

A distributed sweep's task can run twice (a worker killed after recording, the task redelivered
by the broker); the second insert of the same key is then a no-op, not a second row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from diag.history.errors import HistoryError
from diag.i18n import tr

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection


def _dialect_insert(conn: Connection, table: sa.Table) -> Any:
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    raise HistoryError(
        tr(
            "history store: {kind} is not supported; diag keeps history in SQLite or PostgreSQL",
            kind=name,
        )
    )


def insert_once(
    conn: Connection,
    table: sa.Table,
    values: Mapping[str, object],
    keys: Sequence[str],
    returning: sa.Column[Any],
) -> Any | None:
    """Insert the row unless one with the same `keys` (a unique index or the primary key)
    exists: `returning` of the new row, or None.  A row with the same key that another
    transaction is inserting is waited for (PostgreSQL) or cannot exist (SQLite: one writer)."""
    stmt = _dialect_insert(conn, table).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=list(keys)).returning(returning)
    return conn.execute(stmt).scalar_one_or_none()


def upsert(
    conn: Connection, table: sa.Table, values: Mapping[str, object], keys: Sequence[str]
) -> None:
    """Insert the row, or update the existing one with the same `keys` to `values`."""
    stmt = _dialect_insert(conn, table).values(**values)
    changed = {k: v for k, v in values.items() if k not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changed))

"""Alembic environment for the history store, run programmatically by diag.history.store.

The store passes its open connection in `config.attributes["connection"]`; no alembic.ini and no
logging configuration are read (diag's own logging stays as it is).
"""

from __future__ import annotations

from alembic import context

from diag.history.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` run by hand with a URL: connect the usual way
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url, or run through diag.history.open_store"
    with create_engine(url).connect() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()

"""Opening a store: the URL checked, the SQLite folder made, the engine created and migrated.

Every failure is a HistoryError that says what to do next and never shows a password.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from diag.history.errors import HistoryError, HistoryUrlError
from diag.history.url import mask_url, scrub
from diag.i18n import tr

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def explain(exc: BaseException, url: str) -> str:
    """A driver's error, one line, password removed, with what to check next."""
    orig = getattr(exc, "orig", None) or exc
    text = scrub(" ".join(str(orig).split()), url)
    low = text.lower()
    if "locked" in low:
        hint = tr("another diag process (a sweep?) is writing it; try again when it ends")
    elif "not a database" in low or "no such table" in low or "no such column" in low:
        hint = tr("this file or database is not diag's history; name another with --history")
    elif "unique constraint" in low or "duplicate key" in low:
        hint = tr("the row is already stored (another process wrote it at the same time?)")
    elif "permission denied for" in low or "must be owner of" in low:
        # PostgreSQL: the role may read and write rows but not change the schema
        hint = tr(
            "this role lacks the rights; open the store once with its owner role (e.g. "
            "`diag history --chronic --history OWNER_URL`) so the schema is at head, see docs/noc.md"
        )
    elif "unable to open" in low or "permission" in low or "read-only" in low:
        hint = tr(
            "check that the file's folder exists and is writable, or name another with --history"
        )
    else:
        hint = tr(
            "check that the database server is running and the URL (host, port, user) is right"
        )
    # the driver's text is data: shown as it came, in English
    return tr("history store {url}: {error} ({hint})", url=mask_url(url), error=text, hint=hint)


def _sqlite_folder(database: str | None, url: str) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).expanduser().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HistoryError(
            tr(
                "history store {url}: cannot create the folder {folder}: {reason} (name a "
                "writable place with --history or DIAG_HISTORY)",
                url=mask_url(url),
                folder=folder,
                reason=exc.strerror or exc,
            )
        ) from None
    if Path(database).is_dir():
        raise HistoryError(
            tr(
                "history store {url}: {database} is a folder; name a file in it, e.g. {example}",
                url=mask_url(url),
                database=database,
                example=f"sqlite:///{os.path.join(database, 'history.sqlite')}",
            )
        )


#: pg_advisory_xact_lock key: one migration of a PostgreSQL store at a time ("diag" + 1)
PG_MIGRATION_LOCK = 0x6469616701


@contextlib.contextmanager
def _one_migration_at_a_time(engine: Engine) -> Iterator[None]:
    """Processes opening a new SQLite store at once (a sweep, `diag circuit`, `diag history`)
    would each create the tables: the second fails on "table already exists".  An flock on a
    file beside the database makes them take turns (PostgreSQL: an advisory lock, below)."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def migrate(engine: Engine) -> None:
    """Bring the store's tables to the newest revision (a no-op when they are), one process at
    a time."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    with _one_migration_at_a_time(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def connect(url: str) -> Engine:
    """An engine on `url` with the tables migrated to head; HistoryError when it cannot be."""
    from alembic.util.exc import CommandError

    shown = mask_url(url)
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        # not parsed, so a password in it cannot be found: show the scheme only
        scheme = url.split("://", 1)[0] + "://..." if "://" in url else tr("(not shown)")
        raise HistoryUrlError(
            tr(
                "--history {url}: not a database URL; write e.g. sqlite:////path/history.sqlite "
                "or postgresql+psycopg://user@host:5432/diag",
                url=scheme,
            )
        ) from None
    kw: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        _sqlite_folder(parsed.database, url)
        kw["connect_args"] = {"timeout": 30}  # wait for another writer (a sweep) this long
    try:
        engine = sa.create_engine(parsed, **kw)
    except NoSuchModuleError:
        raise HistoryUrlError(
            tr(
                "--history {url}: unknown database kind {kind!r}; diag keeps history in "
                "sqlite:///FILE or postgresql://USER@HOST/DB",
                url=shown,
                kind=parsed.drivername,
            )
        ) from None
    except ImportError as exc:
        raise HistoryUrlError(
            tr(
                "--history {url}: the Python driver for {kind} is not installed ({module}); "
                "install it in diag's environment (e.g. pip install psycopg)",
                url=shown,
                kind=parsed.drivername,
                module=exc.name or exc,
            )
        ) from None
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise HistoryError(explain(exc, url)) from None
    except CommandError as exc:
        engine.dispose()
        raise HistoryError(
            tr(
                "history store {url}: {error} (it was written by a newer diag: upgrade diag, or "
                "name another store with --history)",
                url=shown,
                error=scrub(str(exc), url),
            )
        ) from None
    return engine

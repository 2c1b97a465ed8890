"""`diag worker` and `diag scheduler`: the processes of distributed sweeps (docs/noc.md)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from diag import i18n
from diag.clikit import fail, inventory_option, load
from diag.errors import DiagError, UsageError
from diag.history.cli import history_option
from diag.history.url import mask_url
from diag.i18n import tr

if TYPE_CHECKING:
    from diag.distributed.config import DistributedSettings
    from diag.model.inventory import Inventory

broker_option = click.option(
    "--broker",
    metavar="URL",
    envvar="DIAG_BROKER",
    help="Redis for the queues and what regions share: redis://[:PASSWORD@]HOST:PORT/DB or "
    "rediss:// for TLS (env DIAG_BROKER; default redis://127.0.0.1:6379/0).",
)
visibility_option = click.option(
    "--visibility-timeout",
    type=click.FloatRange(min=1),
    envvar="DIAG_VISIBILITY_TIMEOUT",
    help="Seconds before a task a lost worker held is handed out again; tasks are stopped "
    "before it (env DIAG_VISIBILITY_TIMEOUT; default 3600).",
)


def settings(**changes: Any) -> DistributedSettings:
    from diag.distributed.config import DistributedSettings

    try:
        return DistributedSettings.from_env().with_(**changes)
    except DiagError as exc:
        fail(exc)


def check_broker(url: str) -> None:
    """Fail in words when Redis does not answer (not a Celery retry loop)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        client.ping()
        client.close()
    except redis.AuthenticationError as exc:
        fail(
            UsageError(
                tr(
                    "the broker {url} refused the user or password: {error}",
                    url=mask_url(url),
                    error=_why(exc),
                )
            )
        )
    except redis.ResponseError as exc:
        if any(w in str(exc) for w in ("NOAUTH", "WRONGPASS", "HELLO", "NOPERM")):
            fail(
                UsageError(
                    tr(
                        "the broker {url} refused the user or password: {error} (give them in "
                        "the URL: redis://USER:PASSWORD@HOST:PORT/DB, docs/noc.md)",
                        url=mask_url(url),
                        error=_why(exc),
                    )
                )
            )
        fail(
            UsageError(
                tr(
                    "the broker {url} answered an error: {error}",
                    url=mask_url(url),
                    error=_why(exc),
                )
            )
        )
    except (redis.RedisError, OSError, ValueError) as exc:
        fail(
            UsageError(
                tr(
                    "the broker {url} does not answer: {error}; start redis-server or set "
                    "--broker / DIAG_BROKER",
                    url=mask_url(url),
                    error=_why(exc),
                )
            )
        )


def _why(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def open_history(url: str | None) -> None:
    """Open the store once here: its migrations run before any worker process uses it."""
    from diag.history import open_store

    try:
        open_store(url).close()
    except DiagError as exc:
        fail(exc)


def known_regions(inv: Inventory) -> set[str]:
    from diag.distributed.config import DEFAULT_REGION

    found = {DEFAULT_REGION}
    for group in (inv.circuits.values(), inv.devices.values(), inv.nms.values()):
        found |= {r for x in group if (r := getattr(x, "region", None))}
    return found


@click.command("worker")
@click.option(
    "--region",
    "regions",
    multiple=True,
    required=True,
    help="Serve this region's queue (repeatable); `default` takes what names no region.",
)
@inventory_option
@broker_option
@history_option
@visibility_option
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(1, 256),
    default=4,
    show_default=True,
    help="Worker processes: tasks (batches of circuits) run at once.",
)
@click.option(
    "--batch",
    type=click.IntRange(1, 10000),
    envvar="DIAG_BATCH",
    help="Circuits per task when this process starts a sweep (env DIAG_BATCH; default 50).",
)
@click.option("--control/--no-control", default=True, help="Also take scheduled sweep starts.")
@click.option("--name", help="Worker name (default diag-REGION@HOST).")
@click.option("--loglevel", "-l", default="info", show_default=True, help="Celery's log level.")
def worker_cmd(
    regions: tuple[str, ...],
    inventory: Path | None,
    broker: str | None,
    history_url: str | None,
    visibility_timeout: float | None,
    concurrency: int,
    batch: int | None,
    control: bool,
    name: str | None,
    loglevel: str,
) -> None:
    """Run a Celery worker for the queue of each --region: it reads the devices and NMSs that
    region reaches, for sweeps started anywhere (`diag sweep --distributed`, `diag scheduler`).

    Every worker and the process starting sweeps use the same inventory and history store
    (PostgreSQL for workers on several machines).  Stop it with SIGTERM: it finishes its tasks.
    """
    from diag.distributed.config import CONTROL_QUEUE, region_queue

    inv = load(inventory)
    unknown = sorted(set(regions) - known_regions(inv))
    if unknown:
        from diag.sweep.select import unknown_names

        fail(UsageError(unknown_names("region", unknown, known_regions(inv))))
    s = settings(
        broker=broker,
        history=history_url,
        visibility_timeout=visibility_timeout,
        batch=batch,
        inventory=inventory,
    )
    # after settings(): importing the app reads the environment, whose errors are said there
    from diag.distributed.app import app, configure

    check_broker(s.broker)
    open_history(s.history)
    s.export()
    os.environ[i18n.ENV] = i18n.lang()  # the pool's processes render in the worker's language
    configure(s)
    queues = [region_queue(r) for r in regions] + ([CONTROL_QUEUE] if control else [])
    app.worker_main(
        [
            "worker",
            "--queues",
            ",".join(queues),
            "--hostname",
            name or f"diag-{'+'.join(regions)}@%h",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            loglevel,
        ]
    )


def default_schedule_file() -> Path:
    from diag.sweep.schedule import data_dir

    return data_dir() / "beat-schedule"


@click.command("scheduler")
@inventory_option
@broker_option
@click.option(
    "--schedule",
    "schedule_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where beat keeps when each sweep last ran (default: beat-schedule in "
    "$XDG_DATA_HOME/diag).",
)
@click.option("--loglevel", "-l", default="info", show_default=True, help="Celery's log level.")
def scheduler_cmd(
    inventory: Path | None, broker: str | None, schedule_file: Path | None, loglevel: str
) -> None:
    """Run Celery beat over the inventory's `sweeps:` (each on fixed ticks of its period).

    Each start goes to the workers' control queue; a scheduler restarted neither doubles nor
    skips a sweep (the sweep's id is made of its name and tick).  One scheduler per schedule
    file: a second one is refused.
    """
    from celery.apps.beat import Beat

    from diag.distributed.beat import DiagScheduler, beat_schedule

    inv = load(inventory)
    entries = beat_schedule(inv)
    if not entries:
        fail(
            UsageError(
                tr(
                    "the inventory defines no enabled sweep: add a `sweeps:` section "
                    "(docs/inventory.md, docs/noc.md)"
                )
            )
        )
    s = settings(broker=broker, inventory=inventory)
    from diag.distributed.app import app, configure  # after settings(), as in worker_cmd

    check_broker(s.broker)
    s.export()
    configure(s)
    app.conf.beat_schedule = entries
    path = schedule_file or default_schedule_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = open(f"{path}.lock", "a")  # noqa: SIM115 (held while the process lives)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fail(
            UsageError(
                tr("another scheduler uses {path}: one scheduler per schedule file", path=path)
            )
        )
    for name, e in entries.items():
        click.echo(f"sweep {name}: {e['schedule']!r}", err=True)
    Beat(
        app=app,
        schedule=str(path),
        scheduler=f"{DiagScheduler.__module__}:{DiagScheduler.__qualname__}",
        loglevel=loglevel.upper(),
        max_interval=5,
    ).run()

"""What a worker does: read its region's part of a batch of circuits, analyse or join them, store
each result once; and what the sweep's start and end do (any process with the inventory, the
broker and the history store).

Exactly once: the history store keeps one row per (sweep id, circuit id), inserted only if absent;
a task delivered again (its worker was lost) skips the circuits already stored, and the region
parts already kept, so every circuit ends with exactly one result.

`Env` is in diag.distributed.env and the sweep's end (progress, finalize, wait) in
diag.distributed.finish; this module re-exports them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from diag.distributed.config import region_queue
from diag.distributed.env import Env, inventory_fingerprint, log
from diag.distributed.finish import _failed_ids, finalize, progress, wait
from diag.distributed.plan import batches, home_region, split
from diag.distributed.shared import Part, RegionReads, join, key
from diag.logsetup import describe
from diag.model.findings import FindingsDocument
from diag.model.path import build_path
from diag.runner import Collected, Context, Job, Stop, build_document, collect
from diag.runner_stop import _LoopErrors
from diag.sweep.model import Distribution, Selection, SweepDocument

if TYPE_CHECKING:
    from diag.sweep.engine import SweepOptions


# ------------------------------------------------------------------------------ the start


def start(
    env: Env,
    selection: Selection,
    options: SweepOptions,
    *,
    sweep_id: str | None = None,
    schedule: str | None = None,
    tick: datetime | None = None,
) -> tuple[SweepDocument, bool]:
    """Record the sweep and queue its tasks, one region queue each.  Returns the sweep and
    whether this call queued it: a start already made (a beat restarted, a start redelivered)
    queues nothing, unless the earlier start was lost before it had queued everything."""
    from diag.distributed.tasks import part
    from diag.sweep.engine import start_document

    inv = env.inventory
    plan, parts = batches(inv, selection.circuits, options.overrides, env.settings.batch)
    regions: dict[str, int] = {}
    for rs in parts.values():
        for r in rs:
            regions[r] = regions.get(r, 0) + 1
    sweep = start_document(inv, selection, options, sweep_id).model_copy(
        update={
            "distributed": Distribution(
                schedule=schedule,
                tick=tick,
                regions=regions,
                tasks=len(plan),
                cross_region=sum(1 for rs in parts.values() if len(rs) > 1),
            )
        }
    )
    queued = key(sweep.id, "queued")
    if not env.store.start_sweep(sweep):
        stored = env.store.sweep(sweep.id)
        assert stored is not None
        if env.redis.get(queued) or stored.state != "running":
            return stored, False
        sweep = stored  # the first start stopped half-way: queue again (done circuits skip)
    for b in plan:
        part.apply_async(
            kwargs={
                "sweep_id": sweep.id,
                "region": b.region,
                "circuits": b.circuits,
                "overrides": options.overrides,
                "sessions": options.sessions,
                "pings": options.pings,
                "inventory": env.fingerprint,
            },
            queue=region_queue(b.region),
        )
    env.redis.set(queued, "1", ex=max(1, int(env.settings.keep_s)))
    return sweep, True


# ------------------------------------------------------------------------------ a part


@dataclass
class PartReport:
    region: str
    circuits: int
    recorded: int = 0
    parts_kept: int = 0
    skipped: int = 0
    failed: int = 0
    snapshots: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def run_part(
    env: Env,
    sweep_id: str,
    region: str,
    circuits: list[str],
    *,
    overrides: dict[str, Any],
    sessions: int,
    pings: int,
    inventory: str | None = None,
) -> PartReport:
    """Read `region`'s share of each circuit not yet stored; store each result once."""
    inv = env.inventory
    report = PartReport(region, len(circuits))
    sweep = env.store.sweep(sweep_id)
    if sweep is None or sweep.state == "complete":
        report.skipped = len(circuits)
        return report
    if inventory is not None and inventory != env.fingerprint:
        why = (
            f"the {region} worker on {env.host} has another inventory (files {env.fingerprint}, "
            f"the sweep's {inventory}): deploy the same inventory to every worker and restart it"
        )
        log.error("sweep %s: %s", sweep_id, why)
        done = env.store.sweep_done(sweep_id)
        report.failed = sum(_fail(env, sweep_id, c, why) for c in circuits if c not in done)
        finalize(env, sweep_id)
        return report
    unknown = [c for c in circuits if c not in inv.circuits]
    for cid in unknown:
        _fail(env, sweep_id, cid, "not in this worker's inventory (every worker needs the same)")
    done = env.store.sweep_done(sweep_id) | _failed_ids(env, sweep_id)
    # each circuit planned once: the regions it is read in, and this region's jobs
    parts = {cid: split(inv, cid, overrides) for cid in circuits if cid not in unknown}
    todo: list[str] = []
    joins: list[str] = []
    for cid in circuits:
        if cid in done or cid in unknown:
            report.skipped += 1
        elif len(parts[cid]) > 1 and env.redis.hexists(key(sweep_id, "parts", cid), region):
            joins.append(cid)  # kept by an earlier delivery of this task: join only
        else:
            todo.append(cid)

    def finished(cid: str, started: datetime, got: Collected | None, error: str | None) -> None:
        if got is None:
            report.failed += _fail(env, sweep_id, cid, error or "no diagnosis")
            return
        regions = sorted(parts[cid])
        if len(regions) == 1:
            report.recorded += _record(env, sweep, cid, started, got)
            return
        name = key(sweep_id, "parts", cid)
        env.redis.hset(name, region, Part.of(region, started, got).model_dump_json())
        env.keep(name)
        report.parts_kept += 1
        report.recorded += _try_join(env, sweep, cid, regions)

    try:
        if todo:
            jobs = {cid: parts[cid].get(region, []) for cid in todo}
            reads = _collect_part(env, sweep, region, jobs, sessions, pings, finished)
            report.snapshots = reads
        for cid in joins:
            report.recorded += _try_join(env, sweep, cid, sorted(parts[cid]))
    except BaseException as exc:
        if transient(exc):
            raise  # the broker or the store is away: the task is retried (diag.distributed.tasks)
        # a soft time limit, a bug: the circuits of this batch not stored yet are failed, so the
        # sweep still ends (a lost worker raises nothing here: its task is delivered again)
        left = set(todo) - env.store.sweep_done(sweep_id)
        for cid in sorted(left):
            _fail(env, sweep_id, cid, f"the {region} task stopped: {describe(exc)}")
        finalize(env, sweep_id)
        raise
    finalize(env, sweep_id)
    return report


def _collect_part(
    env: Env,
    sweep: SweepDocument,
    region: str,
    jobs: dict[str, list[Job]],
    sessions: int,
    pings: int,
    finished: Callable[[str, datetime, Collected | None, str | None], None],
) -> list[str]:
    """Run this region's jobs of each circuit (`jobs`: circuit -> jobs) in one asyncio loop."""
    import redis.asyncio as aredis

    inv = env.inventory
    todo = list(jobs)
    stop = Stop()

    async def main() -> list[str]:
        from diag.collectors.snmp.client import SnmpClient

        loop = asyncio.get_running_loop()
        errors = _LoopErrors()
        errors.install(loop)
        stop.attach(loop)
        pool = ThreadPoolExecutor(max_workers=sessions, thread_name_prefix="diag-part")
        client_r = aredis.Redis.from_url(env.settings.broker, decode_responses=True)
        reads = RegionReads(
            inv,
            todo,
            env.sweep_circuits(sweep.id),
            pings=pings,
            sweep_id=sweep.id,
            region=region,
            host=env.host,
            client=client_r,
            wait_s=env.settings.snapshot_wait,
            keep_s=env.settings.keep_s,
        )
        try:
            async with SnmpClient() as client:
                ctx = Context(client=client, pool=pool, stop=stop, loop_errors=errors, reads=reads)
                # the NMS snapshots first, before this task's router sessions load the
                # management network and this process (a trap-based resync is read as it
                # comes); a failed one is each circuit's collector failure, as on one machine
                names = sorted(
                    {j.name[4:] for js in jobs.values() for j in js if j.name[:4] == "nms:"}
                )
                await asyncio.gather(
                    *(reads.nms(client, inv.nms[n], set()) for n in names), return_exceptions=True
                )

                async def one(cid: str) -> None:
                    started = datetime.now(UTC)
                    try:
                        got = Collected()
                        await collect(jobs[cid], ctx, got)
                    except Exception as exc:  # a bug for this circuit: the batch goes on  # noqa: BLE001
                        log.error("circuit %s: collection failed", cid, exc_info=exc)
                        finished(cid, started, None, f"diag failed: {describe(exc)}")
                        return
                    finished(cid, started, got, None)

                await asyncio.gather(*(one(cid) for cid in todo))
        finally:
            stop.detach()
            pool.shutdown(wait=False, cancel_futures=True)
            await client_r.aclose()
        return reads.taken

    return asyncio.run(main())


def transient(exc: BaseException) -> bool:
    """The history store or Redis could not be reached (not a bug, not a bad answer): worth
    trying the task again later.  The store words its errors (HistoryError); the driver's error
    is kept as the context."""
    import redis
    from sqlalchemy.exc import InterfaceError, OperationalError

    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(
            seen, OperationalError | InterfaceError | redis.ConnectionError | redis.TimeoutError
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _document(
    env: Env, sweep: SweepDocument, cid: str, started: datetime, got: Collected
) -> FindingsDocument:
    c = env.inventory.circuits[cid]
    return build_document(
        c, build_path(c, env.inventory), got, started=started, ticket=None, operator=sweep.operator
    )


def _record(env: Env, sweep: SweepDocument, cid: str, started: datetime, got: Collected) -> int:
    try:
        doc = _document(env, sweep, cid, started, got)
    except Exception as exc:  # noqa: BLE001
        log.error("circuit %s: analysis failed", cid, exc_info=exc)
        return _fail(env, sweep.id, cid, f"diag failed: {describe(exc)}")
    region = home_region(env.inventory.circuits[cid])
    stored = env.store.record(doc, sweep_id=sweep.id, region=region) is not None
    env.redis.hdel(key(sweep.id, "failed"), cid)  # a result stands over an earlier failure
    return int(stored)


def _try_join(env: Env, sweep: SweepDocument, cid: str, regions: list[str]) -> int:
    """Analyse a circuit of several regions once every region's part is kept (whoever keeps
    the last part; two at once both analyse the same parts, the store keeps one)."""
    got = env.redis.hgetall(key(sweep.id, "parts", cid))
    if set(regions) - set(got):
        return 0
    started, collected = join([Part.model_validate_json(v) for v in got.values()])
    return _record(env, sweep, cid, started, collected)


def _fail(env: Env, sweep_id: str, cid: str, error: str) -> int:
    name = key(sweep_id, "failed")
    added = env.redis.hsetnx(name, cid, error)
    env.keep(name)
    return int(bool(added))


__all__ = [
    "Env",
    "PartReport",
    "finalize",
    "inventory_fingerprint",
    "progress",
    "run_part",
    "start",
    "transient",
    "wait",
]

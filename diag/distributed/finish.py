"""The end of a distributed sweep: progress counts, the sweep document completed once every
circuit has its result, and waiting for that (any process with the broker and the store).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime

from diag.distributed.env import Env
from diag.distributed.shared import key, snapshot_facts
from diag.sweep.model import CircuitResult, SweepDocument


def _failed_ids(env: Env, sweep_id: str) -> set[str]:
    return {str(c) for c in env.redis.hkeys(key(sweep_id, "failed"))}


def progress(env: Env, sweep_id: str) -> tuple[int, int]:
    """(circuits finished, of which not healthy), for progress bars and `diag sweep status`."""
    stored, not_healthy = env.store.sweep_progress(sweep_id)
    failed = _failed_ids(env, sweep_id)
    if not failed:
        return stored, not_healthy
    extra = len(failed - env.store.sweep_done(sweep_id))  # a failure later stored
    return stored + extra, not_healthy + extra


def finalize(env: Env, sweep_id: str) -> SweepDocument | None:
    """Complete the sweep document once every circuit has its result (counts, incidents,
    snapshots, failures); None while circuits are still running.  Idempotent."""
    from diag.sweep.engine import _counts, nms_users
    from diag.sweep.incidents import group_incidents

    sweep = env.store.sweep(sweep_id)
    if sweep is None or sweep.state == "complete":
        return sweep
    total = len(sweep.selection.circuits)
    if progress(env, sweep_id)[0] < total:
        return None
    lock = key(sweep_id, "final")
    if not env.redis.set(lock, secrets.token_hex(8), nx=True, ex=300):
        return None
    try:
        inv = env.inventory
        stored = {r.circuit: r for r in env.store.sweep_results(sweep_id)}
        failed: dict[str, str] = env.redis.hgetall(key(sweep_id, "failed"))  # type: ignore[assignment]
        results: list[CircuitResult] = []
        for cid in sweep.selection.circuits:
            if cid in stored:
                results.append(stored[cid])
            elif cid in failed:
                results.append(
                    CircuitResult(
                        circuit=cid,
                        status="failed",
                        summary=f"no diagnosis: {failed[cid]}",
                        duration_s=0.0,
                        error=failed[cid],
                    )
                )
        failing = env.store.documents(sweep_id=sweep_id, not_healthy=True)
        users = nms_users(inv, [r.circuit for r in results])
        snapshots = [
            s.model_copy(update={"circuits": users.get(s.nms, 0)})
            for s in snapshot_facts(env.redis, sweep_id)
        ]
        failures = [
            f"NMS {s.nms}: the alarm snapshot failed: {s.error}" for s in snapshots if not s.ok
        ]
        failures += [f"{r.circuit}: {r.error}" for r in results if r.status == "failed"]
        now = datetime.now(UTC)
        doc = sweep.model_copy(
            update={
                "state": "complete",
                "finished": now,
                "counts": _counts(results, total),
                "snapshots": snapshots,
                "incidents": group_incidents(inv, failing, sweep_id=sweep_id),
                "circuits": results,
                "failures": failures,
                "duration_s": round((now - sweep.started).total_seconds(), 3),
            }
        )
        env.store.record_sweep(doc)
        return doc
    finally:
        env.redis.delete(lock)


def wait(
    env: Env,
    sweep_id: str,
    *,
    every: float = 0.5,
    on_progress: Callable[[int, int], None] | None = None,
    stop: Callable[[float], bool] | None = None,
) -> SweepDocument | None:
    """Follow the sweep until it is complete; None if `stop` said to stop first."""
    last = (-1, -1)
    while True:
        now = progress(env, sweep_id)
        if now != last and on_progress is not None:
            on_progress(*now)
        last = now
        if env.store.sweep_state(sweep_id) == "complete":
            return env.store.sweep(sweep_id)
        total = len(env.sweep_circuits(sweep_id))
        if total and now[0] >= total:
            # every circuit is in: finish it here if no worker did (one was lost right then)
            done = finalize(env, sweep_id)
            if done is not None and done.state == "complete":
                return done
        if stop is None:
            time.sleep(every)
        elif stop(every):
            return None

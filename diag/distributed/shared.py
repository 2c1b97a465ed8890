"""What a distributed sweep's tasks share through Redis: each NMS's alarm snapshot (taken once per
sweep by the first task of a region that reaches the NMS, under a lock), the parts of circuits
read in two regions, and circuits that could not be diagnosed.

Keys live under `diag:sweep:<id>:` and expire after `keep_s` (DistributedSettings).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from diag.errors import CollectorError
from diag.model.inventory import Inventory, Nms
from diag.model.observations import AlarmObservation, CollectorRun, Observation
from diag.runner import Collected
from diag.sweep.model import SnapshotFacts
from diag.sweep.shared import SweepReads, _Snapshot

if TYPE_CHECKING:
    import redis
    import redis.asyncio as aredis

    from diag.collectors.nms import NmsPoll
    from diag.collectors.snmp.client import SnmpClient


def key(sweep_id: str, *parts: str) -> str:
    return ":".join(("diag", "sweep", sweep_id, *parts))


class SharedPoll(BaseModel):
    """An NMS snapshot as stored in Redis (or why it could not be taken)."""

    model_config = ConfigDict(extra="forbid")
    alarms: list[AlarmObservation] = []
    partial: bool = False
    note: str | None = None
    rejected_traps: int = 0
    completeness: str | None = None
    error: str | None = None
    region: str
    host: str


class Part(BaseModel):
    """What one region collected of a circuit read in several regions."""

    model_config = ConfigDict(extra="forbid")
    region: str
    started: datetime
    observations: list[Observation]
    collectors: list[CollectorRun]
    raw: dict[str, dict[str, str]] = {}
    transcripts: dict[str, str] = {}

    @classmethod
    def of(cls, region: str, started: datetime, got: Collected) -> Part:
        return cls(
            region=region,
            started=started,
            observations=got.observations,
            collectors=got.collectors,
            raw=got.raw,
            transcripts=got.transcripts,
        )


def join(parts: list[Part]) -> tuple[datetime, Collected]:
    """One circuit's reads from every region, as if one run had made them."""
    out = Collected()
    for p in sorted(parts, key=lambda p: p.region):
        out.observations.extend(p.observations)
        out.collectors.extend(p.collectors)
        out.raw.update(p.raw)
        out.transcripts.update(p.transcripts)
    return min(p.started for p in parts), out


class RegionReads(SweepReads):
    """A task's shared reads: the sweep's ones (diag.sweep.shared) within the task's batch, and
    each NMS snapshot once across every task of the sweep, through Redis."""

    def __init__(
        self,
        inv: Inventory,
        batch: list[str],
        sweep_circuits: list[str],
        *,
        pings: int,
        sweep_id: str,
        region: str,
        host: str,
        client: aredis.Redis,
        wait_s: float,
        keep_s: float,
    ) -> None:
        super().__init__(inv, batch, pings=pings)
        # the snapshot covers the NEs of the whole sweep, whichever task takes it
        for name, snap in SweepReads(inv, sweep_circuits)._snapshots.items():
            self._snapshots[name] = snap
        self.sweep_id = sweep_id
        self.region = region
        self.host = host
        self.redis = client
        self.wait_s = wait_s
        self.keep_s = keep_s
        self.taken: list[str] = []  # the NMSs whose snapshot this task took

    async def _fetch(self, client: SnmpClient, snap: _Snapshot) -> NmsPoll:
        """The sweep's snapshot of this NMS: kept in Redis by the first task that takes it."""
        from diag.collectors.nms import NmsPoll

        nms = snap.nms
        where = key(self.sweep_id, "nms", nms.name)
        lock = where + ":lock"
        ttl = max(1, int(self.wait_s))
        deadline = time.monotonic() + 2 * self.wait_s
        token = secrets.token_hex(8)
        while True:
            text = await self.redis.get(where)
            if text is not None:
                got = SharedPoll.model_validate_json(text)
                if got.error is not None:
                    raise CollectorError(
                        f"{got.error} (the sweep's snapshot, taken in region {got.region} "
                        f"on {got.host})"
                    )
                return NmsPoll(
                    got.alarms, got.partial, got.note, got.rejected_traps, got.completeness
                )
            if await self.redis.set(lock, token, nx=True, ex=ttl):
                return await self._take_shared(client, nms, where, lock)
            if time.monotonic() > deadline:
                raise CollectorError(
                    f"NMS {nms.name}: the sweep's alarm snapshot was not shared within "
                    f"{2 * self.wait_s:.0f} s: the worker taking it stopped (a newer task "
                    "retries)"
                )
            await asyncio.sleep(0.2)

    async def _take_shared(self, client: SnmpClient, nms: Nms, where: str, lock: str) -> NmsPoll:
        snap = self._snapshots[nms.name]
        self.taken.append(nms.name)
        keep = max(1, int(self.keep_s))
        try:
            polled = await self._take(client, snap)
        except (CollectorError, OSError) as exc:
            shared = SharedPoll(error=str(exc), region=self.region, host=self.host)
            await self._keep(nms, where, shared, keep)
            raise
        except BaseException:
            await self.redis.delete(lock)  # interrupted: another task takes it
            raise
        shared = SharedPoll(
            alarms=polled.alarms,
            partial=polled.partial,
            note=polled.note,
            rejected_traps=polled.rejected_traps,
            completeness=polled.completeness,
            region=self.region,
            host=self.host,
        )
        await self._keep(nms, where, shared, keep)
        return polled

    async def _keep(self, nms: Nms, where: str, shared: SharedPoll, keep: int) -> None:
        facts = self.snapshot_facts({})
        mine = next(f for f in facts if f.nms == nms.name)
        pipe = self.redis.pipeline()
        pipe.set(where, shared.model_dump_json(), ex=keep)
        pipe.hset(key(self.sweep_id, "facts"), nms.name, mine.model_dump_json())
        pipe.expire(key(self.sweep_id, "facts"), keep)
        await pipe.execute()


def snapshot_facts(r: redis.Redis, sweep_id: str) -> list[SnapshotFacts]:
    got = r.hgetall(key(sweep_id, "facts"))
    return sorted(
        (SnapshotFacts.model_validate_json(v) for v in got.values()),
        key=lambda f: f.nms,
    )

"""What the circuits of a sweep share, read once: each NMS's alarm table, each NE's E1 lines, and
one session per router at a time, with the two CRC samples in a shared window.

The runner's jobs call these through `Context.reads`; their observations are the same as a
circuit's own reads would give (an NMS snapshot filtered to the circuit's NEs, an NE's lines
filtered to the circuit's ports), so the analysis is the same pure analyzer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from diag.errors import CollectorError
from diag.model.inventory import Device, Inventory, Nms
from diag.model.observations import NeE1LineObservation, Observation
from diag.model.path import build_path
from diag.runner import E1_LINKS, Reads, nms_targets
from diag.sweep.model import SnapshotFacts

if TYPE_CHECKING:
    from diag.collectors.nms import NmsPoll
    from diag.collectors.snmp.client import SnmpClient


@dataclass
class _Snapshot:
    nms: Nms
    nes: set[str]
    started: datetime | None = None
    duration_s: float = 0.0
    task: asyncio.Task[NmsPoll] | None = None
    error: str | None = None
    polled: NmsPoll | None = None


def ne_ports(inv: Inventory, circuit_ids: Iterable[str]) -> dict[str, list[str]]:
    """NE device -> every E1-facing port the selected circuits use on it (the runner's plan)."""
    out: dict[str, list[str]] = {}
    for cid in circuit_ids:
        path = build_path(inv.circuits[cid], inv)
        for i, el in enumerate(path.elements):
            before = path.links[i - 1] if i > 0 else None
            after = path.links[i] if i < len(path.links) else None
            for port, link in ((el.a_port, before), (el.b_port, after)):
                if port and link is not None and link.kind in E1_LINKS:
                    have = out.setdefault(el.id, [])
                    if port not in have:
                        have.append(port)
    return out


class SweepReads(Reads):
    """Reads shared by a sweep's circuits (one asyncio loop)."""

    crc_window = True
    retry_timeouts = True

    def __init__(self, inv: Inventory, circuit_ids: list[str], *, pings: int = 32) -> None:
        self.inventory = inv
        self._snapshots: dict[str, _Snapshot] = {}
        for cid in circuit_ids:
            for nms_name, nes in nms_targets(inv, build_path(inv.circuits[cid], inv)).items():
                snap = self._snapshots.get(nms_name)
                if snap is None:
                    snap = self._snapshots[nms_name] = _Snapshot(inv.nms[nms_name], set())
                snap.nes.update(nes)
        self._ports = ne_ports(inv, circuit_ids)
        self._ne_tasks: dict[tuple[str, tuple[str, ...]], asyncio.Task[list[Observation]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._pings = asyncio.Semaphore(pings)
        self.ne_reads = 0  # NE SNMP reads made (once per NE unless one failed on the union)
        self.nms_polls = 0  # NMS alarm snapshots taken

    # --- NMS: one snapshot per NMS, taken when the first circuit asks, shared by all

    async def nms(self, client: SnmpClient, nms: Nms, nes: set[str]) -> NmsPoll:
        from diag.collectors.nms import NmsPoll

        snap = self._snapshots.get(nms.name)
        if snap is None:  # not planned (a circuit outside the selection): read alone
            return await super().nms(client, nms, nes)
        if snap.task is None:
            snap.task = asyncio.ensure_future(self._fetch(client, snap))
        polled = await asyncio.shield(snap.task)
        return NmsPoll(
            [a for a in polled.alarms if a.ne in nes],
            polled.partial,
            polled.note,
            polled.rejected_traps,
            polled.completeness,
        )

    async def _fetch(self, client: SnmpClient, snap: _Snapshot) -> NmsPoll:
        """The snapshot the circuits share (a distributed sweep: through Redis)."""
        return await self._take(client, snap)

    async def _take(self, client: SnmpClient, snap: _Snapshot) -> NmsPoll:
        from diag.collectors.nms import poll

        snap.started = datetime.now(UTC)
        t0 = time.monotonic()
        self.nms_polls += 1
        try:
            snap.polled = await poll(client, snap.nms, set(snap.nes))
        except (CollectorError, OSError) as exc:
            snap.error = str(exc)
            raise
        finally:
            snap.duration_s = round(time.monotonic() - t0, 3)
        return snap.polled

    def snapshot_facts(self, circuits_of: dict[str, int]) -> list[SnapshotFacts]:
        """What each NMS snapshot was; `circuits_of`: NMS -> circuits that used it."""
        out = []
        for name, snap in sorted(self._snapshots.items()):
            polled = snap.polled
            out.append(
                SnapshotFacts(
                    nms=name,
                    driver=snap.nms.driver,
                    ok=polled is not None,
                    partial=bool(polled and polled.partial),
                    started=snap.started or datetime.now(UTC),
                    duration_s=snap.duration_s,
                    alarms=len(polled.alarms) if polled else 0,
                    nes=len(snap.nes),
                    circuits=circuits_of.get(name, 0),
                    completeness=polled.completeness if polled else None,
                    error=snap.error
                    or (polled.note if polled and polled.partial else None)
                    or (None if snap.task else "not taken: the sweep was interrupted first"),
                )
            )
        return out

    # --- NEs: one read per NE, of every port the sweep's circuits use on it

    async def ne(self, client: SnmpClient, dev: Device, ports: list[str]) -> list[Observation]:
        union = tuple(self._ports.get(dev.name, ports))
        try:
            got = await self._ne_read(client, dev, union)
        except CollectorError:
            if union == tuple(ports):
                raise
            # one circuit's port the NE does not know fails the union: read this circuit's own
            got = await self._ne_read(client, dev, tuple(ports))
        wanted = {p: i for i, p in enumerate(ports)}
        rank: list[tuple[int, Observation]] = [
            (wanted[o.port], o)
            for o in got
            if isinstance(o, NeE1LineObservation) and o.port is not None and o.port in wanted
        ]
        return [o for _, o in sorted(rank, key=lambda r: r[0])]

    async def _ne_read(
        self, client: SnmpClient, dev: Device, ports: tuple[str, ...]
    ) -> list[Observation]:
        key = (dev.name, ports)
        task = self._ne_tasks.get(key)
        if task is None:
            self.ne_reads += 1
            task = self._ne_tasks[key] = asyncio.ensure_future(
                Reads.ne(self, client, dev, list(ports))
            )
        return await asyncio.shield(task)

    # --- routers and host pings: bounded

    def device_lock(self, name: str) -> contextlib.AbstractAsyncContextManager[Any]:
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock

    def ping_slot(self) -> contextlib.AbstractAsyncContextManager[Any]:
        return self._pings

"""The client's reads: GET of many OIDs, and walks with their bounds (rows, time, OIDs that
must increase), each stop a `WalkTruncated` holding the rows read before it.

`Walks` is mixed into diag.collectors.snmp.client.SnmpClient, which owns the engine and sends
the requests (`_request`); requests run side by side are one unit (`_together`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

from diag.collectors.snmp.codec import Oid, SnmpValue, oid_str, parse_oid
from diag.errors import CollectorTruncated
from diag.model.inventory import SnmpSettings

if TYPE_CHECKING:
    from diag.collectors.snmp.client import SnmpTarget

_T = TypeVar("_T")


class WalkTruncated(CollectorTruncated):
    """A walk stopped at a bound (rows, time) or at an agent whose OIDs stopped increasing.

    `rows` are the (oid, value) pairs read before the stop, in order; `reason` says which stop.
    """

    def __init__(self, message: str, rows: list[tuple[str, SnmpValue]], reason: str) -> None:
        super().__init__(message, rows)
        self.rows = rows
        self.reason = reason


class Walks:
    """GET and walk over the client's `_request` (one PDU of a kind: get, next, bulk)."""

    oids_per_request: int

    if TYPE_CHECKING:

        async def _request(
            self, kind: str, target: SnmpTarget, oids: Sequence[Oid]
        ) -> list[tuple[Oid, SnmpValue]]: ...

    async def get(
        self, target: SnmpTarget, oids: Iterable[str | Sequence[int]]
    ) -> dict[str, SnmpValue]:
        """GET the OIDs (split into several PDUs when many); absent instances are left out."""
        wanted = list(dict.fromkeys(parse_oid(o) for o in oids))
        chunks = [
            wanted[i : i + self.oids_per_request]
            for i in range(0, len(wanted), self.oids_per_request)
        ]
        answers = await _together([self._request("get", target, c) for c in chunks])
        out: dict[str, SnmpValue] = {}
        for answer in answers:
            for oid, value in answer:
                if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView):
                    continue
                out[oid_str(oid)] = value
        return out

    async def walk(
        self,
        target: SnmpTarget,
        root_oid: str | Sequence[int],
        bulk: bool = True,
        *,
        deadline: float | None = None,
    ) -> list[tuple[str, SnmpValue]]:
        """Every (oid, value) under root_oid in order; GETBULK unless bulk=False (GETNEXT).

        Bounded by the target's `walk_max_rows` and `walk_timeout_s` (or `deadline`, a loop
        time), and stopped when the agent's next OID does not increase: each raises
        WalkTruncated with the rows read before it.
        """
        s = target.settings
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + s.walk_timeout_s
        root = parse_oid(root_oid)
        current = root
        rows: list[tuple[str, SnmpValue]] = []
        kind = "bulk" if bulk else "next"
        while True:
            if loop.time() >= deadline:
                raise self._cut(target, root, rows, _time_limit(s))
            try:
                async with asyncio.timeout_at(deadline):
                    answer = await self._request(kind, target, [current])
            except TimeoutError:
                raise self._cut(target, root, rows, _time_limit(s)) from None
            if not answer:
                return rows
            for oid, value in answer:
                if isinstance(value, EndOfMibView) or oid[: len(root)] != root:
                    return rows
                if oid <= current:
                    # An agent looping on one OID (or going back) would walk forever.
                    raise self._cut(
                        target,
                        root,
                        rows,
                        f"the agent returned OID {oid_str(oid)} after {oid_str(current)}: "
                        "OIDs must increase (a broken agent or a table changing under the walk)",
                    )
                if len(rows) >= s.walk_max_rows:
                    raise self._cut(
                        target,
                        root,
                        rows,
                        f"the row limit ({s.walk_max_rows} rows, snmp.walk_max_rows) was reached "
                        "and the agent had more",
                    )
                rows.append((oid_str(oid), value))
                current = oid

    def _cut(
        self, target: SnmpTarget, root: Oid, rows: list[tuple[str, SnmpValue]], why: str
    ) -> WalkTruncated:
        return WalkTruncated(
            f"{target.name}: walk of {oid_str(root)} stopped after {len(rows)} rows: {why}",
            rows,
            why,
        )

    async def walk_many(
        self, target: SnmpTarget, roots: Iterable[str | Sequence[int]], bulk: bool = True
    ) -> list[tuple[str, SnmpValue]]:
        """Walk several subtrees side by side (bounded by the in-flight cap); merged in order.

        Walking a table column by column this way costs one round trip per
        `max_repetitions` rows instead of one per `max_repetitions` cells.  The subtrees share
        one time limit (`walk_timeout_s`); each has its own row limit.  When any walk stops
        early, the others still finish and WalkTruncated carries every row read, merged.
        """
        subtrees = list(roots)
        deadline = asyncio.get_running_loop().time() + target.settings.walk_timeout_s

        async def one(
            root: str | Sequence[int],
        ) -> tuple[list[tuple[str, SnmpValue]], WalkTruncated | None]:
            try:
                return await self.walk(target, root, bulk, deadline=deadline), None
            except WalkTruncated as cut:
                return cut.rows, cut

        walks = await _together([one(r) for r in subtrees])
        merged_map = {oid: value for rows, _ in walks for oid, value in rows}
        # The keys are oid_str's own text (no leading dot, no spaces): split is enough, and
        # twice as fast as parse_oid on the thousands of rows of a table.
        merged = sorted(merged_map.items(), key=lambda item: tuple(map(int, item[0].split("."))))
        cuts = [cut for _, cut in walks if cut is not None]
        if cuts:
            more = (
                f" (and {len(cuts) - 1} more of the {len(subtrees)} subtrees)" if cuts[1:] else ""
            )
            raise WalkTruncated(f"{cuts[0]}{more}", merged, cuts[0].reason)
        return merged


def _time_limit(s: SnmpSettings) -> str:
    return f"the time limit ({s.walk_timeout_s:g} s, snmp.walk_timeout_s) ran out"


async def _together(aws: list[Awaitable[_T]]) -> list[_T]:
    """Await all side by side; the first failure cancels the rest and waits for them (so nothing
    keeps running, or later fails unobserved, after the caller has its error), then raises."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise

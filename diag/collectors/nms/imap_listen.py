"""huawei-imap in one process: one trap receiver per listen address, one query per NMS at a time.

The iMAP northbound answers a query with traps sent to the address the NMS has registered as its
trap target (the inventory's `trap_listen`): fixed by configuration, so every query to any NMS
that sends there is read on that one socket.  Two rules follow, per event loop:

- one receiver per listen address, shared.  Each query subscribes with its NMS's trap sources
  and credentials; a trap goes to the query whose NMS sent it (source address, then community
  or v3 user).  The receiver is bound while some query uses it and released after, and refuses
  what no NMS on it may send before decoding it, as a receiver of one NMS does.
- one query per NMS at a time.  QueryBegin / Query / QueryEnd carry no query id, so two queries
  at once on one NMS cannot be told apart: a collect that finds its NMS's query running awaits
  that query's result (single flight), and every such collect gets the same snapshot.  Two
  NMSs whose trap sources overlap (the same sending address) cannot be told apart either: their
  queries on one receiver take turns.  NMSs with distinct sources query at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from diag.collectors.snmp.traps import (
    REJECT_WORDS,
    Trap,
    TrapReceiver,
    parse_listen,
)
from diag.errors import CollectorError
from diag.model.inventory import Nms

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_T = TypeVar("_T")
_WRONG_CREDENTIALS = {"v2c": "snmpInBadCommunityNames", "v3": "usmStatsUnknownUserNames"}


def trap_sources(nms: Nms) -> list[str]:
    """Where the NMS's traps may come from: `trap_sources`, by default its own address."""
    return list(nms.trap_sources) if nms.trap_sources else [nms.address]


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        addr = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


async def _networks(specs: list[str]) -> list[Network]:
    """Addresses, networks or host names (every address they resolve to) as networks."""
    out: list[Network] = []
    for spec in specs:
        try:
            out.append(ipaddress.ip_network(spec.partition("%")[0], strict=False))
            continue
        except ValueError:
            pass
        with contextlib.suppress(OSError):  # the receiver says it, with the advice
            for info in await asyncio.get_running_loop().getaddrinfo(spec, None):
                addr = _ip(str(info[4][0]))
                if addr is not None:
                    out.append(ipaddress.ip_network(addr))
    return out


def _overlap(a: list[Network], b: list[Network]) -> bool:
    return any(x.version == y.version and x.overlaps(y) for x in a for y in b)


@dataclass(eq=False)
class Subscription:
    """One NMS's query on a shared receiver: the traps its NMS sent, and what was refused while
    it listened (the receiver's refusals meanwhile, and traps another NMS's credentials signed)."""

    nms: Nms
    networks: list[Network]
    shared: SharedReceiver
    queue: asyncio.Queue[Trap] = field(default_factory=asyncio.Queue)
    base: dict[str, int] = field(default_factory=dict)  # the receiver's counts when we joined
    base_from: dict[str, dict[str, int]] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)  # our own, by reason
    refused_from: dict[str, Counter[str]] = field(default_factory=dict)

    async def get(self, timeout: float | None = None) -> Trap:  # noqa: ASYNC109
        if timeout is None:
            return await self.queue.get()
        return await asyncio.wait_for(self.queue.get(), max(timeout, 0.0))

    def get_nowait(self) -> Trap | None:
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            return None

    def add_engine_id(self, engine_id: bytes) -> None:
        assert self.shared.receiver is not None
        self.shared.receiver.add_engine_id(engine_id)

    def refuse(self, reason: str, source: str | None = None) -> None:
        self.refused[reason] += 1
        if source is not None:
            self.refused_from.setdefault(reason, Counter())[source] += 1

    def rejected(self) -> dict[str, int]:
        """Notifications refused since this query joined, per reason (non-zero only)."""
        receiver = self.shared.receiver
        now = receiver.rejected() if receiver is not None else dict(self.base)
        out = Counter({k: v - self.base.get(k, 0) for k, v in now.items()})
        out.update(self.refused)
        return {k: v for k, v in out.items() if v > 0}

    def _sources(self, reason: str) -> list[str]:
        receiver = self.shared.receiver
        now = receiver.refused_from().get(reason, {}) if receiver is not None else {}
        base = self.base_from.get(reason, {})
        ours = self.refused_from.get(reason, Counter())
        return sorted(
            {a for a, n in now.items() if n > base.get(a, 0)} | {a for a, n in ours.items() if n}
        )

    @property
    def rejected_count(self) -> int:
        return sum(self.rejected().values())

    def rejections(self) -> str | None:
        """The refusals in words, as TrapReceiver.rejections() says them."""
        counts = self.rejected()
        parts = []
        for reason, words in REJECT_WORDS.items():
            if counts.get(reason):
                where = self._sources(reason)
                parts.append(
                    f"{counts[reason]} {words}" + (f" ({', '.join(where)})" if where else "")
                )
        return ", ".join(parts) or None


class SharedReceiver:
    """The trap receiver of one listen address, shared by the queries of the NMSs sending there."""

    def __init__(self, listen: tuple[str, int]) -> None:
        self.listen = listen
        self.receiver: TrapReceiver | None = None
        self.subscriptions: list[Subscription] = []
        self.strays = 0  # traps from an NMS on this receiver that no query was reading
        self._pump: asyncio.Task[None] | None = None
        self._setup = asyncio.Lock()  # starting, widening and stopping the receiver
        self._turns = asyncio.Condition()  # NMSs with overlapping sources take turns

    @contextlib.asynccontextmanager
    async def subscribe(self, nms: Nms) -> AsyncIterator[Subscription]:
        """Listen for `nms`'s traps: the receiver bound (first subscriber) or widened to accept
        its sources and credentials; waits first while an NMS sending from the same address
        is being queried."""
        networks = await _networks(trap_sources(nms))
        sub = Subscription(nms, networks, self)
        async with self._turns:
            await self._turns.wait_for(
                lambda: not any(_overlap(networks, s.networks) for s in self.subscriptions)
            )
            self.subscriptions.append(sub)
        try:
            async with self._setup:
                if self.receiver is None:
                    receiver = TrapReceiver(
                        self.listen,
                        [nms.snmp],
                        label=f"NMS {nms.name} trap receiver",
                        sources=trap_sources(nms),
                    )
                    await receiver.start()  # a busy port fails here, before any SNMP traffic
                    self.receiver = receiver
                    self._pump = asyncio.get_running_loop().create_task(self._dispatch(receiver))
                else:
                    await self.receiver.accept([nms.snmp], trap_sources(nms))
                sub.base = self.receiver.rejected()
                sub.base_from = self.receiver.refused_from()
            yield sub
        finally:
            async with self._turns:
                self.subscriptions.remove(sub)
                self._turns.notify_all()
            async with self._setup:
                if not self.subscriptions:
                    await self._close()

    async def _close(self) -> None:
        pump, receiver = self._pump, self.receiver
        self._pump = self.receiver = None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        if receiver is not None:
            await receiver.stop()

    async def _dispatch(self, receiver: TrapReceiver) -> None:
        """Each trap to the query whose NMS sent it (its source address, then its credentials)."""
        while True:
            trap = await receiver.get()
            ip = _ip(trap.source[0])
            mine = [
                s for s in self.subscriptions if ip is not None and any(ip in n for n in s.networks)
            ]
            if not mine:
                # From an NMS this receiver accepts (it refuses every other source) that no
                # query is reading now: a heartbeat, a report, a late trap of a query over.
                self.strays += 1
                continue
            for s in mine:  # one: overlapping sources take turns
                if receiver.sent_with(trap, s.nms.snmp):
                    s.queue.put_nowait(trap)
                else:  # another NMS's community or user, from this NMS's address
                    s.refuse(_WRONG_CREDENTIALS.get(trap.version, "snmpInBadCommunityNames"))


_SHARED: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int], SharedReceiver]
] = weakref.WeakKeyDictionary()


def shared_receiver(nms: Nms) -> SharedReceiver:
    """The running loop's receiver for the NMS's trap_listen."""
    if not nms.trap_listen:
        raise CollectorError(
            f"NMS {nms.name}: driver huawei-imap needs 'trap_listen' (host:port where the NMS "
            "sends its traps) in the inventory"
        )
    host, port = parse_listen(nms.trap_listen)
    key = (host.lower(), port)
    table = _SHARED.setdefault(asyncio.get_running_loop(), {})
    if key not in table:
        table[key] = SharedReceiver((host, port))
    return table[key]


# --------------------------------------------------------------------------- single flight


@dataclass
class _Flight:
    task: asyncio.Task[Any]
    waiting: int = 0


_FLIGHTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[object, _Flight]] = (
    weakref.WeakKeyDictionary()
)


async def single_flight(key: object, run: Callable[[], Awaitable[_T]]) -> _T:
    """`run()`'s result; callers with the same key while it runs await that same run.

    The run is a task of its own: a caller cancelled leaves it to the others, and the last
    caller to leave cancels it (so an interrupted collect still stops its query)."""
    loop = asyncio.get_running_loop()
    flights = _FLIGHTS.setdefault(loop, {})
    flight = flights.get(key)
    if flight is None:

        async def wrapped() -> _T:
            return await run()

        flight = flights[key] = _Flight(loop.create_task(wrapped()))

        def done(_: object, flight: _Flight = flight) -> None:
            if flights.get(key) is flight:
                del flights[key]

        flight.task.add_done_callback(done)
    flight.waiting += 1
    try:
        return cast("_T", await asyncio.shield(flight.task))
    except asyncio.CancelledError:
        if flight.waiting == 1 and not flight.task.done():
            flight.task.cancel()
            with contextlib.suppress(BaseException):
                await flight.task
        raise
    finally:
        flight.waiting -= 1

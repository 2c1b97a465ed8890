"""huawei-imap collects at once in one process, against real lab NMS agents speaking the iMAP
northbound: one trap receiver per listen address, one query per NMS (single flight), NMSs with
distinct trap sources queried at once on one receiver, NMSs sending from one address in turns."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from diag.collectors.nms import HuaweiImapDriver, NmsPoll, poll
from diag.collectors.nms.imap_listen import _SHARED
from diag.collectors.snmp import SnmpClient
from diag.lab.imap import ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from tests.collectors.snmp_helpers import Run

V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=2.0, retries=1)
RAISED = datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)


def _alarms(prefix: str, nes: int) -> tuple[dict[str, list[NeAlarm]], dict[str, list[str]]]:
    ports = {f"{prefix}-NE-{n}": ["1-PQ1-1", "1-PQ1-2"] for n in range(nes)}
    alarms = {
        ne: [NeAlarm(name="UP_E1_AIS", port=p, severity="minor", raised=RAISED) for p in ps]
        for ne, ps in ports.items()
    }
    return alarms, ports


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def arun() -> Iterator[Run]:
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def _agent(name: str, host: str, prefix: str, port: int, **options: Any) -> NmsAgent:
    alarms, ports = _alarms(prefix, 4)
    imap = ImapOptions(trap_targets=[f"0.0.0.0:{port}"], heartbeat_s=None, **options)
    return NmsAgent(name, host, 0, alarms, ports, imap=imap)


def _nms(agent: NmsAgent, listen_port: int) -> Nms:
    return Nms(name=agent.name, driver="huawei-imap", address=agent.host, port=agent.port,
               snmp=V2C, trap_listen=f"0.0.0.0:{listen_port}", query_timeout_s=5)  # fmt: skip


def _nes(got: NmsPoll) -> set[str]:
    return {o.ne for o in got.alarms if o.ne is not None}


def test_concurrent_collects_on_one_nms_share_one_query(arun: Run) -> None:
    """Five circuits on one NMS polled at once: one query (two reads) on the NMS, one trap
    receiver, every poll complete and filtered to its own NEs."""
    port = _free_udp_port()
    agent = _agent("nms-one", "127.0.0.1", "A", port)
    circuits = [{"A-NE-0", "A-NE-1"}, {"A-NE-1"}, {"A-NE-2"}, {"A-NE-3", "A-NE-0"}, {"A-NE-9"}]

    async def scenario() -> list[NmsPoll]:
        async with agent, SnmpClient() as client:
            nms = _nms(agent, port)
            polls = await asyncio.gather(*(poll(client, nms, nes) for nes in circuits))
            assert not _SHARED[asyncio.get_running_loop()][("0.0.0.0", port)].subscriptions
            return list(polls)

    polls = arun(scenario())
    assert agent.imap is not None
    assert len(agent.imap.queries) == 2  # one collect: query_reads (2) reads, for all five
    assert all(q.ended and not q.stopped for q in agent.imap.queries)
    for nes, got in zip(circuits, polls, strict=True):
        assert not got.partial and got.rejected_traps == 0, got.note
        assert _nes(got) == nes & {"A-NE-0", "A-NE-1", "A-NE-2", "A-NE-3"}
        assert len(got.alarms) == 2 * len(_nes(got))  # two ports each
    # the same snapshot: the same alarm has the same reception time in every poll
    seen = {(o.ne, o.port): o.at for got in polls for o in got.alarms}
    for got in polls:
        assert all(seen[(o.ne, o.port)] == o.at for o in got.alarms)


def test_sequential_collects_each_query(arun: Run) -> None:
    """Single flight is for collects at once: one after the other, each reads the NMS anew."""
    port = _free_udp_port()
    agent = _agent("nms-seq", "127.0.0.1", "S", port)

    async def scenario() -> None:
        async with agent, SnmpClient() as client:
            nms = _nms(agent, port)
            for _ in range(2):
                driver = HuaweiImapDriver()
                obs = await driver.collect(client, nms, None)
                assert len(obs) == 8 and not driver.last_result_partial

    arun(scenario())
    assert agent.imap is not None and len(agent.imap.queries) == 4


def test_two_nms_on_one_trap_port_are_queried_at_once(arun: Run) -> None:
    """Two NMSs (127.0.0.1 and 127.0.0.2) send to the same registered trap target: one receiver
    reads both queries at the same time, each NMS's traps go to its own query.  Each lab agent
    holds its first read open until the other's has begun: taking turns would never finish."""
    port = _free_udp_port()
    begun = {"A": asyncio.Event(), "B": asyncio.Event()}

    def hold(me: str, other: str) -> Callable[[int], Awaitable[None]]:
        async def wait(number: int) -> None:
            begun[me].set()
            if number == 1:
                await asyncio.wait_for(begun[other].wait(), 3.0)

        return wait

    a = _agent("nms-a", "127.0.0.1", "A", port, before_query_traps=hold("A", "B"))
    b = _agent("nms-b", "127.0.0.2", "B", port, before_query_traps=hold("B", "A"))

    async def scenario() -> list[NmsPoll]:
        async with a, b, SnmpClient() as client:
            na, nb = _nms(a, port), _nms(b, port)
            return list(
                await asyncio.gather(
                    poll(client, na, None), poll(client, nb, None), poll(client, na, {"A-NE-1"})
                )
            )

    all_a, all_b, one_a = arun(scenario())
    assert a.imap is not None and b.imap is not None
    assert len(a.imap.queries) == 2 and len(b.imap.queries) == 2
    assert _nes(all_a) == {f"A-NE-{n}" for n in range(4)} and len(all_a.alarms) == 8
    assert _nes(all_b) == {f"B-NE-{n}" for n in range(4)} and len(all_b.alarms) == 8
    assert _nes(one_a) == {"A-NE-1"}
    for got in (all_a, all_b, one_a):
        assert not got.partial and got.rejected_traps == 0, got.note


def test_two_nms_sending_from_one_address_take_turns(arun: Run) -> None:
    """Two NMSs on 127.0.0.1 (different SNMP ports) send to one trap target: their traps cannot
    be told apart, so their queries run one after the other and neither reads the other's."""
    port = _free_udp_port()
    log: list[str] = []

    def note(me: str) -> Callable[[int], Awaitable[None]]:
        async def begun(number: int) -> None:
            log.append(f"{me}{number}")
            await asyncio.sleep(0.05)  # room for the other NMS's query to start, were it let

        return begun

    a = _agent("nms-a", "127.0.0.1", "A", port, before_query_traps=note("A"))
    b = _agent("nms-b", "127.0.0.1", "B", port, before_query_traps=note("B"))

    async def scenario() -> list[NmsPoll]:
        async with a, b, SnmpClient() as client:
            na, nb = _nms(a, port), _nms(b, port)
            return list(await asyncio.gather(poll(client, na, None), poll(client, nb, None)))

    got_a, got_b = arun(scenario())
    assert _nes(got_a) == {f"A-NE-{n}" for n in range(4)} and len(got_a.alarms) == 8
    assert _nes(got_b) == {f"B-NE-{n}" for n in range(4)} and len(got_b.alarms) == 8
    for got in (got_a, got_b):
        assert not got.partial and got.rejected_traps == 0, got.note
    assert log in (["A1", "A2", "B1", "B2"], ["B1", "B2", "A1", "A2"])  # whole collects in turn


def test_a_cancelled_collect_leaves_the_query_to_the_others(arun: Run) -> None:
    port = _free_udp_port()
    agent = _agent("nms-c", "127.0.0.1", "C", port, trap_gap_s=0.01)

    async def scenario() -> NmsPoll:
        async with agent, SnmpClient() as client:
            nms = _nms(agent, port)
            first = asyncio.ensure_future(poll(client, nms, {"C-NE-0"}))
            second = asyncio.ensure_future(poll(client, nms, {"C-NE-1"}))
            await asyncio.sleep(0.05)
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            return await second

    got = arun(scenario())
    assert _nes(got) == {"C-NE-1"} and not got.partial
    assert agent.imap is not None and len(agent.imap.queries) == 2
    assert not any(q.stopped for q in agent.imap.queries)

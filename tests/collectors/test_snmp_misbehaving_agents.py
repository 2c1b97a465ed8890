"""SnmpClient against lab agents that misbehave: endless or looping tables, garbage answers,
auth errors mid-walk (split from test_snmp_client.py)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.collectors.snmp.client import (
    WalkTruncated,
    oid_str,
    parse_oid,
)
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import SnmpSettings
from tests.collectors.snmp_helpers import Run
from tests.collectors.snmp_oids import ALARM_ACTIVE_TABLE, SYS_NAME

# ---------------------------------------------------------------- agents that misbehave


class BadAgent(asyncio.DatagramProtocol):
    """A real SNMPv2c responder on loopback (pysnmp's own message codec) that misbehaves:

    - "endless": every GETNEXT/GETBULK gets the rows after the requested OID (`base.column.row`),
      for ever (an agent whose table always has one more row);
    - "repeat": `good` increasing rows, then the same OID again and again;
    - "garbage": every request is answered with bytes that are not SNMP (noise, and BER that
      pyasn1 fails on inside pysnmp's receive callback).
    """

    def __init__(self, mode: str, base: tuple[int, ...], good: int = 3) -> None:
        self.mode = mode
        self.base = base
        self.good = good
        self.requests = 0
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        from pyasn1.codec.ber import decoder, encoder
        from pysnmp.proto import api
        from pysnmp.proto.rfc1902 import Integer32, ObjectName

        assert self.transport is not None
        self.requests += 1
        if self.mode == "garbage":
            self.transport.sendto(bytes(range(7, 47)), addr)
            self.transport.sendto(bytes([0xA4, 20]) + bytes(20), addr)  # TypeError in pyasn1
            return
        p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        msg, _ = decoder.decode(data, asn1Spec=p.Message())
        pdu = p.apiMessage.get_pdu(msg)
        rsp = p.apiMessage.get_response(msg)
        bulk = pdu.tagSet == p.GetBulkRequestPDU.tagSet
        reps = int(p.apiBulkPDU.get_max_repetitions(pdu)) if bulk else 1
        out = []
        for oid, _ in p.apiPDU.get_varbinds(pdu):
            cur = tuple(oid)
            for _ in range(reps):
                if len(cur) < len(self.base) + 2:  # a column's rows are base.column.row
                    nxt = (*cur, *[1] * (len(self.base) + 2 - len(cur)))
                elif self.mode == "repeat" and cur[-1] >= self.good:
                    nxt = cur
                else:
                    nxt = (*cur[:-1], cur[-1] + 1)
                out.append((ObjectName(nxt), Integer32(nxt[-1])))
                cur = nxt
        p.apiPDU.set_varbinds(p.apiMessage.get_pdu(rsp), out)
        self.transport.sendto(encoder.encode(rsp), addr)


TABLE = (1, 3, 6, 1, 4, 1, 99999, 1)  # under an enterprise arc nothing else uses


def _bad_agent(
    arun: Run, mode: str, good: int = 3, base: tuple[int, ...] = TABLE
) -> tuple[BadAgent, int]:
    async def start() -> tuple[BadAgent, int]:
        loop = asyncio.get_running_loop()
        transport, agent = await loop.create_datagram_endpoint(
            lambda: BadAgent(mode, base, good), local_addr=("127.0.0.1", 0)
        )
        return agent, transport.get_extra_info("sockname")[1]

    result: tuple[BadAgent, int] = arun(start())
    return result


@pytest.fixture
def bad_agent(arun: Run) -> Iterator[Callable[..., tuple[BadAgent, int]]]:
    started: list[BadAgent] = []

    def make(mode: str, good: int = 3, base: tuple[int, ...] = TABLE) -> tuple[BadAgent, int]:
        agent, port = _bad_agent(arun, mode, good, base)
        started.append(agent)
        return agent, port

    yield make
    for agent in started:
        if agent.transport is not None:
            agent.transport.close()


def _settings(**bounds: Any) -> SnmpSettings:
    return SnmpSettings(community="lab:nms-community", timeout=0.5, retries=0, **bounds)


@pytest.mark.parametrize("bulk", [True, False])
def test_endless_table_stops_at_the_row_limit_with_the_rows_read(
    arun: Run, client: SnmpClient, bad_agent: Callable[..., tuple[BadAgent, int]], bulk: bool
) -> None:
    agent, port = bad_agent("endless")
    target = SnmpTarget("127.0.0.1", port, _settings(walk_max_rows=60), label="NMS bad")
    with pytest.raises(WalkTruncated) as info:
        arun(client.walk(target, TABLE, bulk=bulk))
    cut = info.value
    assert isinstance(cut, CollectorError)  # callers that cannot keep a partial list fail
    assert [o for o, _ in cut.rows] == [oid_str((*TABLE, 1, i)) for i in range(1, 61)]
    assert "stopped after 60 rows" in str(cut) and "snmp.walk_max_rows" in str(cut)
    assert "NMS bad (127.0.0.1:" in str(cut)
    # it asked only for what the limit needed: one request per row, or per 25 with GETBULK
    assert agent.requests == (3 if bulk else 61)


def test_endless_table_stops_at_the_time_limit(
    arun: Run, client: SnmpClient, bad_agent: Callable[..., tuple[BadAgent, int]]
) -> None:
    _, port = bad_agent("endless")
    target = SnmpTarget("127.0.0.1", port, _settings(walk_timeout_s=0.3))
    with pytest.raises(WalkTruncated, match=r"time limit \(0.3 s, snmp.walk_timeout_s\)") as info:
        arun(client.walk(target, TABLE))
    rows = [parse_oid(o) for o, _ in info.value.rows]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)


def test_repeated_oid_stops_the_walk_keeping_the_rows_before(
    arun: Run, client: SnmpClient, bad_agent: Callable[..., tuple[BadAgent, int]]
) -> None:
    _, port = bad_agent("repeat", good=4)
    target = SnmpTarget("127.0.0.1", port, _settings())
    with pytest.raises(WalkTruncated, match="OIDs must increase") as info:
        arun(client.walk(target, TABLE, bulk=False))
    assert [o for o, _ in info.value.rows] == [oid_str((*TABLE, 1, i)) for i in (1, 2, 3, 4)]
    last = oid_str((*TABLE, 1, 4))
    assert f"returned OID {last} after {last}" in str(info.value)


def test_walk_many_reports_every_row_read_when_cut(
    arun: Run, client: SnmpClient, bad_agent: Callable[..., tuple[BadAgent, int]]
) -> None:
    _, port = bad_agent("endless")
    target = SnmpTarget("127.0.0.1", port, _settings(walk_max_rows=30))
    columns = [(*TABLE, c) for c in (2, 3)]
    with pytest.raises(WalkTruncated, match=r"and 1 more of the 2 subtrees") as info:
        arun(client.walk_many(target, columns))
    oids = [parse_oid(o) for o, _ in info.value.rows]
    assert len(oids) == 60 and oids == sorted(oids)
    assert {o[: len(TABLE) + 1] for o in oids} == set(columns)


def test_alarm_mib_keeps_the_alarms_read_and_says_the_list_is_partial(
    arun: Run,
    client: SnmpClient,
    bad_agent: Callable[..., tuple[BadAgent, int]],
    nms_entry: Callable[..., Any],
) -> None:
    """An NMS whose alarm table never ends: the driver's result is partial, with the reason."""
    from diag.collectors.nms import collect_with_status

    _, port = bad_agent("endless", base=parse_oid(ALARM_ACTIVE_TABLE + ".1"))
    nms = nms_entry(port, _settings(walk_max_rows=40))
    alarms, partial, note = arun(collect_with_status(client, nms, None))
    assert partial is True
    assert note is not None and "alarm list incomplete" in note and "walk_max_rows" in note
    # the endless agent's rows carry no index ALARM-MIB can produce: nothing to attribute
    assert alarms == []


def test_garbage_answers_are_named_and_leave_no_traceback(
    arun: Run,
    client: SnmpClient,
    bad_agent: Callable[..., tuple[BadAgent, int]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, port = bad_agent("garbage")
    target = SnmpTarget("127.0.0.1", port, _settings())
    with caplog.at_level(logging.DEBUG, logger="asyncio"), pytest.raises(CollectorTimeout) as info:
        arun(client.get(target, [SYS_NAME]))
    message = str(info.value)
    assert "no SNMP response" in message
    assert re.search(
        rf"Meanwhile [1-9]\d* datagrams? from 127\.0\.0\.1:{port} could not be decoded as SNMP",
        message,
    )
    assert client.undecodable[("127.0.0.1", port)] >= 2
    assert not [r for r in caplog.records if r.name == "asyncio"], "pysnmp error reached the loop"


def test_v3_auth_error_in_walk_many_leaves_no_walk_running(
    arun: Run,
    lab_nms: NmsAgent,
    v3_settings: SnmpSettings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first walk's auth error cancels its siblings and waits for them: nothing is left
    running (whose late failure went unobserved, or whose replies hit a closed engine)."""
    monkeypatch.setenv("DIAG_TEST_KEY", "wrong-key-0123")
    settings = v3_settings.model_copy(update={"auth_key": "env:DIAG_TEST_KEY", "timeout": 0.5})
    columns = [f"{ALARM_ACTIVE_TABLE}.1.{c}" for c in range(4, 15)]

    async def scenario() -> tuple[BaseException, set[asyncio.Task[Any]]]:
        async with SnmpClient() as c:
            try:
                await c.walk_many(SnmpTarget("127.0.0.1", lab_nms.port, settings), columns)
            except CollectorAuthError as exc:
                error: BaseException = exc
            left = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
            left = {t for t in left if "SnmpClient" in repr(t.get_coro())}
        await asyncio.sleep(0.3)  # late replies arrive after the client closed
        return error, left

    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        error, left = arun(scenario())
    assert "refused our SNMPv3 credentials" in str(error)
    assert left == set()
    assert not [r for r in caplog.records if r.name == "asyncio"]

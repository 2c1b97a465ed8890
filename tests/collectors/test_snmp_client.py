"""SnmpClient against the real lab agent (pysnmp responder) and, when present, net-snmp."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pyasn1.type import univ

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.collectors.snmp.client import (
    WalkTruncated,
    decode_date_and_time,
    encode_date_and_time,
    oid_str,
    parse_oid,
    string_index,
    take_string_index,
)
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import SnmpSettings
from tests.collectors.snmp_helpers import Run

SYS_NAME = "1.3.6.1.2.1.1.5.0"
ALARM_ACTIVE_TABLE = "1.3.6.1.2.1.118.1.2.2"
ENT_PHYSICAL_TABLE = "1.3.6.1.2.1.47.1.1.1"


# ---------------------------------------------------------------- GET / walk, v2c and v3


@pytest.mark.parametrize("target_fixture", ["v2c_target", "v3_target"])
def test_get_reads_sysname(
    arun: Run, client: SnmpClient, target_fixture: str, request: pytest.FixtureRequest
) -> None:
    target: SnmpTarget = request.getfixturevalue(target_fixture)
    got = arun(client.get(target, [SYS_NAME, "1.3.6.1.2.1.1.3.0"]))
    assert str(got[SYS_NAME]) == "lab-nms"
    assert int(got["1.3.6.1.2.1.1.3.0"]) >= 0  # sysUpTime


def test_get_leaves_out_absent_instances(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget
) -> None:
    got = arun(client.get(v2c_target, [SYS_NAME, "1.3.6.1.2.1.1.5.1", "1.3.6.1.2.1.1.99.0"]))
    assert list(got) == [SYS_NAME]


def test_get_splits_many_oids_into_several_pdus(
    arun: Run, lab_nms: NmsAgent, v2c_settings: SnmpSettings
) -> None:
    async def scenario() -> dict[str, Any]:
        async with SnmpClient(oids_per_request=3) as c:
            target = SnmpTarget("127.0.0.1", lab_nms.port, v2c_settings)
            oids = [f"1.3.6.1.2.1.47.1.1.1.1.7.{i}" for i in range(1, 10)]
            return await c.get(target, oids)

    got = arun(scenario())
    assert len(got) == 9
    assert str(got["1.3.6.1.2.1.47.1.1.1.1.7.1"]) == "PDH-2"  # NEs are registered sorted


def test_walk_bulk_and_getnext_agree_and_stay_in_subtree(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget, v3_target: SnmpTarget
) -> None:
    bulk = arun(client.walk(v2c_target, ALARM_ACTIVE_TABLE))
    nxt = arun(client.walk(v3_target, ALARM_ACTIVE_TABLE, bulk=False))
    assert [o for o, _ in bulk] == [o for o, _ in nxt]
    assert [v.prettyPrint() for _, v in bulk] == [v.prettyPrint() for _, v in nxt]
    # 4 alarms x 11 accessible columns (alarmActiveEngineID .. alarmActiveSpecificPointer)
    assert len(bulk) == 44
    oids = [parse_oid(o) for o, _ in bulk]
    assert oids == sorted(oids) and len(set(oids)) == len(oids)
    assert all(o[:10] == parse_oid(ALARM_ACTIVE_TABLE) for o in oids)


def test_walk_of_an_empty_subtree_is_empty(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget
) -> None:
    # under alarmObjects (RFC 3877: model .1, active .2, clear .3) nothing is registered at .9
    assert arun(client.walk(v2c_target, "1.3.6.1.2.1.118.1.9")) == []


def test_walk_many_equals_one_walk(arun: Run, client: SnmpClient, v2c_target: SnmpTarget) -> None:
    whole = arun(client.walk(v2c_target, ENT_PHYSICAL_TABLE))
    columns = [f"{ENT_PHYSICAL_TABLE}.1.{c}" for c in (2, 3, 4, 5, 6, 7, 16)]
    merged = arun(client.walk_many(v2c_target, columns))
    assert [o for o, _ in merged] == [o for o, _ in whole]


def test_many_concurrent_requests_all_answered(
    arun: Run, lab_nms: NmsAgent, v2c_settings: SnmpSettings
) -> None:
    """300 GETs at once: the in-flight cap keeps every reply (uncapped, >256 get lost)."""

    async def scenario() -> list[dict[str, Any]]:
        async with SnmpClient(max_in_flight=32) as c:
            target = SnmpTarget("127.0.0.1", lab_nms.port, v2c_settings)
            return await asyncio.gather(*(c.get(target, [SYS_NAME]) for _ in range(300)))

    answers = arun(scenario())
    assert len(answers) == 300 and all(str(a[SYS_NAME]) == "lab-nms" for a in answers)


def test_client_is_bound_to_its_loop(lab_nms: NmsAgent, v2c_settings: SnmpSettings) -> None:
    c = SnmpClient()
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first.run_until_complete(c.__aenter__())  # binds the engine to `first`
        target = SnmpTarget("127.0.0.1", lab_nms.port, v2c_settings)
        with pytest.raises(RuntimeError, match="another event loop"):
            second.run_until_complete(c.get(target, [SYS_NAME]))
    finally:
        c.close()
        first.close()
        second.close()


def test_shared_client_is_one_per_loop() -> None:
    async def scenario() -> tuple[SnmpClient, SnmpClient]:
        a, b = SnmpClient.shared(), SnmpClient.shared()
        a.close()
        return a, b

    a, b = asyncio.run(scenario())
    assert a is b


# ---------------------------------------------------------------- failures


def test_wrong_community_times_out_fast_without_leaking_it(
    arun: Run, client: SnmpClient, lab_nms: NmsAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIAG_TEST_COMMUNITY", "not-the-community-42")
    settings = SnmpSettings(community="env:DIAG_TEST_COMMUNITY", timeout=0.5, retries=0)
    target = SnmpTarget("127.0.0.1", lab_nms.port, settings, label="NMS lab-nms")
    started = time.monotonic()
    with pytest.raises(CollectorTimeout) as info:
        arun(client.get(target, [SYS_NAME]))
    elapsed = time.monotonic() - started
    assert elapsed < 1.5
    message = str(info.value)
    assert f"127.0.0.1:{lab_nms.port}" in message
    assert "env:DIAG_TEST_COMMUNITY" in message  # the reference, so the user knows what to fix
    assert "firewall" in message and "port" in message
    assert "not-the-community-42" not in message
    assert LAB_SECRETS["nms-community"] not in message


def test_nothing_listening_times_out(
    arun: Run, client: SnmpClient, free_udp_port: Callable[[], int], v2c_settings: SnmpSettings
) -> None:
    settings = v2c_settings.model_copy(update={"timeout": 0.5})
    target = SnmpTarget("127.0.0.1", free_udp_port(), settings)
    started = time.monotonic()
    with pytest.raises(CollectorTimeout, match="no SNMP response"):
        arun(client.walk(target, ALARM_ACTIVE_TABLE))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("change", "indication"),
    [
        ({"auth_key": "env:DIAG_TEST_KEY"}, "digest"),
        ({"priv_key": "env:DIAG_TEST_KEY"}, "cipher"),
        ({"user": "nobody"}, "Unknown USM user"),
    ],
)
def test_v3_wrong_credentials_are_an_auth_error(
    arun: Run,
    client: SnmpClient,
    lab_nms: NmsAgent,
    v3_settings: SnmpSettings,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    indication: str,
) -> None:
    monkeypatch.setenv("DIAG_TEST_KEY", "wrong-key-0123")
    settings = v3_settings.model_copy(update={**change, "timeout": 0.5})
    with pytest.raises(CollectorAuthError) as info:
        arun(client.get(SnmpTarget("127.0.0.1", lab_nms.port, settings), [SYS_NAME]))
    message = str(info.value)
    assert indication.lower() in message.lower()
    for secret in ("wrong-key-0123", LAB_SECRETS["nms-auth-key"], LAB_SECRETS["nms-priv-key"]):
        assert secret not in message


# ---------------------------------------------------------------- textual conventions


def test_date_and_time_decodes_with_offset_and_deciseconds() -> None:
    octets = bytes([0x07, 0xE8, 5, 1, 10, 20, 30, 5]) + b"+" + bytes([8, 0])
    got = decode_date_and_time(octets)
    assert got == datetime(2024, 5, 1, 2, 20, 30, 500_000, tzinfo=UTC)
    assert got.utcoffset() == timedelta(hours=8)


def test_date_and_time_negative_offset_and_roundtrip() -> None:
    when = datetime(
        1999, 12, 31, 23, 59, 59, 900_000, tzinfo=timezone(-timedelta(hours=3, minutes=30))
    )
    octets = encode_date_and_time(when)
    assert octets[8:] == b"-" + bytes([3, 30])
    assert decode_date_and_time(octets) == when


def test_date_and_time_without_offset_is_utc() -> None:
    got = decode_date_and_time(bytes([0x07, 0xE8, 2, 29, 0, 0, 0, 0]))
    assert got == datetime(2024, 2, 29, tzinfo=UTC) and got.tzinfo is not None


@pytest.mark.parametrize(
    "octets",
    [
        b"",
        bytes([0x07, 0xE8, 13, 1, 0, 0, 0, 0]),  # month 13
        bytes([0x07, 0xE8, 1, 1, 0, 0, 0, 10]),  # deci-seconds 10
        bytes([0x07, 0xE8, 1, 1, 0, 0, 0, 0]) + b"*" + bytes([0, 0]),  # bad direction
        bytes([0x07, 0xE8, 1, 1, 0, 0, 0, 0, 0]),  # 9 octets
    ],
)
def test_date_and_time_rejects_garbage(octets: bytes) -> None:
    with pytest.raises(ValueError):
        decode_date_and_time(octets)


def test_string_index_roundtrip() -> None:
    oid = (9, *string_index("ab"), 7)
    assert oid == (9, 2, 97, 98, 7)
    assert take_string_index(oid, 1) == (b"ab", 4)
    assert string_index("") == (0,)
    with pytest.raises(ValueError):
        take_string_index((5, 1, 2), 0)


# ---------------------------------------------------------------- net-snmp cross-check


def _netsnmp_walk(port: int, root: str) -> list[tuple[str, str]]:
    out = subprocess.run(
        ["snmpwalk", "-v2c", "-c", LAB_SECRETS["nms-community"], "-On", "-Oq", "-Ox", "-t", "1",
         "-r", "0", f"127.0.0.1:{port}", root],
        capture_output=True, text=True, timeout=10, env={"MIBS": "", "PATH": "/usr/bin:/bin"},
        check=True,
    )  # fmt: skip
    rows: list[tuple[str, str]] = []
    for line in out.stdout.splitlines():
        if line.startswith("."):
            oid, _, value = line.partition(" ")
            rows.append((oid.lstrip("."), value))
        elif rows:  # net-snmp wraps long hex strings onto continuation lines
            rows[-1] = (rows[-1][0], rows[-1][1] + " " + line)
    return rows


def _as_netsnmp(value: Any) -> str:
    if isinstance(value, univ.ObjectIdentifier):
        return "." + ".".join(str(x) for x in value)
    if isinstance(value, univ.OctetString):
        return '"' + " ".join(f"{b:02X}" for b in bytes(value.asOctets())) + '"'
    return str(int(value))


def _norm(value: str) -> str:
    return " ".join(value.replace('"', " ").split())


@pytest.mark.skipif(
    shutil.which("snmpwalk") is None, reason="net-snmp snmpwalk not installed (apt package snmp)"
)
def test_snmpwalk_sees_the_same_alarm_table(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget, lab_nms: NmsAgent
) -> None:
    ours = arun(client.walk(v2c_target, ALARM_ACTIVE_TABLE))

    async def theirs() -> list[tuple[str, str]]:
        # The agent answers on this loop, so net-snmp must run while the loop runs.
        return await asyncio.to_thread(_netsnmp_walk, lab_nms.port, "." + ALARM_ACTIVE_TABLE)

    netsnmp = arun(theirs())
    assert [o for o, _ in netsnmp] == [o for o, _ in ours]
    assert [_norm(v) for _, v in netsnmp] == [_norm(_as_netsnmp(v)) for _, v in ours]


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

"""The huawei-imap NMS driver against the lab NMS speaking the iMAP northbound, as real peers.

The lab agent (pysnmp command responder) takes the SET on iMAPNorthboundAlarmQuery and sends
QueryBegin / Query x N / QueryEnd to the registered trap target; the driver's TrapReceiver
listens there.  net-snmp's snmpset cross-checks the lab side independently of diag's SET.
OIDs in the assertions are typed from the MIB text (I2000-V1 / M2000-V2), not taken from diag.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pysnmp.proto.rfc1902 import Integer32, ObjectName, OctetString

from diag.collectors.nms import (
    DRIVERS,
    HuaweiImapDriver,
    NmsPoll,
    collect_with_status,
    driver_for,
    poll,
)
from diag.collectors.nms.huawei_imap import _set_query, collect
from diag.collectors.nms.imap_mib import parse_extend_info, parse_occur_time
from diag.collectors.nms.imap_reads import ImapQueryResult, _combine, _Session
from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.collectors.snmp.traps import Trap, TrapReceiver
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorTimeout
from diag.lab.imap import ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from diag.model.observations import AlarmObservation
from tests.collectors.trap_forge import send_from, v2c_trap

Run = Callable[[Awaitable[Any]], Any]
Scenario = tuple[dict[str, list[NeAlarm]], dict[str, list[str]]]

IMAP = "1.3.6.1.4.1.2011.2.15.2"  # iMAPNorthbound
ALARM_QUERY_0 = f"{IMAP}.4.1.5.0"  # iMAPNorthboundAlarmQuery.0
HEARTBEAT_INTERVAL_0 = f"{IMAP}.1.3.1.1.0"  # iMAPNorthboundHeartbeatSvcReportInterval.0
QUERY_BEGIN = f"{IMAP}.4.3.3.0.2"
QUERY = f"{IMAP}.4.3.3.0.3"
QUERY_END = f"{IMAP}.4.3.3.0.4"
HEARTBEAT = f"{IMAP}.1.2.1.1.1.0.5"
TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0"
CST = timezone(timedelta(hours=8))

needs_snmpset = pytest.mark.skipif(
    shutil.which("snmpset") is None, reason="net-snmp tools (apt package snmp) not installed"
)
needs_snmptrap = pytest.mark.skipif(
    shutil.which("snmptrap") is None, reason="net-snmp tools (apt package snmp) not installed"
)


def _agent(scenario: Scenario, **options: Any) -> NmsAgent:
    alarms, ports = scenario
    options.setdefault("heartbeat_s", None)
    return NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports, imap=ImapOptions(**options))


def _nms(
    agent: NmsAgent, listen: str, snmp: SnmpSettings, timeout: float = 2.0, **extra: Any
) -> Nms:
    return Nms(
        name="lab-imap",
        driver="huawei-imap",
        address="127.0.0.1",
        port=agent.port,
        snmp=snmp,
        trap_listen=listen,
        query_timeout_s=timeout,
        **extra,
    )


def _collect(
    arun: Run,
    client: SnmpClient,
    agent: NmsAgent,
    listen: str,
    snmp: SnmpSettings,
    timeout: float = 2.0,
    ne_names: set[str] | None = None,
) -> tuple[list[AlarmObservation], HuaweiImapDriver]:
    driver = HuaweiImapDriver()

    async def scenario() -> list[AlarmObservation]:
        async with agent:
            return await driver.collect(client, _nms(agent, listen, snmp, timeout), ne_names)

    obs: list[AlarmObservation] = arun(scenario())
    return obs, driver


def _by_name(observations: list[AlarmObservation]) -> dict[str, AlarmObservation]:
    return {o.vendor_name: o for o in observations}


# ---------------------------------------------------------------- the query, end to end


def test_registry_has_huawei_imap(free_udp_port: Callable[[], int]) -> None:
    assert DRIVERS["huawei-imap"] is HuaweiImapDriver
    nms = Nms(
        name="n", driver="huawei-imap", address="127.0.0.1",
        snmp=SnmpSettings(community="lab:nms-community"), trap_listen="127.0.0.1:16162",
    )  # fmt: skip
    assert isinstance(driver_for(nms), HuaweiImapDriver)


@pytest.mark.parametrize("settings_fixture", ["v2c_settings", "v3_settings"])
def test_query_reads_every_active_alarm(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    settings_fixture: str,
    request: pytest.FixtureRequest,
) -> None:
    settings: SnmpSettings = request.getfixturevalue(settings_fixture)
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"0.0.0.0:{port}"])
    obs, driver = _collect(arun, client, agent, f"127.0.0.1:{port}", settings)

    result = driver.last_result
    assert result is not None and result.ended and result.reads == 2  # QueryEnd ended each read
    assert driver.last_result_partial is False and driver.last_result_note is None
    assert driver.last_result_rejected == 0
    basis = driver.last_result_completeness or ""
    assert "QueryBegin and QueryEnd in each of 2 reads, which list the same 4 alarm(s)" in basis
    assert "one lost in every read" in basis  # what two agreeing reads cannot show, said
    assert [(o.ne, o.port, o.vendor_name) for o in obs] == [
        ("PDH-2", "E1-1", "ZZ_VENDOR_SPECIAL"),
        ("SDH-A", "1-PQ1-3", "UP_E1_AIS"),
        ("SDH-B", None, "POWER_FAIL"),
        ("SDH-B", "1-SL1-1", "R_LOS"),
    ]
    assert [o.id for o in obs] == [f"alarm-lab-imap-{n}" for n in range(1, 5)]
    got = _by_name(obs)
    ais = got["UP_E1_AIS"]
    assert (ais.type, ais.layer, ais.direction.value, ais.severity.value) == (
        "AIS", "E1", "up", "minor",
    )  # fmt: skip
    assert ais.probable_cause == "aIS" and ais.known
    los = got["R_LOS"]
    assert (los.type, los.severity.value, los.probable_cause) == ("LOS", "critical", "lossOfSignal")
    odd = got["ZZ_VENDOR_SPECIAL"]
    assert (odd.type, odd.known, odd.severity.value) == ("UNKNOWN", False, "warning")

    alarms, _ = lab_scenario
    for ne_alarms in alarms.values():
        for a in ne_alarms:
            raised = got[a.name].raised
            # OccurTime carries whole seconds and the zone ("... GMT+08:00").
            assert raised == a.raised.replace(microsecond=0)
            assert raised is not None and raised.utcoffset() == a.raised.utcoffset()

    raw = ais.raw
    assert raw[TRAP_OID] == QUERY
    assert raw[f"{IMAP}.4.3.3.4.0"] == "SDH-A"  # MOName
    assert raw[f"{IMAP}.4.3.3.28.0"] == "UP_E1_AIS"  # Probablecause
    assert raw[f"{IMAP}.4.3.3.27.0"] == "Location=1-PQ1-3"  # ExtendInfo
    assert raw[f"{IMAP}.4.3.3.11.0"] == "3"  # AlarmLevel minor(3)
    assert raw[f"{IMAP}.4.3.3.12.0"] == "2"  # Restore uncleared(2)
    for o in obs:
        assert o.nms == "lab-imap" and o.collector == "nms:lab-imap" and o.device is None
        assert abs(o.at - datetime.now(UTC)) < timedelta(minutes=1)

    assert agent.imap is not None
    assert len(agent.imap.queries) == 2
    for record in agent.imap.queries:
        assert record.version == settings.version.value
        assert record.targets == [("127.0.0.1", port)] and record.sent == 4 and record.ended
        assert not record.stopped


def test_v3_informs_and_ne_filter(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v3_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"], notify_type="inform")
    obs, driver = _collect(
        arun, client, agent, f"127.0.0.1:{port}", v3_settings, ne_names={"SDH-B", "SDH-C"}
    )
    assert sorted(o.vendor_name for o in obs) == ["POWER_FAIL", "R_LOS"]
    assert [o.id for o in obs] == ["alarm-lab-imap-1", "alarm-lab-imap-2"]
    assert driver.last_result is not None and not driver.last_result.partial
    assert len(driver.last_result.alarms) == 4  # the filter applies to observations only


def test_missing_query_end_is_partial_within_the_timeout(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"0.0.0.0:{port}"], drop_query_end=True)

    async def scenario() -> tuple[list[AlarmObservation], bool, str | None]:
        async with agent:
            nms = _nms(agent, f"127.0.0.1:{port}", v2c_settings, timeout=0.6)
            # The runner's entry point: (alarms, partial, note).
            return await collect_with_status(client, nms, None)

    alarms, partial, note = arun(scenario())
    assert partial is True
    assert note is not None and "NMS lab-imap" in note and "QueryEnd" in note
    assert "0.6 s" in note and "4 Query trap(s)" in note and "QueryBegin arrived" in note
    assert len(alarms) == 4  # what arrived is kept
    assert agent.imap is not None and not agent.imap.querying
    # No second read after a read without its end: it would not mend the first.
    (record,) = agent.imap.queries
    assert record.sent == 4 and not record.ended


def test_collect_with_status_is_complete_for_alarm_mib(
    arun: Run,
    client: SnmpClient,
    lab_nms: NmsAgent,
    nms_entry: Callable[..., Nms],
    v2c_settings: SnmpSettings,
) -> None:
    alarms, partial, note = arun(
        collect_with_status(client, nms_entry(lab_nms.port, v2c_settings), None)
    )
    assert len(alarms) == 4 and partial is False and note is None


def test_no_query_begin_is_a_timeout_naming_the_trap_target(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    listen, registered = free_udp_port(), free_udp_port()
    # The NMS has another port registered: it accepts the SET and answers elsewhere.
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{registered}"])
    with pytest.raises(CollectorTimeout) as info:
        _collect(arun, client, agent, f"127.0.0.1:{listen}", v2c_settings, timeout=0.5)
    assert agent.imap is not None and len(agent.imap.queries) == 1  # no second read
    text = str(info.value)
    assert text.startswith(f"NMS lab-imap (127.0.0.1:{agent.port})")
    assert "no QueryBegin" in text and f"UDP 127.0.0.1:{listen}" in text
    assert "registered as a northbound trap target" in text
    assert LAB_SECRETS["nms-community"] not in text  # the reference is named, not the secret
    assert "lab:nms-community" in text


def test_heartbeat_without_query_answer_is_reported(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    # Registered for 127.0.0.2 only: the query from 127.0.0.1 goes unanswered, the heartbeats
    # (to 127.0.0.2:port) reach diag listening on all addresses.
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.2:{port}"], heartbeat_s=0.05)
    with pytest.raises(CollectorTimeout) as info:
        _collect(arun, client, agent, f"0.0.0.0:{port}", v2c_settings, timeout=0.4)
    text = str(info.value)
    assert f"this host's address, UDP port {port}" in text
    assert "heartbeat trap(s) did arrive" in text


def test_heartbeats_during_the_query_are_recorded(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(
        lab_scenario, trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=0.02, trap_gap_s=0.03
    )
    obs, driver = _collect(arun, client, agent, f"127.0.0.1:{port}", v2c_settings)
    assert len(obs) == 4
    result = driver.last_result
    assert isinstance(result, ImapQueryResult) and result.heartbeats
    beat = result.heartbeats[0]
    assert beat.system_label == "lab-imap" and beat.period_s == 1  # whole seconds, at least 1
    assert parse_occur_time(beat.timestamp) is not None


def test_a_query_left_running_is_stopped_and_restarted(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"0.0.0.0:{port}"], trap_gap_s=0.05)

    async def scenario() -> tuple[list[AlarmObservation], HuaweiImapDriver]:
        async with agent:
            nms = _nms(agent, f"127.0.0.1:{port}", v2c_settings)
            # An interrupted earlier run left a query going (the MIB: a second "1" is an error).
            assert await _set_query(client, SnmpTarget.for_nms(nms), b"1") is None
            assert await _set_query(client, SnmpTarget.for_nms(nms), b"1") == "commitFailed"
            driver = HuaweiImapDriver()
            return await driver.collect(client, nms, None), driver

    obs, driver = arun(scenario())
    assert len(obs) == 4 and not driver.last_result_partial
    assert agent.imap is not None
    first, second = agent.imap.queries[0], agent.imap.queries[-1]
    assert first.stopped and first.ended and not second.stopped and second.ended


def test_agent_without_imap_does_not_answer_the_set(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
) -> None:
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-plain", "127.0.0.1", 0, alarms, ports)  # RFC 3877 only
    quick = SnmpSettings(community="lab:nms-community", timeout=0.3, retries=0)

    async def scenario() -> None:
        async with agent:
            await collect(client, _nms(agent, f"127.0.0.1:{free_udp_port()}", quick), None)

    with pytest.raises(CollectorTimeout, match="no SNMP response to set"):
        arun(scenario())


# ---------------------------------------------------------------- who sent it


def _poll(
    arun: Run,
    client: SnmpClient,
    agent: NmsAgent,
    nms_for: Callable[[NmsAgent], Nms],
) -> NmsPoll:
    """The runner's entry point (diag.collectors.nms.poll) against the running lab agent."""

    async def scenario() -> NmsPoll:
        async with agent:
            return await poll(client, nms_for(agent), None)

    result: NmsPoll = arun(scenario())
    return result


def _forged(community: str, trap_oid: str, *varbinds: tuple[str, Any]) -> bytes:
    return v2c_trap(community, trap_oid, varbinds)


FORGED_ALARM = (
    (f"{IMAP}.4.3.3.1.0", OctetString("9999")),  # AlarmCSN
    (f"{IMAP}.4.3.3.4.0", OctetString("SDH-A")),  # MOName
    (f"{IMAP}.4.3.3.11.0", Integer32(1)),  # AlarmLevel critical
    (f"{IMAP}.4.3.3.12.0", Integer32(2)),  # Restore uncleared
    (f"{IMAP}.4.3.3.27.0", OctetString("Location=1-PQ1-3")),  # ExtendInfo
    (f"{IMAP}.4.3.3.28.0", OctetString("FORGED_LOS")),  # Probablecause
)


def test_forged_query_and_query_end_from_another_address_are_refused(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """The report of issue 9: a Query and a QueryEnd from 127.0.0.2 with the community, while
    the real NMS (127.0.0.1) never sends its QueryEnd.  Neither is read: the forged alarm is not
    listed, the resync is not called complete, and both refusals are counted and said."""
    port = free_udp_port()
    community = LAB_SECRETS["nms-community"]

    async def forge(query: int) -> None:
        send_from("127.0.0.2", ("127.0.0.1", port), _forged(community, QUERY, *FORGED_ALARM))
        send_from("127.0.0.2", ("127.0.0.1", port), _forged(community, QUERY_END))

    agent = _agent(
        lab_scenario,
        trap_targets=[f"127.0.0.1:{port}"],
        drop_query_end=True,
        before_query_traps=forge,
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings, 0.6))
    assert "FORGED_LOS" not in {o.vendor_name for o in got.alarms}
    assert len(got.alarms) == 4  # the genuine Query traps all read
    assert got.partial and got.note is not None
    assert "no QueryEnd within 0.6 s" in got.note
    assert got.rejected_traps == 2
    assert "2 notification(s) refused" in got.note
    assert "2 from an address that is not a trap source (127.0.0.2)" in got.note


def test_forged_trap_from_the_nms_address_with_a_wrong_community_is_refused(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()

    async def forge(query: int) -> None:
        if query == 1:
            send_from("127.0.0.1", ("127.0.0.1", port), _forged("public", QUERY, *FORGED_ALARM))

    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"], before_query_traps=forge)
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert sorted(o.vendor_name for o in got.alarms) == [
        "POWER_FAIL", "R_LOS", "UP_E1_AIS", "ZZ_VENDOR_SPECIAL",
    ]  # fmt: skip
    assert not got.partial and got.rejected_traps == 1  # the genuine reads agree
    assert got.completeness is not None
    assert "1 notification(s) refused, never read as alarms: 1 with a wrong community" in (
        got.completeness
    )


@needs_snmptrap
def test_v3_trap_below_authpriv_from_the_nms_address_is_refused(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v3_settings: SnmpSettings,
) -> None:
    """A v3 Query trap under the NMS's user and engine ID, but noAuthNoPriv (no key needed),
    during a v3 query whose genuine authPriv traps are read."""
    port = free_udp_port()
    engine_id: list[str] = []

    async def forge(query: int) -> None:
        if query != 1:
            return
        proc = await asyncio.create_subprocess_exec(
            "snmptrap", "-v3", "-e", engine_id[0], "-u", "diag-lab", "-l", "noAuthNoPriv",
            f"127.0.0.1:{port}", "", QUERY, f"{IMAP}.4.3.3.1.0", "s", "9999",
            f"{IMAP}.4.3.3.4.0", "s", "SDH-A", f"{IMAP}.4.3.3.28.0", "s", "FORGED_LOS",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await proc.communicate()
        assert proc.returncode == 0

    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"], before_query_traps=forge)

    async def scenario() -> NmsPoll:
        async with agent:
            nms = _nms(agent, f"127.0.0.1:{port}", v3_settings)
            got = await client.get(SnmpTarget.for_nms(nms), ["1.3.6.1.6.3.10.2.1.1.0"])
            engine_id.append("0x" + bytes(got["1.3.6.1.6.3.10.2.1.1.0"].asOctets()).hex())
            return await poll(client, nms, None)

    got: NmsPoll = arun(scenario())
    assert "FORGED_LOS" not in {o.vendor_name for o in got.alarms} and len(got.alarms) == 4
    assert not got.partial and got.rejected_traps == 1
    assert got.completeness is not None
    assert "1 v3 without authPriv (127.0.0.1)" in got.completeness


def test_traps_from_an_address_not_in_trap_sources_make_a_clear_timeout(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """The NMS answers from 127.0.0.1 but the inventory says it sends from 127.0.0.9: every
    trap is refused, and the message says where they came from and what to change."""
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"])
    with pytest.raises(CollectorTimeout) as info:
        _poll(
            arun, client, agent,
            lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings, 0.5, trap_sources=["127.0.0.9"]),
        )  # fmt: skip
    text = str(info.value)
    assert "no QueryBegin" in text
    assert "from an address that is not a trap source (127.0.0.1)" in text
    assert "accepted only from 127.0.0.9" in text and "trap_sources" in text


def test_trap_sources_list_the_nms_sending_address(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """An NMS reached at one address that sends from another: trap_sources names the sender
    (here a network holding it); the NMS's own address is then no longer implied."""
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"])
    got = _poll(
        arun, client, agent,
        lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings, trap_sources=["127.0.0.0/29"]),
    )  # fmt: skip
    assert len(got.alarms) == 4 and not got.partial and got.rejected_traps == 0


# ---------------------------------------------------------------- lost Query traps


def test_a_lost_query_trap_is_detected(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """The lab drops the 2nd Query trap of the first read: QueryBegin and QueryEnd both arrive,
    so that read alone looks whole; the second read carries the alarm, so the loss shows.
    The list holds all four alarms and is still partial: the path loses traps."""
    port = free_udp_port()
    agent = _agent(
        lab_scenario,
        trap_targets=[f"127.0.0.1:{port}"],
        drop_query_traps=[2],
        drop_in_queries=[1],
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert agent.imap is not None
    first, second = agent.imap.queries
    assert (first.sent, first.dropped, first.ended) == (3, 1, True)
    assert (second.sent, second.dropped, second.ended) == (4, 0, True)
    assert len(got.alarms) == 4
    assert got.partial and got.note is not None
    assert "Query traps were lost" in got.note and "read 1 lacked" in got.note
    assert "CSN" in got.note and "read 2 lacked" not in got.note


def test_a_query_trap_lost_in_every_read_is_beyond_the_northbound(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """The limit the README states: the northbound announces no count, so the same trap lost
    in both reads leaves two agreeing reads.  The result says what its completeness rests on."""
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"], drop_query_traps=[2])
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert len(got.alarms) == 3 and not got.partial
    assert got.completeness is not None
    assert "list the same 3 alarm(s)" in got.completeness
    assert "announces no alarm count" in got.completeness
    assert "one lost in every read" in got.completeness


def test_a_single_read_cannot_be_proven_complete(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"])
    got = _poll(
        arun, client, agent,
        lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings, query_reads=1),
    )  # fmt: skip
    assert agent.imap is not None and len(agent.imap.queries) == 1
    assert len(got.alarms) == 4 and got.partial and got.note is not None
    assert "completeness cannot be proven" in got.note and "query_reads is 1" in got.note
    assert "QueryEnd carry no varbinds" in got.note


def _change_between_reads(agent: NmsAgent, alarms: Callable[[], dict[str, list[NeAlarm]]]) -> Any:
    async def hook(query: int) -> None:
        if query == 1:  # after read 1's snapshot, before read 2's
            agent.set_alarms(alarms())

    return hook


def test_an_alarm_raised_between_reads_is_no_loss(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports,
                     imap=ImapOptions(trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=None))  # fmt: skip
    assert agent.imap is not None
    # raised now, during read 1 (OccurTime carries whole seconds: the same second counts)
    agent.imap.options.before_query_traps = _change_between_reads(
        agent,
        lambda: {
            **alarms,
            "SDH-C": [NeAlarm(name="T_ALOS", port="1-PQ1-1", raised=datetime.now(UTC))],
        },
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert len(got.alarms) == 5 and not got.partial
    assert got.completeness is not None and "1 raised between reads" in got.completeness


@pytest.mark.parametrize("when", ["before the reads", "in the future"])
def test_an_alarm_new_in_read_2_dated_outside_the_reads_is_a_loss(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
    when: str,
) -> None:
    """Absent from read 1, in read 2, but dated before read 1 began (so read 1 lost it) or
    hours ahead (an NMS clock off ours, or a local time without zone read as UTC): not
    explained away as raised between the reads."""
    port = free_udp_port()
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports,
                     imap=ImapOptions(trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=None))  # fmt: skip
    assert agent.imap is not None
    shift = timedelta(hours=-1) if when == "before the reads" else timedelta(hours=8)
    agent.imap.options.before_query_traps = _change_between_reads(
        agent,
        lambda: {
            **alarms,
            "SDH-C": [NeAlarm(name="T_ALOS", port="1-PQ1-1", raised=datetime.now(UTC) + shift)],
        },
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert len(got.alarms) == 5 and got.partial and got.note is not None
    assert "read 1 lacked SDH-C T_ALOS port 1-PQ1-1" in got.note


@pytest.mark.parametrize("how", ["cleared", "gone"])
def test_an_alarm_that_changes_between_reads(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
    how: str,
) -> None:
    """Cleared between reads but still listed (as U2000 keeps it until acknowledged): the same
    CSN in both reads, the later copy (cleared) kept.  Gone from the list with no real-time
    report to say why: lost or removed cannot be told apart, so the result is partial."""
    port = free_udp_port()
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports,
                     imap=ImapOptions(trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=None))  # fmt: skip
    assert agent.imap is not None
    (los, power) = alarms["SDH-B"]
    if how == "cleared":
        changed = [los.model_copy(update={"cleared": datetime.now(UTC)}), power]
    else:
        changed = [power]
    agent.imap.options.before_query_traps = _change_between_reads(
        agent, lambda: {**alarms, "SDH-B": changed}
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    by_name = {o.vendor_name: o for o in got.alarms}
    if how == "cleared":
        assert not got.partial and by_name["R_LOS"].severity.value == "cleared"
    else:
        assert got.partial and got.note is not None
        assert "read 2 lacked SDH-B R_LOS port 1-SL1-1" in got.note
        assert by_name["R_LOS"].severity.value == "critical"  # as read 1 had it


# ---------------------------------------------------------------- the lab side, via net-snmp


async def _snmpset(port: int, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "snmpset", "-v2c", "-c", LAB_SECRETS["nms-community"], "-t", "1", "-r", "0",
        f"127.0.0.1:{port}", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    return proc.returncode or 0, (out + err).decode(errors="replace")


@needs_snmpset
def test_lab_answers_a_net_snmp_set_with_the_trap_sequence(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"0.0.0.0:{port}"])

    async def scenario() -> tuple[list[Trap], list[tuple[int, str]], str]:
        async with agent, TrapReceiver(f"127.0.0.1:{port}", [v2c_settings]) as rx:
            outcomes = [
                await _snmpset(agent.port, ALARM_QUERY_0, "i", "1"),  # wrong type
                await _snmpset(agent.port, ALARM_QUERY_0, "s", "2"),  # not 0 / 1
                await _snmpset(agent.port, HEARTBEAT_INTERVAL_0, "i", "2"),  # below 3 s
                await _snmpset(agent.port, f"{IMAP}.4.3.3.1.0", "s", "1"),  # read-only object
            ]
            idle = str(
                (await client.get(_target(agent, v2c_settings), [ALARM_QUERY_0]))[ALARM_QUERY_0]
            )
            rc, out = await _snmpset(agent.port, ALARM_QUERY_0, "s", "1")
            assert rc == 0, out
            traps = [await rx.get(timeout=2.0) for _ in range(6)]
            return traps, outcomes, idle

    traps, outcomes, idle = arun(scenario())
    assert idle == "0"
    assert "wrongType" in outcomes[0][1] and outcomes[0][0] != 0
    assert "wrongValue" in outcomes[1][1]
    assert "wrongValue" in outcomes[2][1]
    assert "notWritable" in outcomes[3][1]
    kinds = [t.raw[TRAP_OID] for t in traps]
    assert kinds == [QUERY_BEGIN, QUERY, QUERY, QUERY, QUERY, QUERY_END]
    names = sorted(t.raw[f"{IMAP}.4.3.3.28.0"] for t in traps[1:5])
    assert names == ["POWER_FAIL", "R_LOS", "UP_E1_AIS", "ZZ_VENDOR_SPECIAL"]
    assert all(t.version == "v2c" for t in traps)


@needs_snmpset
def test_lab_heartbeat_interval_set_sends_a_heartbeat(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=60.0)

    async def scenario() -> tuple[Trap, str]:
        async with agent, TrapReceiver(f"127.0.0.1:{port}", [v2c_settings]) as rx:
            rc, out = await _snmpset(agent.port, HEARTBEAT_INTERVAL_0, "i", "5")
            assert rc == 0, out
            beat = await rx.get(timeout=2.0)  # "A heart beat is sent immediately"
            got = await client.get(_target(agent, v2c_settings), [HEARTBEAT_INTERVAL_0])
            return beat, str(got[HEARTBEAT_INTERVAL_0])

    beat, interval = arun(scenario())
    assert interval == "5"
    assert beat.raw[TRAP_OID] == HEARTBEAT
    assert beat.raw[f"{IMAP}.1.2.1.1.1.1.0"] == "lab-imap"  # SystemLabel
    assert beat.raw[f"{IMAP}.1.2.1.1.1.2.0"] == "5"  # Period


def _target(agent: NmsAgent, settings: SnmpSettings) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", agent.port, settings)


# ---------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01 10:20:30", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2024-05-01 10:20:30 GMT+08:00", datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2024-05-01 10:20:30 UTC+08:00 DST", datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2024-05-01 10:20:30 +0800", datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2024-05-01 10:20:30Z", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        (
            "2005-10-14,17:41:04.5 GMT-05:30",
            datetime(
                2005, 10, 14, 17, 41, 4, 500_000, tzinfo=timezone(-timedelta(hours=5, minutes=30))
            ),
        ),
        ("2024/05/01 10:20:30", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        # the forms the sibling Huawei northbound MIBs and the U2000 NBI guide publish
        ("2003/03/14 00:00:00", datetime(2003, 3, 14, tzinfo=UTC)),
        ("2010/05/01 - 10:20:30", datetime(2010, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2010/05/01 - 10:20:30Z", datetime(2010, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2010/05/01 - 10:20:30,+08:00", datetime(2010, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2010/05/01 - 10:20:30,+08:00DST", datetime(2010, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2010/05/01 - 10:20:30,08:00", datetime(2010, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2005-10-14,17:41:04.0", datetime(2005, 10, 14, 17, 41, 4, tzinfo=UTC)),
        (
            "1992-5-26,13:30:15.0,-4:0",
            datetime(1992, 5, 26, 13, 30, 15, tzinfo=timezone(-timedelta(hours=4))),
        ),
        ("2024-05-01 10:20:30 CST", None),  # a zone diag cannot read: no guess
        ("2024-05-01 10:20:30 +25:00", None),
        ("", None),
        ("yesterday", None),
        ("2024-13-01 10:20:30", None),
    ],
)
def test_parse_occur_time(text: str, expected: datetime | None) -> None:
    got = parse_occur_time(OctetString(text))
    assert got == expected
    if expected is not None:
        assert got is not None and got.utcoffset() == expected.utcoffset()


def test_parse_occur_time_accepts_date_and_time_octets() -> None:
    octets = bytes([7, 232, 5, 1, 10, 20, 30, 0, ord("+"), 8, 0])
    assert parse_occur_time(OctetString(octets)) == datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)


def test_parse_extend_info() -> None:
    assert parse_extend_info("Location=1-PQ1-3") == {"location": "1-PQ1-3"}
    assert parse_extend_info("Address=10.137.63.227, Protocol=SNMP, Port=161") == {
        "address": "10.137.63.227", "protocol": "SNMP", "port": "161",
    }  # fmt: skip
    assert parse_extend_info("") == {}


def _trap(trap_oid: str, *varbinds: tuple[str, Any]) -> Trap:
    def oid(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split("."))

    return Trap(
        received=datetime.now(UTC),
        source=("192.0.2.9", 162),
        version="v2c",
        security_name="x",
        inform=False,
        varbinds=(
            ((1, 3, 6, 1, 2, 1, 1, 3, 0), Integer32(1)),
            (oid(TRAP_OID), ObjectName(oid(trap_oid))),
            *((oid(o), v) for o, v in varbinds),
        ),
    )


def test_session_skips_cleared_dedupes_by_csn_and_needs_begin_before_end() -> None:
    a = f"{IMAP}.4.3.3"
    s = _Session()
    s.feed(_trap(QUERY_END))  # an earlier query's end: ignored
    assert not s.result.ended
    s.feed(_trap(QUERY_BEGIN))
    # Columns without the .0 instance, as some NMS versions send them.
    alarm = [(f"{a}.1", OctetString("77")), (f"{a}.4", OctetString("SDH-A")),
             (f"{a}.28", OctetString("R_LOS")), (f"{a}.11", Integer32(1)),
             (f"{a}.12", Integer32(2)), (f"{a}.3", OctetString("2024-05-01 10:20:30"))]  # fmt: skip
    s.feed(_trap(QUERY, *alarm))
    s.feed(_trap(QUERY, *alarm))  # resent: counted once
    s.feed(_trap(QUERY, (f"{a}.1", OctetString("78")), (f"{a}.4", OctetString("SDH-A")),
                 (f"{a}.28", OctetString("T_ALOS")), (f"{a}.12", Integer32(1))))  # fmt: skip
    s.feed(_trap(QUERY, (f"{a}.4.0", OctetString("SDH-B")), (f"{a}.9.0", Integer32(42))))
    s.feed(_trap(HEARTBEAT, (f"{IMAP}.1.2.1.1.1.1.0", OctetString("u2000")),
                 (f"{IMAP}.1.2.1.1.1.2.0", Integer32(60))))  # fmt: skip
    s.feed(_trap(QUERY_END))
    r = s.finish()
    assert r.begun and r.ended and r.cleared_skipped == 1
    assert [(x.csn, x.ne, x.vendor_name, x.severity) for x in r.alarms] == [
        ("77", "SDH-A", "R_LOS", "critical"),
        ("", "SDH-B", "alarmID 42", None),  # no name: the alarm ID stands in
    ]
    assert r.alarms[0].raised == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert [(h.system_label, h.period_s) for h in r.heartbeats] == [("u2000", 60)]


def test_a_real_time_report_explains_a_difference_between_reads() -> None:
    """A Clear report for CSN 78 between the reads: its absence from read 2 is no loss.  CSN 79
    is absent from read 2 with no report: a loss.  A straggler Query trap of read 1 that arrives
    before read 2's QueryBegin is not counted in read 2."""
    a = f"{IMAP}.4.3.3"
    nms = Nms(name="n", driver="huawei-imap", address="127.0.0.1",
              snmp=SnmpSettings(community="lab:nms-community"), trap_listen="127.0.0.1:1")  # fmt: skip

    def alarm(csn: str, name: str) -> Trap:
        return _trap(QUERY, (f"{a}.1.0", OctetString(csn)), (f"{a}.4.0", OctetString("SDH-A")),
                     (f"{a}.28.0", OctetString(name)), (f"{a}.12.0", Integer32(2)))  # fmt: skip

    one, two = _Session(), _Session(need_begin=True)
    for t in (_trap(QUERY_BEGIN), alarm("77", "R_LOS"), alarm("78", "T_ALOS"),
              alarm("79", "E1_AIS"), _trap(QUERY_END)):  # fmt: skip
        one.feed(t)
    for t in (alarm("79", "E1_AIS"),  # straggler of read 1: before read 2's QueryBegin
              _trap(QUERY_BEGIN), alarm("77", "R_LOS"),
              _trap(f"{IMAP}.4.3.3.0.1", (f"{a}.1.0", OctetString("78")),
                    (f"{a}.2.0", OctetString("2"))),  # real-time report: 78 cleared
              _trap(QUERY_END)):  # fmt: skip
        two.feed(t)
    one.finish()
    two.finish()
    assert two.query_traps == 1 and two.reported == {"78"}
    r = _combine(nms, [one, two])
    assert r.partial and r.note is not None
    assert r.lost == ["read 2 lacked SDH-A E1_AIS, CSN 79"]
    assert sorted(x.csn for x in r.alarms) == ["77", "78", "79"]

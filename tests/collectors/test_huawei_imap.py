"""The huawei-imap NMS driver against the lab NMS speaking the iMAP northbound, as real peers: the
query end to end.

The lab agent (pysnmp command responder) takes the SET on iMAPNorthboundAlarmQuery and sends
QueryBegin / Query x N / QueryEnd to the registered trap target; the driver's TrapReceiver
listens there.  Who may send (test_huawei_imap_sources), lost Query traps and decoding
(test_huawei_imap_reads) and the lab side seen by net-snmp (test_huawei_imap_lab) are apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from diag.collectors.nms import DRIVERS, HuaweiImapDriver, collect_with_status, driver_for
from diag.collectors.nms.huawei_imap import _set_query, collect
from diag.collectors.nms.imap_mib import parse_occur_time
from diag.collectors.nms.imap_reads import ImapQueryResult
from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorTimeout
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from diag.model.observations import AlarmObservation
from tests.collectors.imap_helpers import (
    IMAP,
    QUERY,
    TRAP_OID,
    Run,
    Scenario,
    _agent,
    _by_name,
    _collect,
    _nms,
)

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

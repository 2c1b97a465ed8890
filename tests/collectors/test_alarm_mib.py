"""The alarm-mib NMS driver reading the real lab NMS agent over v2c and v3 authPriv."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pysnmp.proto.rfc1902 import Integer32, OctetString

from diag.collectors.nms import DRIVERS, AlarmMibDriver, driver_for
from diag.collectors.nms.alarm_mib import (
    _Entities,
    collect,
    parse_active_index,
    parse_model_pointer,
)
from diag.collectors.snmp import SnmpClient
from diag.errors import CollectorError, CollectorTimeout
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from diag.model.observations import AlarmObservation
from tests.collectors.snmp_helpers import Run

MakeNms = Callable[..., Nms]


def _by_name(observations: list[AlarmObservation]) -> dict[str, AlarmObservation]:
    return {o.vendor_name: o for o in observations}


@pytest.fixture
def v2c_alarms(
    arun: Run, client: SnmpClient, lab_nms: NmsAgent, nms_entry: MakeNms, v2c_settings: SnmpSettings
) -> list[AlarmObservation]:
    return arun(collect(client, nms_entry(lab_nms.port, v2c_settings), None))


def test_registry_has_alarm_mib() -> None:
    assert DRIVERS["alarm-mib"] is AlarmMibDriver
    assert AlarmMibDriver.name == "alarm-mib"


def test_driver_for_unknown_driver_name(nms_entry: MakeNms, v2c_settings: SnmpSettings) -> None:
    nms = nms_entry(161, v2c_settings).model_copy(update={"driver": "zte-nbi"})
    with pytest.raises(CollectorError, match="no driver 'zte-nbi'"):
        driver_for(nms)


def test_v2c_reads_every_alarm_with_ne_port_and_meaning(
    v2c_alarms: list[AlarmObservation], lab_nms: NmsAgent
) -> None:
    got = _by_name(v2c_alarms)
    assert set(got) == {"UP_E1_AIS", "R_LOS", "POWER_FAIL", "ZZ_VENDOR_SPECIAL"}

    ais = got["UP_E1_AIS"]
    assert (ais.ne, ais.port, ais.type, ais.layer) == ("SDH-A", "1-PQ1-3", "AIS", "E1")
    assert ais.direction.value == "up" and ais.severity.value == "minor"
    assert ais.probable_cause == "aIS" and ais.known

    los = got["R_LOS"]
    assert (los.ne, los.port, los.type, los.layer) == ("SDH-B", "1-SL1-1", "LOS", "RS")
    assert los.direction.value == "receive" and los.severity.value == "critical"
    assert los.probable_cause == "lossOfSignal"

    power = got["POWER_FAIL"]  # raised on the chassis itself: the NE, no port
    assert (power.ne, power.port, power.type, power.layer) == (
        "SDH-B",
        None,
        "POWER_FAIL",
        "EQUIPMENT",
    )
    assert power.severity.value == "major" and power.probable_cause == "powerProblem"

    for o in v2c_alarms:
        assert o.nms == "lab-nms" and o.collector == "nms:lab-nms" and o.device is None
        assert o.at.tzinfo is not None and abs(o.at - datetime.now(UTC)) < timedelta(minutes=1)


def test_raised_time_comes_from_the_index_with_its_offset(
    v2c_alarms: list[AlarmObservation], lab_scenario: tuple[dict[str, list[NeAlarm]], Any]
) -> None:
    alarms, _ = lab_scenario
    got = _by_name(v2c_alarms)
    for ne_alarms in alarms.values():
        for a in ne_alarms:
            raised = got[a.name].raised
            assert raised == a.raised  # same instant, deci-seconds included
            assert raised is not None and raised.utcoffset() == a.raised.utcoffset()
    assert got["UP_E1_AIS"].raised == datetime(2024, 5, 1, 2, 20, 30, 500_000, tzinfo=UTC)


def test_unknown_vendor_name_is_kept(v2c_alarms: list[AlarmObservation]) -> None:
    odd = _by_name(v2c_alarms)["ZZ_VENDOR_SPECIAL"]
    assert odd.type == "UNKNOWN" and odd.known is False
    assert (odd.ne, odd.port) == ("PDH-2", "E1-1")
    assert odd.severity.value == "warning"  # the NMS's severity, from ituAlarmTable
    assert odd.probable_cause == "other"  # what the NMS reported: IANAItuProbableCause other(1024)


def test_ids_are_stable_and_sorted_by_ne_port_name(v2c_alarms: list[AlarmObservation]) -> None:
    assert [o.id for o in v2c_alarms] == [f"alarm-lab-nms-{n}" for n in range(1, 5)]
    assert [(o.ne, o.port, o.vendor_name) for o in v2c_alarms] == [
        ("PDH-2", "E1-1", "ZZ_VENDOR_SPECIAL"),
        ("SDH-A", "1-PQ1-3", "UP_E1_AIS"),
        ("SDH-B", None, "POWER_FAIL"),
        ("SDH-B", "1-SL1-1", "R_LOS"),
    ]


def test_raw_varbinds_are_kept(v2c_alarms: list[AlarmObservation]) -> None:
    raw = _by_name(v2c_alarms)["UP_E1_AIS"].raw
    description = [k for k, v in raw.items() if k.startswith("1.3.6.1.2.1.118.1.2.2.1.11.")]
    assert len(description) == 1 and raw[description[0]] == "UP_E1_AIS"
    resource = next(v for k, v in raw.items() if k.startswith("1.3.6.1.2.1.118.1.2.2.1.10."))
    assert resource.startswith("1.3.6.1.2.1.47.1.1.1.1.7.")
    assert raw[resource] == "1-PQ1-3"  # entPhysicalName of the port the resource id names
    assert "SDH-A" in raw.values()  # ...and of its chassis
    assert any(k.startswith("1.3.6.1.2.1.121.1.1.1.1.3.") for k in raw)  # ituAlarmProbableCause


def test_v3_authpriv_reads_the_same(
    arun: Run,
    client: SnmpClient,
    lab_nms: NmsAgent,
    nms_entry: MakeNms,
    v3_settings: SnmpSettings,
    v2c_alarms: list[AlarmObservation],
) -> None:
    v3 = arun(
        driver_for(nms_entry(lab_nms.port, v3_settings)).collect(
            client, nms_entry(lab_nms.port, v3_settings), None
        )
    )
    assert [o.model_dump(exclude={"at"}) for o in v3] == [
        o.model_dump(exclude={"at"}) for o in v2c_alarms
    ]


def test_filter_to_ne_names(
    arun: Run, client: SnmpClient, lab_nms: NmsAgent, nms_entry: MakeNms, v2c_settings: SnmpSettings
) -> None:
    nms = nms_entry(lab_nms.port, v2c_settings)
    only_b = arun(collect(client, nms, {"SDH-B", "SDH-C"}))
    assert sorted(o.vendor_name for o in only_b) == ["POWER_FAIL", "R_LOS"]
    assert [o.id for o in only_b] == ["alarm-lab-nms-1", "alarm-lab-nms-2"]
    assert arun(collect(client, nms, set())) == []
    assert arun(collect(client, nms, {"SDH-C"})) == []  # an NE with ports and no alarm


def test_alarms_changed_at_runtime_are_seen(
    arun: Run, client: SnmpClient, nms_entry: MakeNms, v2c_settings: SnmpSettings
) -> None:
    raised = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    agent = NmsAgent("nms-rt", "127.0.0.1", 0, {}, {"SDH-X": ["1-PQ1-1"]})

    async def scenario() -> tuple[list[AlarmObservation], list[AlarmObservation]]:
        async with agent:
            nms = nms_entry(agent.port, v2c_settings, name="nms-rt")
            before = await collect(client, nms, None)
            agent.set_alarms(
                {"SDH-X": [NeAlarm(name="DOWN_E1_AIS", port="1-PQ1-1", raised=raised)]}
            )
            after = await collect(client, nms, None)
            return before, after

    before, after = arun(scenario())
    assert before == []
    assert [(o.ne, o.port, o.type, o.direction.value, o.severity.value) for o in after] == [
        ("SDH-X", "1-PQ1-1", "AIS", "down", "major")  # NeAlarm's default severity wins
    ]


def test_wrong_community_is_a_timeout_within_a_second(
    arun: Run,
    client: SnmpClient,
    lab_nms: NmsAgent,
    nms_entry: MakeNms,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIAG_TEST_NMS_COMMUNITY", "public")
    settings = SnmpSettings(community="env:DIAG_TEST_NMS_COMMUNITY", timeout=0.5, retries=0)
    started = time.monotonic()
    with pytest.raises(CollectorTimeout) as info:
        arun(collect(client, nms_entry(lab_nms.port, settings), None))
    assert time.monotonic() - started < 1.5
    assert "NMS lab-nms" in str(info.value) and "public" not in str(info.value)


def test_nothing_listening_is_a_timeout(
    arun: Run,
    client: SnmpClient,
    nms_entry: MakeNms,
    free_udp_port: Callable[[], int],
    v3_settings: SnmpSettings,
) -> None:
    settings = v3_settings.model_copy(update={"timeout": 0.5})
    with pytest.raises(CollectorTimeout, match="v3 user 'diag-lab'"):
        arun(collect(client, nms_entry(free_udp_port(), settings), None))


# ---------------------------------------------------------------- index parsing (pure)


def test_parse_active_index() -> None:
    index = (0, 11, 7, 232, 5, 1, 10, 20, 30, 5, 43, 8, 0, 42)
    name, raised, n = parse_active_index(index)
    assert (name, n) == ("", 42)
    assert raised == datetime(2024, 5, 1, 2, 20, 30, 500_000, tzinfo=UTC)
    named = (4, 109, 97, 105, 110, 8, 7, 232, 5, 1, 10, 20, 30, 0, 7)  # list "main", no offset
    assert parse_active_index(named)[0] == "main"
    assert parse_active_index(named)[1] == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert parse_active_index((0, 3, 1, 2, 3, 9))[1] is None  # undecodable time, row kept
    with pytest.raises(ValueError):
        parse_active_index((0, 11, 7, 232))


def test_parse_model_pointer() -> None:
    row = parse_model_pointer((1, 3, 6, 1, 2, 1, 118, 1, 1, 2, 1, 3, 0, 38, 4))
    assert row is not None and (row.list_index, row.model, row.state) == ((0,), 38, 4)
    assert parse_model_pointer((0, 0)) is None
    assert parse_model_pointer((1, 3, 6, 1, 2, 1, 118, 1, 1, 2, 1, 3, 0, 38)) is None


def test_entities_climb_through_intermediate_levels() -> None:
    """chassis(1) > board(2) > port(3): the NE is the chassis, the port keeps its own name."""
    e = (1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1)
    answer = {}
    for idx, parent, klass, name in [(1, 0, 3, "NE-1"), (2, 1, 9, "slot-4"), (3, 2, 10, "E1-7")]:
        answer[".".join(map(str, (*e, 4, idx)))] = Integer32(parent)
        answer[".".join(map(str, (*e, 5, idx)))] = Integer32(klass)
        answer[".".join(map(str, (*e, 7, idx)))] = OctetString(name)
    ents = _Entities()
    for idx in (1, 2, 3):
        ents.add(idx, answer)
    assert ents.locate((*e, 7, 3))[:2] == ("NE-1", "E1-7")
    assert ents.locate((*e, 2, 1))[:2] == ("NE-1", None)  # any column names the entity
    assert ents.locate((1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 5))[:2] == (None, None)  # ifIndex: not ours

"""The lab NMS agent as a real SNMP peer: what it serves, at which OIDs, and its life cycle.

OIDs here are typed from the MIB texts (ALARM-MIB, ITU-ALARM-MIB, ENTITY-MIB, SNMPv2-MIB), not
taken from diag, so a wrong column or index encoding in the agent fails these tests.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    UsmUserData,
    get_cmd,
)
from pysnmp.proto.rfc1905 import NoSuchInstance, NoSuchObject

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.errors import LabPortInUse
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import SnmpSettings
from tests.collectors.snmp_helpers import Run

pytestmark = pytest.mark.lab

CST = timezone(timedelta(hours=8))
RAISED = datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)
# DateAndTime index part for RAISED: length 11, 2024 = 7.232, 5, 1, 10, 20, 30, 0, '+'=43, 8, 0
RAISED_INDEX = "11.7.232.5.1.10.20.30.0.43.8.0"

V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=1.0, retries=0)
V3 = SnmpSettings(
    version="v3", user="diag-lab", auth_key="lab:nms-auth-key", priv_key="lab:nms-priv-key",
    timeout=1.0, retries=0,
)  # fmt: skip

SYS_NAME = "1.3.6.1.2.1.1.5.0"
ENT = "1.3.6.1.2.1.47.1.1.1.1"  # entPhysicalEntry
ACTIVE = "1.3.6.1.2.1.118.1.2.2.1"  # alarmActiveEntry
MODEL = "1.3.6.1.2.1.118.1.1.2.1"  # alarmModelEntry
STATS = "1.3.6.1.2.1.118.1.2.4.1"  # alarmActiveStatsEntry
ITU = "1.3.6.1.2.1.121.1.1.1.1"  # ituAlarmEntry
ITU_ACTIVE = "1.3.6.1.2.1.121.1.2.1.1"  # ituAlarmActiveEntry


@pytest.fixture(scope="module")
def arun() -> Iterator[Run]:
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="module")
def client(arun: Run) -> Iterator[SnmpClient]:
    c = SnmpClient()
    yield c
    c.close()


@pytest.fixture
def agent(arun: Run) -> Iterator[NmsAgent]:
    a = NmsAgent(
        "nms-test",
        "127.0.0.1",
        0,
        {"SDH-A": [NeAlarm(name="UP_E1_AIS", port="1-PQ1-3", severity="minor", raised=RAISED)]},
        {"SDH-A": ["1-PQ1-3", "1-SL1-1"], "SDH-C": ["1-PQ1-1"]},
    )
    arun(a.start())
    yield a
    arun(a.stop())


def _target(agent: NmsAgent, settings: SnmpSettings = V2C) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", agent.port, settings)


def _get(arun: Run, client: SnmpClient, agent: NmsAgent, *oids: str) -> dict[str, str]:
    got = arun(client.get(_target(agent), oids))
    return {k: v.prettyPrint() for k, v in got.items()}


def test_system_group(arun: Run, client: SnmpClient, agent: NmsAgent) -> None:
    got = _get(arun, client, agent, SYS_NAME, "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.3.0")
    assert got[SYS_NAME] == "nms-test"
    assert "nms-test" in got["1.3.6.1.2.1.1.1.0"]
    assert int(got["1.3.6.1.2.1.1.3.0"]) >= 0


@pytest.mark.parametrize("settings", [V2C, V3], ids=["v2c", "v3-authPriv"])
def test_entity_mib_has_chassis_per_ne_and_contained_ports(
    arun: Run, client: SnmpClient, agent: NmsAgent, settings: SnmpSettings
) -> None:
    rows = arun(client.walk(_target(agent, settings), ENT))
    cells = {oid: value.prettyPrint() for oid, value in rows}
    names = {oid.rsplit(".", 1)[1]: v for oid, v in cells.items() if oid.startswith(f"{ENT}.7.")}
    by_name = {v: int(k) for k, v in names.items()}
    assert set(by_name) == {"SDH-A", "1-PQ1-3", "1-SL1-1", "SDH-C", "1-PQ1-1"}
    for ne, ports in {"SDH-A": ["1-PQ1-3", "1-SL1-1"], "SDH-C": ["1-PQ1-1"]}.items():
        chassis = by_name[ne]
        assert cells[f"{ENT}.5.{chassis}"] == "3"  # entPhysicalClass chassis(3)
        assert cells[f"{ENT}.4.{chassis}"] == "0"  # entPhysicalContainedIn: top level
        for position, port in enumerate(ports, start=1):
            # "1-PQ1-1" exists on SDH-C only; every port entity is its own row
            idx = next(
                int(k) for k, v in names.items()
                if v == port and cells[f"{ENT}.4.{k}"] == str(chassis)
            )  # fmt: skip
            assert cells[f"{ENT}.5.{idx}"] == "10"  # port(10)
            assert cells[f"{ENT}.6.{idx}"] == str(position)  # entPhysicalParentRelPos


def test_alarm_active_row_at_the_mib_index(arun: Run, client: SnmpClient, agent: NmsAgent) -> None:
    index = f"0.{RAISED_INDEX}.1"  # alarmListName "" (length 0), DateAndTime, alarmActiveIndex 1
    got = _get(
        arun, client, agent,
        *(f"{ACTIVE}.{col}.{index}" for col in (5, 6, 9, 10, 11, 12, 13, 14)),
    )  # fmt: skip
    assert got[f"{ACTIVE}.11.{index}"] == "UP_E1_AIS"  # alarmActiveDescription
    assert got[f"{ACTIVE}.5.{index}"] == "1"  # alarmActiveEngineAddressType ipv4(1)
    assert got[f"{ACTIVE}.6.{index}"] == "0x7f000001"  # alarmActiveEngineAddress
    assert got[f"{ACTIVE}.9.{index}"] == "1.3.6.1.2.1.118.0.2"  # alarmActiveState
    assert got[f"{ACTIVE}.12.{index}"] == "0.0"  # no log
    # alarmActiveResourceId -> entPhysicalName of the port, whose name and parent check out
    resource = got[f"{ACTIVE}.10.{index}"]
    assert resource.startswith(f"{ENT}.7.")
    port = _get(arun, client, agent, resource)[resource]
    assert port == "1-PQ1-3"
    # alarmActiveModelPointer -> alarmModelTable row {"", model, state minor(4)}
    pointer = got[f"{ACTIVE}.13.{index}"]
    assert pointer.startswith(f"{MODEL}.3.0.") and pointer.endswith(".4")
    model = pointer.split(".")[-2]
    row = _get(arun, client, agent, *(f"{MODEL}.{c}.0.{model}.4" for c in (3, 6, 7, 10)))
    assert row[f"{MODEL}.6.0.{model}.4"] == "UP_E1_AIS"  # the name; the state is in the ITU row
    assert row[f"{MODEL}.10.0.{model}.4"] == "1"  # RowStatus active
    # alarmModelSpecificPointer -> ituAlarmTable row {"", model, minor(5)}: severity in the index
    assert row[f"{MODEL}.7.0.{model}.4"] == f"{ITU}.2.0.{model}.5"
    itu = _get(
        arun, client, agent, f"{ITU}.2.0.{model}.5", f"{ITU}.3.0.{model}.5", f"{ITU}.5.0.{model}.5"
    )
    assert itu[f"{ITU}.3.0.{model}.5"] == "1"  # ituAlarmProbableCause aIS(1)
    assert itu[f"{ITU}.2.0.{model}.5"] == "2"  # ituAlarmEventType communicationsAlarm(2)
    assert itu[f"{ITU}.5.0.{model}.5"] == f"{MODEL}.3.0.{model}.4"  # ituAlarmGenericModel
    # alarmActiveSpecificPointer -> ituAlarmActiveEntry row of the same alarm
    assert got[f"{ACTIVE}.14.{index}"] == f"{ITU_ACTIVE}.1.{index}"
    trend = _get(arun, client, agent, f"{ITU_ACTIVE}.1.{index}")
    assert trend[f"{ITU_ACTIVE}.1.{index}"] == "2"  # noChange(2)


def test_model_rows_for_probable_causes(arun: Run, client: SnmpClient, agent: NmsAgent) -> None:
    """Every model row's ITU row carries the cause of its alarm type (from the table)."""
    rows = dict(arun(client.walk(_target(agent), MODEL + ".6")))
    descriptions = {oid: v.prettyPrint() for oid, v in rows.items()}
    wanted = {"R_LOS": "8", "R_LOF": "6", "RAI": "11", "B2_EXC": "12", "POWER_FAIL": "58"}
    for alarm, cause in wanted.items():
        # the row of the alarm's raised state (alarmModelState 1 is its clear state)
        oid = next(o for o, d in descriptions.items() if d == alarm and not o.endswith(".1"))
        model, state = oid.split(".")[-2:]
        itu_severity = {"2": "2", "3": "6", "4": "5", "5": "4", "6": "3"}[state]
        got = _get(arun, client, agent, f"{ITU}.3.0.{model}.{itu_severity}")
        assert got[f"{ITU}.3.0.{model}.{itu_severity}"] == cause, alarm


def test_stats_follow_runtime_changes_and_indices_stay(
    arun: Run, client: SnmpClient, agent: NmsAgent
) -> None:
    first = f"{ACTIVE}.11.0.{RAISED_INDEX}.1"
    assert _get(arun, client, agent, f"{STATS}.1.0")[f"{STATS}.1.0"] == "1"
    later = datetime(2024, 5, 2, 0, 0, tzinfo=UTC)
    agent.set_alarms(
        {
            "SDH-A": [NeAlarm(name="UP_E1_AIS", port="1-PQ1-3", severity="minor", raised=RAISED)],
            "SDH-C": [NeAlarm(name="T_ALOS", port="1-PQ1-1", severity="major", raised=later)],
        }
    )
    second = f"{ACTIVE}.11.0.11.7.232.5.2.0.0.0.0.43.0.0.2"
    got = _get(arun, client, agent, first, second, f"{STATS}.1.0", f"{STATS}.2.0")
    assert got[first] == "UP_E1_AIS" and got[second] == "T_ALOS"
    assert (got[f"{STATS}.1.0"], got[f"{STATS}.2.0"]) == ("2", "2")

    agent.set_alarms(
        {"SDH-C": [NeAlarm(name="T_ALOS", port="1-PQ1-1", severity="major", raised=later)]}
    )
    got = _get(arun, client, agent, first, second, f"{STATS}.1.0", f"{STATS}.2.0")
    assert first not in got and got[second] == "T_ALOS"  # cleared row gone, index kept
    assert (got[f"{STATS}.1.0"], got[f"{STATS}.2.0"]) == ("1", "2")  # current vs since start

    agent.set_alarms({})
    assert arun(client.walk(_target(agent), ACTIVE)) == []


def test_absent_instance_and_object_and_v3_without_privacy(arun: Run, agent: NmsAgent) -> None:
    async def scenario() -> tuple[Any, Any]:
        engine = SnmpEngine()
        try:
            transport = await UdpTransportTarget.create(
                ("127.0.0.1", agent.port), timeout=1, retries=0
            )
            _, _, _, vbs = await get_cmd(
                engine, CommunityData("diag-lab-ro"), transport, ContextData(),
                ObjectType(ObjectIdentity("1.3.6.1.2.1.1.5.1")),
                ObjectType(ObjectIdentity("1.3.6.1.2.1.1.77.0")),
                lookupMib=False,
            )  # fmt: skip
            no_priv = await get_cmd(
                engine, UsmUserData("diag-lab"), transport, ContextData(),  # noqa: S509
                ObjectType(ObjectIdentity(SYS_NAME)), lookupMib=False,
            )  # fmt: skip
            return vbs, no_priv
        finally:
            engine.close_dispatcher()

    vbs, no_priv = arun(scenario())
    assert isinstance(vbs[0][1], NoSuchInstance)  # sysName exists, instance .1 does not
    assert isinstance(vbs[1][1], NoSuchObject)
    assert no_priv[0] is not None and "security level" in str(no_priv[0]).lower()


def test_port_in_use_raises_lab_port_in_use(arun: Run) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        port = squatter.getsockname()[1]
        agent = NmsAgent("nms-busy", "127.0.0.1", port, {}, {})
        with pytest.raises(LabPortInUse) as info:
            arun(agent.start())
    assert info.value.port == port
    assert f"127.0.0.1:{port}" in str(info.value) and "NMS nms-busy (SNMP)" in str(info.value)
    assert not agent.running


def test_stop_releases_the_port_and_restart_answers(arun: Run, client: SnmpClient) -> None:
    agent = NmsAgent("nms-cycle", "127.0.0.1", 0, {}, {"NE": ["p1"]})
    arun(agent.start())
    port = agent.port
    assert str(arun(client.get(_target(agent), [SYS_NAME]))[SYS_NAME]) == "nms-cycle"
    arun(agent.stop())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", port))  # raises if the agent still held it
    again = NmsAgent("nms-cycle", "127.0.0.1", port, {}, {"NE": ["p1"]})
    arun(again.start())
    try:
        assert again.port == port
        assert str(arun(client.get(_target(again), [SYS_NAME]))[SYS_NAME]) == "nms-cycle"
    finally:
        arun(again.stop())
    arun(again.stop())  # idempotent

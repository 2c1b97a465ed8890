"""Cleared alarms next to active ones, as real NMSs list them, read by both NMS drivers.

The lab NMS serves a scenario alarm with a `cleared` time in ALARM-MIB's alarmClearTable (RFC
3877) and, over the iMAP northbound, as a Query trap flagged cleared (Restore, RestoreTime); the
drivers turn both into observations with severity `cleared` and the clear time.  OIDs are typed
from the MIB texts here, not taken from diag.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from diag.collectors.nms.alarm_mib import AlarmMibDriver
from diag.collectors.nms.huawei_imap import HuaweiImapDriver
from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.lab.imap import ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from diag.model.observations import AlarmObservation
from tests.collectors.snmp_helpers import Run

pytestmark = pytest.mark.lab

CST = timezone(timedelta(hours=8))
RAISED = datetime(2026, 12, 1, 22, 5, 10, tzinfo=CST)
CLEARED = datetime(2026, 12, 1, 22, 6, 2, tzinfo=CST)
ACTIVE_SINCE = datetime(2026, 12, 3, 9, 12, 40, tzinfo=CST)
# DateAndTime index part of CLEARED: length 11, 2026 = 7.234, 12, 1, 22, 6, 2, 0, '+'=43, 8, 0
CLEARED_INDEX = "11.7.234.12.1.22.6.2.0.43.8.0"
CLEAR = "1.3.6.1.2.1.118.1.3.2.1"  # alarmClearEntry
CLEAR_MAXIMUM_0 = "1.3.6.1.2.1.118.1.3.1.0"  # alarmClearMaximum.0
ACTIVE = "1.3.6.1.2.1.118.1.2.2.1"  # alarmActiveEntry
MODEL = "1.3.6.1.2.1.118.1.1.2.1"  # alarmModelEntry
ENT = "1.3.6.1.2.1.47.1.1.1.1"  # entPhysicalEntry
V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=1.0, retries=0)

ALARMS = {
    "PDH-1": [
        NeAlarm(name="R_LOS", port="1-OI2-1", severity="critical", raised=ACTIVE_SINCE),
        NeAlarm(name="R_LOS", port="1-OI2-1", severity="critical", raised=RAISED, cleared=CLEARED),
    ]
}
PORTS = {"PDH-1": ["E1-1", "1-OI2-1"]}


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


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _alarms_by_severity(obs: list[AlarmObservation]) -> dict[str, AlarmObservation]:
    assert len(obs) == 2, obs
    return {o.severity.value: o for o in obs}


def test_clear_table_row_at_the_mib_index(arun: Run, client: SnmpClient) -> None:
    agent = NmsAgent("nms-clear", "127.0.0.1", 0, ALARMS, PORTS, ne_boards={"PDH-1": ["1-OI2"]})
    arun(agent.start())
    try:
        target = SnmpTarget("127.0.0.1", agent.port, V2C)
        # alarmListName "" (0), alarmClearDateAndTime, alarmClearIndex (the active index it had)
        rows = {o: v.prettyPrint() for o, v in arun(client.walk(target, CLEAR))}
        pointers = {o: v for o, v in rows.items() if o.startswith(f"{CLEAR}.10.0.{CLEARED_INDEX}.")}
        assert len(pointers) == 1, rows
        ((oid, pointer),) = pointers.items()
        index = oid.removeprefix(f"{CLEAR}.10.")
        # alarmClearModelPointer -> the model row of state clear(1)
        assert pointer.startswith(f"{MODEL}.3.0.") and pointer.endswith(".1")
        # alarmClearResourceId -> the CPE's line port entity, inside its board, inside the NE
        resource = rows[f"{CLEAR}.8.{index}"]
        port_idx = resource.rsplit(".", 1)[1]
        got = arun(
            client.get(
                target,
                [f"{ENT}.7.{port_idx}", f"{ENT}.4.{port_idx}", CLEAR_MAXIMUM_0],
            )
        )
        assert str(got[f"{ENT}.7.{port_idx}"]) == "1-OI2-1"
        board = str(got[f"{ENT}.4.{port_idx}"])
        board_row = arun(client.get(target, [f"{ENT}.7.{board}", f"{ENT}.5.{board}"]))
        assert str(board_row[f"{ENT}.7.{board}"]) == "1-OI2"
        assert int(board_row[f"{ENT}.5.{board}"]) == 9  # entPhysicalClass module(9)
        assert int(got[CLEAR_MAXIMUM_0]) >= 1
        # the active table holds only the active alarm
        active = [o for o, _ in arun(client.walk(target, f"{ACTIVE}.11"))]
        assert len(active) == 1
    finally:
        arun(agent.stop())


def test_alarm_mib_driver_reads_a_cleared_alarm(arun: Run, client: SnmpClient) -> None:
    agent = NmsAgent("nms-clear", "127.0.0.1", 0, ALARMS, PORTS)
    arun(agent.start())
    try:
        nms = Nms(name="nms-clear", driver="alarm-mib", address="127.0.0.1", port=agent.port,
                  snmp=V2C)  # fmt: skip
        obs = arun(AlarmMibDriver().collect(client, nms, None))
    finally:
        arun(agent.stop())
    by = _alarms_by_severity(obs)
    active, cleared = by["critical"], by["cleared"]
    assert (active.raised, active.cleared) == (ACTIVE_SINCE, None)
    # the clear table carries the clear time, not the raised one
    assert (cleared.raised, cleared.cleared) == (None, CLEARED)
    assert (cleared.ne, cleared.port, cleared.vendor_name, cleared.type) == (
        "PDH-1",
        "1-OI2-1",
        "R_LOS",
        "LOS",
    )
    assert any(k.startswith(f"{CLEAR}.") for k in cleared.raw)


def test_imap_driver_reads_a_cleared_alarm_and_queries_wait_for_each_other(
    arun: Run, client: SnmpClient
) -> None:
    """Two circuits on one iMAP NMS diagnosed at once: one query on the one trap port, its
    result shared (single flight), and both see the cleared alarm flagged cleared."""
    listen = f"127.0.0.1:{_free_udp_port()}"
    agent = NmsAgent(
        "nms-u2000-test",
        "127.0.0.1",
        0,
        ALARMS,
        PORTS,
        imap=ImapOptions(trap_targets=[listen], heartbeat_s=None),
    )

    async def both() -> list[list[AlarmObservation]]:
        async with agent:
            nms = Nms(name="nms-u2000-test", driver="huawei-imap", address="127.0.0.1",
                      port=agent.port, snmp=V2C, trap_listen=listen,
                      query_timeout_s=5)  # fmt: skip
            return list(
                await asyncio.gather(
                    HuaweiImapDriver().collect(client, nms, None),
                    HuaweiImapDriver().collect(client, nms, None),
                )
            )

    first, second = arun(both())
    # one collection of two reads (query_reads, default 2) for both, none stopped
    assert agent.imap is not None and len(agent.imap.queries) == 2
    assert all(q.ended and not q.stopped for q in agent.imap.queries)
    for obs in (first, second):
        by = _alarms_by_severity(obs)
        active, cleared = by["critical"], by["cleared"]
        assert (active.raised, active.cleared) == (ACTIVE_SINCE, None)
        # the Query trap carries both OccurTime and RestoreTime
        assert (cleared.raised, cleared.cleared) == (RAISED, CLEARED)
        assert cleared.raw["1.3.6.1.4.1.2011.2.15.2.4.3.3.12.0"] == "1"  # Restore cleared(1)

"""Shared by the huawei-imap driver tests: the lab iMAP agent, the NMS entry, a collect, the
northbound's OIDs typed from the MIB text (I2000-V1 / M2000-V2), not taken from diag.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta, timezone
from typing import Any

import pytest

from diag.collectors.nms import HuaweiImapDriver, NmsPoll, poll
from diag.collectors.snmp import SnmpClient
from diag.lab.imap import ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from diag.model.observations import AlarmObservation

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

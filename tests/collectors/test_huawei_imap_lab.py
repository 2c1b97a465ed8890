"""The lab's iMAP northbound seen by net-snmp (snmpset), independently of diag's SET: the trap
sequence and the heartbeat interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.collectors.snmp.traps import Trap, TrapReceiver
from diag.credentials import LAB_SECRETS
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import SnmpSettings
from tests.collectors.imap_helpers import (
    ALARM_QUERY_0,
    HEARTBEAT,
    HEARTBEAT_INTERVAL_0,
    IMAP,
    QUERY,
    QUERY_BEGIN,
    QUERY_END,
    TRAP_OID,
    Run,
    Scenario,
    _agent,
    needs_snmpset,
)

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

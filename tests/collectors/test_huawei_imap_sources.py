"""The huawei-imap driver refuses notifications from whoever is not the NMS: forged traps from
another address, a wrong community, v3 below authPriv, addresses outside trap_sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from pysnmp.proto.rfc1902 import Integer32, OctetString

from diag.collectors.nms import NmsPoll, poll
from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorTimeout
from diag.model.inventory import SnmpSettings
from tests.collectors.imap_helpers import (
    IMAP,
    QUERY,
    QUERY_END,
    Run,
    Scenario,
    _agent,
    _nms,
    _poll,
    needs_snmptrap,
)
from tests.collectors.trap_forge import send_from, v2c_trap

# ---------------------------------------------------------------- who sent it


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

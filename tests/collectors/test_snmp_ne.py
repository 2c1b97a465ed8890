"""poll_ne_e1 (DS1-MIB) against the lab NE agent, a real pysnmp responder on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from pysnmp.proto.rfc1902 import OctetString

from diag.collectors.snmp import SnmpClient
from diag.collectors.snmp import oids as O
from diag.collectors.snmp_ne import find_if_index, name_tokens, poll_ne_e1
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.lab.device_agent import DeviceAgent
from diag.lab.ne_agent import (
    DSX1_BITS,
    IF_ENTRY,
    IF_X_ENTRY,
    E1Port,
    line_status_bits,
    ne_oids,
)
from diag.lab.routers.clock import ManualClock
from diag.model.inventory import Device, Mgmt, SnmpSettings
from tests.collectors.snmp_helpers import V2C, V3, Run

# One NE with the three cases the procedure cares about, plus a line whose dsx1LineIndex is not
# its ifIndex (allowed by the MIB) and one with several alarms at once.
PORTS = [
    E1Port(
        "E1-1",
        1,
        ("RcvAIS",),
        counters={"es": 4, "ses": 2, "uas": 130, "css": 1, "pcv": 17, "lcv": 9},
        growth_per_min={"uas": 60, "es": 1},
        interval_elapsed_s=300,
        circuit_id="LAB-E1-AIS1",
    ),
    E1Port("E1-2", 2, ("LossOfSignal",), counters={"uas": 300}, growth_per_min={"uas": 60}),
    E1Port("E1-3", 3, (), counters={"pcv": 2, "lcv": 5}),
    E1Port("E1-4", 4, ("RcvFarEndLOF", "XmtAIS", "LoopbackState"), line_index=104),
]


def _ne(port: int, snmp: SnmpSettings = V2C, name: str = "pdh-1") -> Device:
    return Device(
        name=name,
        role="pdh",
        vendor="huawei",
        model="OptiX Metro 100",
        mgmt=Mgmt(address="127.0.0.1"),
        snmp=snmp.model_copy(update={"port": port}),
    )


@pytest.fixture(scope="module")
def ne_clock() -> ManualClock:
    return ManualClock(wall_start=datetime(2026, 3, 2, 9, 0, 0))


@pytest.fixture(scope="module")
def ne_agent(arun: Run, ne_clock: ManualClock) -> Iterator[DeviceAgent]:
    agent = DeviceAgent.for_ne("PDH-1", "127.0.0.1", 0, PORTS, clock=ne_clock)
    # A non-E1 interface: in IF-MIB, no DS1-MIB line.
    agent.update(
        {(*IF_X_ENTRY, 1, 50): OctetString("ETH-1"), (*IF_ENTRY, 2, 50): OctetString("eth 1")}
    )
    arun(agent.start())
    yield agent
    arun(agent.stop())


def test_ais_los_and_clean_ports_decode_to_names_and_counters(
    arun: Run, client: SnmpClient, ne_agent: DeviceAgent
) -> None:
    obs = arun(poll_ne_e1(client, _ne(ne_agent.port), ["E1-1", "E1-2", "E1-3"]))
    assert [o.port for o in obs] == ["E1-1", "E1-2", "E1-3"]
    ais, los, clean = obs

    assert (ais.line_status_bits, ais.line_status) == (8, ["RcvAIS"])
    assert (los.line_status_bits, los.line_status) == (64, ["LossOfSignal"])
    assert (clean.line_status_bits, clean.line_status) == (1, ["NoAlarm"])
    assert [o.if_index for o in obs] == [1, 2, 3]

    # the lab clock has not moved: the counters are the scenario's
    assert (ais.es, ais.ses, ais.uas, ais.css, ais.pcv, ais.lcv) == (4, 2, 130, 1, 17, 9)
    assert (los.uas, los.es) == (300, 0)
    assert (clean.pcv, clean.lcv, clean.uas) == (2, 5, 0)

    assert ais.device == "pdh-1" and ais.collector == "snmp:pdh-1"
    assert ais.id == "ne-e1-pdh-1-e1-1" and len({o.id for o in obs}) == 3
    # raw evidence: the line status, the interval position and line type as read
    assert ais.raw["1.3.6.1.2.1.10.18.6.1.10.1"] == "8"
    assert ais.raw["1.3.6.1.2.1.10.18.6.1.3.1"] == "300"  # dsx1TimeElapsed
    assert ais.raw["1.3.6.1.2.1.10.18.6.1.5.1"] == "5"  # dsx1LineType dsx1E1CRC
    assert ais.raw["1.3.6.1.2.1.10.18.6.1.6.1"] == "3"  # dsx1LineCoding dsx1HDB3
    assert ais.raw["1.3.6.1.2.1.31.1.1.1.1.1"] == "E1-1"  # ifName


def test_several_bits_and_a_line_index_other_than_ifindex(
    arun: Run, client: SnmpClient, ne_agent: DeviceAgent
) -> None:
    (o,) = arun(poll_ne_e1(client, _ne(ne_agent.port), ["E1-4"]))
    assert o.if_index == 4  # the observation names the interface, not the DS1 line
    assert o.line_status_bits == 2 + 16 + 128
    assert o.line_status == ["RcvFarEndLOF", "XmtAIS", "LoopbackState"]
    assert "1.3.6.1.2.1.10.18.6.1.10.104" in o.raw  # read from dsx1LineIndex 104
    assert o.raw["1.3.6.1.2.1.10.18.6.1.9.104"] == "3"  # dsx1LoopbackConfig lineLoop


@pytest.mark.parametrize("written", ["e1_1", "E1 1", "e1-01", "E1/1", "E1-1"])
def test_port_names_are_case_and_separator_tolerant(
    arun: Run, client: SnmpClient, ne_agent: DeviceAgent, written: str
) -> None:
    (o,) = arun(poll_ne_e1(client, _ne(ne_agent.port), [written]))
    assert (o.if_index, o.port, o.line_status) == (1, written, ["RcvAIS"])


def test_unknown_port_names_the_port_and_the_interfaces_seen(
    arun: Run, client: SnmpClient, ne_agent: DeviceAgent
) -> None:
    with pytest.raises(CollectorError) as err:
        arun(poll_ne_e1(client, _ne(ne_agent.port), ["E1-1", "E1-9"]))
    text = str(err.value)
    assert "'E1-9'" in text and "pdh-1" in text
    for seen in ("E1-1", "E1-2", "E1-3", "E1-4", "ETH-1 / eth 1"):
        assert seen in text


def test_interface_without_a_ds1_line_is_an_error(
    arun: Run, client: SnmpClient, ne_agent: DeviceAgent
) -> None:
    with pytest.raises(CollectorError, match=r"'ETH-1' is ifIndex 50 .* no DS1-MIB line"):
        arun(poll_ne_e1(client, _ne(ne_agent.port), ["ETH-1"]))


def test_agent_without_ds1_mib(arun: Run, client: SnmpClient) -> None:
    async def scenario() -> None:
        async with DeviceAgent("bare", "127.0.0.1", 0, ne_oids("bare", [])) as agent:
            await poll_ne_e1(client, _ne(agent.port), ["E1-1"])

    with pytest.raises(CollectorError, match="no DS1-MIB dsx1ConfigTable rows"):
        arun(scenario())


def test_v3_auth_priv_reads_the_same(arun: Run, client: SnmpClient, ne_agent: DeviceAgent) -> None:
    v2 = arun(poll_ne_e1(client, _ne(ne_agent.port), ["E1-1", "E1-3"]))
    v3 = arun(poll_ne_e1(client, _ne(ne_agent.port, V3), ["E1-1", "E1-3"]))
    strip = {"at"}
    assert [o.model_dump(exclude=strip) for o in v3] == [o.model_dump(exclude=strip) for o in v2]


def test_counters_grow_with_lab_time_and_roll_with_the_interval(
    arun: Run, client: SnmpClient
) -> None:
    clock = ManualClock()

    async def read() -> dict[str, Any]:
        (o,) = await poll_ne_e1(client, _ne(agent.port, name="pdh-9"), ["E1-1"])
        return {"uas": o.uas, "es": o.es, "elapsed": o.raw["1.3.6.1.2.1.10.18.6.1.3.1"]}

    agent = DeviceAgent.for_ne("PDH-9", "127.0.0.1", 0, PORTS[:1], clock=clock)
    arun(agent.start())
    try:
        assert arun(read()) == {"uas": 130, "es": 4, "elapsed": "300"}
        clock.advance(minutes=2)
        assert arun(read()) == {"uas": 250, "es": 6, "elapsed": "420"}
        # 300 s into the interval at start: it ends 600 s later; 60 s after that the
        # counters hold one minute of growth only (the rest went into dsx1TotalTable).
        clock.advance(seconds=540)
        assert arun(read()) == {"uas": 60, "es": 1, "elapsed": "60"}
    finally:
        arun(agent.stop())


def test_timeout_and_refused_credentials_propagate(
    arun: Run, client: SnmpClient, ne_agent: DeviceAgent, free_udp_port: Callable[[], int]
) -> None:
    with pytest.raises(CollectorTimeout, match="no SNMP response"):
        arun(poll_ne_e1(client, _ne(free_udp_port()), ["E1-1"]))
    wrong = V3.model_copy(update={"auth_key": "lab:router-password"})
    with pytest.raises(CollectorAuthError):
        arun(poll_ne_e1(client, _ne(ne_agent.port, wrong), ["E1-1"]))


def test_inventory_gaps_are_errors(arun: Run, client: SnmpClient) -> None:
    no_snmp = Device(name="pdh-x", role="pdh", vendor="huawei", mgmt=Mgmt(address="127.0.0.1"))
    with pytest.raises(CollectorError, match="no 'snmp' settings"):
        arun(poll_ne_e1(client, no_snmp, ["E1-1"]))
    no_mgmt = Device(name="pdh-y", role="pdh", vendor="huawei", snmp=V2C)
    with pytest.raises(CollectorError, match="no 'mgmt' address"):
        arun(poll_ne_e1(client, no_mgmt, ["E1-1"]))
    assert arun(poll_ne_e1(client, no_mgmt, [])) == []


# ----------------------------------------------------------------- bitmap and names, no network


def test_line_status_bitmap_decoding() -> None:
    assert O.decode_line_status(1) == ["NoAlarm"]
    assert O.decode_line_status(8) == ["RcvAIS"]
    assert O.decode_line_status(2 + 32 + 64) == ["RcvFarEndLOF", "LossOfFrame", "LossOfSignal"]
    assert O.decode_line_status(65536) == ["Ds2PerfThreshold"]
    assert O.decode_line_status(131072 + 8) == ["RcvAIS", "Bit131072"]
    assert O.decode_line_status(0) == []
    assert O.encode_line_status(["dsx1RcvAIS", "LossOfSignal"]) == 72
    assert O.encode_line_status([]) == 1
    with pytest.raises(ValueError, match="NoAlarm"):
        O.encode_line_status(["NoAlarm", "RcvAIS"])
    with pytest.raises(ValueError, match="unknown"):
        O.encode_line_status(["Yellow"])


def test_collector_and_lab_agent_bit_tables_agree() -> None:
    # Written out independently from the MIB text on both sides.
    assert {v: k for k, v in O.DSX1_LINE_STATUS_BITS.items()} == DSX1_BITS
    for name, bit in DSX1_BITS.items():
        assert line_status_bits([name]) == bit
        assert O.decode_line_status(bit) == [name]


def test_ds1_oids_pinned() -> None:
    assert O.DSX1_CONFIG_ENTRY == (1, 3, 6, 1, 2, 1, 10, 18, 6, 1)
    assert (*O.DSX1_CONFIG_ENTRY, O.DSX1_LINE_STATUS) == (1, 3, 6, 1, 2, 1, 10, 18, 6, 1, 10)
    assert O.DSX1_CURRENT_ENTRY == (1, 3, 6, 1, 2, 1, 10, 18, 7, 1)
    assert O.DSX1_CURRENT_COLUMNS == {
        2: "es",
        3: "ses",
        4: "sefs",
        5: "uas",
        6: "css",
        7: "pcv",
        8: "les",
        9: "bes",
        10: "dm",
        11: "lcv",
    }


def test_name_matching_rules() -> None:
    assert name_tokens("Serial0/0/0:0") == ("serial", 0, 0, 0, 0)
    assert name_tokens("E1-01") == name_tokens("e1_1") == ("e", 1, 1)
    names = {1: ["E1-1", "E1-1"], 2: ["E1-11"], 3: ["Ethernet1/1"]}
    assert find_if_index("ne", "E1 port", "e1 11", names) == 2
    # abbreviations are for router interfaces only, and need two letters
    with pytest.raises(CollectorError):
        find_if_index("ne", "E1 port", "Et1-1", names)
    assert find_if_index("r", "interface", "Et1/1", names, abbreviations=True) == 3
    with pytest.raises(CollectorError, match="several interfaces"):
        find_if_index("ne", "E1 port", "E1-1", {1: ["e1 1"], 2: ["E1_1"]})
    many = {i: [f"E1-{i}"] for i in range(1, 60)}
    with pytest.raises(CollectorError, match=r"and 19 more"):
        find_if_index("ne", "E1 port", "E1-99", many)

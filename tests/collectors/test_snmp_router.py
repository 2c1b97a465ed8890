"""poll_router (IF-MIB, CRC, CPU) against the lab agent as a Cisco, a Huawei and a generic router."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pysnmp.proto.rfc1902 import Integer32, ObjectName

from diag.collectors.snmp import SnmpClient
from diag.collectors.snmp import oids as O
from diag.collectors.snmp_router import (
    CISCO_CPU,
    HOST_RESOURCES_CPU,
    HUAWEI_CPU,
    HUAWEI_ENTITY_CPU,
    poll_router,
    vendor_of,
)
from diag.errors import CollectorError, CollectorTimeout
from diag.lab.device_agent import DeviceAgent
from diag.lab.ne_agent import (
    CPM_CPU_TOTAL_ENTRY,
    HW_CPU_DEV_ENTRY,
    LAB_OBJECT_ID,
    SYS_OBJECT_ID,
    hr_processor_oids,
)
from diag.lab.router_mib import cisco_if_name, router_oids
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.state import (
    Counters,
    CpuState,
    E1Controller,
    InterfaceState,
    RouterState,
)
from diag.model.inventory import Device, Login, Mgmt, SnmpSettings
from diag.model.observations import CpuObservation, DeviceAccessObservation, InterfaceObservation
from tests.collectors.snmp_helpers import V2C, V3, Run

UPTIME = "12 weeks, 3 days, 4 hours, 5 minutes"
UPTIME_S = ((12 * 7 + 3) * 24 * 60 + 4 * 60 + 5) * 60

CISCO = RouterState(
    hostname="rtr-a",
    vendor="cisco_ios",
    model="2901",
    uptime=UPTIME,
    interfaces=[
        InterfaceState(
            name="GigabitEthernet0/0",
            kind="ethernet",
            counters=Counters(crc=3, input_errors=3, input_packets=5_000_000_000),
            growth_per_min={"crc": 2},
        ),
        InterfaceState(
            name="Serial0/0/0:0",
            kind="e1-channel",
            # input errors include more than CRC (frame, aborts): the two must not be confused
            counters=Counters(
                crc=100, frame=30, aborts=20, input_errors=150, carrier_transitions=4
            ),
            growth_per_min={"crc": 12},
            input_rate_bps=64_000,
        ),
        InterfaceState(
            name="Serial0/1/0", kind="serial", status="down", protocol="down", admin_up=True
        ),
        InterfaceState(name="Serial0/2/0", kind="serial", admin_up=False, status="down"),
    ],
    controllers=[E1Controller(name="E1 0/0/0", alarms=["AIS"])],
    # different 1-minute and 5-minute values, so a swapped .7/.8 is caught
    cpu=CpuState(five_sec=9, one_min=37, five_min=12),
)
HUAWEI = RouterState(
    hostname="rtr-b",
    vendor="huawei",
    model="AR2220",
    uptime="3 days, 2 hours, 0 minutes",
    interfaces=[
        InterfaceState(name="GigabitEthernet0/0/1", kind="ethernet", counters=Counters(crc=7)),
        InterfaceState(
            name="Serial1/0/0:0",
            kind="e1-channel",
            counters=Counters(crc=40, input_errors=55),
            growth_per_min={"crc": 6},
        ),
    ],
    cpu=CpuState(five_sec=70, one_min=61, five_min=23),
)


def _router(
    port: int, vendor: str, device_type: str, name: str, snmp: SnmpSettings = V2C
) -> Device:
    return Device(
        name=name,
        role="router",
        vendor=vendor,
        device_type=device_type,
        mgmt=Mgmt(address="127.0.0.1", port=22),
        login=Login(username="noc", password="lab:router-password"),
        snmp=snmp.model_copy(update={"port": port}),
    )


def _split(
    obs: list[Any],
) -> tuple[DeviceAccessObservation, InterfaceObservation, CpuObservation | None]:
    access = [o for o in obs if isinstance(o, DeviceAccessObservation)]
    iface = [o for o in obs if isinstance(o, InterfaceObservation)]
    cpu = [o for o in obs if isinstance(o, CpuObservation)]
    assert len(access) == 1 and len(iface) == 1 and len(cpu) <= 1
    return access[0], iface[0], (cpu[0] if cpu else None)


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def cisco_agent(arun: Run, clock: ManualClock) -> Iterator[DeviceAgent]:
    agent = DeviceAgent.for_router(CISCO, "127.0.0.1", 0, clock=clock)
    arun(agent.start())
    yield agent
    arun(agent.stop())


@pytest.fixture(scope="module")
def huawei_agent(arun: Run, clock: ManualClock) -> Iterator[DeviceAgent]:
    agent = DeviceAgent.for_router(HUAWEI, "127.0.0.1", 0, clock=clock)
    arun(agent.start())
    yield agent
    arun(agent.stop())


# ----------------------------------------------------------------- the OID map, pinned


def test_cpu_oid_map_is_pinned() -> None:
    # CISCO-PROCESS-MIB: cpmCPUTotal1minRev = .7, cpmCPUTotal5minRev = .8 (several public
    # projects mislabel .7 as the 5-minute value).
    entry = "1.3.6.1.4.1.9.9.109.1.1.1.1"
    assert ".".join(map(str, CISCO_CPU.entry)) == entry
    assert (CISCO_CPU.five_sec, CISCO_CPU.one_min, CISCO_CPU.five_min) == (6, 7, 8)
    assert CISCO_CPU.names[7] == "cpmCPUTotal1minRev"
    assert CISCO_CPU.names[8] == "cpmCPUTotal5minRev"
    assert (O.CPM_CPU_TOTAL_1MIN_REV, O.CPM_CPU_TOTAL_5MIN_REV) == (7, 8)
    assert CISCO_CPU.entry == CPM_CPU_TOTAL_ENTRY  # the lab agent agrees
    # HUAWEI-CPU-MIB hwCpuDevEntry: .2 hwCpuDevDuty, .3 hwAvgDuty1min, .4 hwAvgDuty5min
    assert ".".join(map(str, HUAWEI_CPU.entry)) == "1.3.6.1.4.1.2011.6.3.4.1"
    assert (HUAWEI_CPU.five_sec, HUAWEI_CPU.one_min, HUAWEI_CPU.five_min) == (2, 3, 4)
    assert HUAWEI_CPU.entry == HW_CPU_DEV_ENTRY
    assert ".".join(map(str, HUAWEI_ENTITY_CPU.entry)) == "1.3.6.1.4.1.2011.5.25.31.1.1.1.1"
    assert (HUAWEI_ENTITY_CPU.five_sec, HUAWEI_ENTITY_CPU.five_min) == (5, 45)
    # HOST-RESOURCES-MIB hrProcessorLoad
    assert ".".join(map(str, (*HOST_RESOURCES_CPU.entry, 2))) == "1.3.6.1.2.1.25.3.3.1.2"


def test_interface_error_oids_are_pinned() -> None:
    def s(entry: tuple[int, ...], col: int) -> str:
        return ".".join(map(str, (*entry, col)))

    assert s(O.IF_ENTRY, O.IF_IN_ERRORS) == "1.3.6.1.2.1.2.2.1.14"
    assert s(O.IF_ENTRY, O.IF_OUT_ERRORS) == "1.3.6.1.2.1.2.2.1.20"
    assert s(O.IF_ENTRY, O.IF_OPER_STATUS) == "1.3.6.1.2.1.2.2.1.8"
    assert s(O.IF_X_ENTRY, O.IF_NAME) == "1.3.6.1.2.1.31.1.1.1.1"
    assert s(O.IF_X_ENTRY, O.IF_COUNTER_DISCONTINUITY_TIME) == "1.3.6.1.2.1.31.1.1.1.19"
    assert s(O.LIF_ENTRY, O.LOC_IF_IN_CRC) == "1.3.6.1.4.1.9.2.2.1.1.12"
    assert s(O.LIF_ENTRY, O.LOC_IF_CARRIER_TRANSITIONS) == "1.3.6.1.4.1.9.2.2.1.1.21"
    assert s(O.DOT3_STATS_ENTRY, O.DOT3_STATS_FCS_ERRORS) == "1.3.6.1.2.1.10.7.2.1.3"


# ----------------------------------------------------------------- Cisco


def test_cisco_serial_crc_from_locifincrc_and_cpu_windows(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent
) -> None:
    dev = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    access, iface, cpu = _split(arun(poll_router(client, dev, "Serial0/0/0:0")))
    assert access.ok and access.via == "snmp" and access.device == "rtr-a"

    assert iface.source == "snmp:IF-MIB" and iface.interface == "Serial0/0/0:0"
    assert (iface.admin_up, iface.line_up, iface.protocol_up) == (True, True, True)
    base = clock_minutes(cisco_agent)
    assert iface.crc == 100 + int(12 * base)
    assert iface.crc_source == "snmp:locIfInCRC"
    assert iface.input_errors == 150 + int(12 * base)
    assert iface.input_errors != iface.crc  # ifInErrors is never reported as CRC
    assert iface.carrier_transitions == 4
    assert iface.output_errors == 0
    assert iface.device_uptime_s == pytest.approx(UPTIME_S + base * 60, abs=0.02)
    assert "(locIfInCRC) =" in iface.raw and "(ifInErrors) =" in iface.raw
    assert "(ifCounterDiscontinuityTime) = 0" in iface.raw
    assert iface.id == "snmp-if-rtr-a-serial0-0-0-0" and iface.collector == "snmp:rtr-a"

    assert cpu is not None
    assert cpu.source == "snmp:CISCO-PROCESS-MIB"
    assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (9.0, 37.0, 12.0)
    assert "1.3.6.1.4.1.9.9.109.1.1.1.1.7.1 (cpmCPUTotal1minRev) = 37" in cpu.raw
    assert "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1 (cpmCPUTotal5minRev) = 12" in cpu.raw


def clock_minutes(agent: DeviceAgent) -> float:
    return agent.clock.moment().minutes


def test_crc_grows_with_lab_time(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent, clock: ManualClock
) -> None:
    dev = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    _, first, _ = _split(arun(poll_router(client, dev, "Serial0/0/0:0")))
    clock.advance(minutes=5)
    _, second, _ = _split(arun(poll_router(client, dev, "Serial0/0/0:0")))
    assert first.crc is not None and second.crc is not None
    assert second.crc - first.crc == 60  # 12 per minute
    assert second.input_errors is not None and first.input_errors is not None
    assert second.input_errors - first.input_errors == 60
    assert second.device_uptime_s is not None and first.device_uptime_s is not None
    assert second.device_uptime_s - first.device_uptime_s == pytest.approx(300, abs=0.02)
    assert second.input_packets is not None and first.input_packets is not None
    assert second.input_packets > first.input_packets  # 64 kbit/s of traffic


@pytest.mark.parametrize("written", ["Se0/0/0:0", "serial 0/0/0:0", "SERIAL0/0/0:0", "s0/0/0:0"])
def test_interface_names_as_operators_write_them(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent, written: str
) -> None:
    dev = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    if written == "s0/0/0:0":  # one letter is too short to be an abbreviation
        with pytest.raises(CollectorError, match="not among"):
            arun(poll_router(client, dev, written))
        return
    _, iface, _ = _split(arun(poll_router(client, dev, written)))
    assert iface.interface == written
    assert "(ifDescr) = Serial0/0/0:0" in iface.raw and "(ifName) = Se0/0/0:0" in iface.raw


def test_cisco_ethernet_crc_from_locifincrc_and_hc_packets(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent
) -> None:
    dev = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    _, iface, _ = _split(arun(poll_router(client, dev, "Gi0/0")))
    # IOS has locIfInCRC for every interface; it wins over dot3StatsFCSErrors
    assert iface.crc_source == "snmp:locIfInCRC"
    assert "(dot3StatsFCSErrors) =" in iface.raw
    # above 2^32: only the ifXTable HC counter is right (ifInUcastPkts wrapped)
    assert iface.input_packets == 5_000_000_000
    assert f"(ifInUcastPkts) = {5_000_000_000 % 2**32}" in iface.raw


def test_down_and_admin_down_interfaces(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent
) -> None:
    dev = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    _, down, _ = _split(arun(poll_router(client, dev, "Serial0/1/0")))
    assert (down.admin_up, down.line_up, down.protocol_up) == (True, None, False)
    _, off, _ = _split(arun(poll_router(client, dev, "Serial0/2/0")))
    assert (off.admin_up, off.protocol_up) == (False, False)


def test_v3_auth_priv_reads_the_same(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent
) -> None:
    v2 = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    v3 = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a", V3)
    _, a, cpu_a = _split(arun(poll_router(client, v2, "Serial0/0/0:0")))
    _, b, cpu_b = _split(arun(poll_router(client, v3, "Serial0/0/0:0")))
    assert (a.crc, a.input_errors, a.carrier_transitions) == (
        b.crc,
        b.input_errors,
        b.carrier_transitions,
    )
    assert cpu_a is not None and cpu_b is not None and cpu_a.raw == cpu_b.raw


def test_vendor_from_sysobjectid_when_the_inventory_does_not_say(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent
) -> None:
    dev = _router(cisco_agent.port, "ACME", "generic_termserver", "rtr-a")
    _, _, cpu = _split(arun(poll_router(client, dev, "Serial0/0/0:0")))
    assert cpu is not None and cpu.source == "snmp:CISCO-PROCESS-MIB"
    assert cpu.one_min == 37.0


def test_cisco_without_rev_columns_falls_back_to_deprecated_ones(
    arun: Run, client: SnmpClient, clock: ManualClock
) -> None:
    oids = {
        k: v
        for k, v in router_oids(CISCO).items()
        if k[: len(CPM_CPU_TOTAL_ENTRY) + 1] not in {(*CPM_CPU_TOTAL_ENTRY, c) for c in (6, 7, 8)}
    }

    async def scenario() -> list[Any]:
        async with DeviceAgent("old-ios", "127.0.0.1", 0, oids, clock=clock) as agent:
            dev = _router(agent.port, "cisco", "cisco_ios", "old-ios")
            return await poll_router(client, dev, "Serial0/0/0:0")

    _, _, cpu = _split(arun(scenario()))
    assert cpu is not None and (cpu.one_min, cpu.five_min) == (37.0, 12.0)
    assert "(cpmCPUTotal1min) = 37" in cpu.raw


# ----------------------------------------------------------------- Huawei


def test_huawei_serial_has_no_crc_specific_counter(
    arun: Run, client: SnmpClient, huawei_agent: DeviceAgent
) -> None:
    dev = _router(huawei_agent.port, "huawei", "huawei", "rtr-b")
    _, iface, cpu = _split(arun(poll_router(client, dev, "Serial1/0/0:0")))
    assert iface.input_errors is not None and iface.input_errors >= 55
    assert (iface.crc, iface.crc_source) == (None, None)  # never ifInErrors as CRC
    assert iface.carrier_transitions is None  # a Cisco-only MIB
    assert cpu is not None and cpu.source == "snmp:HUAWEI-CPU-MIB"
    assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (70.0, 61.0, 23.0)
    assert "1.3.6.1.4.1.2011.6.3.4.1.3.0.0.0 (hwAvgDuty1min) = 61" in cpu.raw


def test_huawei_ethernet_crc_from_etherlike(
    arun: Run, client: SnmpClient, huawei_agent: DeviceAgent
) -> None:
    dev = _router(huawei_agent.port, "huawei", "huawei", "rtr-b")
    _, iface, _ = _split(arun(poll_router(client, dev, "GE0/0/1")))
    assert (iface.crc, iface.crc_source) == (7, "snmp:dot3StatsFCSErrors")


def test_huawei_entity_extent_fallback_picks_the_busiest_entity(
    arun: Run, client: SnmpClient, clock: ManualClock
) -> None:
    entity = (1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1)  # hwEntityStateEntry
    oids = {k: v for k, v in router_oids(HUAWEI).items() if k[:11] != HW_CPU_DEV_ENTRY}
    for idx, (now, five) in {16777216: (0, 0), 16842753: (44, 31), 16842754: (3, 2)}.items():
        oids[(*entity, 5, idx)] = Integer32(now)
        oids[(*entity, 45, idx)] = Integer32(five)

    async def scenario() -> list[Any]:
        async with DeviceAgent("vrp8", "127.0.0.1", 0, oids, clock=clock) as agent:
            dev = _router(agent.port, "huawei", "huawei", "vrp8")
            return await poll_router(client, dev, "Serial1/0/0:0")

    _, _, cpu = _split(arun(scenario()))
    assert cpu is not None and cpu.source == "snmp:HUAWEI-ENTITY-EXTENT-MIB"
    assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (44.0, None, 31.0)


# ----------------------------------------------------------------- generic (HOST-RESOURCES-MIB)


def test_generic_router_cpu_is_hrprocessorload_averaged(
    arun: Run, client: SnmpClient, clock: ManualClock
) -> None:
    oids = {
        k: v
        for k, v in router_oids(CISCO).items()
        if k[: len(CPM_CPU_TOTAL_ENTRY)] != CPM_CPU_TOTAL_ENTRY
    }
    oids[SYS_OBJECT_ID] = ObjectName(LAB_OBJECT_ID)
    oids.update(hr_processor_oids([10, 31, lambda m: 20]))

    async def scenario() -> list[Any]:
        async with DeviceAgent("linux-rtr", "127.0.0.1", 0, oids, clock=clock) as agent:
            dev = _router(agent.port, "VyOS", "vyos", "linux-rtr")
            return await poll_router(client, dev, "Serial0/0/0:0")

    _, iface, cpu = _split(arun(scenario()))
    assert cpu is not None and cpu.source == "snmp:HOST-RESOURCES-MIB"
    assert cpu.one_min == pytest.approx(61 / 3)
    assert (cpu.five_sec, cpu.five_min) == (None, None)
    assert cpu.raw.count("(hrProcessorLoad)") == 3
    assert iface.crc_source == "snmp:locIfInCRC"  # the MIB answered, whatever the vendor


def test_no_cpu_mib_means_no_cpu_observation(
    arun: Run, client: SnmpClient, clock: ManualClock
) -> None:
    oids = {
        k: v
        for k, v in router_oids(HUAWEI).items()
        if k[: len(HW_CPU_DEV_ENTRY)] != HW_CPU_DEV_ENTRY
    }

    async def scenario() -> list[Any]:
        async with DeviceAgent("no-cpu", "127.0.0.1", 0, oids, clock=clock) as agent:
            dev = _router(agent.port, "huawei", "huawei", "no-cpu")
            return await poll_router(client, dev, "Serial1/0/0:0")

    obs = arun(scenario())
    assert [type(o).__name__ for o in obs] == ["DeviceAccessObservation", "InterfaceObservation"]


# ----------------------------------------------------------------- errors


def test_unknown_interface_lists_what_the_router_has(
    arun: Run, client: SnmpClient, cisco_agent: DeviceAgent
) -> None:
    dev = _router(cisco_agent.port, "cisco", "cisco_ios", "rtr-a")
    with pytest.raises(CollectorError) as err:
        arun(poll_router(client, dev, "Serial9/9/9:0"))
    text = str(err.value)
    assert "'Serial9/9/9:0'" in text
    for seen in ("Se0/0/0:0 / Serial0/0/0:0", "Gi0/0 / GigabitEthernet0/0", "E1 0/0/0"):
        assert seen in text


def test_timeout_propagates(
    arun: Run, client: SnmpClient, free_udp_port: Callable[[], int]
) -> None:
    dev = _router(free_udp_port(), "cisco", "cisco_ios", "rtr-gone")
    with pytest.raises(CollectorTimeout, match="rtr-gone"):
        arun(poll_router(client, dev, "Serial0/0/0:0"))


def test_vendor_and_ifname_helpers() -> None:
    dev = _router(161, "Cisco", "cisco_ios", "r1")
    assert vendor_of(dev, None) == "cisco"
    other = _router(161, "ACME", "acme_os", "r2")
    assert vendor_of(other, (1, 3, 6, 1, 4, 1, 2011, 2, 224)) == "huawei"
    assert vendor_of(other, (1, 3, 6, 1, 4, 1, 9, 1, 1047)) == "cisco"
    assert vendor_of(other, (1, 3, 6, 1, 4, 1, 99)) == "other"
    assert vendor_of(other, (1, 3, 6, 1, 4, 1, 90, 1)) == "other"  # 90 is not Cisco's 9
    assert cisco_if_name("Serial0/0/0:0") == "Se0/0/0:0"
    assert cisco_if_name("GigabitEthernet0/1") == "Gi0/1"
    assert cisco_if_name("E1 0/0/0") == "E1 0/0/0"


def test_cli_clear_counters_and_cli_wrapping_do_not_touch_snmp_counters(
    arun: Run, client: SnmpClient
) -> None:
    state = CISCO.model_copy(deep=True)
    state.interfaces[0].counter_bits = 32  # the CLI shows 32-bit counters
    clock = ManualClock()

    async def scenario() -> tuple[InterfaceObservation, InterfaceObservation]:
        async with DeviceAgent.for_router(state, "127.0.0.1", 0, clock=clock) as agent:
            dev = _router(agent.port, "cisco", "cisco_ios", "rtr-a")
            _, first, _ = _split(await poll_router(client, dev, "Serial0/0/0:0"))
            clock.advance(minutes=1)
            state.interfaces[1].cleared_at_s = 60.0  # `clear counters` typed on the CLI
            clock.advance(minutes=1)
            _, second, _ = _split(await poll_router(client, dev, "Serial0/0/0:0"))
            _, gi, _ = _split(await poll_router(client, dev, "Gi0/0"))
            assert gi.input_packets == 5_000_000_000  # Counter64, not the CLI's 32-bit value
            return first, second

    first, second = arun(scenario())
    assert (first.crc, second.crc) == (100, 124)  # SNMP counters keep counting

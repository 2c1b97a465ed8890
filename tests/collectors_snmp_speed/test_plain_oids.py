"""The SNMP client sends plain OIDs (no MIB resolution) and returns exactly what the hlapi path
returns: the same OIDs, value types and values, over v2c and v3, GET, GETNEXT and GETBULK.

Against the real lab NMS agent on loopback.  bench/snmp_client.py measures the speed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pysnmp.smi import view

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.errors import CollectorTimeout
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import SnmpSettings
from tests.collectors.snmp_helpers import Run

V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=2.0, retries=1)
V3 = SnmpSettings(
    version="v3",
    user="diag-lab",
    auth_protocol="SHA",
    auth_key="lab:nms-auth-key",
    priv_protocol="AES",
    priv_key="lab:nms-priv-key",
    timeout=2.0,
    retries=1,
)
RAISED = datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
ALARMS = {
    f"NE-{n}": [NeAlarm(name="R_LOS", port=f"1-SL1-{p}", severity="critical", raised=RAISED)
                for p in (1, 2)]
    for n in range(6)
}  # fmt: skip
PORTS = {ne: ["1-SL1-1", "1-SL1-2", "1-PQ1-1"] for ne in ALARMS}
ENT = "1.3.6.1.2.1.47.1.1.1.1"  # entPhysicalEntry
ACTIVE = "1.3.6.1.2.1.118.1.2.2.1"  # alarmActiveEntry
SYS = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0"]


@pytest.fixture(scope="module")
def arun() -> Iterator[Run]:
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture(scope="module")
def agent(arun: Run) -> Iterator[NmsAgent]:
    a = NmsAgent("nms-plain", "127.0.0.1", 0, ALARMS, PORTS)
    arun(a.start())
    yield a
    arun(a.stop())


@pytest.fixture(scope="module")
def clients(arun: Run) -> Iterator[tuple[SnmpClient, SnmpClient]]:
    async def make() -> tuple[SnmpClient, SnmpClient]:
        return SnmpClient(), SnmpClient(mib_lookup=True)

    plain, hlapi = arun(make())
    yield plain, hlapi
    plain.close()
    hlapi.close()


def _shape(rows: Any) -> list[tuple[str, str, str]]:
    items = rows.items() if isinstance(rows, dict) else rows
    return [(oid, type(v).__name__, v.prettyPrint()) for oid, v in items]


async def _everything(client: SnmpClient, target: SnmpTarget) -> list[list[tuple[str, str, str]]]:
    many = [f"{ENT}.{col}.{i}" for i in range(1, 30) for col in (2, 4, 5, 7)]  # 4 PDUs
    return [
        _shape(await client.get(target, SYS)),
        _shape(await client.get(target, [*many, f"{ENT}.7.999", "1.3.6.1.9.9.9.0"])),
        _shape(await client.walk(target, ENT)),
        _shape(await client.walk(target, f"{ACTIVE}.11", bulk=False)),
        _shape(await client.walk_many(target, [f"{ACTIVE}.{c}" for c in (5, 6, 9)])),
        _shape(await client.walk(target, "1.3.6.1.2.1.118.9")),  # empty subtree
    ]


@pytest.mark.parametrize("settings", [V2C, V3], ids=["v2c", "v3-authPriv"])
def test_plain_oids_return_what_the_hlapi_returns(
    arun: Run, agent: NmsAgent, clients: tuple[SnmpClient, SnmpClient], settings: SnmpSettings
) -> None:
    target = SnmpTarget("127.0.0.1", agent.port, settings)
    plain, hlapi = clients
    got = arun(_everything(plain, target))
    want = arun(_everything(hlapi, target))
    assert got == want
    sys_rows, many, ent, names, columns, empty = got
    assert [t for _, t, _ in sys_rows] == ["OctetString", "ObjectIdentifier", "OctetString"]
    assert len(many) == 4 * 6 * 4  # 24 entities (6 NEs, 3 ports each) of 29 asked: 4 columns
    assert f"{ENT}.7.999" not in {o for o, _, _ in many}
    assert {v for o, _, v in ent if o.startswith(f"{ENT}.7.")} >= {"NE-0", "1-SL1-2"}
    assert len(names) == 12  # one alarm description per alarm, by GETNEXT
    assert len(columns) == 3 * 12
    assert empty == []


def test_plain_path_resolves_no_oid_through_the_mib(
    arun: Run,
    agent: NmsAgent,
    clients: tuple[SnmpClient, SnmpClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hlapi resolves each requested OID (get_node_name_by_oid) even with lookupMib=False;
    the plain path never calls it.  The counter calls the real method through."""
    calls = []
    real = view.MibViewController.get_node_name_by_oid

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(view.MibViewController, "get_node_name_by_oid", counted)
    target = SnmpTarget("127.0.0.1", agent.port, V2C)
    plain, hlapi = clients
    arun(_everything(plain, target))
    assert calls == []
    arun(_everything(hlapi, target))
    assert len(calls) > 100


def test_plain_path_times_out_with_the_usual_message(arun: Run) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound and silent: nothing answers
        settings = SnmpSettings(version="v2c", community="lab:nms-community", timeout=0.3,
                                retries=0)  # fmt: skip

        async def go() -> None:
            async with SnmpClient() as client:
                await client.get(SnmpTarget("127.0.0.1", port, settings, label="NMS x"), SYS)

        with pytest.raises(CollectorTimeout, match=r"NMS x \(127\.0\.0\.1:\d+\): no SNMP response"):
            arun(go())

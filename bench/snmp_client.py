"""Benchmark: the SNMP client's requests per second, OIDs sent as plain ObjectNames against the
hlapi path that resolves every requested OID through pysnmp's MIB view (`mib_lookup=True`).

The peer is the lab NMS agent (diag.lab.nms_agent.NmsAgent), in this process on a free loopback
port: NES network elements with PORTS ports and one alarm per port, in the RFC 3877 ALARM-MIB
and ENTITY-MIB it serves.  It runs its own event loop in a second thread, so the client's CPU
is read alone (thread_time of the main thread); the wall rate is shared with the agent (one
GIL).  One round of work, as a collector reads an NMS and its NEs:

Two workloads, as collectors read an NMS and its NEs:

- GET: the system group and three ENTITY-MIB columns of 41 entities (4 PDUs of up to 32 OIDs,
  as NE and router reads GET many instances at once);
- GETBULK walks of the alarm-active table's columns (walk_many) and of entPhysicalName.

Each workload and mode runs ROUNDS times, interleaved (a busy moment hits both alike); the lab
counts the request PDUs.  Printed per workload and mode: requests, wall s, requests/s, client
CPU ms per request, and the ratios (plain OIDs / MIB lookup).  Both modes must return the same
rows (same OIDs, same value types and values): checked before timing.

    .venv/bin/python bench/snmp_client.py [ROUNDS] [NES]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diag.collectors.snmp import SnmpClient, SnmpTarget  # noqa: E402
from diag.lab.ne_state import NeAlarm  # noqa: E402
from diag.lab.nms_agent import NmsAgent  # noqa: E402
from diag.model.inventory import SnmpSettings  # noqa: E402

PORTS = 4
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
ACTIVE = "1.3.6.1.2.1.118.1.2.2.1"  # alarmActiveEntry
ENT_NAME = "1.3.6.1.2.1.47.1.1.1.1.7"  # entPhysicalName
SETTINGS = SnmpSettings(version="v2c", community="lab:nms-community", timeout=5.0, retries=1)
# the system group, then entPhysicalName/Class/ContainedIn of every entity: 4 PDUs of 32 OIDs
GET_OIDS = [f"1.3.6.1.2.1.1.{i}.0" for i in (1, 2, 3, 5)] + [
    f"1.3.6.1.2.1.47.1.1.1.1.{col}.{i}" for i in range(1, 42) for col in (4, 5, 7)
]


def _network(nes: int) -> tuple[dict[str, list[NeAlarm]], dict[str, list[str]]]:
    raised = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    ports = {f"NE-{n:03d}": [f"1-PQ1-{p}" for p in range(1, PORTS + 1)] for n in range(nes)}
    alarms = {
        ne: [NeAlarm(name="UP_E1_AIS", port=p, severity="minor", raised=raised) for p in ps]
        for ne, ps in ports.items()
    }
    return alarms, ports


class _AgentThread:
    """The lab agent on its own event loop in a daemon thread."""

    def __init__(self, nes: int) -> None:
        alarms, ports = _network(nes)
        self.loop = asyncio.new_event_loop()
        self.agent = NmsAgent("nms-bench", "127.0.0.1", 0, alarms, ports)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> NmsAgent:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.agent.start(), self.loop).result(30)
        return self.agent

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.agent.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _gets(client: SnmpClient, target: SnmpTarget) -> list[tuple[str, object]]:
    got = await client.get(target, GET_OIDS)
    return sorted(got.items())


async def _walks(client: SnmpClient, target: SnmpTarget) -> list[tuple[str, object]]:
    rows = await client.walk_many(target, [f"{ACTIVE}.{c}" for c in (5, 6, 7, 8, 11)])
    return rows + await client.walk(target, ENT_NAME)


WORKLOADS = {"GET, 32 OIDs a PDU": _gets, "GETBULK walks": _walks}


def _shape(rows: list[tuple[str, object]]) -> list[tuple[str, str, str]]:
    """(OID, value type, value) of each row; sysUpTime's value moves between two reads."""
    return [
        (oid, type(v).__name__, "" if oid == SYS_UPTIME else v.prettyPrint())  # type: ignore[attr-defined]
        for oid, v in rows
    ]


async def _main(rounds: int, nes: int) -> None:
    with _AgentThread(nes) as agent:
        target = SnmpTarget("127.0.0.1", agent.port, SETTINGS, label="NMS bench")
        clients = {
            "MIB lookup (hlapi)": SnmpClient(mib_lookup=True),
            "plain OIDs": SnmpClient(),
        }
        for work in WORKLOADS.values():  # warm-up: engines, transports; the same rows
            first, second = [_shape(await work(c, target)) for c in clients.values()]
            assert first == second, f"{work.__name__}: the two modes returned different rows"
        print(
            f"lab NMS agent on 127.0.0.1:{agent.port}: {nes} NEs, {nes * PORTS} alarms; "
            f"{rounds} rounds per workload and mode; the same rows both ways"
        )
        stats: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
        for _ in range(rounds):
            for wname, work in WORKLOADS.items():
                for name, client in clients.items():
                    before = agent.requests
                    c0, t0 = time.thread_time(), time.perf_counter()
                    await work(client, target)
                    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
                    stats.setdefault((wname, name), []).append((agent.requests - before, wall, cpu))
        for client in clients.values():
            client.close()
    print(f"{'':40} {'requests':>9} {'wall s':>7} {'req/s':>7} {'client cpu ms/req':>18}")
    rates: dict[tuple[str, str], tuple[float, float]] = {}
    for (wname, name), runs in stats.items():
        reqs = sum(r for r, _, _ in runs)
        wall = sum(w for _, w, _ in runs)
        per_req = statistics.median(c / r for r, _, c in runs) * 1e3
        rates[(wname, name)] = (reqs / wall, per_req)
        label = f"{wname}, {name}"
        print(f"{label:40} {reqs:9d} {wall:7.2f} {reqs / wall:7.0f} {per_req:18.3f}")
    base_name, name = list(clients)
    for wname in WORKLOADS:
        (base_rate, base_cpu), (rate, cpu) = rates[(wname, base_name)], rates[(wname, name)]
        print(
            f"{wname}: plain / MIB lookup = {rate / base_rate:.2f}x requests/s, "
            f"{base_cpu / cpu:.2f}x less client CPU per request"
        )


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    nes = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    asyncio.run(_main(rounds, nes))


if __name__ == "__main__":
    main()

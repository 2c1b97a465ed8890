"""Helpers for the simulated-router tests: corpus access, sample router states, a loop thread.

A plain module (not conftest) so test files can import it by a unique name."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import yaml

from diag.credentials import LAB_SECRETS
from diag.lab.routers.state import (
    Counters,
    CpuState,
    E1Controller,
    InterfaceState,
    LogLine,
    PingResult,
    RouterState,
    V35Leads,
)

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
USERNAME = "noc"
PASSWORD = LAB_SECRETS["router-password"]
SECRET = LAB_SECRETS["router-secret"]
CRC_PER_MIN = 7


def corpus_text(rel: str) -> str:
    return (CORPUS / rel).read_text(encoding="utf-8")


def corpus_yml(rel: str) -> list[dict[str, Any]]:
    data: dict[str, list[dict[str, Any]]] = yaml.safe_load(corpus_text(rel))
    return data["parsed_sample"]


def corpus_json(rel: str) -> Any:
    return json.loads(corpus_text(rel))


def cisco_state() -> RouterState:
    """A 2901 on an E1 leased line with a CRC problem and a second (down) V.35 circuit."""
    return RouterState(
        hostname="CPE-ACME-01",
        vendor="cisco_ios",
        interfaces=[
            InterfaceState(
                name="GigabitEthernet0/0",
                kind="ethernet",
                description="LAN",
                ip="192.168.10.1/24",
                bandwidth_kbit=100000,
                speed_mbps=100,
                mac="10f3.11ff.5167",
                input_rate_bps=96000,
                output_rate_bps=64000,
                counters=Counters(input_packets=5000, output_packets=4800),
            ),
            InterfaceState(
                name="Serial0/0/0:0",
                kind="e1-channel",
                description="CIRCUIT E1-0042",
                ip="10.20.0.1/30",
                bandwidth_kbit=1984,
                counters=Counters(
                    input_packets=90000, output_packets=88000, crc=40, input_errors=41
                ),
                growth_per_min={"crc": CRC_PER_MIN},
                input_rate_bps=256000,
                output_rate_bps=128000,
            ),
            InterfaceState(
                name="Serial0/1/0",
                kind="serial",
                description="CIRCUIT V35-0007",
                encapsulation="PPP",
                cable="V.35 DTE cable",
                status="down",
                protocol="down",
                v35=V35Leads(dcd=False, dsr=True, dtr=True, rts=True, cts=False),
                clocks_detected=False,
            ),
        ],
        controllers=[
            E1Controller(
                name="E1 0/0/0",
                path_code_violations=15,
                errored_secs=9,
                growth_per_min={"path_code_violations": 3, "errored_secs": 2},
            )
        ],
        cpu=CpuState(
            five_sec=7,
            five_sec_interrupt=1,
            one_min=6,
            five_min=5,
            history_72h_max=[12, 15, 99, 14, 30],
        ),
        logs=[
            LogLine(
                at="Mar  2 08:14:03.117",
                text="%LINK-3-UPDOWN: Interface Serial0/1/0, changed state to down",
            ),
            LogLine(
                at="Mar  2 08:14:04.117",
                text="%LINEPROTO-5-UPDOWN: Line protocol on Interface Serial0/1/0, "
                "changed state to down",
            ),
        ],
        ping=[PingResult(target="10.20.0.2", success_pct=80, rtt_ms=(8, 12, 30))],
    )


def huawei_state() -> RouterState:
    """An AR2220 with a CE1 channel that takes CRC errors."""
    return RouterState(
        hostname="CPE-BETA-02",
        vendor="huawei",
        model="AR2220",
        interfaces=[
            InterfaceState(
                name="GigabitEthernet0/0/1",
                kind="ethernet",
                ip="192.168.20.1/24",
                bandwidth_kbit=1000000,
                speed_mbps=1000,
                media_type="AUTO COPPER",
                input_rate_bps=8000,
            ),
            InterfaceState(
                name="Serial0/0/0:0",
                kind="e1-channel",
                ip="10.30.0.1/30",
                encapsulation="PPP",
                bandwidth_kbit=1984,
                counters=Counters(crc=5, input_errors=5),
                growth_per_min={"crc": CRC_PER_MIN},
            ),
        ],
        controllers=[E1Controller(name="E1 0/0/0", alarms=["RAI"])],
        ping=[PingResult(target="10.30.0.2", success_pct=100, rtt_ms=(20, 21, 25))],
    )


T = TypeVar("T")


class LoopThread:
    """The servers are async; netmiko is blocking, so the loop runs in its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

"""TrapReceiver against real senders: net-snmp's snmptrap / snmpinform (v2c, v3 authPriv).

The senders run as subprocesses from inside the session loop (asyncio subprocesses), so the
receiver on that loop keeps reading while they send.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pyasn1.type import univ

from diag.collectors.snmp.traps import SNMP_TRAP_OID_0, Trap, TrapReceiver, parse_listen
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorError
from diag.model.inventory import SnmpSettings

Run = Callable[[Awaitable[Any]], Any]

needs_net_snmp = pytest.mark.skipif(
    shutil.which("snmptrap") is None or shutil.which("snmpinform") is None,
    reason="net-snmp tools (apt package snmp) not installed",
)

SENDER_ENGINE_ID = "8000000001020304"
QUERY_TRAP = "1.3.6.1.4.1.2011.2.15.2.4.3.3.0.3"
MO_NAME = "1.3.6.1.4.1.2011.2.15.2.4.3.3.4.0"
ALARM_ID = "1.3.6.1.4.1.2011.2.15.2.4.3.3.9.0"
PROBABLE_CAUSE = "1.3.6.1.4.1.2011.2.15.2.4.3.3.28.0"
V3_ARGS = [
    "-u", "diag-lab", "-l", "authPriv",
    "-a", "SHA", "-A", LAB_SECRETS["nms-auth-key"],
    "-x", "AES", "-X", LAB_SECRETS["nms-priv-key"],
]  # fmt: skip
VARBINDS = [MO_NAME, "s", "SDH-A", ALARM_ID, "i", "1234", PROBABLE_CAUSE, "s", "UP_E1_AIS"]


async def _run(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, (out + err).decode(errors="replace")


def _check_query_trap(trap: Trap) -> None:
    assert trap.trap_oid == tuple(int(p) for p in QUERY_TRAP.split("."))
    assert trap.uptime is not None
    assert str(trap.get(MO_NAME)) == "SDH-A"
    assert str(trap.get(ALARM_ID)) == "1234"
    assert str(trap.get(PROBABLE_CAUSE)) == "UP_E1_AIS"
    assert isinstance(trap.get(SNMP_TRAP_OID_0), univ.ObjectIdentifier)
    assert trap.raw[MO_NAME] == "SDH-A" and trap.raw["1.3.6.1.6.3.1.1.4.1.0"] == QUERY_TRAP
    assert trap.source[0] == "127.0.0.1" and trap.source[1] > 0


@needs_net_snmp
def test_v2c_trap_from_snmptrap(arun: Run, v2c_settings: SnmpSettings) -> None:
    async def scenario() -> tuple[Trap, int]:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings]) as rx:
            rc, out = await _run(
                "snmptrap", "-v2c", "-c", LAB_SECRETS["nms-community"],
                f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS,
            )  # fmt: skip
            assert rc == 0, out
            return await rx.get(timeout=2.0), rx.port

    trap, _ = arun(scenario())
    _check_query_trap(trap)
    assert (trap.version, trap.inform) == ("v2c", False)


@needs_net_snmp
def test_v3_authpriv_trap_needs_the_senders_engine_id(arun: Run, v3_settings: SnmpSettings) -> None:
    async def scenario() -> tuple[Trap, Trap | None, dict[str, int]]:
        sender = ["snmptrap", "-v3", "-e", f"0x{SENDER_ENGINE_ID}", *V3_ARGS]
        async with TrapReceiver("127.0.0.1:0", [v3_settings]) as rx:
            # Unknown sender engine: the trap cannot be authenticated and is dropped.
            await _run(*sender, f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS)
            await asyncio.sleep(0.2)
            before = rx.get_nowait()
            rejected = rx.rejected()
            rx.add_engine_id(bytes.fromhex(SENDER_ENGINE_ID))
            rc, out = await _run(*sender, f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS)
            assert rc == 0, out
            return await rx.get(timeout=2.0), before, rejected

    trap, before, rejected = arun(scenario())
    assert before is None
    assert rejected.get("usmStatsUnknownUserNames", 0) >= 1
    _check_query_trap(trap)
    assert (trap.version, trap.security_name, trap.inform) == ("v3", "diag-lab", False)


@needs_net_snmp
def test_v3_authpriv_inform_is_acknowledged(arun: Run, v3_settings: SnmpSettings) -> None:
    async def scenario() -> tuple[Trap, int, str]:
        async with TrapReceiver("127.0.0.1:0", [v3_settings]) as rx:
            # snmpinform exits 0 only when the receiver acknowledged the inform.
            rc, out = await _run(
                "snmpinform", "-v3", *V3_ARGS, "-t", "2", "-r", "0",
                f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS,
            )  # fmt: skip
            return await rx.get(timeout=2.0), rc, out

    trap, rc, out = arun(scenario())
    assert rc == 0, out
    _check_query_trap(trap)
    assert (trap.version, trap.inform) == ("v3", True)


@needs_net_snmp
def test_wrong_community_is_counted_not_delivered(arun: Run, v2c_settings: SnmpSettings) -> None:
    async def scenario() -> tuple[Trap | None, dict[str, int]]:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings]) as rx:
            await _run("snmptrap", "-v2c", "-c", "public", f"127.0.0.1:{rx.port}", "", QUERY_TRAP)
            await asyncio.sleep(0.2)
            return rx.get_nowait(), rx.rejected()

    trap, rejected = arun(scenario())
    assert trap is None
    assert rejected == {"snmpInBadCommunityNames": 1}


def test_port_in_use_is_a_clear_collector_error(arun: Run, v2c_settings: SnmpSettings) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        port = squatter.getsockname()[1]
        rx = TrapReceiver(f"127.0.0.1:{port}", [v2c_settings], label="NMS nms-x trap receiver")
        with pytest.raises(CollectorError) as info:
            arun(rx.start())
    text = str(info.value)
    assert text.startswith("NMS nms-x trap receiver:")
    assert f"UDP 127.0.0.1:{port}" in text and "already in use" in text
    assert "trap_listen" in text and "snmptrapd" in text
    assert not rx.running


def test_address_not_on_this_host_is_explained(arun: Run, v2c_settings: SnmpSettings) -> None:
    rx = TrapReceiver("192.0.2.1:16162", [v2c_settings])  # TEST-NET-1, never local
    with pytest.raises(CollectorError, match=r"192\.0\.2\.1 in trap_listen is not an address"):
        arun(rx.start())


def test_stop_releases_the_port_and_is_idempotent(arun: Run, v2c_settings: SnmpSettings) -> None:
    rx = TrapReceiver("127.0.0.1:0", [v2c_settings])
    started = time.monotonic()
    arun(rx.start())
    port = rx.port
    assert rx.running and port > 0
    arun(rx.stop())
    arun(rx.stop())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", port))  # raises if the receiver still held it
    assert time.monotonic() - started < 2.0


def test_get_times_out(arun: Run, v2c_settings: SnmpSettings) -> None:
    async def scenario() -> None:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings]) as rx:
            with pytest.raises(TimeoutError):
                await rx.get(timeout=0.05)

    arun(scenario())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.0.0.0:16162", ("0.0.0.0", 16162)),
        ("127.0.0.1:162", ("127.0.0.1", 162)),
        ("[::1]:16162", ("::1", 16162)),
        ("nms-collector.example:1162", ("nms-collector.example", 1162)),
    ],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["16162", "host:", ":162", "host:99999", "host:x"])
def test_parse_listen_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        parse_listen(text)

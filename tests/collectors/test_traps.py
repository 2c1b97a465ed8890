"""TrapReceiver against real senders: net-snmp's snmptrap / snmpinform (v2c, v3 authPriv), and
forged datagrams sent from a chosen loopback address (trap_forge.py).

The senders run as subprocesses from inside the session loop (asyncio subprocesses), so the
receiver on that loop keeps reading while they send.  What must be refused (another source
address, a wrong community, v3 without authPriv, a wrong key) is sent for real and must both
stay out of the queue and be counted with its reason.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from pathlib import Path

import pytest
from pyasn1.type import univ
from pysnmp.proto.rfc1902 import Integer32, OctetString

from diag.collectors.snmp.traps import SNMP_TRAP_OID_0, Trap, TrapReceiver, parse_listen
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorError
from diag.model.inventory import SnmpSettings
from tests.collectors.snmp_helpers import Run
from tests.collectors.trap_forge import send_from, v2c_trap

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


# ---------------------------------------------------------------- who may send


def _forged_query(community: str | None = None) -> bytes:
    return v2c_trap(
        community or LAB_SECRETS["nms-community"],
        QUERY_TRAP,
        [(MO_NAME, OctetString("SDH-A")), (ALARM_ID, Integer32(1234)),
         (PROBABLE_CAUSE, OctetString("UP_E1_AIS"))],
    )  # fmt: skip


def test_trap_from_another_address_is_refused_and_counted(
    arun: Run, v2c_settings: SnmpSettings
) -> None:
    """The right community from 127.0.0.2 is still not the NMS (at 127.0.0.1)."""

    async def scenario() -> tuple[Trap, Trap | None, dict[str, int], dict[str, int], str | None]:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings], sources=["127.0.0.1"]) as rx:
            send_from("127.0.0.2", ("127.0.0.1", rx.port), _forged_query())
            send_from("127.0.0.2", ("127.0.0.1", rx.port), _forged_query())
            send_from("127.0.0.1", ("127.0.0.1", rx.port), _forged_query())
            genuine = await rx.get(timeout=2.0)  # datagrams on loopback keep their order
            return genuine, rx.get_nowait(), rx.rejected(), rx.rejected_sources(), rx.rejections()

    genuine, more, rejected, sources, words = arun(scenario())
    _check_query_trap(genuine)
    assert more is None
    assert rejected == {"notFromTrapSource": 2} and sources == {"127.0.0.2": 2}
    assert words == "2 from an address that is not a trap source (127.0.0.2)"


def test_sources_take_networks_and_host_names(arun: Run, v2c_settings: SnmpSettings) -> None:
    async def scenario() -> tuple[list[str], dict[str, int], str]:
        got = []
        async with TrapReceiver(
            "127.0.0.1:0", [v2c_settings], sources=["127.0.0.0/30", "localhost"]
        ) as rx:
            for source in ("127.0.0.2", "127.0.0.3", "127.0.0.5", "127.0.0.1"):
                send_from(source, ("127.0.0.1", rx.port), _forged_query())
            for _ in range(3):
                got.append((await rx.get(timeout=2.0)).source[0])
            await asyncio.sleep(0.1)
            assert rx.get_nowait() is None
            return got, rx.rejected_sources(), str(rx.rejections())

    got, refused, words = arun(scenario())
    assert got == ["127.0.0.2", "127.0.0.3", "127.0.0.1"]  # localhost resolves to 127.0.0.1
    assert refused == {"127.0.0.5": 1} and "(127.0.0.5)" in words


def test_unresolvable_source_is_a_collector_error(arun: Run, v2c_settings: SnmpSettings) -> None:
    rx = TrapReceiver(
        "127.0.0.1:0", [v2c_settings], sources=["nms.invalid"], label="NMS nms-x trap receiver"
    )
    with pytest.raises(CollectorError, match=r"trap source 'nms\.invalid' does not resolve"):
        arun(rx.start())
    assert not rx.running


def test_ipv6_source_check(arun: Run, v2c_settings: SnmpSettings) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this host")

    async def scenario() -> tuple[Trap, dict[str, int]]:
        async with TrapReceiver("[::1]:0", [v2c_settings], sources=["::1"]) as rx:
            send_from("::1", ("::1", rx.port), _forged_query())
            return await rx.get(timeout=2.0), rx.rejected()

    trap, rejected = arun(scenario())
    assert trap.source[0] == "::1" and rejected == {}


def test_wrong_community_from_the_right_address_is_refused(
    arun: Run, v2c_settings: SnmpSettings
) -> None:
    async def scenario() -> tuple[Trap | None, dict[str, int], str | None]:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings], sources=["127.0.0.1"]) as rx:
            send_from("127.0.0.1", ("127.0.0.1", rx.port), _forged_query("public"))
            await asyncio.sleep(0.2)
            return rx.get_nowait(), rx.rejected(), rx.rejections()

    trap, rejected, words = arun(scenario())
    assert trap is None
    assert rejected == {"snmpInBadCommunityNames": 1} and words == "1 with a wrong community"


@needs_net_snmp
@pytest.mark.parametrize(
    ("level", "extra"),
    [
        ("noAuthNoPriv", []),
        ("authNoPriv", ["-a", "SHA", "-A", LAB_SECRETS["nms-auth-key"]]),
    ],
)
def test_v3_below_authpriv_is_refused_under_the_right_user(
    arun: Run, v3_settings: SnmpSettings, level: str, extra: list[str]
) -> None:
    """pysnmp's USM takes these (a user name is no secret, noAuthNoPriv needs no key): the
    receiver must refuse them itself."""

    async def scenario() -> tuple[Trap | None, dict[str, int], str | None]:
        async with TrapReceiver(
            "127.0.0.1:0", [v3_settings], engine_ids=[bytes.fromhex(SENDER_ENGINE_ID)],
            sources=["127.0.0.1"],
        ) as rx:  # fmt: skip
            rc, out = await _run(
                "snmptrap", "-v3", "-e", f"0x{SENDER_ENGINE_ID}", "-u", "diag-lab", "-l", level,
                *extra, f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS,
            )  # fmt: skip
            assert rc == 0, out
            await asyncio.sleep(0.2)
            return rx.get_nowait(), rx.rejected(), rx.rejections()

    trap, rejected, words = arun(scenario())
    assert trap is None
    assert rejected == {"v3NotAuthPriv": 1} and words == "1 v3 without authPriv (127.0.0.1)"


@needs_net_snmp
def test_v3_wrong_keys_are_refused(arun: Run, v3_settings: SnmpSettings) -> None:
    wrong_auth = [*V3_ARGS]
    wrong_auth[wrong_auth.index("-A") + 1] = "not-the-auth-key"
    wrong_priv = [*V3_ARGS]
    wrong_priv[wrong_priv.index("-X") + 1] = "not-the-priv-key"

    async def scenario() -> tuple[Trap | None, dict[str, int]]:
        async with TrapReceiver(
            "127.0.0.1:0", [v3_settings], engine_ids=[bytes.fromhex(SENDER_ENGINE_ID)],
            sources=["127.0.0.1"],
        ) as rx:  # fmt: skip
            for args in (wrong_auth, wrong_priv):
                await _run(
                    "snmptrap", "-v3", "-e", f"0x{SENDER_ENGINE_ID}", *args,
                    f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS,
                )  # fmt: skip
            await asyncio.sleep(0.2)
            return rx.get_nowait(), rx.rejected()

    trap, rejected = arun(scenario())
    assert trap is None
    # A wrong priv key leaves a valid digest: the scoped PDU then fails to decrypt.
    assert rejected == {"usmStatsWrongDigests": 1, "usmStatsDecryptionErrors": 1}


@needs_net_snmp
def test_inform_from_another_address_is_not_acknowledged(
    arun: Run, v2c_settings: SnmpSettings
) -> None:
    """The datagram is dropped before pysnmp reads it: the sender gets no response."""

    async def scenario() -> tuple[int, Trap | None, dict[str, int]]:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings], sources=["127.0.0.1"]) as rx:
            rc, _ = await _run(
                "snmpinform", "-v2c", "-c", LAB_SECRETS["nms-community"], "-t", "0.3", "-r", "0",
                "--clientaddr=127.0.0.2", f"127.0.0.1:{rx.port}", "", QUERY_TRAP, *VARBINDS,
            )  # fmt: skip
            return rc, rx.get_nowait(), rx.rejected_sources()

    rc, trap, sources = arun(scenario())
    assert rc != 0 and trap is None and sources == {"127.0.0.2": 1}


def test_refusals_are_kept_after_stop(arun: Run, v2c_settings: SnmpSettings) -> None:
    rx = TrapReceiver("127.0.0.1:0", [v2c_settings], sources=["127.0.0.1"])

    async def scenario() -> None:
        async with rx:
            send_from("127.0.0.1", ("127.0.0.1", rx.port), _forged_query("public"))
            send_from("127.0.0.2", ("127.0.0.1", rx.port), _forged_query())
            await asyncio.sleep(0.2)

    arun(scenario())
    assert not rx.running
    assert rx.rejected() == {"snmpInBadCommunityNames": 1, "notFromTrapSource": 1}
    assert rx.rejected_count == 2


def test_the_receiver_holds_a_resync_burst(arun: Run, v2c_settings: SnmpSettings) -> None:
    """An alarm resync arrives as a burst: the receiver asks for a buffer far beyond the
    default (which held ~90 traps of a 171-trap read: the rest were dropped by the kernel)."""
    import socket

    from diag.collectors.snmp.traps import TRAP_RCVBUF

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as plain:
        default = plain.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    rmem_max = int(Path("/proc/sys/net/core/rmem_max").read_text())

    async def scenario() -> int:
        async with TrapReceiver("127.0.0.1:0", [v2c_settings]) as rx:
            assert rx._sock is not None
            return int(rx._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    got = arun(scenario())
    # Linux doubles the value asked; without CAP_NET_ADMIN it is capped at rmem_max
    assert got >= min(2 * TRAP_RCVBUF, 2 * rmem_max)
    assert got > default or rmem_max * 2 <= default

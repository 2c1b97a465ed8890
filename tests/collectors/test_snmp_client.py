"""SnmpClient against the real lab agent (pysnmp responder) and, when present, net-snmp."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pyasn1.type import univ

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.collectors.snmp.client import (
    decode_date_and_time,
    encode_date_and_time,
    parse_oid,
    string_index,
    take_string_index,
)
from diag.credentials import LAB_SECRETS
from diag.errors import CollectorAuthError, CollectorTimeout
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import SnmpSettings
from tests.collectors.snmp_helpers import Run
from tests.collectors.snmp_oids import ALARM_ACTIVE_TABLE, ENT_PHYSICAL_TABLE, SYS_NAME

# ---------------------------------------------------------------- GET / walk, v2c and v3


@pytest.mark.parametrize("target_fixture", ["v2c_target", "v3_target"])
def test_get_reads_sysname(
    arun: Run, client: SnmpClient, target_fixture: str, request: pytest.FixtureRequest
) -> None:
    target: SnmpTarget = request.getfixturevalue(target_fixture)
    got = arun(client.get(target, [SYS_NAME, "1.3.6.1.2.1.1.3.0"]))
    assert str(got[SYS_NAME]) == "lab-nms"
    assert int(got["1.3.6.1.2.1.1.3.0"]) >= 0  # sysUpTime


def test_get_leaves_out_absent_instances(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget
) -> None:
    got = arun(client.get(v2c_target, [SYS_NAME, "1.3.6.1.2.1.1.5.1", "1.3.6.1.2.1.1.99.0"]))
    assert list(got) == [SYS_NAME]


def test_get_splits_many_oids_into_several_pdus(
    arun: Run, lab_nms: NmsAgent, v2c_settings: SnmpSettings
) -> None:
    async def scenario() -> dict[str, Any]:
        async with SnmpClient(oids_per_request=3) as c:
            target = SnmpTarget("127.0.0.1", lab_nms.port, v2c_settings)
            oids = [f"1.3.6.1.2.1.47.1.1.1.1.7.{i}" for i in range(1, 10)]
            return await c.get(target, oids)

    got = arun(scenario())
    assert len(got) == 9
    assert str(got["1.3.6.1.2.1.47.1.1.1.1.7.1"]) == "PDH-2"  # NEs are registered sorted


def test_walk_bulk_and_getnext_agree_and_stay_in_subtree(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget, v3_target: SnmpTarget
) -> None:
    bulk = arun(client.walk(v2c_target, ALARM_ACTIVE_TABLE))
    nxt = arun(client.walk(v3_target, ALARM_ACTIVE_TABLE, bulk=False))
    assert [o for o, _ in bulk] == [o for o, _ in nxt]
    assert [v.prettyPrint() for _, v in bulk] == [v.prettyPrint() for _, v in nxt]
    # 4 alarms x 11 accessible columns (alarmActiveEngineID .. alarmActiveSpecificPointer)
    assert len(bulk) == 44
    oids = [parse_oid(o) for o, _ in bulk]
    assert oids == sorted(oids) and len(set(oids)) == len(oids)
    assert all(o[:10] == parse_oid(ALARM_ACTIVE_TABLE) for o in oids)


def test_walk_of_an_empty_subtree_is_empty(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget
) -> None:
    # under alarmObjects (RFC 3877: model .1, active .2, clear .3) nothing is registered at .9
    assert arun(client.walk(v2c_target, "1.3.6.1.2.1.118.1.9")) == []


def test_walk_many_equals_one_walk(arun: Run, client: SnmpClient, v2c_target: SnmpTarget) -> None:
    whole = arun(client.walk(v2c_target, ENT_PHYSICAL_TABLE))
    columns = [f"{ENT_PHYSICAL_TABLE}.1.{c}" for c in (2, 3, 4, 5, 6, 7, 16)]
    merged = arun(client.walk_many(v2c_target, columns))
    assert [o for o, _ in merged] == [o for o, _ in whole]


def test_many_concurrent_requests_all_answered(
    arun: Run, lab_nms: NmsAgent, v2c_settings: SnmpSettings
) -> None:
    """300 GETs at once: the in-flight cap keeps every reply (uncapped, >256 get lost)."""

    async def scenario() -> list[dict[str, Any]]:
        async with SnmpClient(max_in_flight=32) as c:
            target = SnmpTarget("127.0.0.1", lab_nms.port, v2c_settings)
            return await asyncio.gather(*(c.get(target, [SYS_NAME]) for _ in range(300)))

    answers = arun(scenario())
    assert len(answers) == 300 and all(str(a[SYS_NAME]) == "lab-nms" for a in answers)


def test_client_is_bound_to_its_loop(lab_nms: NmsAgent, v2c_settings: SnmpSettings) -> None:
    c = SnmpClient()
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first.run_until_complete(c.__aenter__())  # binds the engine to `first`
        target = SnmpTarget("127.0.0.1", lab_nms.port, v2c_settings)
        with pytest.raises(RuntimeError, match="another event loop"):
            second.run_until_complete(c.get(target, [SYS_NAME]))
    finally:
        c.close()
        first.close()
        second.close()


def test_shared_client_is_one_per_loop() -> None:
    async def scenario() -> tuple[SnmpClient, SnmpClient]:
        a, b = SnmpClient.shared(), SnmpClient.shared()
        a.close()
        return a, b

    a, b = asyncio.run(scenario())
    assert a is b


# ---------------------------------------------------------------- failures


def test_wrong_community_times_out_fast_without_leaking_it(
    arun: Run, client: SnmpClient, lab_nms: NmsAgent, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIAG_TEST_COMMUNITY", "not-the-community-42")
    settings = SnmpSettings(community="env:DIAG_TEST_COMMUNITY", timeout=0.5, retries=0)
    target = SnmpTarget("127.0.0.1", lab_nms.port, settings, label="NMS lab-nms")
    started = time.monotonic()
    with pytest.raises(CollectorTimeout) as info:
        arun(client.get(target, [SYS_NAME]))
    elapsed = time.monotonic() - started
    assert elapsed < 1.5
    message = str(info.value)
    assert f"127.0.0.1:{lab_nms.port}" in message
    assert "env:DIAG_TEST_COMMUNITY" in message  # the reference, so the user knows what to fix
    assert "firewall" in message and "port" in message
    assert "not-the-community-42" not in message
    assert LAB_SECRETS["nms-community"] not in message


def test_nothing_listening_times_out(
    arun: Run, client: SnmpClient, free_udp_port: Callable[[], int], v2c_settings: SnmpSettings
) -> None:
    settings = v2c_settings.model_copy(update={"timeout": 0.5})
    target = SnmpTarget("127.0.0.1", free_udp_port(), settings)
    started = time.monotonic()
    with pytest.raises(CollectorTimeout, match="no SNMP response"):
        arun(client.walk(target, ALARM_ACTIVE_TABLE))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("change", "indication"),
    [
        ({"auth_key": "env:DIAG_TEST_KEY"}, "digest"),
        ({"priv_key": "env:DIAG_TEST_KEY"}, "cipher"),
        ({"user": "nobody"}, "Unknown USM user"),
    ],
)
def test_v3_wrong_credentials_are_an_auth_error(
    arun: Run,
    client: SnmpClient,
    lab_nms: NmsAgent,
    v3_settings: SnmpSettings,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str],
    indication: str,
) -> None:
    monkeypatch.setenv("DIAG_TEST_KEY", "wrong-key-0123")
    settings = v3_settings.model_copy(update={**change, "timeout": 0.5})
    with pytest.raises(CollectorAuthError) as info:
        arun(client.get(SnmpTarget("127.0.0.1", lab_nms.port, settings), [SYS_NAME]))
    message = str(info.value)
    assert indication.lower() in message.lower()
    for secret in ("wrong-key-0123", LAB_SECRETS["nms-auth-key"], LAB_SECRETS["nms-priv-key"]):
        assert secret not in message


# ---------------------------------------------------------------- textual conventions


def test_date_and_time_decodes_with_offset_and_deciseconds() -> None:
    octets = bytes([0x07, 0xE8, 5, 1, 10, 20, 30, 5]) + b"+" + bytes([8, 0])
    got = decode_date_and_time(octets)
    assert got == datetime(2024, 5, 1, 2, 20, 30, 500_000, tzinfo=UTC)
    assert got.utcoffset() == timedelta(hours=8)


def test_date_and_time_negative_offset_and_roundtrip() -> None:
    when = datetime(
        1999, 12, 31, 23, 59, 59, 900_000, tzinfo=timezone(-timedelta(hours=3, minutes=30))
    )
    octets = encode_date_and_time(when)
    assert octets[8:] == b"-" + bytes([3, 30])
    assert decode_date_and_time(octets) == when


def test_date_and_time_without_offset_is_utc() -> None:
    got = decode_date_and_time(bytes([0x07, 0xE8, 2, 29, 0, 0, 0, 0]))
    assert got == datetime(2024, 2, 29, tzinfo=UTC) and got.tzinfo is not None


@pytest.mark.parametrize(
    "octets",
    [
        b"",
        bytes([0x07, 0xE8, 13, 1, 0, 0, 0, 0]),  # month 13
        bytes([0x07, 0xE8, 1, 1, 0, 0, 0, 10]),  # deci-seconds 10
        bytes([0x07, 0xE8, 1, 1, 0, 0, 0, 0]) + b"*" + bytes([0, 0]),  # bad direction
        bytes([0x07, 0xE8, 1, 1, 0, 0, 0, 0, 0]),  # 9 octets
    ],
)
def test_date_and_time_rejects_garbage(octets: bytes) -> None:
    with pytest.raises(ValueError):
        decode_date_and_time(octets)


def test_string_index_roundtrip() -> None:
    oid = (9, *string_index("ab"), 7)
    assert oid == (9, 2, 97, 98, 7)
    assert take_string_index(oid, 1) == (b"ab", 4)
    assert string_index("") == (0,)
    with pytest.raises(ValueError):
        take_string_index((5, 1, 2), 0)


# ---------------------------------------------------------------- net-snmp cross-check


def _netsnmp_walk(port: int, root: str) -> list[tuple[str, str]]:
    out = subprocess.run(
        ["snmpwalk", "-v2c", "-c", LAB_SECRETS["nms-community"], "-On", "-Oq", "-Ox", "-t", "1",
         "-r", "0", f"127.0.0.1:{port}", root],
        capture_output=True, text=True, timeout=10, env={"MIBS": "", "PATH": "/usr/bin:/bin"},
        check=True,
    )  # fmt: skip
    rows: list[tuple[str, str]] = []
    for line in out.stdout.splitlines():
        if line.startswith("."):
            oid, _, value = line.partition(" ")
            rows.append((oid.lstrip("."), value))
        elif rows:  # net-snmp wraps long hex strings onto continuation lines
            rows[-1] = (rows[-1][0], rows[-1][1] + " " + line)
    return rows


def _as_netsnmp(value: Any) -> str:
    if isinstance(value, univ.ObjectIdentifier):
        return "." + ".".join(str(x) for x in value)
    if isinstance(value, univ.OctetString):
        return '"' + " ".join(f"{b:02X}" for b in bytes(value.asOctets())) + '"'
    return str(int(value))


def _norm(value: str) -> str:
    return " ".join(value.replace('"', " ").split())


@pytest.mark.skipif(
    shutil.which("snmpwalk") is None, reason="net-snmp snmpwalk not installed (apt package snmp)"
)
def test_snmpwalk_sees_the_same_alarm_table(
    arun: Run, client: SnmpClient, v2c_target: SnmpTarget, lab_nms: NmsAgent
) -> None:
    ours = arun(client.walk(v2c_target, ALARM_ACTIVE_TABLE))

    async def theirs() -> list[tuple[str, str]]:
        # The agent answers on this loop, so net-snmp must run while the loop runs.
        return await asyncio.to_thread(_netsnmp_walk, lab_nms.port, "." + ALARM_ACTIVE_TABLE)

    netsnmp = arun(theirs())
    assert [o for o, _ in netsnmp] == [o for o, _ in ours]
    assert [_norm(v) for _, v in netsnmp] == [_norm(_as_netsnmp(v)) for _, v in ours]

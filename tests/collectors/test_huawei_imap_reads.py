"""The huawei-imap driver's reads of the query: lost Query traps detected by comparing reads,
alarms changing between reads, and decoding (OccurTime, ExtendInfo, one read's session).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pysnmp.proto.rfc1902 import Integer32, ObjectName, OctetString

from diag.collectors.nms.imap_mib import parse_extend_info, parse_occur_time
from diag.collectors.nms.imap_reads import _combine, _Session
from diag.collectors.snmp import SnmpClient
from diag.collectors.snmp.traps import Trap
from diag.lab.imap import ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.model.inventory import Nms, SnmpSettings
from tests.collectors.imap_helpers import (
    CST,
    HEARTBEAT,
    IMAP,
    QUERY,
    QUERY_BEGIN,
    QUERY_END,
    TRAP_OID,
    Run,
    Scenario,
    _agent,
    _nms,
    _poll,
)

# ---------------------------------------------------------------- lost Query traps


def test_a_lost_query_trap_is_detected(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """The lab drops the 2nd Query trap of the first read: QueryBegin and QueryEnd both arrive,
    so that read alone looks whole; the second read carries the alarm, so the loss shows.
    The list holds all four alarms and is still partial: the path loses traps."""
    port = free_udp_port()
    agent = _agent(
        lab_scenario,
        trap_targets=[f"127.0.0.1:{port}"],
        drop_query_traps=[2],
        drop_in_queries=[1],
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert agent.imap is not None
    first, second = agent.imap.queries
    assert (first.sent, first.dropped, first.ended) == (3, 1, True)
    assert (second.sent, second.dropped, second.ended) == (4, 0, True)
    assert len(got.alarms) == 4
    assert got.partial and got.note is not None
    assert "Query traps were lost" in got.note and "read 1 lacked" in got.note
    assert "CSN" in got.note and "read 2 lacked" not in got.note


def test_a_query_trap_lost_in_every_read_is_beyond_the_northbound(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    """The limit the README states: the northbound announces no count, so the same trap lost
    in both reads leaves two agreeing reads.  The result says what its completeness rests on."""
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"], drop_query_traps=[2])
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert len(got.alarms) == 3 and not got.partial
    assert got.completeness is not None
    assert "list the same 3 alarm(s)" in got.completeness
    assert "announces no alarm count" in got.completeness
    assert "one lost in every read" in got.completeness


def test_a_single_read_cannot_be_proven_complete(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    agent = _agent(lab_scenario, trap_targets=[f"127.0.0.1:{port}"])
    got = _poll(
        arun, client, agent,
        lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings, query_reads=1),
    )  # fmt: skip
    assert agent.imap is not None and len(agent.imap.queries) == 1
    assert len(got.alarms) == 4 and got.partial and got.note is not None
    assert "completeness cannot be proven" in got.note and "query_reads is 1" in got.note
    assert "QueryEnd carry no varbinds" in got.note


def _change_between_reads(agent: NmsAgent, alarms: Callable[[], dict[str, list[NeAlarm]]]) -> Any:
    async def hook(query: int) -> None:
        if query == 1:  # after read 1's snapshot, before read 2's
            agent.set_alarms(alarms())

    return hook


def test_an_alarm_raised_between_reads_is_no_loss(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
) -> None:
    port = free_udp_port()
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports,
                     imap=ImapOptions(trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=None))  # fmt: skip
    assert agent.imap is not None
    # raised now, during read 1 (OccurTime carries whole seconds: the same second counts)
    agent.imap.options.before_query_traps = _change_between_reads(
        agent,
        lambda: {
            **alarms,
            "SDH-C": [NeAlarm(name="T_ALOS", port="1-PQ1-1", raised=datetime.now(UTC))],
        },
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert len(got.alarms) == 5 and not got.partial
    assert got.completeness is not None and "1 raised between reads" in got.completeness


@pytest.mark.parametrize("when", ["before the reads", "in the future"])
def test_an_alarm_new_in_read_2_dated_outside_the_reads_is_a_loss(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
    when: str,
) -> None:
    """Absent from read 1, in read 2, but dated before read 1 began (so read 1 lost it) or
    hours ahead (an NMS clock off ours, or a local time without zone read as UTC): not
    explained away as raised between the reads."""
    port = free_udp_port()
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports,
                     imap=ImapOptions(trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=None))  # fmt: skip
    assert agent.imap is not None
    shift = timedelta(hours=-1) if when == "before the reads" else timedelta(hours=8)
    agent.imap.options.before_query_traps = _change_between_reads(
        agent,
        lambda: {
            **alarms,
            "SDH-C": [NeAlarm(name="T_ALOS", port="1-PQ1-1", raised=datetime.now(UTC) + shift)],
        },
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    assert len(got.alarms) == 5 and got.partial and got.note is not None
    assert "read 1 lacked SDH-C T_ALOS port 1-PQ1-1" in got.note


@pytest.mark.parametrize("how", ["cleared", "gone"])
def test_an_alarm_that_changes_between_reads(
    arun: Run,
    client: SnmpClient,
    free_udp_port: Callable[[], int],
    lab_scenario: Scenario,
    v2c_settings: SnmpSettings,
    how: str,
) -> None:
    """Cleared between reads but still listed (as U2000 keeps it until acknowledged): the same
    CSN in both reads, the later copy (cleared) kept.  Gone from the list with no real-time
    report to say why: lost or removed cannot be told apart, so the result is partial."""
    port = free_udp_port()
    alarms, ports = lab_scenario
    agent = NmsAgent("lab-imap", "127.0.0.1", 0, alarms, ports,
                     imap=ImapOptions(trap_targets=[f"127.0.0.1:{port}"], heartbeat_s=None))  # fmt: skip
    assert agent.imap is not None
    (los, power) = alarms["SDH-B"]
    if how == "cleared":
        changed = [los.model_copy(update={"cleared": datetime.now(UTC)}), power]
    else:
        changed = [power]
    agent.imap.options.before_query_traps = _change_between_reads(
        agent, lambda: {**alarms, "SDH-B": changed}
    )
    got = _poll(arun, client, agent, lambda a: _nms(a, f"127.0.0.1:{port}", v2c_settings))
    by_name = {o.vendor_name: o for o in got.alarms}
    if how == "cleared":
        assert not got.partial and by_name["R_LOS"].severity.value == "cleared"
    else:
        assert got.partial and got.note is not None
        assert "read 2 lacked SDH-B R_LOS port 1-SL1-1" in got.note
        assert by_name["R_LOS"].severity.value == "critical"  # as read 1 had it


# ---------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01 10:20:30", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2024-05-01 10:20:30 GMT+08:00", datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2024-05-01 10:20:30 UTC+08:00 DST", datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2024-05-01 10:20:30 +0800", datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2024-05-01 10:20:30Z", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        (
            "2005-10-14,17:41:04.5 GMT-05:30",
            datetime(
                2005, 10, 14, 17, 41, 4, 500_000, tzinfo=timezone(-timedelta(hours=5, minutes=30))
            ),
        ),
        ("2024/05/01 10:20:30", datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)),
        # the forms the sibling Huawei northbound MIBs and the U2000 NBI guide publish
        ("2003/03/14 00:00:00", datetime(2003, 3, 14, tzinfo=UTC)),
        ("2010/05/01 - 10:20:30", datetime(2010, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2010/05/01 - 10:20:30Z", datetime(2010, 5, 1, 10, 20, 30, tzinfo=UTC)),
        ("2010/05/01 - 10:20:30,+08:00", datetime(2010, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2010/05/01 - 10:20:30,+08:00DST", datetime(2010, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2010/05/01 - 10:20:30,08:00", datetime(2010, 5, 1, 10, 20, 30, tzinfo=CST)),
        ("2005-10-14,17:41:04.0", datetime(2005, 10, 14, 17, 41, 4, tzinfo=UTC)),
        (
            "1992-5-26,13:30:15.0,-4:0",
            datetime(1992, 5, 26, 13, 30, 15, tzinfo=timezone(-timedelta(hours=4))),
        ),
        ("2024-05-01 10:20:30 CST", None),  # a zone diag cannot read: no guess
        ("2024-05-01 10:20:30 +25:00", None),
        ("", None),
        ("yesterday", None),
        ("2024-13-01 10:20:30", None),
    ],
)
def test_parse_occur_time(text: str, expected: datetime | None) -> None:
    got = parse_occur_time(OctetString(text))
    assert got == expected
    if expected is not None:
        assert got is not None and got.utcoffset() == expected.utcoffset()


def test_parse_occur_time_accepts_date_and_time_octets() -> None:
    octets = bytes([7, 232, 5, 1, 10, 20, 30, 0, ord("+"), 8, 0])
    assert parse_occur_time(OctetString(octets)) == datetime(2024, 5, 1, 10, 20, 30, tzinfo=CST)


def test_parse_extend_info() -> None:
    assert parse_extend_info("Location=1-PQ1-3") == {"location": "1-PQ1-3"}
    assert parse_extend_info("Address=10.137.63.227, Protocol=SNMP, Port=161") == {
        "address": "10.137.63.227", "protocol": "SNMP", "port": "161",
    }  # fmt: skip
    assert parse_extend_info("") == {}


def _trap(trap_oid: str, *varbinds: tuple[str, Any]) -> Trap:
    def oid(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split("."))

    return Trap(
        received=datetime.now(UTC),
        source=("192.0.2.9", 162),
        version="v2c",
        security_name="x",
        inform=False,
        varbinds=(
            ((1, 3, 6, 1, 2, 1, 1, 3, 0), Integer32(1)),
            (oid(TRAP_OID), ObjectName(oid(trap_oid))),
            *((oid(o), v) for o, v in varbinds),
        ),
    )


def test_session_skips_cleared_dedupes_by_csn_and_needs_begin_before_end() -> None:
    a = f"{IMAP}.4.3.3"
    s = _Session()
    s.feed(_trap(QUERY_END))  # an earlier query's end: ignored
    assert not s.result.ended
    s.feed(_trap(QUERY_BEGIN))
    # Columns without the .0 instance, as some NMS versions send them.
    alarm = [(f"{a}.1", OctetString("77")), (f"{a}.4", OctetString("SDH-A")),
             (f"{a}.28", OctetString("R_LOS")), (f"{a}.11", Integer32(1)),
             (f"{a}.12", Integer32(2)), (f"{a}.3", OctetString("2024-05-01 10:20:30"))]  # fmt: skip
    s.feed(_trap(QUERY, *alarm))
    s.feed(_trap(QUERY, *alarm))  # resent: counted once
    s.feed(_trap(QUERY, (f"{a}.1", OctetString("78")), (f"{a}.4", OctetString("SDH-A")),
                 (f"{a}.28", OctetString("T_ALOS")), (f"{a}.12", Integer32(1))))  # fmt: skip
    s.feed(_trap(QUERY, (f"{a}.4.0", OctetString("SDH-B")), (f"{a}.9.0", Integer32(42))))
    s.feed(_trap(HEARTBEAT, (f"{IMAP}.1.2.1.1.1.1.0", OctetString("u2000")),
                 (f"{IMAP}.1.2.1.1.1.2.0", Integer32(60))))  # fmt: skip
    s.feed(_trap(QUERY_END))
    r = s.finish()
    assert r.begun and r.ended and r.cleared_skipped == 1
    assert [(x.csn, x.ne, x.vendor_name, x.severity) for x in r.alarms] == [
        ("77", "SDH-A", "R_LOS", "critical"),
        ("", "SDH-B", "alarmID 42", None),  # no name: the alarm ID stands in
    ]
    assert r.alarms[0].raised == datetime(2024, 5, 1, 10, 20, 30, tzinfo=UTC)
    assert [(h.system_label, h.period_s) for h in r.heartbeats] == [("u2000", 60)]


def test_a_real_time_report_explains_a_difference_between_reads() -> None:
    """A Clear report for CSN 78 between the reads: its absence from read 2 is no loss.  CSN 79
    is absent from read 2 with no report: a loss.  A straggler Query trap of read 1 that arrives
    before read 2's QueryBegin is not counted in read 2."""
    a = f"{IMAP}.4.3.3"
    nms = Nms(name="n", driver="huawei-imap", address="127.0.0.1",
              snmp=SnmpSettings(community="lab:nms-community"), trap_listen="127.0.0.1:1")  # fmt: skip

    def alarm(csn: str, name: str) -> Trap:
        return _trap(QUERY, (f"{a}.1.0", OctetString(csn)), (f"{a}.4.0", OctetString("SDH-A")),
                     (f"{a}.28.0", OctetString(name)), (f"{a}.12.0", Integer32(2)))  # fmt: skip

    one, two = _Session(), _Session(need_begin=True)
    for t in (_trap(QUERY_BEGIN), alarm("77", "R_LOS"), alarm("78", "T_ALOS"),
              alarm("79", "E1_AIS"), _trap(QUERY_END)):  # fmt: skip
        one.feed(t)
    for t in (alarm("79", "E1_AIS"),  # straggler of read 1: before read 2's QueryBegin
              _trap(QUERY_BEGIN), alarm("77", "R_LOS"),
              _trap(f"{IMAP}.4.3.3.0.1", (f"{a}.1.0", OctetString("78")),
                    (f"{a}.2.0", OctetString("2"))),  # real-time report: 78 cleared
              _trap(QUERY_END)):  # fmt: skip
        two.feed(t)
    one.finish()
    two.finish()
    assert two.query_traps == 1 and two.reported == {"78"}
    r = _combine(nms, [one, two])
    assert r.partial and r.note is not None
    assert r.lost == ["read 2 lacked SDH-A E1_AIS, CSN 79"]
    assert sorted(x.csn for x in r.alarms) == ["77", "78", "79"]

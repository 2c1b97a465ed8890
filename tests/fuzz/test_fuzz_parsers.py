"""Property tests: every output parser, fed mutated real outputs, raises only CollectorParseError
and returns numbers within the documented bounds (diag/collectors/numbers.py).

Seeds and mutations: fuzz_corpus.py (the corpus and lab outputs the parser tests read; lines
lost, doubled, cut, garbled numbers, control and non-ASCII characters, long repeated runs).
hypothesis draws the mutations (`st.randoms`, so a failure shrinks to the fewest, smallest
mutations) with a fixed derandomized seed: the same examples on every run.  FUZZ_EXAMPLES
examples per parser; inputs are capped at CI_MAX_CHARS here (bench/fuzz.py runs 100,000 per
parser with inputs up to 200,000 characters).  No deadline: timing is not asserted (the
machine may be busy); the long-input regressions below would hang, not slow down, if a
pattern went back to quadratic time, and the suite's timeout catches that.
"""

from __future__ import annotations

import os
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.collectors.cli.parsers import parse_command
from diag.collectors.numbers import COUNTER64_MAX, MAX_PROBES
from diag.collectors.ping.engines import parse_icmp
from diag.errors import CollectorParseError
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    PingObservation,
)
from tests.fuzz.fuzz_corpus import AT, HOST_TARGETS, targets, violations
from tests.fuzz.fuzz_mutations import mutate

FUZZ_EXAMPLES = int(os.environ.get("DIAG_FUZZ_EXAMPLES", "2000"))
CI_MAX_CHARS = 20_000
NAMES = list(targets())


def test_every_parser_has_real_seeds() -> None:
    """Guards against an empty glob: each target has real outputs to mutate."""
    assert set(NAMES) >= {
        "cisco show interfaces",
        "cisco ping",
        "huawei ping",
        "cisco show processes cpu history",
        *HOST_TARGETS,
    }
    for name in NAMES:
        seeds = targets()[name].seeds
        assert len(seeds) >= 3, name
        # the seeds themselves are read (not all refused): they are outputs the parser knows
        read = 0
        for text, count in seeds:
            try:
                targets()[name].run(text, count)
                read += 1
            except CollectorParseError:
                pass
        assert read >= len(seeds) // 2, f"{name}: {read} of {len(seeds)} seeds read"


@pytest.mark.parametrize("name", NAMES)
def test_mutated_outputs_raise_only_the_parse_error_and_stay_in_bounds(name: str) -> None:
    target = targets()[name]

    @settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.randoms(use_true_random=False))
    def check(rng: random.Random) -> None:
        text, count = mutate(rng, target.seeds, CI_MAX_CHARS)
        try:
            result = target.run(text, count)
        except CollectorParseError:
            return
        assert violations(result) == []

    check()


# ------------------------------------------------------------------ regressions found by fuzzing


def _read(device_type: str, command: str, text: str) -> list[object]:
    return list(parse_command(device_type, command, text, device="R1", at=AT))


BROADCAST = (  # ntc-templates cisco_ios_ping_directed_broadcast, with the total made huge
    "Sending 5, 100-byte ICMP Echos to 10.1.1.255, timeout is 2 seconds:\n"
    "Reply to request 0 from 10.1.1.1, 1 ms\n"
    "Reply to request 0 from 10.1.1.2, 1 ms\n"
    "Reply to request 1 from 10.1.1.1, 1 ms\n"
    "Success rate is 100 percent (5/{total}), round-trip min/avg/max = 1/1/1 ms\n"
)


@pytest.mark.parametrize("total", ["100000000", "9" * 400])
def test_ios_ping_counts_are_bounded_not_list_sizes(total: str) -> None:
    """(2/100000000) used to build a 10^8-entry per-probe list (2-45 s); 400 digits raised."""
    with pytest.raises(CollectorParseError, match=r"probes sent .* is outside 1\.\.100000|whole"):
        _read("cisco_ios", "ping 10.1.1.255", BROADCAST.format(total=total))


def test_ios_ping_non_ascii_digits_are_not_a_count() -> None:
    """(5/١٢): the success line is not read; the count comes from the Sending line."""
    (obs,) = _read("cisco_ios", "ping 10.1.1.255", BROADCAST.format(total="\u0661\u0662"))
    assert isinstance(obs, PingObservation)
    assert (obs.sent, obs.received, len(obs.rtts_ms)) == (5, 2, 5)


@pytest.mark.parametrize(
    ("bad", "why"),
    [("99999999999", "100000"), ("1.2.3", "no statistics"), ("٣", "no statistics")],
)
def test_iputils_absurd_transmitted_is_a_parse_error(bad: str, why: str) -> None:
    """`99999999999 packets transmitted` used to allocate a list of that size (MemoryError)."""
    text = (
        "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1.0 ms\n"
        f"{bad} packets transmitted, 1 received, 0% packet loss, time 0ms\n"
    )
    target = targets()["host iputils"]
    with pytest.raises(CollectorParseError, match=why):
        target.run(text, 5)


def test_iputils_garbled_times_and_loss_are_not_numbers() -> None:
    text = (
        "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=. ms\n"
        "64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time=1.2.3 ms\n"
        "64 bytes from 10.0.0.1: icmp_seq=3 ttl=64 time=\u0663.5 ms\n"
        "64 bytes from 10.0.0.1: icmp_seq=4 ttl=64 time=4.5 ms\n"
        "4 packets transmitted, 4 received, 1.2.3% packet loss, time 3ms\n"
    )
    (obs,) = targets()["host iputils"].run(text, 4)
    assert isinstance(obs, PingObservation)
    # unreadable times are no timed replies; the readable one is kept
    assert obs.rtts_ms == [None, None, None, 4.5] and obs.received == 1


def test_fping_garbled_summary_is_not_read() -> None:
    text = "10.0.0.1 : [0], 64 bytes, . ms (0 avg, 0% loss)\n10.0.0.1 : 1.2.3 - 4.0\n"
    with pytest.raises(CollectorParseError, match="no readable per-probe summary"):
        targets()["host fping"].run(text, 3)


def test_fping_cannot_list_more_probes_than_asked() -> None:
    with pytest.raises(CollectorParseError, match="asked for 2"):
        targets()["host fping"].run("10.0.0.1 : 1.0 2.0 3.0\n", 2)


HEAD = "Serial0/0/0:0 is up, line protocol is up \n  Hardware is GT96K Serial\n"
COUNTERS = (
    "     {n} packets input, 100 bytes, 0 no buffer\n"
    "     0 input errors, {n} CRC, 0 frame, 0 overrun, 0 ignored, 0 abort\n"
)


@pytest.mark.parametrize("n", ["18446744073709551616", "9" * 5000, "\u0663\u0664"])
def test_garbled_counters_leave_the_field_unknown(n: str) -> None:
    """Beyond Counter64, 5,000 digits (past int()'s limit), or non-ASCII digits: not a count."""
    (obs,) = _read("cisco_ios", "show interfaces", HEAD + COUNTERS.format(n=n))
    assert isinstance(obs, InterfaceObservation)
    assert obs.crc is None and obs.input_packets is None
    assert obs.quality == "partial" and "crc" in obs.unread


def test_largest_counter_is_read() -> None:
    (obs,) = _read("cisco_ios", "show interfaces", HEAD + COUNTERS.format(n=COUNTER64_MAX))
    assert isinstance(obs, InterfaceObservation) and obs.crc == COUNTER64_MAX


def test_cpu_over_100_percent_is_unknown() -> None:
    text = "CPU utilization for five seconds: 4294967296%/1%; one minute: 5%; five minutes: 5%\n"
    (obs,) = _read("cisco_ios", "show processes cpu", text)
    assert isinstance(obs, CpuObservation)
    assert (obs.five_sec, obs.one_min, obs.quality) == (None, 5.0, "partial")


def test_e1_interval_beyond_15_minutes_is_unknown() -> None:
    text = (
        "E1 0/0/0 is up.\n  No alarms detected.\n"
        "  Framing is CRC4, Line Code is HDB3, Clock Source is Line.\n"
        "  Data in current interval (363223673555 seconds elapsed):\n"
        "     0 Line Code Violations, 0 Path Code Violations\n"
        "     0 Slip Secs, 0 Fr Loss Secs, 0 Line Err Secs, 0 Degraded Mins\n"
        "     0 Errored Secs, 0 Bursty Err Secs, 0 Severely Err Secs, 0 Unavail Secs\n"
        "  Total Data (last 24 hours)\n"
    )
    (obs,) = _read("cisco_ios", "show controllers e1", text)
    assert isinstance(obs, E1ControllerObservation)
    assert obs.interval_s is None and "interval_s" in obs.unread and obs.errored_secs == 0


def test_vrp_ping_too_many_probes_is_refused() -> None:
    text = (
        "  PING 10.0.0.1: 100  data bytes, press CTRL_C to break\n"
        "    Request time out\n\n  --- 10.0.0.1 ping statistics ---\n"
        f"    {MAX_PROBES + 1} packet(s) transmitted\n    0 packet(s) received\n"
    )
    with pytest.raises(CollectorParseError, match="probes sent"):
        _read("huawei", "ping -c 5 10.0.0.1", text)


# Inputs of ~200,000 characters that took seconds to minutes (quadratic backtracking): each
# now reads in well under a second; back to quadratic, the test would not finish.
RUN = 200_000
SLOW_SHAPES = [
    ("cisco_ios", "show interfaces", "Serial0/0 is up, line protocol is up\n  Hardware is" + " " * RUN + "GT96K\n"),
    ("cisco_ios", "show controllers serial 0/0", "Interface Serial0/0\ncable type" + " " * RUN + "x\n"),
    ("cisco_ios", "show logging", "Nov 22 08:10:00.001: %SYS-5-CONFIG_I: x" + " " * RUN + "y\n"),
    ("huawei", "display interface", "GigabitEthernet0/0/0 current state : UP\n" + "\n" * RUN),
    ("huawei", "display interface", "GigabitEthernet0/0/0 current state :" + "," * RUN + " UP\n"),
    ("huawei", "display logbuffer", "Nov 28 2026 19:02:11+08:00 R %%01VOSCPU/4/CPU_USAGE_HIGH(l)[0]:" + "The CPU is over)[2]:" * (RUN // 20) + "\n"),
    ("huawei", "display logbuffer", "Nov 28" + "\t" * RUN + " 2026 19:02:11+08:00 R %%01X/4/Y(l)[0]:z\n"),
    ("huawei", "display logbuffer", "Nov 22 2026 08:14:02+08:00 R %%" + "0" * RUN + " X/4/Y:z\n"),
    ("cisco_ios", "show controllers e1", "E1 0/0/0 is up.\n  Receiver has loss" + "\t" * RUN + " of signal.\n"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("device_type", "command", "text"),
    SLOW_SHAPES,
    ids=[f"{d}/{c}/{i}" for i, (d, c, _) in enumerate(SLOW_SHAPES)],
)
def test_long_runs_read_in_linear_time(device_type: str, command: str, text: str) -> None:
    try:
        result = _read(device_type, command, text)
    except CollectorParseError:
        return
    assert violations(result) == []


def test_iputils_loss_search_is_linear() -> None:
    text = "1 packets transmitted, 1 received, " + "0" * RUN + "% packet loss\n"
    (obs,) = targets()["host iputils"].run(text, 1)
    assert isinstance(obs, PingObservation) and obs.sent == 1


def test_logs_keep_their_lines() -> None:
    """The log templates' message value no longer ends lazily before `\\s*$`: same text read."""
    text = "Nov 22 08:10:00.001: %LINK-3-UPDOWN: Interface Serial0/1/0, changed state to down  \n"
    (obs,) = _read("cisco_ios", "show logging", text)
    assert isinstance(obs, LogObservation)
    assert [e.text for e in obs.events] == [
        "%LINK-3-UPDOWN: Interface Serial0/1/0, changed state to down"
    ]
    assert re.search("UPDOWN", obs.raw)


@settings(max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None, database=None)
@given(st.binary(max_size=120), st.sampled_from([4, 6]), st.booleans())
def test_icmp_packets_of_any_bytes_are_a_message_or_none(
    packet: bytes, family: int, ip_header: bool
) -> None:
    """The icmplib engine's packet reader: any datagram is an echo reply, a quoted error, or
    nothing; the sequence number it gives is 16 bits (unwrapped against the probes sent)."""
    msg = parse_icmp(packet, family, ip_header=ip_header)
    assert msg is None or (0 <= msg.seq <= 0xFFFF and 0 <= msg.id <= 0xFFFF)

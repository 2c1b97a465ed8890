"""diag.analyzers.quality: how much a rule may rest on a reading not read whole.

The readings are the parsers' own, from lab outputs with lines lost the way a lossy console
loses them, so the helpers are checked against what the collector really produces.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from diag.analyzers import quality
from diag.collectors.cli.parsers import parse_command
from diag.lab.routers.cpu_graph import show_processes_cpu_history
from diag.lab.routers.state import CpuState
from diag.model.observations import (
    ConsoleObservation,
    CpuObservation,
    InterfaceObservation,
    LogObservation,
    Observation,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HISTORY = [97, 96, 94, 95, 97, 12, 9]


def history(lose: str | None = None) -> CpuObservation:
    """`show processes cpu history` of a 97 % router, with one row of the 72 h graph lost."""
    lines = show_processes_cpu_history(CpuState(history_72h_max=HISTORY), "R1").split("\n")
    if lose is not None:
        title = next(i for i, ln in enumerate(lines) if "per hour" in ln)
        top = next(i for i in range(title, 0, -1) if lines[i].startswith("  100 "))
        index = {"tens": top - 2, "row 100": top}[lose]
        lines = lines[:index] + lines[index + 1 :]
    (obs,) = parse_command(
        "cisco_ios", "show processes cpu history", "\n".join(lines), device="R1", at=AT
    )
    assert isinstance(obs, CpuObservation)
    return obs


def interface_without_crc_line() -> InterfaceObservation:
    text = "\n".join(  # noqa: FLY002
        [
            "Serial0/0/0:0 is up, line protocol is up ",
            '  Last clearing of "show interface" counters never',
            "     4412093 packets input, 603928111 bytes, 0 no buffer",
            "     4519822 packets output, 611982003 bytes, 0 underruns",
            "     0 output errors, 0 collisions, 14 interface resets",
            "     2 carrier transitions",
        ]
    )
    (obs,) = parse_command("cisco_ios", "show interfaces Serial0/0/0:0", text, device="R1", at=AT)
    assert isinstance(obs, InterfaceObservation)
    return obs


def degraded_log() -> LogObservation:
    log = LogObservation(id="log-1", collector="router:R1", at=AT, device="R1", events=[])
    return log.model_copy(
        update={"quality": "degraded", "quality_note": "read over a console that lost lines"}
    )


def test_a_whole_reading_counts_fully() -> None:
    obs = history()
    assert obs.quality == "ok"
    assert not quality.degraded(obs)
    assert quality.confidence_factor(obs, "peak_72h") == 1.0
    assert quality.cpu_peak(obs) == (97.0, True)
    assert quality.reread_step(obs) is None and quality.label(obs) is None


def test_the_field_report_reading_gives_a_bound_not_a_peak() -> None:
    obs = history(lose="tens")
    assert quality.degraded(obs)
    assert quality.confidence_factor(obs) == quality.PARTIAL_FACTOR
    # The peak itself is unknown: a rule resting on it must not fire on it ...
    assert quality.confidence_factor(obs, "peak_72h") == 0.0
    assert not quality.known(obs, "peak_72h") and quality.known(obs, "five_sec")
    # ... but the bar rows prove "at least 95 %", which still proves a 90 % threshold.
    assert quality.cpu_peak(obs) == (95.0, False)
    step = quality.reread_step(obs)
    assert step is not None and "show processes cpu history" in step and "R1" in step
    assert "over SSH" in step and "at least 95 %" in step
    label = quality.label(obs)
    assert label is not None and label.startswith("PARTIAL: 72 h graph not read whole")


def test_a_lost_bar_row_lowers_the_bound() -> None:
    assert quality.cpu_peak(history(lose="row 100")) == (85.0, False)


def test_a_partial_interface_lacks_exactly_the_lost_counters() -> None:
    obs = interface_without_crc_line()
    assert obs.quality == "partial" and obs.crc is None
    assert quality.confidence_factor(obs, "crc") == 0.0
    assert quality.confidence_factor(obs, "output_errors") == quality.PARTIAL_FACTOR
    assert quality.known(obs, "output_errors") and not quality.known(obs, "crc")


def test_degraded_and_weakest_over_a_finding_s_evidence() -> None:
    log, whole, lost = degraded_log(), history(), history(lose="tens")
    assert quality.confidence_factor(log) == quality.DEGRADED_FACTOR
    assert quality.weakest([whole]) == 1.0 and quality.weakest([]) == 1.0
    assert quality.weakest([whole, log]) == quality.DEGRADED_FACTOR
    assert quality.weakest([whole, log, lost]) == quality.PARTIAL_FACTOR
    assert quality.weakest([whole, lost], "peak_72h") == 0.0
    assert 0.5 < quality.PARTIAL_FACTOR < quality.DEGRADED_FACTOR < 1.0


def test_one_reread_step_per_reading() -> None:
    log, lost = degraded_log(), history(lose="tens")
    steps = quality.reread_steps([log, lost, history(lose="row 100"), history()])
    assert len(steps) == 2  # the two CPU history readings ask for the same re-read
    assert "the log reading on R1" in steps[0] and "read over a lossy console" in steps[0]
    assert "show processes cpu history on R1" in steps[1] and "partly lost" in steps[1]


@pytest.mark.parametrize(
    "obs",
    [
        ConsoleObservation(
            id="c", collector="router:R1", at=AT, device="R1", port="p", login_ok=True
        ),
    ],
)
def test_other_observations_are_whole(obs: Observation) -> None:
    assert not quality.degraded(obs) and quality.confidence_factor(obs, "x") == 1.0
    assert quality.reread_step(obs) is None

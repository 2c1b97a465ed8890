"""Read quality of CLI outputs: a lost or garbled line never becomes a wrong value.

The lab renders each router output (the same code its SSH and console servers run); each test
then loses or garbles lines of it the way the lab's lossy console does and parses the result.
Every value read must be the one the whole output gives, or be unknown (None / []) and named in
`unread` on an observation marked `partial`; or the output is refused as unreadable.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest

from diag.collectors.cli.parsers import (
    commands_for,
    mergeable,
    parse_command,
    parse_reads,
    verified,
)
from diag.collectors.cli.parsers.ios_cpu_graph import bucket, read_graph
from diag.errors import CollectorParseError
from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.cpu_graph import show_processes_cpu_history
from diag.lab.routers.state import CpuState, RouterState
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    Observation,
    PingObservation,
    Quality,
)

AT = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
# The characters the lab's console garbles with (diag/lab/routers/console.py).
NOISE = "~#$%&*@^`|}{?"
# Fields that are metadata or free text, not values a rule reads.
NOT_VALUES = {"id", "collector", "at", "raw", "quality", "quality_note", "unread", "kind"}


def router(scenario: str, name: str) -> RouterState:
    return load_scenario(shipped_scenarios_dir() / scenario).state.routers[name]


def outputs(state: RouterState) -> dict[str, str]:
    """Every output the collector reads from this router, rendered by the lab."""
    session = Session(state, ManualClock(datetime(2026, 3, 2, 9, 0, 0)), enable_secret=None)
    wan = state.interfaces[-1].name
    cs = commands_for(state.vendor, wan)
    cmds = [*cs.reads, cs.ping("10.9.0.2", 5, 100, 1.0)]
    return {c: session.feed(c).text for c in cmds}


STATES = {
    # E1 channel on a Cisco with alarms and a V.35 Cisco; Huawei E1 and Ethernet; high CPU.
    "cisco-e1-ais": router("ais-first-station", "ais1-rtr-a"),
    "cisco-v35": router("v35-converter", "v35-rtr-a"),
    "huawei-e1": router("healthy-e1", "ok1-rtr-b"),
    "cisco-court-cpu": router("hc-court-lan-attack", "hc2c-rtr-a"),
    "huawei-v35": router("v35-converter", "v35-rtr-b"),
}


def parse(state: RouterState, command: str, text: str) -> list[Observation] | None:
    try:
        return parse_command(state.vendor, command, text, device=state.hostname, at=AT)
    except CollectorParseError:
        return None


def values(obs: Observation) -> dict[str, Any]:
    return {k: v for k, v in obs.model_dump().items() if k not in NOT_VALUES}


def check_never_wrong(
    whole: list[Observation], got: list[Observation] | None, how: str, state: RouterState
) -> None:
    if got is None:
        return  # refused as unreadable: nothing wrong said
    if isinstance(whole[0], LogObservation):
        # Any number of messages is a valid log: lines lost cannot be seen, only no message
        # may be made up (a lossy session marks logs degraded, see test_router_quality).
        (log,) = got
        assert isinstance(log, LogObservation) and log.lines_read <= whole[0].lines_read
        for e in log.events:  # as read, or the same message with a few characters garbled
            assert e in whole[0].events or any(
                SequenceMatcher(None, e.text, w.text).ratio() > 0.9 for w in whole[0].events
            ), how
        return
    by_name = {getattr(o, "interface", None) or getattr(o, "controller", None): o for o in whole}
    for obs in got:
        key = getattr(obs, "interface", None) or getattr(obs, "controller", None)
        ref = by_name.get(key) if len(whole) > 1 else whole[0]
        assert ref is not None, f"{how}: an observation the whole output does not have: {key}"
        want, have = values(ref), values(obs)
        for field, value in have.items():
            if value == want[field]:
                continue
            if field == "peak_72h_min":  # a bound given instead of a graph not read whole
                assert isinstance(obs, Quality), how
                assert obs.quality == "partial" and value <= want["peak_72h"], (how, value)
                continue
            assert value in (None, []), f"{how}: {field} = {value!r}, whole read {want[field]!r}"
            if not verified(state.vendor, how.split("'")[1], obs):
                continue  # unknown, and nothing in the output can show it: degraded by the reader
            assert isinstance(obs, Quality), how
            assert obs.quality == "partial" and field in obs.unread, (how, field, obs.unread)
            assert obs.quality_note


def garble(line: str, rng: random.Random) -> str:
    body = line.rstrip()
    if not body:
        return line
    chars = list(body)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(chars))
        chars[i] = rng.choice([c for c in NOISE if c != chars[i]])
    return "".join(chars)


@pytest.mark.parametrize("name", list(STATES))
def test_whole_outputs_read_ok(name: str) -> None:
    state = STATES[name]
    for command, text in outputs(state).items():
        for obs in parse(state, command, text) or []:
            assert getattr(obs, "quality", "ok") == "ok", (command, obs)
            assert not getattr(obs, "unread", [])


@pytest.mark.parametrize("name", list(STATES))
def test_any_one_lost_line_is_never_a_wrong_value(name: str) -> None:
    state = STATES[name]
    lost_seen = 0
    for command, text in outputs(state).items():
        whole = parse(state, command, text)
        assert whole, command
        lines = text.split("\n")
        for i in range(len(lines)):
            got = parse(state, command, "\n".join(lines[:i] + lines[i + 1 :]))
            check_never_wrong(whole, got, f"{command!r} without line {i} {lines[i]!r}", state)
            lost_seen += got is None or any(getattr(o, "quality", "ok") != "ok" for o in got)
    assert lost_seen > 0  # the checks do see lost lines


@pytest.mark.parametrize("name", list(STATES))
def test_garbled_lines_are_never_a_wrong_value(name: str) -> None:
    state = STATES[name]
    rng = random.Random(name)
    for command, text in outputs(state).items():
        whole = parse(state, command, text)
        assert whole, command
        lines = text.split("\n")
        for i in range(len(lines)):
            for _ in range(4):
                bad = [*lines[:i], garble(lines[i], rng), *lines[i + 1 :]]
                got = parse(state, command, "\n".join(bad))
                check_never_wrong(
                    whole, got, f"{command!r} with line {i} garbled: {bad[i]!r}", state
                )


def test_lossy_reads_of_every_output() -> None:
    """A quarter of the lines lost and some garbled, many times over: never a wrong value."""
    rng = random.Random(7)
    for state in STATES.values():
        for command, text in outputs(state).items():
            whole = parse(state, command, text)
            assert whole
            lines = text.split("\n")
            for _ in range(60):
                kept = [
                    garble(ln, rng) if rng.random() < 0.1 else ln
                    for ln in lines
                    if rng.random() >= 0.25
                ]
                check_never_wrong(
                    whole, parse(state, command, "\n".join(kept)), repr(command), state
                )


# --- the 72-hour CPU graph ---------------------------------------------------------------------

HIGH = [9, 12, 97, 94, 95, 96, 8, 7, 30, 41] + [15] * 20


def graph_lines(history: list[int]) -> list[str]:
    cpu = CpuState(five_sec=50, one_min=50, five_min=40, history_72h_max=history)
    return show_processes_cpu_history(cpu, "R1").split("\n")


def row_index(lines: list[str], label: int) -> int:
    title = next(i for i, ln in enumerate(lines) if "per hour" in ln)
    return next(i for i in range(title, 0, -1) if lines[i].startswith(f"{label:>5} "))


def cisco_history(texts: list[str]) -> CpuObservation:
    (obs,) = parse_reads("cisco_ios", "show processes cpu history", texts, device="R1", at=AT)
    assert isinstance(obs, CpuObservation)
    return obs


def test_the_field_report_a_lost_tens_row_is_not_a_9_pct_peak() -> None:
    """The report: over a console that drops lines, a 94-97 % router showed a 9 % peak."""
    lines = graph_lines(HIGH)
    top = row_index(lines, 100)
    tens, units = top - 2, top - 1
    for lost in (tens, units):
        obs = cisco_history(["\n".join(lines[:lost] + lines[lost + 1 :])])
        assert obs.peak_72h is None and obs.history_72h == []
        assert obs.peak_72h_min == 95  # the 100 row is marked: at least 95 %
        assert obs.quality == "partial" and {"peak_72h", "history_72h"} <= set(obs.unread)
        assert obs.quality_note and "at least 95 %" in obs.quality_note
    whole = cisco_history(["\n".join(lines)])
    assert (whole.peak_72h, whole.quality, whole.peak_72h_min) == (97, "ok", None)
    assert whole.history_72h[: len(HIGH)] == HIGH


def test_a_lost_bar_row_leaves_a_lower_bound_only() -> None:
    lines = graph_lines(HIGH)
    top = row_index(lines, 100)
    obs = cisco_history(["\n".join(lines[:top] + lines[top + 1 :])])  # row 100 lost
    assert obs.peak_72h is None and obs.peak_72h_min == 85
    assert obs.quality_note and "bar row 100" in obs.quality_note


def test_reads_are_merged_into_a_whole_graph() -> None:
    """Two reads, each missing a different row, make one whole graph."""
    lines = graph_lines(HIGH)
    top = row_index(lines, 100)
    first = "\n".join(lines[: top - 2] + lines[top - 1 :])  # tens row lost
    second = "\n".join(lines[: top + 3] + lines[top + 4 :])  # row 70 lost
    obs = cisco_history([first, second])
    assert obs.quality == "ok" and obs.peak_72h == 97
    assert obs.history_72h[: len(HIGH)] == HIGH
    assert obs.quality_note and "merging 2 reads" in obs.quality_note
    assert mergeable("cisco_ios", "show processes cpu history")
    assert not mergeable("cisco_ios", "show interfaces Serial0/0/0:0")


def test_random_losses_and_noise_never_give_a_wrong_graph() -> None:
    rng = random.Random(3)
    whole_count = 0
    for _ in range(300):
        history = [rng.choice([0, 2, 4, 7, 12, 40, 88, 94, 95, 97, 100]) for _ in range(72)]
        lines = graph_lines(history)
        reads = [
            "\n".join(
                garble(ln, rng) if rng.random() < 0.2 else ln
                for ln in lines
                if rng.random() >= 0.25
            )
            for _ in range(rng.randint(1, 4))
        ]
        g = read_graph(reads)
        if g.whole:
            whole_count += 1
            assert g.values == history
        else:
            assert g.at_least is None or g.at_least <= max(history)
    assert whole_count > 0  # merging does get whole graphs


def test_genie_graph_digits_agree_with_bars() -> None:
    """A real IOS capture: the bars mark exactly the rows `bucket` says (the check's premise)."""
    text = (CORPUS / "genie/ios/ShowProcessesCpuHistory/golden_output_output.txt").read_text()
    g = read_graph([text])
    assert g.whole and g.values is not None and max(g.values) == 100
    assert bucket(100) == 100 and bucket(95) == 100 and bucket(94) == 90 and bucket(4) == 0


def test_an_all_idle_graph_needs_every_value_row() -> None:
    """With no bar marked, the bars cannot tell a lost units row: the values are not given."""
    history = [3, 1, 4, 1, 2] + [0] * 67
    lines = graph_lines(history)
    top = row_index(lines, 100)
    assert read_graph(["\n".join(lines)]).values == history
    g = read_graph(["\n".join(lines[: top - 1] + lines[top:])])  # units row lost
    assert g.values is None


# --- which outputs are checked -----------------------------------------------------------------


def test_logs_are_unverifiable_and_the_rest_checked() -> None:
    log = LogObservation(id="l", collector="c", at=AT, device="R1", events=[])
    assert not verified("cisco_ios", "show logging", log)
    assert not verified("huawei", "display logbuffer", log)
    iface = InterfaceObservation(
        id="i", collector="c", at=AT, device="R1", interface="x", source="s"
    )
    assert verified("cisco_ios", "show interfaces Serial0/0/0:0", iface)
    cpu = CpuObservation(id="c", collector="c", at=AT, device="R1", source="s", one_min=5)
    assert not verified("huawei", "display cpu-usage", cpu)  # no five-second line read
    assert verified("huawei", "display cpu-usage", cpu.model_copy(update={"five_sec": 5}))


def test_ping_without_its_result_lines_is_refused() -> None:
    state = STATES["cisco-e1-ais"]
    command, text = next((c, t) for c, t in outputs(state).items() if c.startswith("ping"))
    lines = [ln for ln in text.split("\n") if not ln.startswith(("Success", "!", "."))]
    assert parse(state, command, "\n".join(lines)) is None
    e1 = next(o for o in parse(state, command, text) or [] if isinstance(o, PingObservation))
    assert e1.quality == "ok"


def test_e1_without_the_total_header_leaves_counters_unknown() -> None:
    """Without 'Total Data' the 24 h totals would be read as the current interval."""
    state = STATES["cisco-e1-ais"]
    command = commands_for(state.vendor, state.interfaces[-1].name).controller
    assert command is not None
    text = outputs(state)[command]
    lines = [ln for ln in text.split("\n") if "Total Data" not in ln]
    (obs,) = parse(state, command, "\n".join(lines)) or []
    assert isinstance(obs, E1ControllerObservation)
    assert obs.quality == "partial" and obs.line_code_violations is None
    assert "errored_secs" in obs.unread and obs.alarms  # the alarm lines were read

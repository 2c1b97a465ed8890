"""The vendor CLI parsers against real device outputs and their upstream expected parses.

Every file under the corpus folders of the commands we read is a case (a new capture dropped
into one of those folders is one more case, no code needed):

* ntc-templates `X.raw` + `X.yml` (`parsed_sample`, all values strings, "" = not printed);
* genieparser `*_output.txt` + `*_expected.json` (+ optional `*_arguments.json`).

For every record, each field we parse is compared with the upstream value.  A few captures are of
a shape diag deliberately does not read (a T3 controller, per-core CPU without a total, a
filtered output without the totals line): those must raise CollectorParseError, never return
made-up numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from diag.errors import CollectorParseError
from diag.model.observations import (
    CpuObservation,
    E1ControllerObservation,
    Observation,
)
from tests.collectors.corpus_helpers import (
    CORPUS,
    OUT_OF_SCOPE,
    genie_arguments,
    genie_expected,
    genie_files,
    ids,
    interfaces,
    n,
    ntc_expected,
    ntc_files,
    parse,
    rel,
)


def test_corpus_is_present() -> None:
    """Guards against an empty glob turning every parametrized test into zero cases."""
    assert ntc_files("cisco_ios/show_interfaces") and ntc_files("huawei_vrp/display_interface")
    assert genie_files("genie/iosxe/ShowInterfaces") and genie_files("ping/genie/ios/Ping")


# --- Cisco show interfaces ---------------------------------------------------------------------

# Where ntc's template leaves a value empty that the capture does print (its counter rules need
# "collisions" and indentation): the value we read, checked against the raw line instead.
NTC_UPSTREAM_GAPS: dict[tuple[str, str, str], int] = {
    # "     0 output errors, 0 interface resets" (an SVI prints no collisions)
    ("cisco_ios_show_interfaces", "Vlan1", "output_errors"): 0,
    ("cisco_ios_show_interfaces2", "Vlan1", "output_errors"): 0,
    ("cisco_ios_show_interfaces2", "Vlan50", "output_errors"): 0,
    ("cisco_ios_show_interfaces2", "Vlan100", "output_errors"): 0,
    ("cisco_ios_show_interfaces2", "Vlan254", "output_errors"): 0,
    # "     338645504 packets input, 2415768496 bytes" (no ", 0 no buffer" on this platform)
    ("cisco_ios_show_interfaces3", "FastEthernet0/1/0", "input_packets"): 338645504,
    ("cisco_ios_show_interfaces3", "FastEthernet0/1/1", "input_packets"): 0,
}


def _ntc_iface_expect(rec: dict[str, str]) -> dict[str, Any]:
    link, proto = rec["link_status"], rec["protocol_status"]
    return {
        "interface": rec["interface"],
        "admin_up": link not in ("administratively down", "deleted"),
        "line_up": link.startswith("up"),
        "protocol_up": proto.startswith("up"),
        "looped": "looped" in proto,
        "input_packets": n(rec["input_packets"]),
        "output_packets": n(rec["output_packets"]),
        "input_errors": n(rec["input_errors"]),
        "crc": n(rec["crc"]),
        "frame": n(rec["frame"]),
        "overrun": n(rec["overrun"]),
        "aborts": n(rec["abort"]),
        "output_errors": n(rec["output_errors"]),
    }


@pytest.mark.parametrize(
    "raw", ntc_files("cisco_ios/show_interfaces"), ids=ids(ntc_files("cisco_ios/show_interfaces"))
)
def test_ntc_cisco_show_interfaces(raw: Path) -> None:
    expected = ntc_expected(raw)
    got = interfaces(parse("cisco_ios", "show interfaces", raw))
    assert [o.interface for o in got] == [r["interface"] for r in expected]
    for o, rec in zip(got, expected, strict=True):
        want = _ntc_iface_expect(rec)
        for field, value in want.items():
            key = (raw.stem, o.interface, field)
            if value is None and key in NTC_UPSTREAM_GAPS:
                value = NTC_UPSTREAM_GAPS[key]
            assert getattr(o, field) == value, (o.interface, field)
        assert o.source == "cli:show interfaces"
        assert o.crc_source == ("cli:show interfaces" if o.crc is not None else None)
        assert o.raw and o.raw in raw.read_text(encoding="utf-8")  # its block (test_raw_blocks)


def _genie_iface_expect(want: dict[str, Any]) -> dict[str, Any]:
    c = want.get("counters", {})
    leads = want.get("serial_signals")
    return {
        "admin_up": want["enabled"],
        # genie's oper_status is the line protocol ("Tunnel10 is up, line protocol is down" ->
        # down), so the physical line state has no upstream value here (ntc's tests cover it).
        "protocol_up": want["line_protocol"] == "up" and want["oper_status"] == "up",
        "input_packets": c.get("in_pkts"),
        "output_packets": c.get("out_pkts"),
        "input_errors": c.get("in_errors"),
        "crc": c.get("in_crc_errors"),
        "frame": c.get("in_frame"),
        "overrun": c.get("in_overrun"),
        "ignored": c.get("in_ignored"),
        "aborts": c.get("in_abort"),
        "output_errors": c.get("out_errors"),
        "interface_resets": c.get("out_interface_resets"),
        "carrier_transitions": want.get("carrier_transitions"),
        "last_clearing": c.get("last_clear"),
        "v35_leads": {k.upper(): v == "up" for k, v in leads.items()} if leads else None,
    }


# genie keeps "Last clearing" inside `counters`, which it omits for a deleted sub-interface.
GENIE_UPSTREAM_GAPS = {
    ("golden_output4_output", "GigabitEthernet0/0/0.2", "last_clearing"): "never",
}
GENIE_SHOW_INTERFACES = genie_files("genie/ios/ShowInterfaces") + genie_files(
    "genie/iosxe/ShowInterfaces"
)


@pytest.mark.parametrize("output", GENIE_SHOW_INTERFACES, ids=ids(GENIE_SHOW_INTERFACES))
def test_genie_show_interfaces(output: Path) -> None:
    args = genie_arguments(output)
    command = "show interfaces" + (f" {args['interface']}" if "interface" in args else "")
    expected: dict[str, Any] = genie_expected(output)
    got = {o.interface: o for o in interfaces(parse("cisco_xe", command, output))}
    assert sorted(got) == sorted(expected)
    for name, want in expected.items():
        for field, value in _genie_iface_expect(want).items():
            value = GENIE_UPSTREAM_GAPS.get((output.stem, name, field), value)
            assert getattr(got[name], field) == value, (name, field)


def test_unindented_ios_capture_keeps_its_counters() -> None:
    """genie's IOS capture has no indentation at all; the counters must still be read."""
    out = CORPUS / "genie/ios/ShowInterfaces/golden_output_2_output.txt"
    gi = {o.interface: o for o in interfaces(parse("cisco_ios", "sh int", out))}
    assert gi["GigabitEthernet0/0"].input_packets == 38129643
    assert gi["GigabitEthernet0/0"].interface_resets == 2


# --- Cisco E1/T1 controllers ------------------------------------------------------------------


def _states_to_alarms(ais: str, los: str, lof: str) -> set[str]:
    return {code for code, st in (("AIS", ais), ("LOS", los), ("LOF", lof)) if st != "Clear"}


T1_NTC = ntc_files("cisco_ios/show_controller_t1")


@pytest.mark.parametrize("raw", T1_NTC, ids=ids(T1_NTC))
def test_ntc_cisco_show_controller_t1(raw: Path) -> None:
    expected = ntc_expected(raw)
    got = parse("cisco_ios", "show controllers t1", raw)
    assert all(isinstance(o, E1ControllerObservation) for o in got)
    assert [o.controller for o in got if isinstance(o, E1ControllerObservation)] == [
        f"T1 {r['interface']}" for r in expected
    ]
    for o, rec in zip(got, expected, strict=True):
        assert isinstance(o, E1ControllerObservation)
        assert o.source == "cli:show controllers t1"
        assert (o.status, o.framing, o.linecode, o.clock_source) == (
            rec["link_status"],
            rec["framing"].lower(),
            rec["line_code"].lower(),
            rec["clock_source"].lower(),
        )
        assert set(o.alarms) == _states_to_alarms(
            rec["ais_state"], rec["los_state"], rec["lof_state"]
        )
        assert o.interval_s == int(rec["curr_interval_elapsed_seconds"])
        assert {
            "line_code_violations": o.line_code_violations,
            "path_code_violations": o.path_code_violations,
            "slip_secs": o.slip_secs,
            "degraded_mins": o.degraded_mins,
            "errored_secs": o.errored_secs,
            "severely_err_secs": o.severely_err_secs,
            "unavail_secs": o.unavail_secs,
        } == {
            "line_code_violations": int(rec["curr_line_code_violations"]),
            "path_code_violations": int(rec["curr_path_code_violations"]),
            "slip_secs": int(rec["curr_slip_secs"]),
            "degraded_mins": int(rec["curr_degraded_mins"]),
            "errored_secs": int(rec["curr_err_secs"]),
            "severely_err_secs": int(rec["curr_sev_err_secs"]),
            "unavail_secs": int(rec["curr_unavail_secs"]),
        }


T1_GENIE = genie_files("genie/iosxe/ShowControllerT1")


@pytest.mark.parametrize("output", T1_GENIE, ids=ids(T1_GENIE))
def test_genie_show_controller_t1(output: Path) -> None:
    if rel(output) in OUT_OF_SCOPE:
        with pytest.raises(CollectorParseError, match="show controller t1"):
            parse("cisco_xe", "show controller t1", output)
        return
    expected: dict[str, Any] = genie_expected(output)["interface"]
    got = {
        o.controller: o
        for o in parse("cisco_xe", "show controller t1", output)
        if isinstance(o, E1ControllerObservation)
    }
    assert sorted(got) == sorted(expected)
    for name, want in expected.items():
        o, cur = got[name], want["data_current_interval"]
        assert (o.status, o.framing, o.linecode, o.clock_source) == (
            want["status"],
            want["framing"].lower(),
            want["line_code"].lower(),
            want["clock_source"].lower(),
        )
        assert set(o.alarms) == _states_to_alarms(
            want["ais_state"], want["los_state"], want["lof_state"]
        )
        assert (want["alarms"] == "No alarms detected") == (o.alarms == [])
        assert {
            k: getattr(o, k)
            for k in (
                "line_code_violations",
                "path_code_violations",
                "slip_secs",
                "degraded_mins",
                "errored_secs",
                "severely_err_secs",
                "unavail_secs",
            )
        } == {
            k: cur[k]
            for k in (
                "line_code_violations",
                "path_code_violations",
                "slip_secs",
                "degraded_mins",
                "errored_secs",
                "severely_err_secs",
                "unavail_secs",
            )
        }


# --- Cisco CPU ---------------------------------------------------------------------------------


def one_cpu(obs: list[Observation]) -> CpuObservation:
    (cpu,) = obs
    assert isinstance(cpu, CpuObservation)
    return cpu


CPU_NTC = ntc_files("cisco_ios/show_processes_cpu")


@pytest.mark.parametrize("raw", CPU_NTC, ids=ids(CPU_NTC))
def test_ntc_cisco_show_processes_cpu(raw: Path) -> None:
    expected = ntc_expected(raw)
    cpu = one_cpu(parse("cisco_ios", "show processes cpu", raw))
    for rec in expected:  # the totals are filled down into every process record
        assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (
            float(rec["cpu_usage_5_sec"]),
            float(rec["cpu_usage_1_min"]),
            float(rec["cpu_usage_5_min"]),
        )


def _cpu_command(output: Path) -> str:
    args = genie_arguments(output)
    cmd = "show processes cpu"
    if "Sorted" in output.parent.name:
        cmd += " sorted" + (f" {args['sort_time']}" if "sort_time" in args else "")
    if "key_word" in args:
        cmd += f" | include {args['key_word']}"
    return cmd


CPU_GENIE = (
    genie_files("genie/ios/ShowProcessesCpu")
    + genie_files("genie/ios/ShowProcessesCpuSorted")
    + genie_files("genie/iosxe/ShowProcessesCpuSorted")
)


@pytest.mark.parametrize("output", CPU_GENIE, ids=ids(CPU_GENIE))
def test_genie_show_processes_cpu(output: Path) -> None:
    command = _cpu_command(output)
    if rel(output) in OUT_OF_SCOPE:
        with pytest.raises(CollectorParseError, match="CPU utilization") as err:
            parse("cisco_ios", command, output)
        assert "R1" in str(err.value) and command in str(err.value)
        return
    want = genie_expected(output)
    cpu = one_cpu(parse("cisco_ios", command, output))
    assert (cpu.five_sec, cpu.one_min, cpu.five_min) == (
        want["five_sec_cpu_total"],
        want["one_min_cpu"],
        want["five_min_cpu"],
    )
    assert cpu.source == "cli:show processes cpu"


HISTORY_GENIE = genie_files("genie/ios/ShowProcessesCpuHistory")


@pytest.mark.parametrize("output", HISTORY_GENIE, ids=ids(HISTORY_GENIE))
def test_genie_show_processes_cpu_history(output: Path) -> None:
    want = genie_expected(output)["72h"]
    cpu = one_cpu(parse("cisco_ios", "show processes cpu history", output))
    hourly = [want[str(h)]["maximum"] for h in range(1, len(want) + 1)]
    assert cpu.history_72h == hourly and len(hourly) == 72
    assert cpu.peak_72h == max(hourly)
    assert cpu.five_sec is None and cpu.source == "cli:show processes cpu history"

"""The Cisco ping and Huawei display interface parsers against real device outputs and their
upstream expected parses (split from test_parsers_corpus.py, whose docstring explains the corpus)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from diag.model.observations import (
    Observation,
    PingObservation,
)
from tests.collectors.corpus_helpers import (
    IOS_HEADERS,
    genie_expected,
    genie_files,
    ids,
    interfaces,
    ntc_expected,
    ntc_files,
    parse,
)

# --- Cisco ping --------------------------------------------------------------------------------


def one_ping(obs: list[Observation]) -> PingObservation:
    (ping,) = obs
    assert isinstance(ping, PingObservation)
    assert (ping.origin, ping.origin_kind, ping.engine) == ("R1", "router", "router-cli")
    return ping


PING_NTC = ntc_files("cisco_ios/ping")


@pytest.mark.parametrize("raw", PING_NTC, ids=ids(PING_NTC))
def test_ntc_cisco_ping(raw: Path) -> None:
    (rec,) = ntc_expected(raw)
    ping = one_ping(parse("cisco_ios", f"ping {rec['destination']}", raw))
    assert ping.target == rec["destination"]
    assert ping.count == ping.sent == int(rec["sent_qty"])
    assert ping.size + IOS_HEADERS == int(rec["sent_type"].split("-")[0])
    assert ping.timeout_s == float(rec["timeout"])
    stream = "".join(rec["response_stream"])
    assert ping.unreachables == stream.count("U")
    if rec["success_qty"]:
        assert ping.received == int(rec["success_qty"])
        # IOS truncates the success rate ("66 percent" for 2 of 3); our loss is exact.
        assert math.floor(100 - ping.loss_pct + 1e-9) == int(rec["success_pct"])
        assert ping.loss_pct == 100 * (ping.sent - ping.received) / ping.sent
        assert ping.rtts_ms == []
    else:
        # Directed broadcast: per-request replies from several hosts, no summary line.
        assert len(ping.rtts_ms) == ping.sent and rec["responders"]
        assert ping.received == sum(r is not None for r in ping.rtts_ms)
    for ours, theirs in (
        (ping.rtt_min_ms, rec["rtt_min"]),
        (ping.rtt_mean_ms, rec["rtt_avg"]),
        (ping.rtt_max_ms, rec["rtt_max"]),
    ):
        assert ours == (float(theirs) if theirs else None)
    assert ping.df == ("DF bit" in raw.read_text(encoding="utf-8"))


PING_GENIE = genie_files("ping/genie/ios/Ping") + genie_files("ping/genie/iosxe/Ping")


@pytest.mark.parametrize("output", PING_GENIE, ids=ids(PING_GENIE))
def test_genie_ping(output: Path) -> None:
    want = genie_expected(output)["ping"]
    stats = want["statistics"]
    ping = one_ping(parse("cisco_xe", f"ping {want['address']}", output))
    assert ping.target == want["address"]
    assert ping.count == want["repeat"]
    assert ping.size + IOS_HEADERS == want["data_bytes"]
    assert ping.timeout_s == want["timeout_secs"]
    assert (ping.sent, ping.received) == (stats["send"], stats["received"])
    assert 100 - ping.loss_pct == stats["success_rate_percent"]
    rt = stats.get("round_trip", {})
    assert (ping.rtt_min_ms, ping.rtt_mean_ms, ping.rtt_max_ms) == (
        rt.get("min_ms"),
        rt.get("avg_ms"),
        rt.get("max_ms"),
    )


# --- Huawei display interface ------------------------------------------------------------------

# ntc's expected parse has no counters: these were read off the captures by hand.
HUAWEI_COUNTERS: dict[tuple[str, str], dict[str, int | None]] = {
    ("huawei_vrp_display_interface_dhcp", "GigabitEthernet0/0/0"): {
        "input_packets": 24,
        "output_packets": 8,
        "input_errors": 0,
        "output_errors": 0,
        "crc": None,
    },
    ("huawei_vrp_display_interface2", "GigabitEthernet0/0/01"): {
        "input_packets": 12345678,
        "output_packets": 12345667789,
        "input_errors": 0,
        "crc": 0,
        "ignored": 0,
        "output_errors": 0,
    },
    ("huawei_vrp_display_interface2", "NULL0"): {
        "input_packets": 0,
        "input_errors": 0,
        "output_packets": 0,
        "output_errors": 0,
    },
    ("huawei_vrp_display_interface_dialer_1", "Dialer1:0"): {
        "input_packets": 86,
        "output_packets": 135,
        "crc": 0,  # "FCS error packets:0"
    },
    ("huawei_vrp_display_interface_gigabitethernet", "GigabitEthernet0/0/0"): {
        "input_packets": 0,
        "crc": 0,
        "frame": 0,
        "ignored": 0,
        "input_errors": 0,
        "output_errors": 0,
    },
}
HUAWEI_NTC = ntc_files("huawei_vrp/display_interface")


@pytest.mark.parametrize("raw", HUAWEI_NTC, ids=ids(HUAWEI_NTC))
def test_ntc_huawei_display_interface(raw: Path) -> None:
    expected = ntc_expected(raw)
    got = interfaces(parse("huawei", "display interface", raw))
    assert [o.interface for o in got] == [r["interface"] for r in expected]
    for o, rec in zip(got, expected, strict=True):
        link = rec["link_status"].rstrip(" ,")  # "UP ," on a dialer bundle member
        assert (o.admin_up, o.line_up, o.protocol_up) == (
            "Administratively" not in link,
            link == "UP",
            rec["protocol_status"].startswith("UP"),
        ), o.interface
        assert o.source == "cli:display interface"
        for field, value in HUAWEI_COUNTERS.get((raw.stem, o.interface), {}).items():
            assert getattr(o, field) == value, (o.interface, field)
    assert {k for k in HUAWEI_COUNTERS if k[0] == raw.stem} <= {
        (raw.stem, o.interface) for o in got
    }

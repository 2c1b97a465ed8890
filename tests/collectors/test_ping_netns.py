"""The host ping collector over a real ICMP path with injected loss and delay (tests/netns.py).

The collector runs *inside* the "near" namespace as a child process (`ip netns exec near python
-c ...collector.main(...)`, optionally as `nobody` through setpriv), exactly as it runs on a NOC
host; the test process stays in the root namespace and reads the ground truth:
- loss: nftables in "far" drops a random share of echo replies and counts them → loss must be
  counted *exactly* (received = sent − drops, loss % = 100·drops/sent);
- delay: the TUN relay holds every reply 30 ms → mean RTT asserted within 25–45 ms (asyncio timers
  in the relay run ~1 ms late on this VM, with rare outliers of tens of ms; see TESTING.md §5).
Needs root and `ip netns`; skips with the reason otherwise.  Traffic stays in the namespaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from diag.collectors.ping.engines import get_engine
from diag.model.observations import PingObservation
from tests.netns import NetnsPair

_why_not = NetnsPair.unavailable()
pytestmark = pytest.mark.skipif(_why_not is not None, reason=f"netns ping tests: {_why_not}")

CHILD = "import sys; from diag.collectors.ping.collector import main; sys.exit(main())"
ENGINES = ["iputils", "fping", "icmplib"]
REJECTED = "198.18.1.3"  # owned by "far", which answers echo requests with ICMP host-unreachable
NO_ROUTE = "198.18.7.7"  # no route from "near"
FAST: dict[str, Any] = {"ping_interval_s": 0.02, "ping_timeout_s": 0.5}


def _need(engine: str) -> None:
    why = get_engine(engine).unavailable()
    if why:
        pytest.skip(f"{engine} unusable here: {why}")


def collect(
    pair: NetnsPair, targets: list[str], *, user: str | None = None, **settings: Any
) -> dict[str, Any]:
    """Run the collector in the near namespace; its JSON answer (observations or error)."""
    proc = pair.run_python(
        pair.near,
        CHILD,
        json.dumps({"targets": targets, "settings": settings, "origin": "t"}),
        user=user,
    )
    assert proc.returncode in (0, 1), proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def observe(pair: NetnsPair, targets: list[str], **kw: Any) -> list[PingObservation]:
    out = collect(pair, targets, **kw)
    assert "error" not in out, out["error"]
    return [PingObservation.model_validate(o) for o in out["observations"]]


@pytest.fixture(scope="module")
def pair() -> Iterator[NetnsPair]:
    with NetnsPair(prefix="dgping") as p:
        p.run_checked(p.far, ["ip", "addr", "add", f"{REJECTED}/32", "dev", "tun_far"])
        # the kernel rate-limits ICMP errors per peer (6 burst, then 1/s): off, to count them all
        p.sysctl(p.far, "net.ipv4.icmp_ratelimit", "0")
        p.run_nft(
            "table inet reject_rejected {\n chain c {\n"
            "  type filter hook input priority 0;\n"
            f"  ip daddr {REJECTED} icmp type echo-request reject with icmp type host-unreachable\n"
            " }\n}\n"
        )
        yield p


@pytest.fixture(autouse=True)
def clean(pair: NetnsPair) -> None:
    pair.set_relay()
    pair.clear_nft_loss()


@pytest.mark.parametrize("engine", ENGINES)
def test_loss_is_counted_exactly_and_delay_measured(pair: NetnsPair, engine: str) -> None:
    _need(engine)
    pair.set_relay(delay_ms_ba=30)
    pair.set_nft_loss(20)
    before = pair.relay_counters()
    [obs] = observe(pair, [pair.far_addr], ping_engine=engine, ping_count=40, **FAST)
    drops = pair.nft_drops()
    requests = pair.relay_counters()["fwd_ab"] - before["fwd_ab"]

    assert obs.engine == engine and obs.target == pair.far_addr
    assert requests == 40  # every probe crossed the line; only replies were dropped
    assert (obs.sent, obs.received) == (40, 40 - drops)
    assert obs.loss_pct == 100.0 * drops / 40
    assert sum(r is None for r in obs.rtts_ms) == drops
    got = [r for r in obs.rtts_ms if r is not None]
    assert all(29.0 <= r < 100.0 for r in got), got
    assert obs.rtt_mean_ms is not None and 25.0 <= obs.rtt_mean_ms <= 45.0
    assert obs.rtt_min_ms is not None and obs.rtt_min_ms >= 29.0
    assert obs.rtt_median_ms is not None and obs.rtt_p95_ms is not None and obs.rtt_max_ms
    assert obs.rtt_min_ms <= obs.rtt_median_ms <= obs.rtt_p95_ms <= obs.rtt_max_ms
    assert obs.rtt_stddev_ms is not None and obs.jitter_rfc3550_ms is not None
    assert obs.jitter_mean_delta_ms is not None
    assert obs.duplicates == 0 and obs.unreachables == 0
    assert obs.raw


# fping 5.1 reports duplicates only with -q, which hides ICMP errors; diag keeps the errors.
@pytest.mark.parametrize(("engine", "at_least"), [("iputils", 9), ("icmplib", 9), ("fping", 0)])
def test_duplicates(pair: NetnsPair, engine: str, at_least: int) -> None:
    _need(engine)
    pair.set_relay(delay_ms_ba=5, dup_ba=1.0)  # every reply arrives twice
    [obs] = observe(pair, [pair.far_addr], ping_engine=engine, ping_count=10, **FAST)
    assert (obs.sent, obs.received, obs.loss_pct) == (10, 10, 0.0)
    # the tool may exit before the last probe's duplicate arrives
    assert at_least <= obs.duplicates <= 10 if at_least else obs.duplicates == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_icmp_unreachable_is_counted(pair: NetnsPair, engine: str) -> None:
    _need(engine)
    [obs] = observe(pair, [REJECTED], ping_engine=engine, ping_count=3, **FAST)
    assert (obs.sent, obs.received, obs.loss_pct) == (3, 0, 100.0)
    assert obs.unreachables == 3
    assert obs.rtts_ms == [None, None, None] and obs.rtt_mean_ms is None


# With DF and 3000 bytes over a 1500-byte MTU nothing can leave: iputils and icmplib see the local
# EMSGSIZE per probe; fping stays silent (plain 100 % loss).  Without DF the probes fragment.
@pytest.mark.parametrize(("engine", "errors"), [("iputils", 3), ("icmplib", 3), ("fping", 0)])
def test_dont_fragment(pair: NetnsPair, engine: str, errors: int) -> None:
    _need(engine)
    [big_df] = observe(
        pair,
        [pair.far_addr],
        ping_engine=engine,
        ping_count=3,
        ping_size=3000,
        ping_df=True,
        **FAST,
    )
    assert (big_df.received, big_df.unreachables, big_df.df) == (0, errors, True)
    if engine == "fping":
        return  # fping cannot clear DF (kernel path-MTU default): nothing to compare
    [big] = observe(pair, [pair.far_addr], ping_engine=engine, ping_count=3, ping_size=3000, **FAST)
    assert (big.received, big.unreachables, big.df, big.size) == (3, 0, False, 3000)


@pytest.mark.parametrize("engine", ["iputils", "icmplib"])
def test_payload_pattern(pair: NetnsPair, engine: str) -> None:
    _need(engine)
    [obs] = observe(
        pair, [pair.far_addr], ping_engine=engine, ping_count=3, ping_pattern="a5c3", **FAST
    )
    assert obs.received == 3 and obs.pattern == "a5c3"
    if engine == "iputils":
        assert "PATTERN: 0xa5c3" in obs.raw


def test_fping_refuses_a_pattern(pair: NetnsPair) -> None:
    _need("fping")
    out = collect(pair, [pair.far_addr], ping_engine="fping", ping_pattern="a5", **FAST)
    assert "fping cannot set a payload pattern" in out["error"]


def test_many_targets_run_concurrently(pair: NetnsPair) -> None:
    targets = [pair.far_addr, pair.near_addr, "127.0.0.1"]
    out = collect(pair, targets, ping_count=20, ping_interval_s=0.05, ping_timeout_s=0.5)
    obs = [PingObservation.model_validate(o) for o in out["observations"]]
    assert [o.target for o in obs] == targets
    assert all(
        o.received == 20
        and o.origin == "host:t"
        and o.origin_kind == "host"
        and o.collector == "ping:host"
        for o in obs
    )
    assert len({o.id for o in obs}) == 3
    # each run takes ~1 s (20 × 50 ms); one after the other would be ≥ 3 s
    assert out["elapsed_s"] < 2.0, out["elapsed_s"]


@pytest.mark.parametrize("engine", ["iputils", "icmplib"])
def test_no_route_from_this_host_is_a_collector_error(pair: NetnsPair, engine: str) -> None:
    _need(engine)
    out = collect(pair, [NO_ROUTE], ping_engine=engine, ping_count=2, **FAST)
    assert out["type"] == "CollectorError"
    assert f"no route to {NO_ROUTE}" in out["error"]


def test_unresolvable_name_is_a_collector_error(pair: NetnsPair) -> None:
    # inside the namespace no resolver is reachable, so the lookup fails without leaving it
    out = collect(pair, ["nonexistent.invalid"], ping_count=1, **FAST)
    assert out["type"] == "CollectorError"
    assert "cannot resolve ping target 'nonexistent.invalid'" in out["error"]


def test_unprivileged_icmp_needs_ping_group_range() -> None:
    """As `nobody`: icmplib has no raw socket and, while the namespace keeps the kernel default
    ping_group_range '1 0', no unprivileged ICMP socket either → the message says what to grant.
    iputils/fping work anyway through their file capability (cap_net_raw=ep)."""
    with NetnsPair(prefix="dgpriv", subnet=2) as p:
        probe = p.run_python(p.near, "import diag", user="nobody")
        if probe.returncode != 0:
            pytest.skip(f"this interpreter/project cannot be run as nobody: {probe.stderr[-200:]}")

        answer = p.run_python(p.near, CHILD, json.dumps({"available": True}), user="nobody")
        avail: dict[str, str | None] = json.loads(answer.stdout)["available"]
        icmplib_why = avail["icmplib"] or ""
        assert "ping_group_range" in icmplib_why and "run as root" in icmplib_why

        out = collect(p, [p.far_addr], user="nobody", ping_engine="icmplib", ping_count=2, **FAST)
        assert out["type"] == "CollectorError"
        assert "net.ipv4.ping_group_range='0 2147483647'" in out["error"]
        assert "CAP_NET_RAW" in out["error"] and "run as root" in out["error"]
        assert "now '1 0'" in out["error"]

        for engine in ("iputils", "fping"):
            if get_engine(engine).unavailable() is None and avail[engine] is None:
                [obs] = observe(
                    p, [p.far_addr], user="nobody", ping_engine=engine, ping_count=3, **FAST
                )
                assert obs.received == 3

        p.sysctl(p.near, "net.ipv4.ping_group_range", "0 2147483647")
        p.set_nft_loss(25)
        [obs] = observe(
            p, [p.far_addr], user="nobody", ping_engine="icmplib", ping_count=20, **FAST
        )
        assert "unprivileged datagram socket" in obs.raw
        assert obs.received == 20 - p.nft_drops()

"""Ways of sending pings from this host, one class per engine, behind a small registry.

Every engine is asyncio-native (subprocesses or non-blocking sockets, no threads) and returns the
same thing: one entry per probe sent, in order, holding the RTT of its first reply or None, plus
duplicate replies, ICMP errors and the raw evidence.  Statistics are not taken from the tools
(see `stats.py`).

Engines (bench/ping_engines.py, 100 probes, 30 ms reply delay, 10 % reply loss by nftables):
every engine counted loss exactly (received = sent − dropped in 16/16 runs each) and their mean
RTTs agree within 0.5 ms; they differ in cost and in what else they can see.
- `iputils`: `/usr/bin/ping` (apt iputils-ping).  Per-reply lines by icmp_seq.  DF set or cleared,
  payload patterns, duplicates, ICMP errors and local errors (DF + too big) all reported.  Needs
  ≥ 16 bytes of payload to time replies.  Stops 2·max-RTT after the last probe, so it finishes
  first (at 20 ms spacing: 2.2 s vs 2.8 s fping, 3.0 s icmplib).
- `fping`: `fping -C` (apt fping).  Per-probe list, any payload size, but no payload pattern, no way
  to clear DF (kernel path-MTU default), silent when DF + size exceeds the MTU or there is no
  route, and no duplicates (5.1 prints them only with -q, which hides ICMP errors; diag keeps the
  errors).  Waits the full timeout for a lost probe before exiting.
- `icmplib`: pure Python (PyPI icmplib), pipelined here: probes leave on schedule while a loop
  reader takes the replies, so a loss costs no more than the timeout at the end.  Raw socket when
  permitted (root/CAP_NET_RAW), else an unprivileged ICMP datagram socket (needs
  `net.ipv4.ping_group_range` to cover the user's group; then ICMP errors are not seen).

`auto` takes the first engine of `AUTO_ORDER` that is usable here and can honour the settings.

Reading the tools' text (`read_iputils`, `read_fping`): numbers are ASCII digits within the
ranges of diag/collectors/numbers.py (at most MAX_PROBES probes, and never more than were asked
for; RTTs up to MAX_RTT_MS).  A reply line whose time is garbled is not a timed reply; a summary
line whose counts are garbled or out of range makes the run unreadable: CollectorParseError, the
one error these readers raise, saying which line.  No list is sized by a printed number beyond
the probes asked for.
"""

from __future__ import annotations

# The engines register themselves when imported; this module imports them all and is where
# the rest of diag takes them from.  The code: base.py (spec, result, tool runner, registry),
# iputils.py, fping.py, icmp.py.
from diag.collectors.ping.base import (
    AUTO_ORDER,
    ENGINES,
    EngineResult,
    PingEngine,
    ProbeSpec,
    choose_engine,
    get_engine,
    run_tool,
)
from diag.collectors.ping.fping import FpingEngine, parse_fping, read_fping
from diag.collectors.ping.icmp import IcmplibEngine, parse_icmp
from diag.collectors.ping.iputils import (
    IputilsEngine,
    iputils_probes,
    parse_iputils,
    read_iputils,
    unwrap_seq,
)

__all__ = [
    "AUTO_ORDER",
    "ENGINES",
    "EngineResult",
    "FpingEngine",
    "IcmplibEngine",
    "IputilsEngine",
    "PingEngine",
    "ProbeSpec",
    "choose_engine",
    "get_engine",
    "iputils_probes",
    "parse_fping",
    "parse_icmp",
    "parse_iputils",
    "read_fping",
    "read_iputils",
    "run_tool",
    "unwrap_seq",
]

"""Host ping collector: loss, RTT and jitter to many targets from this host (fping, iputils, icmplib)."""

from diag.collectors.ping.collector import available_engines, ping_many
from diag.collectors.ping.stats import PingStats, summarize

__all__ = ["PingStats", "available_engines", "ping_many", "summarize"]

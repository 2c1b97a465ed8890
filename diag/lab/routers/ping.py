"""Router-originated ping, vendor-neutral: which probes succeed and with what round-trip times.

Both vendors print the same underlying facts differently, so the plan is computed once here.
Losses are spread evenly (not random) so one scenario always prints the same pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

from diag.lab.routers.state import PingResult, RouterState


@dataclass(frozen=True)
class PingPlan:
    target: str
    count: int
    replies: tuple[bool, ...]
    rtt_ms: tuple[int, int, int]

    @property
    def received(self) -> int:
        return sum(self.replies)

    @property
    def success_pct(self) -> int:
        # IOS truncates: 2 of 3 replies is "66 percent".
        return self.received * 100 // self.count if self.count else 0

    def rtt_of(self, seq: int) -> int:
        """Per-probe RTT that keeps min/avg/max of the replies as configured."""
        lo, avg, hi = self.rtt_ms
        answered = [i for i, ok in enumerate(self.replies) if ok]
        if not answered or seq not in answered:
            return 0
        if len(answered) == 1:
            return avg
        pos = answered.index(seq)
        if pos == 0:
            return lo
        if pos == 1:
            return hi
        return avg


def own_addresses(state: RouterState) -> set[str]:
    return {i.ip.split("/")[0] for i in state.interfaces if i.ip}


def plan_ping(state: RouterState, target: str, count: int) -> PingPlan:
    """Look the target up in the scenario; the router's own addresses always answer."""
    result: PingResult | None = next((p for p in state.ping if p.target == target), None)
    if result is None and target in own_addresses(state):
        result = PingResult(target=target, success_pct=100.0, rtt_ms=(1, 1, 1))
    if result is None:
        # Unknown destination: no route / no answer, every probe times out.
        result = PingResult(target=target, success_pct=0.0)
    ok = round(count * result.success_pct / 100)
    # Bresenham spread: probe i answers when the running quota crosses an integer.
    replies = tuple((i + 1) * ok // count > i * ok // count for i in range(count))
    return PingPlan(target, count, replies, result.rtt_ms)

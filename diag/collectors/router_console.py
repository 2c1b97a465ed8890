"""The console half of the router reading: re-read notes, degraded readings, the console record.

Over a console that loses or garbles lines (DOMAIN.md case 4.2) the reader re-reads outputs;
`ConsoleChecks` (mixed into diag.collectors.router's reader) says so on what it kept, marks the
readings nothing could check as degraded, and builds the `ConsoleObservation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from diag.collectors.router_crc import now
from diag.model.inventory import Device
from diag.model.observations import ConsoleObservation, Observation, Quality

if TYPE_CHECKING:
    from diag.collectors.cli.session import ConsoleProbes


class ConsoleChecks:
    """What the reader records about the console it read over."""

    device: Device
    collector: str
    observations: list[Observation]
    unverified: set[int]
    lossy_outputs: list[str]

    if TYPE_CHECKING:

        def _msg(self, text: str) -> str: ...

    def _reread_note(self, obs: Observation, reads: int) -> Observation:
        if not isinstance(obs, Quality) or "merging" in (obs.quality_note or ""):
            return obs  # a merged graph says so itself
        how = (
            f"read whole on the console after {reads - 1} re-read(s) (earlier reads lost lines)"
            if obs.quality == "ok"
            else f"not whole in {reads} reads over the console, the best kept"
        )
        note = "; ".join(n for n in (how, obs.quality_note) if n)
        return obs.model_copy(update={"quality_note": note})

    def _mark_degraded(self, probes: ConsoleProbes) -> None:
        """Readings nothing could check, read over a console seen losing lines: degraded."""
        signs = []
        if probes.lost or probes.garbled:
            signs.append(
                f"{probes.lost} of {probes.probes} prompts lost and {probes.garbled} garbled"
            )
        if probes.dropped_sessions:
            signs.append(f"the session dropped {probes.dropped_sessions} time(s)")
        if self.lossy_outputs:
            outputs = ", ".join(dict.fromkeys(self.lossy_outputs))
            signs.append(f"lines of other outputs lost ({outputs})")
        if not signs:
            return
        note = (
            f"read over a console that lost lines ({'; '.join(signs)}); nothing in this output "
            "can show whether lines of it were lost"
        )
        for i in sorted(self.unverified):
            o = self.observations[i]
            if isinstance(o, Quality) and o.quality == "ok":
                self.observations[i] = o.model_copy(
                    update={"quality": "degraded", "quality_note": note}
                )

    def _console_obs(
        self, probes: ConsoleProbes | None, *, login_ok: bool, error: str | None
    ) -> ConsoleObservation:
        return ConsoleObservation(
            id="console",
            collector=self.collector,
            at=now(),
            device=self.device.name,
            port=self.device.console or "",
            login_ok=login_ok,
            probes=probes.probes if probes else 0,
            answered=probes.answered if probes else 0,
            garbled=probes.garbled if probes else 0,
            dropped_sessions=probes.dropped_sessions if probes else 0,
            prompt_rtt_ms=list(probes.rtts_ms) if probes else [],
            rtt_median_ms=probes.rtt_median_ms if probes else None,
            error=self._msg(error) if error else None,
        )

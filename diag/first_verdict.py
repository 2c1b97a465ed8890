"""The first verdict in seconds (docs/first-verdict.md): what the runner needs to give a
provisional verdict while the routers' CRC window is open, and to say when CRC growth was not
measured (the provisional verdict, an interruption in the window, `--quick`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from diag.i18n import tr
from diag.model.findings import FindingsDocument, SkippedReading, Verdict

if TYPE_CHECKING:
    from diag.runner import Collected

log = logging.getLogger("diag.runner")


@dataclass
class Provisional:
    """A circuit's first verdict: every job has finished or waits in its CRC window."""

    document: FindingsDocument  # run.provisional set, CRC growth not measured yet
    closes_in_s: float  # until the last CRC window closes


FirstVerdict = Callable[[Provisional], None]


def crc_unmeasured(
    verdict: Verdict, *, provisional: bool, skipped: Sequence[SkippedReading]
) -> Verdict:
    """The verdict, saying that CRC growth was not measured.  No rule reads a missing CRC
    growth as no growth (the rules that use it find nothing to cite), but errors too few to
    cost a ping show only there: a verdict without it, healthy above all, says so."""
    if not provisional and not skipped:
        return verdict
    summary, unread, basis = verdict.summary, list(verdict.unread), list(verdict.basis)
    if skipped:
        reason = ", ".join(sorted({s.reason for s in skipped}))
        unread.append(tr("CRC growth not measured ({reason})", reason=reason))
        basis.append(f"crc_growth not measured: {reason}")
        if verdict.status == "healthy":
            summary += " " + tr(
                "CRC growth not measured ({reason}): line errors too few to cost a ping would "
                "not show.",
                reason=reason,
            )
    if provisional:
        summary = tr("Provisional, CRC growth not measured yet: {summary}", summary=summary)
        unread.append(tr("CRC growth: the CRC window had not closed"))
        basis.append("provisional: made before the CRC window closed")
    return verdict.model_copy(update={"summary": summary, "unread": unread, "basis": basis})


def skipped_crc(routers: Sequence[str], interval_s: float, quick: bool) -> list[SkippedReading]:
    """The routers whose CRC growth is not read: --quick, or an interval of 0."""
    if interval_s > 0:
        return []
    reason = "--quick" if quick else "crc_sample_interval_s = 0"
    return [SkippedReading(reading="crc_growth", device=r, reason=reason) for r in routers]


def watch(
    collected: Collected,
    *,
    build: Callable[[], FindingsDocument],
    interrupted: Callable[[], bool],
    emit: FirstVerdict,
) -> Callable[[], None]:
    """The `Collected.watch` that gives a circuit's first verdict, once, when it is due:
    `build()` makes the provisional document of what `collected` holds so far."""
    shown = False

    def check() -> None:
        nonlocal shown
        if shown or interrupted() or not collected.in_window():
            return
        shown = True
        closes = max(w.closes_at for w in collected.windows.values() if not w.closed)
        try:
            emit(Provisional(build(), max(0.0, closes - time.monotonic())))
        except Exception as exc:  # the first verdict is a courtesy: never costs the final one
            log.error("the provisional verdict failed", exc_info=exc)

    return check

"""The experience base as `diag circuit` prints it under the verdict ("Seen before: ...")."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diag.history.models import Experience, HistoryRow


def when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%MZ")


def conclusion(row: HistoryRow) -> str:
    """status, then each fault segment with its owner, e.g. `fault_localized a..b (carrier)`."""
    faults = ", ".join(f"{s} ({o})" for s, o in zip(row.segments, row.owners, strict=False))
    ticket = f" [{row.ticket}]" if row.ticket else ""
    return f"{row.status}{' ' + faults if faults else ''}{ticket}"


def render_experience(exp: Experience) -> list[str]:
    """Plain lines (no markup): this circuit's past verdicts, most recent first, then other
    circuits with the same symptom pattern and what they concluded."""
    if not exp.same_circuit and not exp.other_circuits:
        return ["Seen before: nothing recorded for this circuit or this symptom pattern."]
    out = ["Seen before:"]
    for i, row in enumerate(exp.same_circuit):
        lead = "this circuit:" if i == 0 else ""
        out.append(f"  {lead:<14}{when(row.started)}  {conclusion(row)}")
    for case in exp.other_circuits:
        what = "same rules" if case.match == "rules" else "same segment kind"
        row = case.row
        out.append(
            f"  {what} ({case.pattern}) on {row.circuit}, {when(row.started)}: "
            f"{conclusion(row)}: {row.headline}"
        )
    return out

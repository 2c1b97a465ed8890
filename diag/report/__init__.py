"""Reports: one self-contained HTML page (and a CSV) for a sweep or for a circuit's history.

Nothing heavy is imported with this package (`diag --help` imports `diag.report.cli`):
matplotlib and pandas load when a report is rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from diag.report.circuit import circuit_frame, render_circuit_report
    from diag.report.sweep import render_sweep_report, sweep_frame

__all__ = ["circuit_frame", "render_circuit_report", "render_sweep_report", "sweep_frame"]


def __getattr__(name: str) -> Any:
    if name in ("render_circuit_report", "circuit_frame"):
        from diag.report import circuit

        return getattr(circuit, name)
    if name in ("render_sweep_report", "sweep_frame"):
        from diag.report import sweep

        return getattr(sweep, name)
    raise AttributeError(f"module 'diag.report' has no attribute {name!r}")

"""Analyzers: pure functions from a circuit path and observations to findings and a verdict.

Nothing here does I/O or imports a transport library, so every rule is tested from data alone.
"""

from diag.analyzers.engine import analyze

__all__ = ["analyze"]

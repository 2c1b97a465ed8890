"""The rules, one module per step of the procedure; importing this package registers them all."""

from diag.analyzers.rules import alarms

__all__ = ["alarms"]

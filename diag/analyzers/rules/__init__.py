"""The rules, one module per step of the procedure; importing this package registers them all."""

from diag.analyzers.rules import alarms, customer, hard_cases, substitution, tests

__all__ = ["alarms", "customer", "hard_cases", "substitution", "tests"]

"""The rules, one module per part of the procedure; importing this package registers them all.

3.1 alarms (alarms, alarm_faults); 3.2 lamps and optics (customer, customer_los, optical,
lamps_ports); 3.3 tests (tests: shared helpers, ping, ber, e1_controller); 3.4 substitution;
4 hard cases (hard_cases: the end signs and R-HC-1, hard_case_lan, hard_case_cabling).
"""

from diag.analyzers.rules import (
    alarm_faults,
    alarms,
    ber,
    customer,
    customer_los,
    e1_controller,
    hard_case_cabling,
    hard_case_lan,
    hard_cases,
    lamps_ports,
    lan_capture,
    optical,
    ping,
    substitution,
    tests,
)

__all__ = [
    "alarm_faults",
    "alarms",
    "ber",
    "customer",
    "customer_los",
    "e1_controller",
    "hard_case_cabling",
    "hard_case_lan",
    "hard_cases",
    "lamps_ports",
    "lan_capture",
    "optical",
    "ping",
    "substitution",
    "tests",
]

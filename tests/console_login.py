"""netmiko's serial login, with the retries a loaded test machine needs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netmiko import BaseConnection


def serial_login(**kw: Any) -> BaseConnection:
    """netmiko's serial login loop gives up after a fixed number of timed reads; on a loaded
    2-core machine a pty answers late often enough to lose that race.  Three tries: a console
    that never logs in still fails."""
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException

    for attempt in range(3):
        try:
            return ConnectHandler(**kw)
        except NetmikoAuthenticationException:
            if attempt == 2:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")

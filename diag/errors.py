"""One exception root for diag; the tree mirrors the layers.

During a diagnosis, collector failures are *data* (observations with ok=false); these exceptions
are for what stops a command: bad input, a lab that cannot start, an analysis bug.  Every message
says what to do next.
"""

from __future__ import annotations

from diag.i18n import tr


class DiagError(Exception):
    """Root of every error diag raises on purpose."""

    exit_code = 1


class InventoryError(DiagError):
    """The inventory (or a scenario) is malformed.  Carries every problem found, not the first."""

    exit_code = 3

    def __init__(self, problems: list[str], source: str = "inventory") -> None:
        self.problems = problems
        self.source = source
        n = len(problems)
        head = (
            tr("{source}: 1 problem", source=source)
            if n == 1
            else tr("{source}: {count} problems", source=source, count=n)
        )
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in problems))


class CredentialError(DiagError):
    """A credential reference cannot be resolved (unset variable, unreadable or too open file)."""

    exit_code = 3


class TicketError(DiagError):
    """A ticket number does not follow the configured complaint numbering."""

    exit_code = 2


class UnknownCircuitError(DiagError):
    exit_code = 2


class UsageError(DiagError):
    """A request that cannot be carried out as asked (a selection that matches nothing)."""

    exit_code = 2


class SweepBusy(DiagError):
    """Another sweep holds the lock on the same history store."""

    exit_code = 7


class LabError(DiagError):
    """The built-in lab cannot start or be reached."""

    exit_code = 4


class LabPortInUse(LabError):
    def __init__(self, what: str, proto: str, host: str, port: int) -> None:
        self.port = port
        super().__init__(
            tr(
                "lab: {proto} port {host}:{port} needed by {what} is already in use. "
                "If a lab is already running, `diag lab status` shows it and `diag lab down` "
                "stops it; otherwise free the port or change it in the scenario's inventory.",
                proto=proto.upper(),
                host=host,
                port=port,
                what=what,
            )
        )


class CollectorError(DiagError):
    """Raised inside a collector; the runner turns it into a failed collector record."""


class CollectorTimeout(CollectorError):
    pass


class CollectorAuthError(CollectorError):
    pass


class CollectorParseError(CollectorError):
    pass


class CollectorTruncated(CollectorError):
    """A read stopped at one of its bounds (rows, time) or at an answer that cannot go on (an
    SNMP agent whose OIDs stop increasing).  `partial` holds what was read before the stop: a
    caller that can report an incomplete result keeps it and marks it partial; any other
    reports the error, whose message says what stopped the read and which setting bounds it."""

    def __init__(self, message: str, partial: object = None) -> None:
        super().__init__(message)
        self.partial = partial

"""Fault-ticket numbers, as the carrier's complaint handling numbers them (DOMAIN.md §4).

`TS` (complaint), `JY` (suggestion) or `ZX` (enquiry), then the month and a three-digit serial.
Practice writes the month field either as MM or as YYMM, so both layouts are accepted:
TS05123 and TS2605123.  A different numbering is set with DIAG_TICKET_PATTERN, a regular
expression with the named groups `kind`, `month`, `serial` and optionally `year`.
"""

from __future__ import annotations

import os
import re

from diag.errors import TicketError
from diag.i18n import tr
from diag.model.findings import TicketOut

DEFAULT_PATTERN = r"(?P<kind>TS|JY|ZX)(?P<year>\d{2})?(?P<month>0[1-9]|1[0-2])(?P<serial>\d{3})"
KINDS = {"TS": "complaint", "JY": "suggestion", "ZX": "enquiry"}


def parse_ticket(number: str, pattern: str | None = None) -> TicketOut:
    pat = pattern or os.environ.get("DIAG_TICKET_PATTERN") or DEFAULT_PATTERN
    m = re.fullmatch(pat, number.strip().upper())
    if not m:
        raise TicketError(
            tr(
                "ticket {number} does not follow the complaint numbering: expected TS + month "
                "(MM) + 3-digit serial, e.g. TS05123, or TS + YYMM + serial, e.g. TS2605123 "
                "(JY/ZX for suggestions/enquiries; set DIAG_TICKET_PATTERN for another numbering)",
                number=repr(number),
            )
        )
    groups = m.groupdict()
    kind = KINDS.get(groups.get("kind") or "TS", "complaint")
    year = groups.get("year")
    return TicketOut(
        number=m.group(0),
        kind=kind,
        year=int(year) if year else None,
        month=int(groups["month"]),
        serial=int(groups["serial"]),
    )

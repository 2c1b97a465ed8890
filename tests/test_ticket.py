"""Complaint ticket numbering (DOMAIN.md §4): TS + MM + NNN or TS + YYMM + NNN."""

from __future__ import annotations

import pytest

from diag.errors import TicketError
from diag.ticket import parse_ticket


@pytest.mark.parametrize(
    "number,year,month,serial,kind",
    [
        ("TS05123", None, 5, 123, "complaint"),
        ("TS2611007", 26, 11, 7, "complaint"),
        ("ts1201001", 12, 1, 1, "complaint"),
        ("ZX03010", None, 3, 10, "enquiry"),
    ],
)
def test_accepts_both_layouts(
    number: str, year: int | None, month: int, serial: int, kind: str
) -> None:
    t = parse_ticket(number)
    assert (t.year, t.month, t.serial, t.kind) == (year, month, serial, kind)


@pytest.mark.parametrize("number", ["TS13123", "TS0512", "XX05123", "TS2613001", "TS 05123", ""])
def test_refuses_malformed_with_expected_form(number: str) -> None:
    with pytest.raises(TicketError, match=r"expected TS \+ month \(MM\)"):
        parse_ticket(number)


def test_pattern_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DIAG_TICKET_PATTERN", r"(?P<kind>TS)-(?P<year>\d{2})(?P<month>\d{2})-(?P<serial>\d{4})"
    )
    t = parse_ticket("TS-2611-0042")
    assert (t.year, t.month, t.serial) == (26, 11, 42)
    with pytest.raises(TicketError):
        parse_ticket("TS2611007")

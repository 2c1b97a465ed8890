"""A command counts as refused only on the vendor's error line at the command's own position
(issue 12 item 5): right after the echo, under the `^` marker if any.  A line of the same shape
inside the output (a VRP counter `Error: 0`) is output, and every interface of it is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from diag.collectors.cli.parsers import clean_output, cli_error_line, parse_command
from diag.errors import CollectorParseError
from diag.model.observations import InterfaceObservation, Observation

AT = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)

# An AR2220 `display interface` in the shape the lab simulator and the ntc corpus print, with a
# bare `Error:` counter line inside the first serial port's Input block and the Ethernet port's
# Output block.
ERROR_LINE_SERIAL = "  Error:                  0,  Underruns:              0\n"
ERROR_LINE_ETHERNET = "    Error: 0\n"
VRP_INTERFACES = (
    "<HO-RTR-9>display interface\n"
    "Serial2/0/0 current state : UP\n"
    "Line protocol current state : UP\n"
    "Last line protocol up time : 2025-12-05 04:57:10\n"
    "Description:HUAWEI, AR Series, Serial2/0/0 Interface\n"
    "Route Port,The Maximum Transmit Unit is 1500, Hold timer is 10(sec)\n"
    "Internet protocol processing : disabled\n"
    "Link layer protocol is nonstandard HDLC\n"
    "Current system time: 2026-03-02 09:00:00\n"
    "Physical layer is synchronous, Virtualbaudrate is 2048000 bps\n"
    "Interface is DTE, Cable type is V35, Clock mode is TC\n"
    "Last 300 seconds input rate 0 bytes/sec 0 bits/sec 0 packets/sec\n"
    "Last 300 seconds output rate 0 bytes/sec 0 bits/sec 0 packets/sec\n"
    "\n"
    "Input: 1200 packets, 96000 bytes\n"
    "  Broadcast:              0,  Multicast:              0\n"
    "  Errors:                 5,  Runts:                  0\n"
    "  Giants:                 0,  CRC:                    5\n"
    "{serial}"
    "\n"
    "  Alignments:             0,  Overruns:               0\n"
    "  Dribbles:               0,  Aborts:                 1\n"
    "  No Buffers:             0,  Frame Error:            0\n"
    "\n"
    "Output: 1180 packets, 94400 bytes\n"
    "  Total Error:            0,  Overruns:               0\n"
    "  Collisions:             0,  Deferred:               0\n"
    "    Input bandwidth utilization  :    0%\n"
    "    Output bandwidth utilization :    0%\n"
    "\n"
    "Serial3/0/0 current state : DOWN\n"
    "Line protocol current state : DOWN\n"
    "Description:HUAWEI, AR Series, Serial3/0/0 Interface\n"
    "Physical layer is synchronous, Baudrate is 2048000 bps\n"
    "Interface is DCE, Cable type is V35, Clock mode is DCECLK\n"
    "\n"
    "Input: 0 packets, 0 bytes\n"
    "  Broadcast:              0,  Multicast:              0\n"
    "  Errors:                 0,  Runts:                  0\n"
    "  Giants:                 0,  CRC:                    0\n"
    "\n"
    "  Alignments:             0,  Overruns:               0\n"
    "  Dribbles:               0,  Aborts:                 0\n"
    "  No Buffers:             0,  Frame Error:            0\n"
    "\n"
    "Output: 0 packets, 0 bytes\n"
    "  Total Error:            0,  Overruns:               0\n"
    "  Collisions:             0,  Deferred:               0\n"
    "\n"
    "GigabitEthernet0/0/1 current state : UP\n"
    "Line protocol current state : UP\n"
    "Description:HUAWEI, AR Series, GigabitEthernet0/0/1 Interface\n"
    "Port Mode: COMMON COPPER\n"
    "Speed : 1000,  Loopback: NONE\n"
    "\n"
    "Input:  5000 packets, 640000 bytes\n"
    "  Unicast:                  0,  Multicast:                   0\n"
    "  Broadcast:                0,  Jumbo:                       -\n"
    "  Discard:                  0,  Total Error:                 2\n"
    "\n"
    "  CRC:                      2,  Giants:                      0\n"
    "  Jabbers:                  0,  Throttles:                   0\n"
    "  Runts:                    0,  Symbols:                     0\n"
    "  Ignoreds:                 0,  Frames:                      0\n"
    "\n"
    "Output:  4900 packets, 627200 bytes\n"
    "  Unicast:                  0,  Multicast:                   0\n"
    "  Broadcast:                0,  Jumbo:                       -\n"
    "  Discard:                  0,  Total Error:                 0\n"
    "{ethernet}"
    "\n"
    "    Input bandwidth utilization  :    0%\n"
    "    Output bandwidth utilization :    0%\n"
    "<HO-RTR-9>\n"
)


def parse(vendor: str, command: str, text: str) -> list[Observation]:
    return parse_command(vendor, command, text, device="HO-RTR-9", at=AT)


def interfaces(text: str) -> list[dict[str, object]]:
    out = []
    for obs in parse("huawei", "display interface", text):
        assert isinstance(obs, InterfaceObservation)
        out.append(obs.model_dump(exclude={"raw"}))
    return out


def test_error_counter_line_inside_the_output_is_no_refusal() -> None:
    with_line = VRP_INTERFACES.format(serial=ERROR_LINE_SERIAL, ethernet=ERROR_LINE_ETHERNET)
    without = VRP_INTERFACES.format(serial="", ethernet="")
    got = interfaces(with_line)
    assert [o["interface"] for o in got] == [
        "Serial2/0/0",
        "Serial3/0/0",
        "GigabitEthernet0/0/1",
    ]
    # Every port read as it is without the extra line: state, counters and cable all kept.
    assert got == interfaces(without)
    serial, _, ethernet = got
    assert serial["line_up"] is True and serial["crc"] == 5 and serial["aborts"] == 1
    assert serial["input_packets"] == 1200 and serial["cable"] == "V.35 DTE cable"
    assert ethernet["input_errors"] == 2 and ethernet["output_packets"] == 4900


@pytest.mark.parametrize(
    ("vendor", "command", "text", "refusal"),
    [
        (
            "huawei",
            "display interface",
            "<HO-RTR-9>display interfac Serial2/0/0\n"
            "                   ^\n"
            "Error: Unrecognized command found at '^' position.\n"
            "<HO-RTR-9>\n",
            "Error: Unrecognized command found at '^' position.",
        ),
        (
            # No marker: the error line is the first one after the echo.
            "huawei",
            "display interface Serial9/0/0",
            "<HO-RTR-9>display interface Serial9/0/0\nError: Wrong parameter found at '^' position.\n",
            "Error: Wrong parameter found at '^' position.",
        ),
        (
            # A system-view echo the cleaner does not know stays above the marker.
            "huawei",
            "display interface",
            "[HO-RTR-9]display interfaz\n"
            "                   ^\n"
            "Error: Unrecognized command found at '^' position.\n",
            "Error: Unrecognized command found at '^' position.",
        ),
        (
            "cisco_ios",
            "show interfaces Serial9/9/9",
            "CPE-EDGE-01#show interfaces Serial9/9/9\n"
            "                            ^\n"
            "% Invalid input detected at '^' marker.\n"
            "\n"
            "CPE-EDGE-01#\n",
            "% Invalid input detected at '^' marker.",
        ),
        (
            "cisco_ios",
            "show controllers e1",
            "CPE-EDGE-01#show controllers e1\n% Incomplete command.\n\nCPE-EDGE-01#\n",
            "% Incomplete command.",
        ),
    ],
)
def test_error_line_at_the_commands_position_is_a_refusal(
    vendor: str, command: str, text: str, refusal: str
) -> None:
    with pytest.raises(CollectorParseError) as err:
        parse(vendor, command, text)
    msg = str(err.value)
    assert "the router refused the command" in msg and refusal in msg and repr(command) in msg


@pytest.mark.parametrize(
    "text",
    [
        # Normal output first: an error-shaped line below it is output, for either vendor.
        "Serial2/0/0 current state : UP\nLine protocol current state : UP\nError: 0\n",
        "Serial0/0/0 is up, line protocol is up\n  Hardware is GT96K Serial\n% Invalid input\n",
        # A marker deeper than the command's position does not make it one either.
        "a\nb\nc\nd\n   ^\nError: Unrecognized command found at '^' position.\n",
    ],
)
def test_error_shape_below_normal_output_is_output(text: str) -> None:
    assert cli_error_line(clean_output(text)) is None

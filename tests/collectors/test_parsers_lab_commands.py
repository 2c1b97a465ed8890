"""The vendor CLI parsers' command sets and failure cases: refused commands, garbage, unknown
commands and device types, prompt and echo lines.
"""

from __future__ import annotations

import pytest

from diag.collectors.cli.parsers import SUPPORTED, VENDORS, commands_for, parse_command
from diag.errors import CollectorError, CollectorParseError
from diag.lab.routers.state import RouterState
from diag.model.observations import CpuObservation, InterfaceObservation
from tests.collectors.parsers_lab_helpers import AT, Router, ios_state, vrp_state

# --- command sets ------------------------------------------------------------------------------


def test_command_sets_per_wan_type() -> None:
    e1 = commands_for("cisco_ios", "Serial0/0/0:0")
    assert (e1.interface, e1.controller, e1.serial) == (
        "show interfaces Serial0/0/0:0",
        "show controllers e1 0/0/0",
        None,
    )
    assert (e1.cpu, e1.cpu_history, e1.log) == (
        "show processes cpu",
        "show processes cpu history",
        "show logging",
    )
    v35 = commands_for("cisco_xe", "Serial0/1/0")
    assert (v35.controller, v35.serial) == (None, "show controllers serial 0/1/0")
    eth = commands_for("cisco_ios_telnet", "GigabitEthernet0/1")
    assert (eth.controller, eth.serial) == (None, None)
    assert eth.reads == ("show interfaces GigabitEthernet0/1", "show processes cpu",
                         "show processes cpu history", "show logging")  # fmt: skip
    vrp = commands_for("huawei", "Serial1/0/0:0")
    assert (vrp.interface, vrp.controller, vrp.serial, vrp.cpu, vrp.cpu_history, vrp.log) == (
        "display interface Serial1/0/0:0",
        "display controller e1 1/0/0",
        None,
        "display cpu-usage",
        None,
        "display logbuffer",
    )
    assert commands_for("huawei_serial", "Serial2/0/0").controller is None


def test_ping_command_lines() -> None:
    ios = commands_for("cisco_ios", "Serial0/0/0:0")
    assert ios.ping("10.0.0.2", 20, 100, 1.0) == "ping 10.0.0.2 repeat 20 size 128 timeout 1"
    assert (
        ios.ping("10.0.0.2", 5, 1472, 0.5, df=True, pattern="0xabcd")
        == "ping 10.0.0.2 repeat 5 size 1500 timeout 1 data ABCD df-bit"
    )
    vrp = commands_for("huawei", "Serial1/0/0:0")
    assert (
        vrp.ping("10.0.0.1", 20, 100, 1.0, df=True, pattern="FF00")
        == "ping -c 20 -s 100 -t 1000 -f -p ff00 10.0.0.1"
    )
    with pytest.raises(CollectorError, match="hex"):
        ios.ping("10.0.0.2", 5, 100, 1.0, pattern="xyz")
    with pytest.raises(CollectorError, match="ping_size"):
        vrp.ping("10.0.0.1", 5, 100000, 1.0)


def test_registry_aliases_and_supported_forms() -> None:
    assert {"cisco_ios", "cisco_xe", "cisco_ios_serial", "cisco_ios_telnet"} <= set(VENDORS)
    assert {"huawei", "huawei_vrp", "huawei_serial"} <= set(VENDORS)
    assert VENDORS["cisco_xe"] is VENDORS["cisco_ios"]
    assert VENDORS["huawei_serial"] is VENDORS["huawei"]
    assert "show controllers e1|t1 [<slot/port>]" in SUPPORTED["cisco_ios"]
    assert "display cpu-usage" in SUPPORTED["huawei_vrp"]


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "command", "refusal"),
    [
        (ios_state(), "show controllers e1 9/9/9", "% Invalid input detected at '^' marker."),
        (ios_state(), "show interfaces Serial9/9/9", "% Invalid input detected at '^' marker."),
        (
            vrp_state(),
            "display controller e1 9/9/9",
            "Error: Wrong parameter found at '^' position.",
        ),
    ],
)
def test_refused_command_raises_with_the_router_line(
    state: RouterState, command: str, refusal: str
) -> None:
    with pytest.raises(CollectorParseError) as err:
        Router(state).run(command)
    msg = str(err.value)
    assert state.hostname in msg and repr(command) in msg and refusal in msg


SAMPLE_COMMANDS = {
    "cisco_ios": [
        "show interfaces Serial0/0/0:0",
        "show controllers e1 0/0/0",
        "show controllers serial 0/1/0",
        "show processes cpu",
        "show processes cpu history",
        "show logging",
        "ping 10.0.0.2 repeat 5",
    ],
    "huawei": [
        "display interface Serial1/0/0:0",
        "display controller e1 1/0/0",
        "display cpu-usage",
        "display logbuffer",
        "ping -c 5 10.0.0.1",
    ],
}
GARBAGE = "lorem ipsum dolor sit amet\nconsectetur 42 adipiscing\n"


@pytest.mark.parametrize(
    ("device_type", "command"),
    [(dt, c) for dt, cmds in SAMPLE_COMMANDS.items() for c in cmds],
)
def test_garbage_and_empty_output_raise(device_type: str, command: str) -> None:
    assert len(SAMPLE_COMMANDS[device_type]) == len(SUPPORTED[device_type])
    with pytest.raises(CollectorParseError) as err:
        parse_command(device_type, command, GARBAGE, device="R9", at=AT)
    msg = str(err.value)
    assert "R9" in msg and repr(command) in msg and "'lorem ipsum dolor sit amet'" in msg
    with pytest.raises(CollectorParseError, match="empty"):
        parse_command(device_type, command, "\r\n\n", device="R9", at=AT)


def test_unknown_command_lists_supported() -> None:
    with pytest.raises(CollectorParseError) as err:
        parse_command("cisco_ios", "show version", "Cisco IOS Software", device="R1", at=AT)
    assert "show interfaces [<interface>]" in str(err.value)
    with pytest.raises(CollectorParseError, match="display logbuffer"):
        parse_command("huawei", "display interface brief", "x", device="R1", at=AT)


def test_unknown_device_type() -> None:
    with pytest.raises(CollectorError, match=r"cisco_ios.*huawei"):
        commands_for("juniper_junos", "ge-0/0/0")
    with pytest.raises(CollectorError, match="supported"):
        parse_command("juniper_junos", "show interfaces", "x", device="R1", at=AT)


def test_prompt_and_echo_lines_are_tolerated() -> None:
    router = Router(ios_state())
    text = router.text("show processes cpu")
    (cpu,) = parse_command(
        "cisco_ios_serial",
        "show processes cpu",
        "CPE-EDGE-01#show processes cpu\r\n" + text.replace("\n", "\r\n") + "CPE-EDGE-01#",
        device="CPE-EDGE-01",
        at=AT,
    )
    assert isinstance(cpu, CpuObservation) and cpu.five_sec == 5


# Cable/clocking lines of other serial hardware, as quoted in DOMAIN.md §2.10 from public pages
# (biokode.net, networkjourney.com, CCNA course material): the simulator renders only GT96K.
@pytest.mark.parametrize(
    ("line", "cable", "clocking"),
    [
        ("DTE V.35 TX and RX clocks detected", "V.35 DTE cable", "TX and RX clocks detected"),
        ("DCE V.35, clock rate 1000000", "V.35 DCE cable", "clock rate 1000000"),
        ("buffer size 1524  HD unit 0, V.35 DCE cable, clockrate 128000", "V.35 DCE cable",
         "clock rate 128000"),
        ("HD unit 1, V.35 DTE cable", "V.35 DTE cable", None),
        ("cable type : UNKNOWN", "UNKNOWN", None),
    ],
)  # fmt: skip
def test_other_serial_controller_shapes(line: str, cable: str, clocking: str | None) -> None:
    text = f"Interface Serial0/0\nHardware is HD64570\n{line}\nidb at 0x81081AC4\n"
    (obs,) = parse_command("cisco_ios", "show controllers serial 0/0", text, device="R1", at=AT)
    assert isinstance(obs, InterfaceObservation)
    assert (obs.interface, obs.cable, obs.clocking) == ("Serial0/0", cable, clocking)

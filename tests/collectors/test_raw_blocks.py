"""Each interface or controller of a multi-block output keeps only its own block as `raw`.

Before, `diag parse` (and every live read) copied the whole pasted output into each of its
observations: a 40-interface `show interfaces` was kept 40 times.  Checked on every real
multi-block capture of the corpus: the blocks partition the output (nothing lost, nothing
repeated), each block is the one that names its interface, and its values are read from it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from diag.collectors.cli.parsers import parse_command
from diag.model.observations import Observation

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CASES = [
    ("cisco_ios", "show interfaces", "ntc/cisco_ios/show_interfaces", "*.raw"),
    ("huawei_vrp", "display interface", "ntc/huawei_vrp/display_interface", "*.raw"),
    ("cisco_ios", "show controllers t1", "ntc/cisco_ios/show_controller_t1", "*.raw"),
    ("cisco_ios", "show interfaces", "genie/ios/ShowInterfaces", "*_output.txt"),
    ("cisco_xe", "show interfaces", "genie/iosxe/ShowInterfaces", "*_output.txt"),
    ("cisco_xe", "show controller t1", "genie/iosxe/ShowControllerT1", "*_output.txt"),
]


# Captures where the blocks cannot be told apart, so each observation keeps the whole text:
WHOLE = {
    "cisco_ios_show_interfaces.raw": "GigabitEthernet0/2 printed twice (two reads pasted)",
    "golden_output_1_output.txt": "the first block indented, the others not (an edited sample)",
}


def _name(o: Observation) -> str:
    name = getattr(o, "interface", None) or getattr(o, "controller", None)
    assert isinstance(name, str)
    return name


# a T3/E3 controller diag refuses to read (test_parsers_corpus checks the refusal)
REFUSED = {"genie/iosxe/ShowControllerT1/golden_output3_output.txt"}


def _samples() -> list[tuple[str, str, Path]]:
    out: list[tuple[str, str, Path]] = []
    for device_type, command, folder, pattern in CASES:
        paths = sorted((CORPUS / folder).glob(pattern))
        assert paths, folder
        out += [
            (device_type, command, p) for p in paths if str(p.relative_to(CORPUS)) not in REFUSED
        ]
    return out


def _read(device_type: str, command: str, path: Path) -> tuple[str, list[Observation]]:
    text = path.read_text(encoding="utf-8")
    return text, parse_command(device_type, command, text, device="pasted", at=AT)


@pytest.mark.parametrize(
    ("device_type", "command", "path"), _samples(), ids=lambda v: getattr(v, "name", v)
)
def test_each_observation_keeps_its_own_block(device_type: str, command: str, path: Path) -> None:
    text, found = _read(device_type, command, path)
    raws = [getattr(o, "raw", None) for o in found]
    if len(found) == 1 or path.name in WHOLE:
        assert raws == [text] * len(found)
        return
    assert all(isinstance(r, str) and r for r in raws)
    blocks = [r for r in raws if isinstance(r, str)]
    assert "".join(sorted(blocks, key=text.index)) == text  # a partition: nothing lost or repeated
    for o, raw in zip(found, blocks, strict=True):
        first = next(line for line in raw.splitlines() if line[:1].strip() and _name(o) in line)
        assert first.startswith(_name(o))
        # the block names no other observation's interface at the start of a line
        others = {_name(x) for x in found} - {_name(o)}
        assert not [ln for ln in raw.splitlines() if any(ln.startswith(n + " ") for n in others)]


def test_a_block_not_found_keeps_the_whole_text() -> None:
    text = (
        "Serial0/0/0:0 is up, line protocol is up\n"
        "  Hardware is GT96K Serial\n"
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort\n"
        "Serial0/0/1:0 is up, line protocol is up\n"
        "  Hardware is GT96K Serial\n"
        "     3 input errors, 3 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort\n"
    )
    a, b = parse_command("cisco_ios", "show interfaces", text, device="pasted", at=AT)
    assert getattr(a, "raw", None) == text.split("Serial0/0/1:0", maxsplit=1)[0]
    assert getattr(b, "raw", None) == "Serial0/0/1:0" + text.split("Serial0/0/1:0")[1]
    assert getattr(b, "crc", None) == 3

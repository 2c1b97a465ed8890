"""Shared corpus paths and parsing helpers for the vendor CLI parser corpus tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from diag.collectors.cli.parsers import parse_command
from diag.model.observations import (
    InterfaceObservation,
    Observation,
)

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IOS_HEADERS = 28  # IOS ping sizes count the IP + ICMP headers; observations count the payload


def rel(path: Path) -> str:
    return str(path.relative_to(CORPUS))


def ntc_files(folder: str) -> list[Path]:
    return sorted((CORPUS / "ntc" / folder).glob("*.raw"))


def genie_files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).glob("*_output.txt"))


def ntc_expected(raw: Path) -> list[dict[str, Any]]:
    data: dict[str, list[dict[str, Any]]] = yaml.safe_load(
        raw.with_suffix(".yml").read_text(encoding="utf-8")
    )
    return data["parsed_sample"]


def genie_expected(output: Path) -> Any:
    return json.loads(genie_sibling(output, "expected").read_text(encoding="utf-8"))


def genie_arguments(output: Path) -> dict[str, str]:
    f = genie_sibling(output, "arguments")
    return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else {}


def genie_sibling(output: Path, what: str) -> Path:
    return output.with_name(output.name.removesuffix("output.txt") + f"{what}.json")


def parse(device_type: str, command: str, path: Path) -> list[Observation]:
    return parse_command(device_type, command, path.read_text(encoding="utf-8"), device="R1", at=AT)


def n(value: str) -> int | None:
    return int(value) if value else None


def ids(paths: list[Path]) -> list[str]:
    return [rel(p) for p in paths]


def interfaces(obs: list[Observation]) -> list[InterfaceObservation]:
    assert all(isinstance(o, InterfaceObservation) for o in obs)
    return [o for o in obs if isinstance(o, InterfaceObservation)]


# --- out of scope: shapes diag does not read must fail loudly ----------------------------------

OUT_OF_SCOPE = {
    "genie/iosxe/ShowControllerT1/golden_output3_output.txt": "a T3/E3 (DS3) controller, not E1/T1",
    "genie/ios/ShowProcessesCpu/golden_output_1_output.txt": "`| include process`: no totals line",
    "genie/iosxe/ShowProcessesCpuSorted/golden_output_2_output.txt": "per-core lines, no total",
}

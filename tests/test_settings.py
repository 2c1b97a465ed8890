"""Collector settings: defaults < inventory default < inventory group < --set."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from diag.errors import InventoryError
from diag.inventory import load_inventory
from diag.settings import CollectorSettings, for_circuit, parse_assignments


def test_layers_in_order() -> None:
    s = for_circuit(
        {"ping_count": 50, "ping_size": 200},
        {"north": {"ping_count": 500}},
        "north",
        parse_assignments(["ping_size=1400", "ping_df=true"]),
    )
    assert (s.ping_count, s.ping_size, s.ping_df) == (500, 1400, True)
    assert s.crc_sample_interval_s == CollectorSettings().crc_sample_interval_s
    s = for_circuit({"ping_count": 50}, {"north": {"ping_count": 500}}, "south")
    assert s.ping_count == 50


def test_inventory_settings_are_validated(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        textwrap.dedent("""
        settings:
          default: {ping_count: 10}
          groups:
            north: {ping_cuont: 5, crc_sample_interval_s: -1}
        """)
    )
    with pytest.raises(InventoryError) as exc:
        load_inventory(tmp_path)
    text = "\n".join(exc.value.problems)
    assert "s.yaml: settings.groups.north: 'ping_cuont'" in text
    assert "'crc_sample_interval_s'" in text


def test_bad_assignment() -> None:
    with pytest.raises(InventoryError, match="write key=value"):
        parse_assignments(["ping_count"])

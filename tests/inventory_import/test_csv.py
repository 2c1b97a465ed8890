"""`diag inventory import csv` / `export csv`: the template, the demo network's round trip, and
malformed rows reported by line and column while the others are imported."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.inventory import load_inventory
from diag.inventory.importers.csv_import import import_csv
from diag.inventory.importers.write import write_folder

from .helpers import demo, differences, nms_file

TEMPLATES = files("diag.inventory").joinpath("templates")


def _export(tmp_path: Path) -> Path:
    dest = tmp_path / "demo.csv"
    r = CliRunner().invoke(cli, ["inventory", "export", "csv", "-o", str(dest)])
    assert r.exit_code == 0, r.output
    return dest


def test_template_parses_and_writes_a_valid_inventory(tmp_path: Path) -> None:
    template = Path(str(TEMPLATES.joinpath("circuits.csv")))
    got = import_csv(template)
    assert [d.render() for d in got.dropped] == []
    assert sorted(got.circuits) == ["BJ-E1-0001", "BJ-V35-0002"]
    # a device named on two rows (hq-rtr, bj-sdh-01) is one device, described once
    assert len(got.devices) == 10
    assert got.devices["hq-rtr"].console == "socket://10.1.0.200:7001"
    assert got.circuits["BJ-V35-0002"].a.converter == "br7-conv"
    nms = Path(str(TEMPLATES.joinpath("nms.yaml")))
    inv = write_folder(got, tmp_path / "out", source="template", extra=[nms], force=False)
    assert set(inv.circuits) == {"BJ-E1-0001", "BJ-V35-0002"}
    assert inv.circuits["BJ-E1-0001"].links[0].launch_power_dbm == -5


def test_demo_network_round_trip(tmp_path: Path) -> None:
    want = demo()
    sheet = _export(tmp_path)
    frame = pd.read_csv(sheet, dtype=str, keep_default_na=False)
    assert len(frame) == len(want.circuits)
    out = tmp_path / "imported"
    r = CliRunner().invoke(
        cli,
        [
            "inventory",
            "import",
            "csv",
            str(sheet),
            "-o",
            str(out),
            "--extra",
            str(nms_file(want, tmp_path)),
        ],
    )
    assert r.exit_code == 0, r.output
    assert f"imported {len(want.circuits)} circuits and {len(want.devices)} devices" in r.output
    got = load_inventory(out)
    assert differences(want, got) == []
    v = CliRunner().invoke(cli, ["inventory", "validate", "--inventory", str(out)])
    assert v.exit_code == 0, v.output
    # and the export of the import is the same sheet
    again = CliRunner().invoke(cli, ["inventory", "export", "csv", "--inventory", str(out)])
    assert again.output == sheet.read_text(encoding="utf-8")


def _broken_sheet(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The demo sheet with four bad rows; the ids of the rows changed, by what was done."""
    frame = pd.read_csv(_export(tmp_path), dtype=str, keep_default_na=False)
    ids = {
        "no_id": frame.at[2, "circuit_id"],
        "bad_ip": frame.at[4, "circuit_id"],
        "vendor": frame.at[6, "circuit_id"],
        "dup": frame.at[1, "circuit_id"],
        "dup_lost": frame.at[8, "circuit_id"],
    }
    frame.at[2, "circuit_id"] = ""
    frame.at[4, "a_wan_ip"] = "10.17.0.999/30"
    frame.at[6, "a_router_vendor"] = "juniper"
    frame.at[6, "a_router_device_type"] = ""
    frame.at[8, "circuit_id"] = ids["dup"]
    path = tmp_path / "broken.csv"
    frame.to_csv(path, index=False)
    return path, ids


def test_malformed_rows_are_reported_by_line_and_column(tmp_path: Path) -> None:
    path, ids = _broken_sheet(tmp_path)
    got = import_csv(path)
    found = {(d.where, d.field) for d in got.dropped}
    # data row i is on line i + 2 (the header is line 1)
    assert ("line 4", "circuit_id") in found
    assert (f"line 6 ({ids['bad_ip']})", "a_wan_ip") in found
    assert (f"line 8 ({ids['vendor']})", "a_router_vendor") in found
    assert (f"line 8 ({ids['vendor']})", "circuit_id") in found  # its circuit is not imported
    assert (f"line 10 ({ids['dup']})", "circuit_id") in found
    assert len(got.dropped) == 5, [d.render() for d in got.dropped]
    vendor = next(d for d in got.dropped if d.field == "a_router_vendor")
    assert "juniper" in vendor.problem and "cisco" in vendor.problem
    dup = next(d for d in got.dropped if d.where.startswith("line 10"))
    assert "line 3" in dup.problem
    # the rest imported, the first of the duplicates kept
    lost = {ids["no_id"], ids["bad_ip"], ids["vendor"], ids["dup_lost"]}
    assert set(got.circuits) == set(demo().circuits) - lost


def test_cli_writes_nothing_unless_partial(tmp_path: Path) -> None:
    path, ids = _broken_sheet(tmp_path)
    extra = ["--extra", str(nms_file(demo(), tmp_path))]
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["inventory", "import", "csv", str(path), "-o", str(out), *extra])
    assert r.exit_code == 3
    assert f"line 6 ({ids['bad_ip']}): a_wan_ip:" in r.output
    assert "nothing written" in r.output
    assert not out.exists()
    r = CliRunner().invoke(
        cli, ["inventory", "import", "csv", str(path), "-o", str(out), "--partial", *extra]
    )
    assert r.exit_code == 0, r.output
    assert "5 row(s) or field(s) left out" in r.output
    assert len(load_inventory(out).circuits) == len(demo().circuits) - 4


def test_refuses_a_folder_with_files_unless_forced(tmp_path: Path) -> None:
    template = str(TEMPLATES.joinpath("circuits.csv"))
    extra = ["--extra", str(TEMPLATES.joinpath("nms.yaml"))]
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.yaml").write_text("devices: []\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["inventory", "import", "csv", template, "-o", str(out), *extra])
    assert r.exit_code == 2
    assert "--force" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["mine.yaml"]
    r = CliRunner().invoke(
        cli, ["inventory", "import", "csv", template, "-o", str(out), "--force", *extra]
    )
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["circuits.yaml", "devices.yaml", "nms.yaml"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_an_inventory_that_would_not_load_is_not_written(tmp_path: Path) -> None:
    """Without the NMS file, the devices' nms names point nowhere: the loader's problems are
    shown and nothing is written."""
    out = tmp_path / "out"
    r = CliRunner().invoke(
        cli, ["inventory", "import", "csv", str(TEMPLATES.joinpath("circuits.csv")), "-o", str(out)]
    )
    assert r.exit_code == 3
    assert "no NMS named 'nms-north'" in r.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("cells", "column", "text"),
    [
        ({"hop1_vendr": "huawei"}, "hop1_vendr", "unknown column"),
        ({"a_contact": "", "a_contact_phone": "+86 1"}, "a_contact_phone", "without a contact"),
        ({"link1_attenuation_db": "nine"}, "link1_attenuation_db", "not a number"),
        ({"b_router_ssh_port": "ssh"}, "b_router_ssh_port", "not a port"),
        ({"a_interface": "e3"}, "a_interface", "e1-75"),
    ],
)
def test_bad_cells(tmp_path: Path, cells: dict[str, str], column: str, text: str) -> None:
    frame = pd.read_csv(str(TEMPLATES.joinpath("circuits.csv")), dtype=str, keep_default_na=False)
    for key, value in cells.items():
        frame.loc[0, key] = value
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    got = import_csv(path)
    hits = [d for d in got.dropped if d.field == column]
    assert hits and text in hits[0].problem, [d.render() for d in got.dropped]


def test_unreadable_files_are_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("circuit_id,customer\nX-1,Caf\xe9\n".encode("latin-1"))
    r = CliRunner().invoke(cli, ["inventory", "import", "csv", str(bad), "-o", str(tmp_path / "o")])
    assert r.exit_code == 3
    assert "not UTF-8" in r.output
    assert "Traceback" not in r.output
    r = CliRunner().invoke(
        cli, ["inventory", "import", "csv", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o")]
    )
    assert r.exit_code == 3 and "no such file" in r.output


def test_line_numbers_count_cells_that_span_lines(tmp_path: Path) -> None:
    """A quoted cell with a line break (refused: it would reach a device as two lines) makes its
    row two lines long; the next row is still named by the line it starts on."""
    frame = pd.read_csv(str(TEMPLATES.joinpath("circuits.csv")), dtype=str, keep_default_na=False)
    frame.loc[0, "customer"] = "Commercial Bank\nbranch 12"
    frame.loc[1, "a_wan_ip"] = "10.7.0.1/33"
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    found = {(d.where, d.field) for d in import_csv(path).dropped}
    assert found == {
        ("line 2 (BJ-E1-0001)", "customer"),
        ("line 4 (BJ-V35-0002)", "a_wan_ip"),
    }

"""Regions on devices and NMSs, scheduled sweeps in the inventory (`sweeps:`), and the generated
lab's regions: loading, selection, and every malformed case naming its file, entry and field."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.errors import InventoryError
from diag.inventory import load_inventory
from diag.lab.gen_topology import CROSS_EVERY, CROSS_FIRST
from diag.lab.generate import generate, load
from diag.model.inventory import SweepSpec
from diag.model.regions import circuit_devices, circuit_regions, device_region

BASE = Path(__file__).resolve().parent.parent / "fixtures" / "bad-inventories" / "_valid"

# Two more circuits over the base's devices plus a few of their own, in two regions.
EXTRA = """
nms:
  - name: nms2
    driver: alarm-mib
    address: 192.0.2.11
    region: south
    snmp: {version: v3, user: diag, auth_key: "lab:nms-auth-key", priv_key: "lab:nms-priv-key"}
devices:
  - {name: pdh-c, role: pdh, vendor: huawei, nms: nms2, ne_name: PDH-C, region: south}
  - {name: pdh-d, role: pdh, vendor: huawei, nms: nms2, ne_name: PDH-D}
  - {name: pdh-e, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-E, region: north}
  - {name: pdh-f, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-F}
circuits:
  - id: BANK-1
    customer: Harbour Bank
    service: e1
    bandwidth: 2M
    group: south-bank
    region: south
    a: {site: A, cpe: pdh-c, interface: e1-120}
    b: {site: B, cpe: pdh-d, interface: e1-120}
  - id: GOV-1
    customer: Tax Bureau
    service: e1
    bandwidth: 2M
    group: north-gov
    region: north
    a: {site: A, cpe: pdh-e, interface: e1-120}
    b: {site: B, cpe: pdh-f, interface: e1-120}
"""


def _folder(tmp_path: Path, sweeps: str = "", name: str = "sweeps.yaml") -> Path:
    work = tmp_path / "inv"
    shutil.copytree(BASE, work)
    (work / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    if sweeps:
        (work / name).write_text(textwrap.dedent(sweeps), encoding="utf-8")
    return work


def _problems(folder: Path) -> str:
    with pytest.raises(InventoryError) as info:
        load_inventory(folder)
    return "\n".join(info.value.problems)


def test_regions_load_and_resolve(tmp_path: Path) -> None:
    inv = load_inventory(_folder(tmp_path))
    assert inv.nms["nms2"].region == "south" and inv.nms["nms1"].region is None
    assert inv.devices["pdh-c"].region == "south" and inv.devices["pdh-d"].region is None
    bank, gov, c1 = inv.circuits["BANK-1"], inv.circuits["GOV-1"], inv.circuits["C1"]
    assert device_region(inv, "pdh-d", bank) == "south"  # none of its own: the circuit's
    assert device_region(inv, "pdh-c", gov) == "south"  # its own wins
    assert device_region(inv, "pdh-a", c1) is None  # neither says
    assert circuit_devices(c1) == ["r-a", "pdh-a", "sdh-x", "pdh-b"]
    assert circuit_regions(inv, bank) == ["south"]
    assert circuit_regions(inv, c1) == []
    assert inv.sweeps == {}


def test_sweeps_load_and_select(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        """\
        sweeps:
          south-15m: {every: 15m, regions: [south]}
          banks: {every: 1h30m, customers: ["*Bank*"], enabled: false}
          by-id: {every: 900, circuits: ["C*", "GOV-?"], nms: [nms1]}
          everything: {every: 30s}
          north-gov: {every: 2h, groups: [north-gov], regions: [north]}
        """,
    )
    inv = load_inventory(folder)
    s = inv.sweeps
    assert set(s) == {"south-15m", "banks", "by-id", "everything", "north-gov"}
    assert s["south-15m"].every_s == 900.0 and s["south-15m"].enabled
    assert s["banks"].every_s == 5400.0 and not s["banks"].enabled
    assert s["by-id"].every == "900" and s["by-id"].every_s == 900.0
    assert s["south-15m"].selection(inv).circuits == ["BANK-1"]
    assert s["banks"].selection(inv).circuits == ["BANK-1"]
    by_id = s["by-id"].selection(inv)
    assert by_id.circuits == ["C1", "GOV-1"] and by_id.ids == ["C*", "GOV-?"]
    assert by_id.nms == ["nms1"]
    assert s["everything"].selection(inv).circuits == ["BANK-1", "C1", "GOV-1"]
    assert s["north-gov"].selection(inv).circuits == ["GOV-1"]


def test_inventory_list_shows_regions_and_sweeps(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "sweeps:\n  south-15m: {every: 15m, regions: [south]}\n")
    r = CliRunner().invoke(
        cli, ["inventory", "list", "--inventory", str(folder)], env={"COLUMNS": "200"}
    )
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    bank = next(line for line in lines if line.lstrip().startswith("BANK-1"))
    assert " south " in bank
    south = next(line for line in lines if line.lstrip().startswith("south "))
    assert south.split() == ["south", "1", "1", "nms2"]  # 1 circuit, 1 device, its NMS
    sweep = next(line for line in lines if line.lstrip().startswith("south-15m"))
    assert sweep.split() == ["south-15m", "15m", "--region", "south", "yes"]


@pytest.mark.parametrize(
    ("sweeps", "want"),
    [
        (
            "sweeps:\n  s1: {every: 15 parsecs}\n",
            ["sweeps.yaml: sweeps.s1: field 'every': '15 parsecs': write a period like 15m"],
        ),
        (
            "sweeps:\n  s1: {regions: [south]}\n",
            ["sweeps.yaml: sweeps.s1: field 'every': required field is missing"],
        ),
        (
            "sweeps:\n  s1: {every: 15m, region: [south]}\n",
            ["sweeps.yaml: sweeps.s1: field 'region': unknown field"],
        ),
        (
            "sweeps:\n  s1: {every: 15m, enabled: 'no'}\n",
            ["sweeps.yaml: sweeps.s1: field 'enabled': write true or false"],
        ),
        (
            "sweeps:\n  s1: {every: 15m, circuits: LAB-*}\n",
            ["sweeps.yaml: sweeps.s1: field 'circuits': Input should be a valid list"],
        ),
        (
            "sweeps:\n  s1: {every: 0.5s}\n",
            ["sweeps.yaml: sweeps.s1: field 'every': '0.5s': the period must be at least 1 s"],
        ),
        ("sweeps:\n  s1: 15m\n", ["sweeps.yaml: sweeps.s1: must be a mapping with at least"]),
        ("sweeps:\n  bad name: {every: 15m}\n", ["sweeps.yaml: sweeps.bad name: a sweep's name"]),
        ("sweeps: [s1]\n", ["sweeps.yaml: 'sweeps' must map sweep names to specs"]),
        (
            "sweeps:\n  s1: {every: 15m, regions: [sooth]}\n",
            [
                "sweeps.yaml: sweeps.s1: field 'regions': no circuit region 'sooth' in the "
                "inventory (known: north, south)"
            ],
        ),
        (
            "sweeps:\n  s1: {every: 15m, groups: [banks]}\n",
            [
                "sweeps.yaml: sweeps.s1: field 'groups': no circuit group 'banks' in the "
                "inventory (known: north-gov, south-bank)"
            ],
        ),
        (
            "sweeps:\n  s1: {every: 15m, nms: [nms3]}\n",
            [
                "sweeps.yaml: sweeps.s1: field 'nms': no NMS 'nms3' in the inventory (known: nms1, nms2)"
            ],
        ),
        (
            "sweeps:\n  s1: {every: 15m, circuits: ['NOPE-*']}\n",
            ["sweeps.yaml: sweeps.s1: the selection matches no circuit"],
        ),
        (
            # every problem of one spec at once, its names checked though it has errors
            "sweeps:\n  s1: {every: soon, groups: [x], enabled: 1}\n",
            [
                "sweeps.s1: field 'every': 'soon': write a period",
                "sweeps.s1: field 'enabled': write true or false",
                "sweeps.s1: field 'groups': no circuit group 'x' in the inventory",
            ],
        ),
    ],
)
def test_bad_sweep_names_file_entry_field(tmp_path: Path, sweeps: str, want: list[str]) -> None:
    problems = _problems(_folder(tmp_path, sweeps))
    for text in want:
        assert text in problems, problems


def test_disabled_sweep_may_match_nothing_but_names_are_still_checked(tmp_path: Path) -> None:
    ok = _folder(tmp_path, "sweeps:\n  s1: {every: 15m, circuits: [X-*], enabled: false}\n")
    assert not load_inventory(ok).sweeps["s1"].enabled
    (ok / "sweeps.yaml").write_text(
        "sweeps:\n  s1: {every: 15m, regions: [east], enabled: false}\n", encoding="utf-8"
    )
    assert "field 'regions': no circuit region 'east'" in _problems(ok)


def test_duplicate_sweep_across_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "sweeps:\n  s1: {every: 15m}\n", name="a.yaml")
    (folder / "b.yaml").write_text("sweeps:\n  s1: {every: 1h}\n", encoding="utf-8")
    problems = _problems(folder)
    assert "b.yaml: sweeps.s1: duplicate sweep 's1' (first defined at " in problems
    assert "a.yaml: sweeps.s1)" in problems


def test_bad_region_field_names_the_entry(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    text = (folder / "extra.yaml").read_text(encoding="utf-8")
    (folder / "extra.yaml").write_text(
        text.replace("region: south\n    snmp", "region: [south]\n    snmp").replace(
            "ne_name: PDH-C, region: south", "ne_name: PDH-C, region: true"
        ),
        encoding="utf-8",
    )
    problems = _problems(folder)
    assert "extra.yaml: nms[0] (name=nms2): field 'region': Input should be a valid string" in (
        problems
    )
    assert "extra.yaml: devices[0] (name=pdh-c): field 'region': YAML read this as a yes/no" in (
        problems
    )


def test_validate_reports_sweep_problems(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "sweeps:\n  s1: {every: 15 parsecs}\n")
    r = CliRunner().invoke(cli, ["inventory", "validate", "--inventory", str(folder)])
    assert r.exit_code == 3, r.output
    assert "sweeps.s1: field 'every'" in r.output and "Traceback" not in r.output


def test_sweep_spec_model() -> None:
    spec = SweepSpec(every="1h30m", regions=["north"])
    assert spec.every_s == 5400.0 and spec.enabled and spec.circuits == []
    with pytest.raises(ValueError, match="write true or false"):
        SweepSpec.model_validate({"every": "1m", "enabled": "yes"})


# --------------------------------------------------------------------------- the generated lab


@pytest.fixture(scope="module")
def gen60(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gen60")
    generate(60, fault_rate=0.2, seed=5, folder=folder, block=201)
    return folder


def test_generated_lab_regions(gen60: Path) -> None:
    inv, _ = load(gen60)
    assert all(n.region == n.name.removeprefix("nms-") for n in inv.nms.values())
    assert all(d.region for d in inv.devices.values())
    regions = {c.region for c in inv.circuits.values()}
    assert regions == {"east", "west"} == {n.region for n in inv.nms.values()}
    for d in inv.devices.values():
        if d.role.value == "sdh":  # a ring NE: its ring's region, named in its name
            assert d.name.startswith(f"{d.region}-r")
    crossing = {}
    for cid, c in inv.circuits.items():
        a_side = {
            device_region(inv, n, c)
            for n in (c.a.router, c.a.cpe, *(h.ne for h in c.transport))
            if n is not None
        }
        assert a_side == {c.region}, cid
        b_side = {device_region(inv, n, c) for n in (c.b.cpe, c.b.router) if n is not None}
        assert len(b_side) == 1, cid
        if b_side != {c.region}:
            crossing[cid] = b_side.pop()
            # the B PDH stays managed by the circuit's region's NMS (its alarms are there)
            assert inv.devices[c.b.cpe].nms == f"nms-{c.region}"
    # 60 circuits: GEN-00001..30 east, 31..60 west; every 25th from the 12th crosses, its B
    # end in the next region (the last region's: in the first)
    assert [CROSS_FIRST, CROSS_FIRST + CROSS_EVERY] == [12, 37]
    assert crossing == {"GEN-00012": "west", "GEN-00037": "east"}
    assert all(len(circuit_regions(inv, inv.circuits[cid])) == 2 for cid in crossing)


def test_generated_lab_sweeps(gen60: Path) -> None:
    inv, _ = load(gen60)
    assert set(inv.sweeps) == {"east-15m", "west-15m"}
    for region in ("east", "west"):
        spec = inv.sweeps[f"{region}-15m"]
        assert spec.every_s == 900.0 and spec.regions == [region] and spec.enabled
        chosen = spec.selection(inv).circuits
        assert chosen == sorted(c for c, x in inv.circuits.items() if x.region == region)
        assert len(chosen) == 30


def test_load_time_match_agrees_with_select(gen60: Path) -> None:
    """The empty-selection check on load matches circuits as diag.sweep.select does."""
    from diag.errors import UsageError
    from diag.inventory import _selects

    inv, _ = load(gen60)
    specs = [
        SweepSpec(every="1m"),
        SweepSpec(every="1m", regions=["west"], customers=["*Bank*"]),
        SweepSpec(every="1m", circuits=["GEN-0001?", "GEN-00037"], nms=["nms-west"]),
        SweepSpec(every="1m", groups=["east-gov", "west-bank"], nms=["nms-east"]),
        SweepSpec(every="1m", circuits=["GEN-00012"], regions=["west"]),  # crosses, but east
    ]
    sizes = []
    for spec in specs:
        try:
            chosen = spec.selection(inv).circuits
        except UsageError:
            chosen = []
        assert chosen == sorted(c for c, x in inv.circuits.items() if _selects(spec, inv, x))
        sizes.append(len(chosen))
    assert sizes[0] == 60 and sizes[-1] == 0 and all(0 < n < 60 for n in sizes[1:-1]), sizes

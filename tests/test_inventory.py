"""Inventory loading: the shipped network loads; every malformed input names file, entry, field."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest
import yaml

from diag.errors import InventoryError
from diag.inventory import load_inventory, yamlsafe
from diag.model.inventory import Inventory
from diag.model.path import build_path

NMS = """
nms:
  - {name: nms1, driver: alarm-mib, address: 192.0.2.10, port: 161,
     snmp: {version: v2c, community: "env:NMS1_COMMUNITY"}}
"""
DEVICES = """
devices:
  - {name: r-a, role: router, vendor: cisco, device_type: cisco_ios,
     mgmt: {address: 192.0.2.1}, login: {username: noc, password: "env:RTR_PW"}}
  - {name: pdh-a, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-A}
  - {name: sdh-x, role: sdh, vendor: huawei, nms: nms1, ne_name: SDH-X}
  - {name: pdh-b, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-B}
"""
CIRCUIT = """
circuits:
  - id: C1
    customer: Test customer
    service: e1
    bandwidth: 2M
    a: {site: A, router: r-a, wan_interface: "Serial0/0/0:0", wan_ip: 10.0.0.1/30, cpe: pdh-a, interface: e1-120}
    b: {site: B, cpe: pdh-b, interface: e1-75}
    transport:
      - {ne: sdh-x, a_port: 1-PQ1-1, b_port: 2-PQ1-1}
"""


def write(tmp: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp


def problems(tmp: Path) -> list[str]:
    with pytest.raises(InventoryError) as exc:
        load_inventory(tmp)
    return exc.value.problems


def test_shipped_lab_inventory_loads(lab_inventory: Inventory) -> None:
    assert set(lab_inventory.circuits) >= {
        "LAB-E1-OK1",
        "LAB-E1-AIS1",
        "LAB-E1-AIS2",
        "LAB-V35-1",
        "LAB-ETH-1",
    }
    assert lab_inventory.nms["nms-lab"].snmp.version.value == "v3"
    from diag.lab.scenario import load_scenario, shipped_scenarios

    expected = {cid for d in shipped_scenarios() for cid in load_scenario(d).expect}
    assert set(lab_inventory.circuits) == expected  # every circuit has a scenario, and back


def test_valid_minimal_inventory(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path, **{"a.yaml": NMS + DEVICES, "b.yaml": CIRCUIT}))
    path = build_path(inv.circuits["C1"], inv)
    assert [e.id for e in path.elements] == [
        "C1:lan-a",
        "r-a",
        "pdh-a",
        "sdh-x",
        "pdh-b",
        "C1:lan-b",
    ]
    assert [lk.kind.value for lk in path.links] == ["lan", "e1-cable", "fiber", "fiber", "lan"]
    assert path.element("sdh-x").a_port == "1-PQ1-1"


def test_every_problem_reported_with_file_entry_field(tmp_path: Path) -> None:
    bad_devices = DEVICES.replace("address: 192.0.2.1", "address: 300.1.2.4").replace(
        "ne_name: SDH-X", "ne_name: SDH-X, colour: red"
    )
    bad_circuit = CIRCUIT.replace("cpe: pdh-b", "cpe: pdh-bb").replace(
        "bandwidth: 2M", "bandwidth: fast"
    )
    found = problems(write(tmp_path, **{"dev.yaml": NMS + bad_devices, "circ.yaml": bad_circuit}))
    text = "\n".join(found)
    assert "dev.yaml: devices[0] (name=r-a): field 'mgmt.address'" in text
    assert "dev.yaml: devices[2] (name=sdh-x): field 'colour': unknown field" in text
    assert "circ.yaml: circuits[0] (id=C1): field 'bandwidth'" in text
    # C1's bandwidth error does not hide its bad reference: every problem shows at once
    assert "circ.yaml: circuits[0] (id=C1): field 'b.cpe': no device named 'pdh-bb'" in text
    assert len(found) == 4, found


def test_unknown_references_and_suggestions(tmp_path: Path) -> None:
    found = problems(
        write(
            tmp_path,
            **{
                "a.yaml": NMS
                + DEVICES.replace("nms: nms1, ne_name: PDH-B", "nms: nms2, ne_name: PDH-B"),
                "b.yaml": CIRCUIT.replace("cpe: pdh-b", "cpe: pdh-bb"),
            },
        )
    )
    text = "\n".join(found)
    assert "devices[3] (name=pdh-b): field 'nms': no NMS named 'nms2' (did you mean nms1?)" in text
    assert (
        "circuits[0] (id=C1): field 'b.cpe': no device named 'pdh-bb' (did you mean pdh-b" in text
    )


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    found = problems(write(tmp_path, **{"a.yaml": NMS + DEVICES + CIRCUIT, "b.yaml": CIRCUIT}))
    assert len(found) == 1, found
    assert "b.yaml: circuits[0] (id=C1): duplicate id 'C1' (first defined at " in found[0]
    assert found[0].endswith("a.yaml: circuits[0] (id=C1))")


def test_impossible_paths(tmp_path: Path) -> None:
    circuit = (
        CIRCUIT.replace(
            "- {ne: sdh-x, a_port: 1-PQ1-1, b_port: 2-PQ1-1}", "- {ne: pdh-a}\n      - {ne: r-a}"
        )
        + '    links:\n      - {between: ["C1:lan-a", pdh-b], kind: fiber}\n'
    )
    found = problems(write(tmp_path, **{"a.yaml": NMS + DEVICES, "b.yaml": circuit}))
    text = "\n".join(found)
    assert "field 'transport[1].ne': 'r-a' is a router" in text
    assert "impossible path: device 'pdh-a' appears twice" in text
    assert "field 'links[0].between': 'C1:lan-a' and 'pdh-b' are not neighbours" in text


@pytest.mark.parametrize(
    "field,literal",
    [
        ("community", "public"),
        ("password", "s3cret!"),
    ],
)
def test_plaintext_credentials_refused(tmp_path: Path, field: str, literal: str) -> None:
    text = NMS + DEVICES
    text = text.replace('"env:NMS1_COMMUNITY"' if field == "community" else '"env:RTR_PW"', literal)
    found = problems(write(tmp_path, **{"a.yaml": text, "b.yaml": CIRCUIT}))
    hit = [p for p in found if f"'{field}' " in p or f".{field}'" in p]
    assert hit, found
    assert "literal secret" in hit[0] and "env:VARIABLE" in hit[0] and "file:" in hit[0]
    assert literal not in "\n".join(found)  # the secret itself is never echoed


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    found = problems(write(tmp_path, **{"a.yaml": "devices:\n  - {name: x\n"}))
    assert found[0].split("/")[-1].startswith("a.yaml: line 3 column 1 is not valid YAML")


def test_converter_must_match_interface(tmp_path: Path) -> None:
    devices = DEVICES + "  - {name: conv, role: ethernet-converter, vendor: raisecom}\n"
    circuit = CIRCUIT.replace("interface: e1-120", "interface: v35-dte, converter: conv")
    found = problems(write(tmp_path, **{"a.yaml": NMS + devices, "b.yaml": circuit}))
    assert any(
        "a v35-dte end needs a v35-converter, but 'conv' is a ethernet-converter" in p
        for p in found
    ), found


def test_missing_folder() -> None:
    with pytest.raises(InventoryError, match="no such file or folder"):
        load_inventory("/nonexistent/inventory")


# --- the bounded YAML reader reads what PyYAML's safe loader reads -----------------------------

ROOT = Path(__file__).resolve().parent.parent


class _Reference(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """PyYAML's safe loader with dates kept as text, as diag.inventory.yamlsafe keeps them."""


_Reference.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),
)


def _reference(text: str) -> object:
    return yaml.load(text, Loader=_Reference)  # noqa: S506


def test_yamlsafe_reads_every_yaml_file_of_the_project_as_pyyaml_does() -> None:
    files = [
        p
        for pattern in ("inventory/**/*.yaml", "fixtures/**/*.yaml", "diag/**/*.yaml")
        for p in ROOT.glob(pattern)
        if "bad-inventories" not in p.parts
    ]
    assert len(files) > 100
    for f in files:
        text = f.read_text(encoding="utf-8")
        data, duplicates = yamlsafe.load(text)
        assert data == _reference(text), f
        assert not duplicates, (f, duplicates)


_WORDS = [
    "yes", "No", "on", "OFF", "~", "null", "", " ", "0x1F", "010", "0o17", "1_000", "1e3",
    ".inf", "-.Inf", ".nan", "12:30:45", "2024-02-30", "2024-05-01 10:20:30", "a: b", "- x",
    "#c", "'q'", '"d"', "Serial0/0/0:0", "é中", "<<", "=", "!tag", "&a", "*a", "multi\nline",
    "  lead", "trail  ", "3.14", "+1", "-0", "0.", "true", "False",
]  # fmt: skip


def _random_value(rng: random.Random, depth: int) -> object:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(
            [rng.choice(_WORDS), rng.randint(-(10**12), 10**12), rng.random() * 1e3, None,
             rng.random() < 0.5]
        )  # fmt: skip
    if roll < 0.7:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {
        rng.choice(_WORDS) + str(i): _random_value(rng, depth + 1) for i in range(rng.randint(0, 4))
    }


@pytest.mark.parametrize("seed", range(40))
def test_yamlsafe_matches_pyyaml_on_random_documents(seed: int) -> None:
    """Seeded random plain data, dumped in every style: both readers agree value for value."""
    rng = random.Random(seed)
    data = {f"k{i}": _random_value(rng, 0) for i in range(8)}
    for style in (False, True, None):
        text = yaml.safe_dump(data, default_flow_style=style, allow_unicode=bool(seed % 2))
        got, _ = yamlsafe.load(text)
        assert got == _reference(text), text


def test_yamlsafe_anchors_merge_keys_and_duplicates() -> None:
    text = textwrap.dedent(
        """\
        base: &login {username: noc, password: "env:PW"}
        other: &site {site: A}
        r1: {<<: *login, username: ops}
        r2:
          <<: [*site, *login]
          site: B
        list: [*login, *login]
        dup: 1
        dup: 2
        """
    )
    got, duplicates = yamlsafe.load(text)
    assert got == _reference(text)
    assert got["r1"] == {"username": "ops", "password": "env:PW"}
    assert duplicates == [
        "line 9: key 'dup' is given twice in one mapping (first on line 8); YAML keeps only the last"
    ]


def test_dates_stay_text(tmp_path: Path) -> None:
    """`ne_name: 2024-02-30` was an impossible date that made the file unreadable."""
    devices = DEVICES.replace("ne_name: PDH-A", "ne_name: 2024-02-30")
    inv = load_inventory(write(tmp_path, **{"a.yaml": NMS + devices, "b.yaml": CIRCUIT}))
    assert inv.devices["pdh-a"].ne_name == "2024-02-30"


def test_every_field_refuses_control_characters_and_yes_no(tmp_path: Path) -> None:
    """One entry, many bad fields: every one is named at once (no cascade inside an entry)."""
    devices = DEVICES.replace(
        "{name: pdh-a, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-A}",
        '{name: pdh-a, role: pdh, vendor: "hua\\nwei", model: "\\e[31m", nms: nms1, '
        "ne_name: PDH-A, snmp: {version: v3, user: u, auth_key: lab:nms-auth-key, "
        "priv_key: lab:nms-priv-key, port: true, retries: 1.5}}",
    )
    found = problems(write(tmp_path, **{"a.yaml": NMS + devices, "b.yaml": CIRCUIT}))
    text = "\n".join(found)
    where = "devices[1] (name=pdh-a): field"
    assert f"{where} 'vendor': contains a line feed (U+000A) at character 4" in text
    assert f"{where} 'model': contains an escape (U+001B) at character 1" in text
    assert f"{where} 'snmp.port': YAML read this as a yes/no value (true)" in text
    assert f"{where} 'snmp.retries': must be a whole number" in text
    assert len(found) == 4, found


def test_inventory_bounds_are_documented() -> None:
    """The limits the docs state are the limits the code applies."""
    from diag import inventory as module

    doc = (ROOT / "docs" / "inventory.md").read_text(encoding="utf-8")
    assert f"{module.MAX_FILE_BYTES // 2**20} MiB per file" in doc
    assert f"{module.MAX_TOTAL_BYTES // 2**20} MiB" in doc
    assert f"{yamlsafe.MAX_DEPTH} levels" in doc
    assert f"{yamlsafe.MAX_NODES:,}" in doc


def test_total_size_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diag.inventory import files

    monkeypatch.setattr(files, "MAX_TOTAL_BYTES", len(NMS + DEVICES) + 10)
    found = problems(write(tmp_path, **{"a.yaml": NMS + DEVICES, "b.yaml": CIRCUIT}))
    assert found[0].endswith(
        "b.yaml: not read: with it the inventory's files would pass 0 MiB in all"
    )


def test_file_count_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from diag.inventory import files

    monkeypatch.setattr(files, "MAX_FILES", 2)
    found = problems(
        write(tmp_path, **{"a.yaml": NMS, "b.yaml": DEVICES, "c.yaml": CIRCUIT, "d.yaml": ""})
    )
    assert found[0].endswith("c.yaml: more than 2 files; the rest are not read"), found

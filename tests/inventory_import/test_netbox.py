"""`diag inventory import netbox`: the demo network served by a NetBox-shaped REST API on
127.0.0.1 (tests/inventory_import/netbox_fake.py) and read through pynetbox, or from an export
file of the same objects; unmappable objects named by id and field; a refused token."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.inventory import load_inventory
from diag.inventory.importers.netbox import NetBoxData, map_netbox

from .helpers import demo, differences, nms_file
from .netbox_fake import PATHS, NetBox, build
from .netbox_server import serve

TOKEN = "0123456789abcdef0123456789abcdef01234567"
VAR = "DIAG_TEST_NETBOX_TOKEN"


def _import(args: list[str], tmp_path: Path) -> Any:
    extra = ["--extra", str(nms_file(demo(), tmp_path))]
    return CliRunner().invoke(cli, ["inventory", "import", "netbox", *args, *extra])


def _written(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file())


def test_api_import_equals_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = demo()
    monkeypatch.setenv(VAR, TOKEN)
    out = tmp_path / "out"
    with serve(want, TOKEN) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = _import(["--url", url, "--token-env", VAR, "-o", str(out)], tmp_path)
    assert r.exit_code == 0, r.output
    assert differences(want, load_inventory(out)) == []
    # every endpoint read, the larger lists over several pages, with the token as NetBox wants it
    for path in PATHS.values():
        assert any(p.startswith(f"/api/{path}/") for p in server.requests), path
    assert any("offset=" in p for p in server.requests if p.startswith("/api/dcim/devices/"))
    assert set(server.auth_headers) == {f"Token {TOKEN}"}
    assert TOKEN not in r.output
    assert TOKEN not in _written(out)
    v = CliRunner().invoke(cli, ["inventory", "validate", "--inventory", str(out)])
    assert v.exit_code == 0, v.output


def test_token_not_in_library_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """requests, urllib3 and pynetbox log at DEBUG what they send: never the token."""
    monkeypatch.setenv(VAR, TOKEN)
    caplog.set_level(logging.DEBUG)
    with serve(demo(), TOKEN) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = _import(["--url", url, "--token-env", VAR, "-o", str(tmp_path / "o")], tmp_path)
    assert r.exit_code == 0, r.output
    assert "/api/dcim/devices/" in caplog.text  # the libraries did log the requests
    assert TOKEN not in caplog.text


def test_unreachable_netbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port just freed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(VAR, TOKEN)
    r = _import(["--url", f"http://127.0.0.1:{port}", "--token-env", VAR], tmp_path)
    assert r.exit_code == 3
    assert f"cannot reach NetBox at http://127.0.0.1:{port}" in r.output
    assert TOKEN not in r.output


def test_wrong_token_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "ffffffffffffffffffffffffffffffffffffffff"
    monkeypatch.setenv(VAR, wrong)
    out = tmp_path / "out"
    with serve(demo(), TOKEN) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = _import(["--url", url, "--token-env", VAR, "-o", str(out)], tmp_path)
    assert r.exit_code == 3
    assert "refused the token (HTTP 403)" in r.output
    assert VAR in r.output
    assert wrong not in r.output and TOKEN not in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


def test_token_variable_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    r = _import(["--url", "http://127.0.0.1:9", "--token-env", VAR], tmp_path)
    assert r.exit_code == 2
    assert f"{VAR} is not set" in r.output


def _export_file(nb: NetBox, path: Path) -> Path:
    """The objects as an export: some keys as NetBox's pages, others as plain lists."""
    doc: dict[str, Any] = {}
    for i, (key, rows) in enumerate(nb.full.items()):
        doc[key] = (
            {"count": len(rows), "next": None, "previous": None, "results": rows} if i % 2 else rows
        )
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_from_export_equals_the_demo(tmp_path: Path) -> None:
    want = demo()
    export = _export_file(build(want, "http://netbox.invalid"), tmp_path / "netbox.json")
    out = tmp_path / "out"
    r = _import(["--from-export", str(export), "-o", str(out)], tmp_path)
    assert r.exit_code == 0, r.output
    assert differences(want, load_inventory(out)) == []


def _spoil(nb: NetBox) -> dict[str, Any]:
    """Three objects diag cannot map; what each is."""
    device = nb.full["devices"][5]
    device["role"] = {**device["role"], "slug": "server", "name": "Server", "display": "Server"}
    term = nb.full["circuit_terminations"][7]
    term["custom_fields"]["diag_cpe"] = None
    site_term = nb.full["circuit_terminations"][20]
    site = nb.full["sites"][site_term["termination_id"] - 1]
    del site["name"]
    return {"device": device, "term": term, "site": site, "site_term": site_term}


def test_unmappable_objects_are_named_by_id_and_field(tmp_path: Path) -> None:
    want = demo()
    nb = build(want, "http://netbox.invalid")
    bad = _spoil(nb)
    got = map_netbox(NetBoxData(nb.full))
    found = {(d.where, d.field) for d in got.dropped}
    dev, term = bad["device"], bad["term"]
    assert (f"dcim.device {dev['id']} ({dev['name']})", "role") in found
    cid = term["circuit"]["cid"]
    assert (
        f"circuits.circuittermination {term['id']} ({cid} {term['term_side']})",
        "a.cpe",
    ) not in found
    assert any(
        w.startswith(f"circuits.circuittermination {term['id']} ") and f == "custom_fields.diag_cpe"
        for w, f in found
    ), found
    site, site_term = bad["site"], bad["site_term"]
    assert (f"dcim.site {site['id']} ({site['display']})", "name") in found
    assert any(
        w.startswith(f"circuits.circuittermination {site_term['id']} ") and f == "termination"
        for w, f in found
    ), found
    assert site_term["circuit"]["cid"] not in got.circuits
    # the circuits that use the bad device or termination are left out; the rest imported
    assert cid not in got.circuits
    assert not any(
        dev["name"] in (c.a.router, c.a.cpe, c.b.router, c.b.cpe) for c in got.circuits.values()
    )
    assert len(got.circuits) >= len(want.circuits) - 3


def test_unmappable_objects_fail_the_cli_unless_partial(tmp_path: Path) -> None:
    nb = build(demo(), "http://netbox.invalid")
    bad = _spoil(nb)
    export = _export_file(nb, tmp_path / "netbox.json")
    out = tmp_path / "out"
    r = _import(["--from-export", str(export), "-o", str(out)], tmp_path)
    assert r.exit_code == 3
    assert f"dcim.device {bad['device']['id']} ({bad['device']['name']}): role:" in r.output
    assert not out.exists()
    r = _import(["--from-export", str(export), "-o", str(out), "--partial"], tmp_path)
    assert r.exit_code == 0, r.output
    assert load_inventory(out).circuits


def test_export_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"devices": {"results": 3}}', encoding="utf-8")
    r = _import(["--from-export", str(bad), "-o", str(tmp_path / "o")], tmp_path)
    assert r.exit_code == 3 and "'devices' must be a list" in r.output
    bad.write_text('{"gadgets": []}', encoding="utf-8")
    r = _import(["--from-export", str(bad), "-o", str(tmp_path / "o")], tmp_path)
    assert r.exit_code == 3 and "unknown key(s) gadgets" in r.output


def _with_transit(nb: NetBox) -> None:
    """An Internet transit circuit of another provider, with none of diag's custom fields."""
    other = nb._named("circuits/providers", "Transit Co")
    nb._add(
        "providers",
        {"name": other["name"], "slug": other["slug"], "description": "", "custom_fields": {}},
        {"display": other["name"], "name": other["name"], "slug": other["slug"]},
    )
    nb._add(
        "circuits",
        {
            "cid": "INET-0001",
            "provider": other,
            "type": nb._named("circuits/circuit-types", "Internet", {"slug": "internet"}),
            "status": {"value": "active", "label": "Active"},
            "tenant": None,
            "commit_rate": 1000000,
            "termination_a": None,
            "termination_z": None,
            "custom_fields": {},
        },
        {"display": "INET-0001", "cid": "INET-0001", "description": ""},
    )


def test_provider_filter(tmp_path: Path) -> None:
    want = demo()
    nb = build(want, "http://netbox.invalid")
    _with_transit(nb)
    export = _export_file(nb, tmp_path / "netbox.json")
    r = _import(["--from-export", str(export), "-o", str(tmp_path / "all")], tmp_path)
    assert r.exit_code == 3
    assert "circuits.circuit 61 (INET-0001): termination_a:" in r.output
    out = tmp_path / "ours"
    r = _import(
        ["--from-export", str(export), "--provider", "lab-carrier", "-o", str(out)], tmp_path
    )
    assert r.exit_code == 0, r.output
    assert differences(want, load_inventory(out)) == []
    r = _import(["--from-export", str(export), "--provider", "Lab Carier"], tmp_path)
    assert r.exit_code == 2
    assert "no provider Lab Carier in NetBox; it has: Lab Carrier, Transit Co" in r.output

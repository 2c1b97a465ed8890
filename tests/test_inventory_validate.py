"""The malformed-inventory corpus: every case fails `diag inventory validate` with exit 3, names
the file, entry and field, and never shows a traceback.

Each folder under fixtures/bad-inventories/ is one case (fixtures/bad-inventories/README.md):
its YAML files, an `expect.txt` (one substring per line that the output must contain; `!text`:
must not contain; `\\n` is a newline; `#` lines are comments) and optionally a `prepare.txt`
with what the case needs on this machine (file modes, owners, FIFOs, environment variables).
The case is copied to a temporary folder first; `@CASE@` in its YAML becomes that folder's path
(file: references must be absolute).  `_valid/` is the base the cases were made from: it must
validate cleanly, so each case fails only for what it changed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from diag.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "bad-inventories"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _prepare(case: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the case's prepare.txt steps on its copy `work`."""
    script = case / "prepare.txt"
    if not script.exists():
        return
    for line in script.read_text(encoding="utf-8").splitlines():
        verb, _, rest = line.partition(" ")
        if verb == "chmod":
            mode, name = rest.split(" ", 1)
            (work / name).chmod(int(mode, 8))
        elif verb == "chown-other":
            if os.geteuid() != 0:
                pytest.skip("giving a file to another user needs root")
            os.chown(work / rest, 65534, 65534)
        elif verb == "unset":
            monkeypatch.delenv(rest, raising=False)
        elif verb == "setenv":
            name, _, value = rest.partition(" ")
            monkeypatch.setenv(name, value.encode().decode("unicode_escape"))
        elif verb == "mkfifo":
            os.mkfifo(work / rest)
        elif verb == "truncate":
            name, size = rest.split(" ", 1)
            with (work / name).open("wb") as fh:
                fh.truncate(int(size))
        else:
            raise AssertionError(f"{script}: unknown step {line!r}")


def _copy(case: Path, tmp_path: Path) -> Path:
    dest = tmp_path / case.name
    shutil.copytree(case, dest, ignore=shutil.ignore_patterns("expect.txt", "prepare.txt"))
    for f in dest.rglob("*.yaml"):
        data = f.read_bytes()
        if b"@CASE@" in data:
            f.write_bytes(data.replace(b"@CASE@", str(dest).encode()))
    return dest


def _validate(folder: Path) -> tuple[int, str, str]:
    """(exit code, everything printed, stdout alone)."""
    r = CliRunner().invoke(cli, ["inventory", "validate", "--inventory", str(folder)])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception  # a traceback: the test fails with it
    return r.exit_code, r.output, r.stdout


def test_corpus_size() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_inventory(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = _copy(case, tmp_path)
    _prepare(case, work, monkeypatch)
    code, out, _ = _validate(work)
    assert "Traceback" not in out
    assert code == 3, out
    for line in (case / "expect.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        want = line.replace("\\n", "\n")
        if want.startswith("!"):
            assert want[1:] not in out, f"{case.name}: {want[1:]!r} must not appear:\n{out}"
        else:
            assert want in out, f"{case.name}: {want!r} missing from:\n{out}"


def test_base_of_the_corpus_is_valid(tmp_path: Path) -> None:
    code, out, stdout = _validate(_copy(CORPUS / "_valid", tmp_path))
    assert code == 0, out
    assert stdout.startswith("ok: 1 NMS, 4 devices, 1 circuits in 2 files")


def test_shipped_inventory_validates() -> None:
    code, out, stdout = _validate(CORPUS.parent.parent / "inventory")
    assert code == 0, out
    assert stdout.startswith("ok: ")


def test_warnings_do_not_fail_validate(tmp_path: Path) -> None:
    """A console not plugged in yet and SNMP v2c are warnings (stderr), exit 0."""
    work = _copy(CORPUS / "_valid", tmp_path)
    net = work / "network.yaml"
    text = net.read_text(encoding="utf-8")
    text = text.replace(
        'snmp: {version: v3, user: diag, auth_key: "lab:nms-auth-key", '
        'priv_key: "lab:nms-priv-key"}',
        'snmp: {version: v2c, community: "lab:nms-community"}',
    ).replace(
        "mgmt: {address: 192.0.2.1, port: 22}",
        f"mgmt: {{address: 192.0.2.1, port: 22}}\n    console: {tmp_path}/ttyUSB9",
    )
    net.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["inventory", "validate", "--inventory", str(work)])
    assert r.exit_code == 0, r.output
    assert "2 warning(s) on stderr" in r.stdout
    assert (
        "network.yaml: nms[0] (name=nms1): field 'snmp.version': SNMP v2c sends the community "
        "in clear text" in r.stderr
    )
    assert "network.yaml: devices[0] (name=r-a): field 'console'" in r.stderr
    assert "does not exist on this machine (yet)" in r.stderr


# --- clear-text SNMP: warned by validate (above), and on every run that polls it ---------------


def _v2c_inventory(tmp_path: Path, port: int = 161) -> Path:
    work = _copy(CORPUS / "_valid", tmp_path)
    net = work / "network.yaml"
    text = net.read_text(encoding="utf-8")
    text = (
        text.replace(
            "    address: 192.0.2.10\n",
            f"    address: 127.0.0.1\n    port: {port}\n",
        )
        .replace(
            'snmp: {version: v3, user: diag, auth_key: "lab:nms-auth-key", '
            'priv_key: "lab:nms-priv-key"}',
            'snmp: {version: v2c, community: "lab:nms-community", timeout: 0.2, retries: 0}',
        )
        .replace(
            "ne_name: PDH-B}",
            'ne_name: PDH-B, mgmt: {address: 127.0.0.1}, snmp: {version: v2c, community: "lab:nms-community"}}',
        )
    )
    net.write_text(text, encoding="utf-8")
    return work


def test_cleartext_snmp_names_what_a_run_polls(tmp_path: Path) -> None:
    from diag.inventory import cleartext_snmp, load_inventory

    inv = load_inventory(_v2c_inventory(tmp_path))
    lines = cleartext_snmp(inv, circuit="C1")
    assert [ln.split(":")[0] for ln in lines] == ["NMS nms1", "device pdh-b"]
    assert all("community in clear text" in ln and "v3 authPriv" in ln for ln in lines)
    assert [ln.split(":")[0] for ln in cleartext_snmp(inv, nms="nms1")] == ["NMS nms1"]
    v3 = load_inventory(_copy(CORPUS / "_valid", tmp_path / "v3"))
    assert cleartext_snmp(v3, circuit="C1") == [] and cleartext_snmp(v3) == []


def test_alarms_warns_on_stderr_not_in_the_json(tmp_path: Path) -> None:
    import json
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a port nothing answers on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    work = _v2c_inventory(tmp_path, port)
    r = CliRunner().invoke(cli, ["alarms", "nms1", "--inventory", str(work), "--json", "-"])
    assert r.exit_code == 6, r.output  # nothing answers: the collector could not read it
    assert "diag: warning: NMS nms1: SNMP v2c sends the community in clear text" in r.stderr
    assert "clear text" not in r.stdout
    json.loads(r.stdout)

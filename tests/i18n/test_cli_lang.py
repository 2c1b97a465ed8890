"""`diag --lang zh` and DIAG_LANG=zh over the real lab: a `diag` process diagnoses one lab circuit
through its real collectors (SNMP agent, SSH servers on loopback) and speaks Chinese; the JSON
says `"lang": "zh"` and validates; --lang wins over DIAG_LANG; the verdict is the English one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import shipped_scenarios

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
CIRCUIT = "LAB-E1-AIS2"  # scenario ais-second-station: localized to ais2-pdh-1 … ais2-sdh-b
CJK = re.compile(r"[\u4e00-\u9fff]")
FAST = ("--set", "crc_sample_interval_s=1", "--set", "ping_count=3")
GUARD_S = 300  # a hung process fails the test instead of hanging it (not a timing check)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The one scenario's lab, served in this process; the inventory folder it wrote."""
    dirs = [d for d in shipped_scenarios() if d.name == "ais-second-station"]
    assert len(dirs) == 1
    inv, scns, inv_dir = prepare(dirs, None, tmp_path_factory.mktemp("lab"))
    with LabThread(LabNetwork(inv, scns)):
        yield inv_dir


def _diag(lab: Path, out: Path, *front: str, env: dict[str, str]) -> tuple[int, str]:
    """`python -m diag.cli [front] circuit CIRCUIT --json out`: (exit code, terminal text)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DIAG_LANG", "LANG", "LC_ALL")}
    args = ["circuit", CIRCUIT, "--inventory", str(lab), "--json", str(out), *FAST]
    proc = subprocess.run(
        [sys.executable, "-m", "diag.cli", *front, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, "COLUMNS": "200", **env},
        timeout=GUARD_S,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_lang_option_and_environment(
    lab: Path, tmp_path: Path, findings_schema: dict[str, object]
) -> None:
    en_code, en_text = _diag(lab, tmp_path / "en.json", env={})
    zh_code, zh_text = _diag(lab, tmp_path / "zh.json", "--lang", "zh", env={})
    env_code, env_text = _diag(lab, tmp_path / "env.json", env={"DIAG_LANG": "zh"})
    over_code, over_text = _diag(
        lab, tmp_path / "over.json", "--lang", "en", env={"DIAG_LANG": "zh"}
    )
    assert en_code == zh_code == env_code == over_code == 10, zh_text  # fault localized
    assert "FAULT LOCALIZED" in en_text and "Verdict:" in en_text
    for text in (zh_text, env_text):
        assert "结论：" in text and "故障已定位" in text and "证据" in text, text
        assert "Verdict:" not in text and "FAULT LOCALIZED" not in text
        assert "ais2-pdh-1 … ais2-sdh-b" in text  # element names are never translated
    assert "Verdict:" in over_text and "结论" not in over_text
    docs = {
        n: json.loads((tmp_path / f"{n}.json").read_text()) for n in ("en", "zh", "env", "over")
    }
    assert {n: d["lang"] for n, d in docs.items()} == {
        "en": "en",
        "zh": "zh",
        "env": "zh",
        "over": "en",
    }
    for d in docs.values():
        jsonschema.validate(d, findings_schema)
    zh, en = docs["zh"], docs["en"]
    assert CJK.search(zh["verdict"]["summary"]) and CJK.search(zh["customer_summary"]["text"])
    assert not CJK.search(en["verdict"]["summary"])
    assert (zh["verdict"]["status"], zh["verdict"]["segment"], zh["verdict"]["owner"]) == (
        en["verdict"]["status"],
        en["verdict"]["segment"],
        en["verdict"]["owner"],
    )
    assert sorted(f["rule"] for f in zh["findings"]) == sorted(f["rule"] for f in en["findings"])


def test_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    # refused before anything is read: no lab, no inventory needed
    code, text = _diag(tmp_path, tmp_path / "x.json", env={"DIAG_LANG": "fr"})
    assert code == 2 and "DIAG_LANG: unknown language 'fr'" in text
    code, text = _diag(tmp_path, tmp_path / "x.json", "--lang", "fr", env={})
    assert code == 2 and "'fr' is not one of 'en', 'zh'" in text

"""Packaging (issue 12 item 7): the wheel carries every data file of the package (scenarios,
demo inventory, TextFSM templates, i18n catalogs, schemas, playbooks, migrations), every library
diag imports is declared, and the wheel installed into a fresh venv runs `diag demo` to the end
from a folder outside the repository (`pip install .` used to die there on a missing file)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "diag"
# what a wheel is built from: the rest (tests, fixtures, .venv, .git) is not the package's
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "NOTICE", "diag"]
PIP = [sys.executable, "-m", "pip"]


def _data_files() -> list[str]:
    """Every file under diag/ that is not Python source or a cache."""
    return sorted(
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built offline with this venv's setuptools from a copy of the sources."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run(
        [
            *PIP,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(out),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (built,) = out.glob("diag-*.whl")
    return built


def test_the_wheel_carries_every_data_file_of_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = _data_files()
    missing = [f for f in data if f not in names]
    assert not missing, f"not in the wheel: {missing}"
    # each kind the product needs at run time, named so that an empty glob cannot pass
    kinds = {
        "scenarios": r"diag/lab/shipped/scenarios/[^/]+/scenario\.yaml",
        "demo inventory": r"diag/lab/shipped/inventory/.+\.yaml",
        "known_hosts": r"diag/lab/shipped/inventory/known_hosts",
        "TextFSM templates": r"diag/.+\.textfsm",
        "i18n catalogs": r"diag/i18n/zh\..+\.yaml",
        "schemas": r"diag/schema/.+\.schema\.json",
        "playbooks": r"diag/playbooks/.+\.yaml",
        "migrations": r"diag/history/migrations/versions/.+\.py",
        "alembic env": r"diag/history/migrations/script\.py\.mako",
        "py.typed": r"diag/py\.typed",
    }
    for kind, pattern in kinds.items():
        assert any(re.fullmatch(pattern, n) for n in names), f"no {kind} in the wheel"


def _imported_top_levels() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"diag", "__future__"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_library_is_declared() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        _norm(re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0])
        for d in [*meta["dependencies"], *meta["optional-dependencies"]["postgresql"]]
    }
    dists = packages_distributions()
    undeclared = {
        mod: dists.get(mod, ["?"])
        for mod in _imported_top_levels()
        if not {_norm(d) for d in dists.get(mod, [])} & declared
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


@pytest.mark.slow
@pytest.mark.lab
@pytest.mark.timeout(1500)
def test_a_fresh_venv_runs_the_demo_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    """The wheel installed (not editable) into a new venv; its dependencies are this venv's,
    seen through a path file, so that the test needs no network; run outside the repository."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    fresh_site = Path(
        sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    )
    ours = Path(sysconfig.get_path("purelib"))
    # a plain path line: the editable install's own .pth files in `ours` are not processed
    (fresh_site / "deps.pth").write_text(f"{ours}\n", encoding="utf-8")
    r = subprocess.run(
        [
            *PIP,
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("DIAG_INVENTORY", "PYTHONPATH")}
    env["DIAG_LAB_DIR"] = str(tmp_path / "lab")
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import diag; print(diag.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(fresh_site), where  # the wheel's diag, not the source tree
    demo = subprocess.run(
        [str(venv / "bin" / "diag"), "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "every verdict as its scenario expects" in demo.stdout
    assert "Traceback" not in demo.stderr and "Warning" not in demo.stderr

"""libyaml's parser and PyYAML's pure one read an inventory alike: the same Inventory, the same
problems with file, entry and field, the same bounds (depth, alias expansion, cycles, tags).

The speed itself is measured by bench/inventory_load.py (no timing here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from diag.errors import InventoryError
from diag.inventory import load_inventory, validate_inventory, yamlsafe
from diag.model.inventory import Inventory

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "bad-inventories"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))

pytestmark = pytest.mark.skipif(
    not yamlsafe.HAVE_LIBYAML, reason="PyYAML here was built without libyaml: one parser only"
)


def _module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _module("inventory_load_bench", ROOT / "bench" / "inventory_load.py")
CORPUS_TEST = _module("bad_inventory_corpus", ROOT / "tests" / "test_inventory_validate.py")


def test_engines_are_the_two_parsers() -> None:
    assert yamlsafe.ENGINES == ("c", "pure")
    assert yamlsafe.engine() == "c"  # the default where libyaml is present
    with yamlsafe.using("pure"):
        assert yamlsafe.engine() == "pure"
    assert yamlsafe.engine() == "c"
    with pytest.raises(ValueError, match="no YAML parser 'rust'"), yamlsafe.using("rust"):
        pass


def _both(path: Path) -> tuple[Inventory, Inventory]:
    with yamlsafe.using("c"):
        c = load_inventory(path)
    with yamlsafe.using("pure"):
        pure = load_inventory(path)
    return c, pure


def test_shipped_inventory_same_with_both_parsers() -> None:
    c, pure = _both(ROOT / "inventory")
    assert c == pure
    assert len(c.circuits) >= 60


def test_generated_inventory_same_with_both_parsers(tmp_path: Path) -> None:
    folder = BENCH.write_inventory(tmp_path / "inv", 120)
    c, pure = _both(folder)
    assert c == pure
    assert len(c.circuits) == 120
    # shared rings: ten circuits cross the same three SDH NEs
    hops = {h.ne for v in c.circuits.values() for h in v.transport}
    assert len(hops) == 3 * 12


def _placed(problems: list[str]) -> list[str]:
    """The problems, a syntax error cut after its place: libyaml and PyYAML word the problem
    itself differently ("did not find expected ','" / "expected ',' ... but got '{'")."""
    return [p.partition(" is not valid YAML: ")[0] for p in problems]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_inventory_same_problems_with_both_parsers(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every malformed inventory of the corpus: both parsers give the very same problems."""
    work = CORPUS_TEST._copy(case, tmp_path)
    CORPUS_TEST._prepare(case, work, monkeypatch)
    with yamlsafe.using("c"):
        c = validate_inventory(work)
    with yamlsafe.using("pure"):
        pure = validate_inventory(work)
    assert c.problems, case.name
    assert _placed(c.problems) == _placed(pure.problems)
    assert c.warnings == pure.warnings


BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 8)
)
DEEP = "a: " + "[" * 40 + "]" * 40 + "\n"
THROUGH_ALIASES = (
    "a: &a [[[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]]]\nb: [[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]\n"
)


@pytest.mark.parametrize(
    "text,message",
    [
        (BOMB, "line 7: YAML aliases expand to more than 2,000,000 values (an alias bomb?)"),
        (DEEP, "line 1: nested deeper than 32 levels (an inventory entry needs 5)"),
        (THROUGH_ALIASES, "line 2: through aliases, nested deeper than 32 levels"),
        ("a: &a [1, *a]\n", "line 1: alias *a refers to the value that contains it (a cycle)"),
        ("a: *nowhere\n", "line 1: alias *nowhere is not defined"),
        ("a: !!python/name:os.system x\n", "line 1: the tag tag:yaml.org,2002:python/name:"),
        ("a: !!set {x}\n", "line 1: the tag tag:yaml.org,2002:set is not plain data"),
        ("a: 1\n---\nb: 2\n", "line 2: a second YAML document (---); a file holds one"),
        ("a: {[x]: 1}\n", "line 1: a mapping key must be a plain value, not a list"),
        ("a: {<<: [1]}\n", "line 1: '<<' merges a mapping or a list of them"),
    ],
    ids=["alias-bomb", "deep", "deep-through-aliases", "cycle", "undefined", "python-tag",
         "set-tag", "two-documents", "list-key", "bad-merge"],
)  # fmt: skip
@pytest.mark.parametrize("engine", ["c", "pure"])
def test_bounds_hold_on_both_parsers(text: str, message: str, engine: str) -> None:
    with pytest.raises(yamlsafe.YamlProblem) as exc:
        yamlsafe.load(text, engine)
    assert str(exc.value).startswith(message), str(exc.value)


@pytest.mark.parametrize("engine", ["c", "pure"])
def test_duplicates_typing_and_merges_on_both_parsers(engine: str) -> None:
    text = (
        "base: &b {port: 22, user: noc}\n"
        "r1: {<<: *b, user: ops, on: yes, n: ~, f: 1.5, d: 2024-02-30, q: '010', o: 010}\n"
        "k: 1\nk: 2\n"
    )
    data, duplicates = yamlsafe.load(text, engine)
    assert data == {
        "base": {"port": 22, "user": "noc"},
        "r1": {"port": 22, "user": "ops", True: True, "n": None, "f": 1.5, "d": "2024-02-30",
               "q": "010", "o": 8},
        "k": 2,
    }  # fmt: skip
    assert duplicates == [
        "line 4: key 'k' is given twice in one mapping (first on line 3); YAML keeps only the last"
    ]


def test_inventory_refused_the_same_way_on_both_parsers(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BOMB, encoding="utf-8")
    seen = []
    for engine in ("c", "pure"):
        with yamlsafe.using(engine), pytest.raises(InventoryError) as exc:
            load_inventory(tmp_path)
        seen.append(exc.value.problems)
    assert seen[0] == seen[1]
    assert "a.yaml: line 7: YAML aliases expand to more than 2,000,000 values" in seen[0][0]

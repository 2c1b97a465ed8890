"""Every message in the code has its Chinese translation, with the same placeholders.

The messages are found the way gettext's xgettext finds them: calls of tr() and mark() whose
first argument is a literal, in every module of the package.  A call with a computed first
argument is refused (its text could never be checked), and a catalog entry that no code uses is
flagged so that the catalogs do not rot.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import diag
from diag import i18n

PACKAGE = Path(diag.__file__).parent
CALLS = {"tr", "mark"}


def _calls(tree: ast.AST) -> list[ast.Call]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                name = f.id
            elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                name = f.attr if f.value.id == "i18n" else ""
            else:
                name = ""
            if name in CALLS:
                out.append(node)
    return out


def messages() -> tuple[dict[str, str], list[str]]:
    """msgid -> where it is used; and every call whose first argument is not a literal."""
    found: dict[str, str] = {}
    computed: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "i18n":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for call in _calls(tree):
            where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
            arg = call.args[0] if call.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, where)
            else:
                computed.append(where)
    return found, computed


def test_every_message_is_a_literal() -> None:
    _, computed = messages()
    assert not computed, f"tr()/mark() with a computed message id: {computed}"


@pytest.mark.parametrize("language", [x for x in i18n.LANGS if x != "en"])
def test_every_message_is_translated(language: i18n.Lang) -> None:
    found, _ = messages()
    assert found, "no message found: the scan is broken"
    cat = i18n.catalog(language)
    missing = [f"{where}: {msgid!r}" for msgid, where in found.items() if msgid not in cat]
    assert not missing, f"{len(missing)} messages have no {language} text:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", [x for x in i18n.LANGS if x != "en"])
def test_no_translation_is_unused(language: i18n.Lang) -> None:
    found, _ = messages()
    unused = sorted(set(i18n.catalog(language)) - set(found))
    assert not unused, f"{language} catalog entries no code uses: {unused}"


def test_placeholders_must_agree(tmp_path: Path) -> None:
    assert i18n.placeholders("loss up to {loss:g} % on {port}") == {"loss", "port"}
    with i18n.using("zh"):
        assert i18n.lang() == "zh"
    assert i18n.lang() == "en"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"DIAG_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"DIAG_LANG": "zh-Hans"}, "zh"),
    ],
)
def test_default_language_from_environment(env: dict[str, str], expected: str) -> None:
    assert i18n.default_lang(env) == expected


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="use one of en, zh"):
        i18n.parse_lang("fr")

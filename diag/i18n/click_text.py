"""click's own words (`Usage:`, `Error:`, `No such option`...) in the reader's language.

click marks its messages for gettext: its modules do `from gettext import gettext as _` (and
`ngettext`) and call `_("...")` when a message is made, looking the module's global up then.
install() puts functions in their place that give the Chinese of `click.zh.yaml` when
`diag.i18n.lang()` is "zh", else call click's own function: English stays byte-identical.

`LangGroup` (diag's top group) sets the language from `--lang` / DIAG_LANG / the locale before
click parses anything: an error in the group's own options, and the frame click prints after
the command's context has closed (`Usage:`, `Error:`, `Aborted!`), are then in it too.
"""

from __future__ import annotations

import gettext
import importlib
import string
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import ModuleType
from typing import Any

import click

from diag.i18n import LANGS, CatalogError, Lang, default_lang, lang, using

CATALOG = "click.zh.yaml"
# click's modules that call _() / ngettext(); _winconsole (Windows only) is left out
MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.shell_completion",
    "click.termui",
    "click.types",
    "click.utils",
    "click._termui_impl",
)


@dataclass(frozen=True)
class ClickCatalog:
    """click's message ids -> Chinese; the names of click's number types -> Chinese."""

    messages: Mapping[str, str]
    type_names: Mapping[str, str]


@cache
def catalog() -> ClickCatalog:
    """The Chinese of click's words, loaded when first needed (`diag --help` stays fast)."""
    import yaml

    text = resources.files("diag.i18n").joinpath(CATALOG).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise CatalogError(f"{CATALOG}: expected `messages` and `type_names`")
    parts: list[dict[str, str]] = []
    for part in ("messages", "type_names"):
        table = data.get(part)
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise CatalogError(f"{CATALOG}: {part}: expected a mapping of text to text")
        parts.append(table)
    return ClickCatalog(messages=parts[0], type_names=parts[1])


def fields(template: str) -> list[tuple[str, str | None, str | None]]:
    """A str.format template's fields with their conversion and spec ({value!r} -> value, r)."""
    return sorted(
        (name, conv, spec) for _, name, spec, conv in string.Formatter().parse(template) if name
    )


class _Chinese(str):
    """A translated template whose format() also puts into Chinese the English words click
    computed before it (a path's kind "File", a number type's name "integer")."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        words = catalog()
        kind = kwargs.get("name")
        if "filename" in kwargs and isinstance(kind, str):
            kwargs["name"] = words.messages.get(kind.lower(), kind)
        number = kwargs.get("number_type")
        if isinstance(number, str):
            kwargs["number_type"] = words.type_names.get(number, number)
        return str(self).format(*args, **kwargs)


def _chinese(msgid: str) -> str | None:
    if lang() != "zh":
        return None
    text = catalog().messages.get(msgid)
    if text is None:  # a message a newer click added: its English
        return None
    return _Chinese(text) if "{" in text else text


def _gettext(original: Callable[[str], str]) -> Callable[[str], str]:
    def gettext_(message: str) -> str:
        return _chinese(message) or original(message)

    gettext_.diag_click_text = True  # type: ignore[attr-defined]
    return gettext_


def _ngettext(original: Callable[[str, str, int], str]) -> Callable[[str, str, int], str]:
    def ngettext_(singular: str, plural: str, n: int) -> str:
        return _chinese(singular if n == 1 else plural) or original(singular, plural, n)

    ngettext_.diag_click_text = True  # type: ignore[attr-defined]
    return ngettext_


def patched(module: ModuleType) -> bool:
    """Whether install() has replaced this module's `_` (and `ngettext`, where it has one)."""
    return all(
        getattr(getattr(module, name), "diag_click_text", False)
        for name in ("_", "ngettext")
        if hasattr(module, name)
    )


def install() -> None:
    """Replace `_` and `ngettext` in click's modules (idempotent)."""
    for name in MODULES:
        module = importlib.import_module(name)
        if patched(module):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = _gettext(gettext.gettext)  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = _ngettext(gettext.ngettext)  # type: ignore[attr-defined]


def front_lang(args: Sequence[str]) -> Lang:
    """The language a command line asks for before its command name: `--lang en|zh` (the
    last one, as click takes it), else DIAG_LANG / the locale; English if neither is valid
    (click or the group's callback then says so)."""
    chosen: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--lang":
            chosen = args[i + 1] if i + 1 < len(args) else None
            i += 2
            continue
        if arg.startswith("--lang="):
            chosen = arg.removeprefix("--lang=")
        elif arg == "--" or not arg.startswith("-"):
            break  # the command name: what follows is the command's
        i += 1
    if chosen is not None and chosen.strip().lower() in LANGS:
        return "zh" if chosen.strip().lower() == "zh" else "en"
    try:
        return default_lang()
    except ValueError:
        return "en"


class LangGroup(click.Group):
    """diag's top group: click's words in the language of the command line."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        install()
        words = sys.argv[1:] if args is None else list(args)
        with using(front_lang(words)):
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)

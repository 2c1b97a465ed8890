"""Messages in the reader's language: English (`en`) or Chinese (`zh`).

gettext's model, kept small: the English text is the message id, written in the code as
`tr("loss up to {loss} %", loss=...)`; the Chinese catalogs (`zh.<area>.yaml` in this folder,
one per area of the code so that they are edited apart) map that id to its translation, with the
same named placeholders.  Text is rendered when it is made, in the language of the current
context (`using("zh")`), so the JSON keeps its keys and carries its text fields in the chosen
language.  `mark()` tags a literal kept in a table, translated later where it is shown.

The procedure's own words are used (DOMAIN.md §1.7 and the source article): 网管 (NMS), 告警,
误码 (CRC/BER errors), 自环 (loopback), 协议转换器 (converter), 光端机, 传输, 割接.
tests/i18n checks that every message in the code has its translation, with the same
placeholders, and that every shipped circuit renders in both languages.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from typing import Literal, get_args

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = get_args(Lang)
ENV = "DIAG_LANG"

_current: ContextVar[Lang] = ContextVar("diag_lang", default="en")


class CatalogError(ValueError):
    """A catalog that does not load, or a translation whose placeholders differ."""


def lang() -> Lang:
    """The language text is rendered in, in this context."""
    return _current.get()


@contextmanager
def using(language: Lang) -> Iterator[None]:
    """Render text in `language` within the block (context-local: safe across asyncio tasks)."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def set_lang(language: Lang) -> None:
    """Set the language for the rest of this context (the CLI's --lang, once per command)."""
    _current.set(language)


def default_lang(environ: Mapping[str, str] | None = None) -> Lang:
    """`DIAG_LANG` if set, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`): zh* gives Chinese."""
    env = os.environ if environ is None else environ
    explicit = env.get(ENV, "").strip().lower()
    if explicit:
        try:
            return parse_lang(explicit)
        except ValueError as exc:
            raise ValueError(f"{ENV}: {exc}") from None
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def parse_lang(value: str) -> Lang:
    """`zh`, `zh_CN.UTF-8`, `zh-Hans`... -> zh; `en*` -> en; anything else is an error."""
    v = value.strip().lower().replace("-", "_")
    for code in LANGS:
        if v == code or v.startswith(code + "_") or v.startswith(code + "."):  # noqa: PIE810
            return code
    raise ValueError(f"unknown language {value!r}: use one of {', '.join(LANGS)}")


def mark(msgid: str) -> str:
    """Tag a literal as a message for the catalog check; translate it where shown (tr_marked)."""
    return msgid


def tr_marked(msgid: str, /, **params: object) -> str:
    """tr() for a message tagged with mark() where it was written (a table's value)."""
    return tr(msgid, **params)


def tr(msgid: str, /, **params: object) -> str:
    """`msgid` (English, with {named} placeholders) in the current language, filled in."""
    template = msgid if _current.get() == "en" else translation(msgid, _current.get())
    return template.format(**params) if params else template


def translation(msgid: str, language: Lang) -> str:
    """The catalog's text for `msgid`; a missing one falls back to English (the check flags it)."""
    if language == "en":
        return msgid
    text = catalog(language).get(msgid)
    if text is None:
        _missed.add((language, msgid))
        return msgid
    return text


def localized(english: str, translations: Mapping[Lang, str | None]) -> str:
    """Text whose translations live beside it (a playbook's `zh:` field), not in a catalog:
    the current language's, else the English (recorded as missed, like a catalog's gap)."""
    language = _current.get()
    if language == "en":
        return english
    text = translations.get(language)
    if text is None:
        _missed.add((language, english))
        return english
    return text


_missed: set[tuple[Lang, str]] = set()


def missed() -> set[tuple[Lang, str]]:
    """Messages asked for in this process that had no translation (the render check reads it)."""
    return set(_missed)


def clear_missed() -> None:
    """Forget the messages missed so far (a check that renders one case at a time)."""
    _missed.clear()


def placeholders(template: str) -> frozenset[str]:
    """The named fields of a str.format template ({x}, {x:g} -> x)."""
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    )


@cache
def catalog(language: Lang) -> Mapping[str, str]:
    """Every `<language>.*.yaml` of this folder merged; a message in two files must agree."""
    import yaml  # only when a translation is first needed: `diag --help` stays fast

    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    folder = resources.files(__name__)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not (entry.name.startswith(language + ".") and entry.name.endswith(".yaml")):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise CatalogError(f"{entry.name}: expected a mapping of English text to translation")
        for msgid, text in data.items():
            if not isinstance(msgid, str) or not isinstance(text, str):
                raise CatalogError(f"{entry.name}: {msgid!r}: both sides must be text")
            if placeholders(msgid) != placeholders(text):
                raise CatalogError(
                    f"{entry.name}: {msgid!r}: placeholders {sorted(placeholders(text))} "
                    f"differ from {sorted(placeholders(msgid))}"
                )
            if msgid in merged and merged[msgid] != text:
                raise CatalogError(
                    f"{entry.name}: {msgid!r} is translated differently in {origin[msgid]}"
                )
            merged[msgid], origin[msgid] = text, entry.name
    return merged


def lang_choice(value: str | None) -> Lang:
    """The CLI's --lang value, else the default from the environment."""
    return parse_lang(value) if value else default_lang()

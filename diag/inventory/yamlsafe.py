"""Bounded YAML reading for inventories: plain data only, built straight from the parser's events.

PyYAML's safe loader builds a node tree, then Python objects from it: ~17 s for 7.5 MiB, with
recursion that a deep file overflows, aliases that expand without bound (the "billion laughs")
or loop (`&a [*a]`), and a second key that silently replaces the first.  Here one pass over the
event stream (libyaml's; PyYAML's pure parser without it; no recursion) builds the objects and
checks, with the line of each problem:

* nesting depth as written and through aliases (MAX_DEPTH);
* values an alias expands to, counted once per use (MAX_NODES), and aliases to a value that
  contains them (a cycle);
* a key given twice in one mapping (reported; the last one is kept, as YAML loaders do);
* only plain tags: null, booleans, integers, floats, strings, lists, mappings and merge keys
  (`<<: *defaults`).  Dates and times stay the text written (no inventory field is a date, and
  `ne_name: 2024-02-30` must not make a file unreadable).

Scalars are typed by PyYAML's own resolver and constructors, so values read as PyYAML's
SafeLoader reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

from diag.i18n import tr

MAX_DEPTH = 32  # mappings/lists inside each other, aliases followed (an inventory entry needs 5)
MAX_NODES = 2_000_000  # values in one file, every alias expanded

# The event parsers: libyaml's ("c", ~35x faster than PyYAML's pure-Python one) where PyYAML was
# built with it, else the pure one.  Both give the same events, so everything below (the bounds,
# the typing, the messages) is one code.  PyYAML's own full C loader (yaml.load with CSafeLoader)
# is no faster than this one pass: its composer calls the Python resolver for every scalar and
# builds a node tree that the Python constructor then walks again (0.98 s against 0.50 s for a
# 1,000-circuit inventory, bench/inventory_load.py), and it has none of the bounds.
PARSERS: dict[str, type[Any]] = {"pure": yaml.SafeLoader}
if getattr(yaml, "__with_libyaml__", False):
    PARSERS["c"] = yaml.CSafeLoader
HAVE_LIBYAML = "c" in PARSERS
ENGINES: tuple[str, ...] = ("c", "pure") if HAVE_LIBYAML else ("pure",)
_engine = ENGINES[0]

TAG = "tag:yaml.org,2002:"
_STR = TAG + "str"
_SCALARS = {
    TAG + "null": "construct_yaml_null",
    TAG + "bool": "construct_yaml_bool",
    TAG + "int": "construct_yaml_int",
    TAG + "float": "construct_yaml_float",
}


class YamlProblem(Exception):
    """The file cannot be read as plain YAML data; the message starts with `line N`."""


def engine() -> str:
    """The parser `load` uses by default: "c" (libyaml) when present, else "pure"."""
    return _engine


@contextmanager
def using(name: str) -> Iterator[None]:
    """Read with the named parser inside the block (benchmarks and tests compare the two)."""
    global _engine  # noqa: PLW0603
    if name not in PARSERS:
        raise ValueError(f"no YAML parser {name!r} here; available: {', '.join(ENGINES)}")
    before, _engine = _engine, name
    try:
        yield
    finally:
        _engine = before


@dataclass(slots=True)
class _Open:
    """A mapping or list being built."""

    value: Any  # dict or list
    is_map: bool
    anchor: str | None
    mark: Any  # where it starts
    seen: (
        int  # values read before it (its size, itself included, is the count at its end less this)
    )
    depth: int = 1
    key: Any = None  # mappings: the key waiting for its value
    has_key: bool = False
    key_mark: Any = None
    merges: list[dict[Any, Any]] | None = None
    first_mark: dict[Any, Any] = field(default_factory=dict)  # where each key was first given


def _line(ev: Any) -> int:
    return int(ev.start_mark.line) + 1


def _at(mark: Any) -> int:
    return int(mark.line) + 1


_Scalar, _Alias = yaml.ScalarEvent, yaml.AliasEvent
_MapStart, _SeqStart = yaml.MappingStartEvent, yaml.SequenceStartEvent
_Ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def load(text: str, engine: str | None = None) -> tuple[Any, list[str]]:
    """(the document's data, problems that still let it be read: keys given twice).

    Raises YamlProblem for what makes the file unreadable, yaml.YAMLError for a syntax error.
    """
    parser = PARSERS[engine or _engine](text)
    ctor = yaml.constructor.SafeConstructor()
    anchors: dict[str, tuple[Any, int, int] | None] = {}  # None: still open (a cycle if used)
    stack: list[_Open] = []
    top: _Open | None = None  # stack[-1]
    warnings: list[str] = []
    result: Any = None
    documents = 0
    total = 0  # values read, every alias expanded (scalars and aliases: the MAX_NODES count)
    seen = 0  # the same with collections counted: a collection's size is the difference
    get_event = parser.get_event
    # The resolver's own shortcut: a plain scalar starting with a character no implicit type
    # starts with is text.  Most inventory values are names, so this path is the hot one.
    typed_first = parser.yaml_implicit_resolvers
    resolved: dict[str, str] = {}
    # One pass; scalars (90 % of the events) take a path of their own, inlined: function calls
    # and per-value bookkeeping were most of the time spent here.
    try:
        while (ev := get_event()) is not None:
            kind = type(ev)
            if kind is _Scalar:
                value = ev.value
                tag = ev.tag
                if tag is None or tag == "!":
                    if ev.implicit[0] and (not value or value[0] in typed_first):
                        # Plain, and may be a number, yes/no or null: the resolver's regular
                        # expressions decide, once per distinct value (keys repeat in every entry).
                        tag = resolved.get(value)
                        if tag is None:
                            tag = resolved[value] = parser.resolve(yaml.ScalarNode, value, (1, 0))
                        if tag != _STR:
                            value = _scalar(ctor, ev, tag)
                else:
                    value = _scalar(ctor, ev, tag)
                if ev.anchor is not None:
                    anchors[ev.anchor] = (value, 1, 0)
                total += 1
                seen += 1
                if total > MAX_NODES:
                    raise YamlProblem(_bomb(ev))
                if top is None:
                    result = value
                elif not top.is_map:
                    top.value.append(value)
                elif not top.has_key:
                    top.key, top.has_key, top.key_mark = value, True, ev.start_mark
                elif top.key is not _MERGE and top.key not in top.first_mark:
                    top.first_mark[top.key] = top.key_mark  # a new key's value: the usual case
                    top.value[top.key] = value
                    top.has_key = False
                else:
                    _put(top, value, ev.start_mark, warnings)
                continue
            done: _Open | None = None
            if kind in _Ends:
                done = stack.pop()
                top = stack[-1] if stack else None
                value, size, depth = done.value, seen - done.seen, done.depth
                if done.merges:
                    merged: dict[Any, Any] = {}
                    for m in reversed(done.merges):  # the first one listed wins, then own keys
                        merged.update(m)
                    merged.update(value)
                    value.clear()
                    value.update(merged)
                if depth > MAX_DEPTH:
                    raise YamlProblem(
                        at_line(
                            _at(done.mark), tr("through aliases, {problem}", problem=too_deep())
                        )
                    )
                if done.anchor is not None:
                    anchors[done.anchor] = (value, size, depth)
            elif kind is _MapStart or kind is _SeqStart:
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(at_line(_line(ev), too_deep()))
                is_map = kind is _MapStart
                if ev.tag is not None:
                    _collection_tag(ev, is_map)
                top = _Open({} if is_map else [], is_map, ev.anchor, ev.start_mark, seen)
                seen += 1
                stack.append(top)
                if ev.anchor is not None:
                    anchors[ev.anchor] = None
                continue
            elif kind is _Alias:
                if ev.anchor not in anchors:
                    raise YamlProblem(
                        at_line(_line(ev), tr("alias *{name} is not defined", name=ev.anchor))
                    )
                found = anchors[ev.anchor]
                if found is None:
                    raise YamlProblem(
                        at_line(
                            _line(ev),
                            tr(
                                "alias *{name} refers to the value that contains it (a cycle)",
                                name=ev.anchor,
                            ),
                        )
                    )
                value, size, depth = found
                total += size
                seen += size
                if total > MAX_NODES:
                    raise YamlProblem(_bomb(ev))
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlProblem(
                        at_line(_line(ev), tr("a second YAML document (---); a file holds one"))
                    )
                continue
            else:
                continue
            if top is None:
                result = value
                continue
            if depth >= top.depth:
                top.depth = depth + 1
            if not top.is_map:
                top.value.append(value)
            else:
                _put(top, value, done.mark if done is not None else ev.start_mark, warnings)
    finally:
        parser.dispose()
    return result, warnings


def at_line(line: int, problem: str) -> str:
    """A problem of the file at `line` (the message starts with `line N`)."""
    return tr("line {line}: {problem}", line=line, problem=problem)


def _bomb(ev: Any) -> str:
    return at_line(
        _line(ev),
        tr(
            "YAML aliases expand to more than {count} values (an alias bomb?)",
            count=f"{MAX_NODES:,}",
        ),
    )


def too_deep() -> str:
    return tr("nested deeper than {depth} levels (an inventory entry needs 5)", depth=MAX_DEPTH)


def _scalar(ctor: yaml.constructor.SafeConstructor, ev: yaml.ScalarEvent, tag: str) -> Any:
    """The value of a scalar whose tag (written or resolved) is not plain text's."""
    if tag in (_STR, TAG + "timestamp", TAG + "merge"):
        return ev.value if tag != TAG + "merge" else _MERGE
    method = _SCALARS.get(tag)
    if method is None:
        raise YamlProblem(at_line(_line(ev), _not_plain(tag)))
    return getattr(ctor, method)(yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark))


def _collection_tag(ev: Any, mapping: bool) -> None:
    tag = ev.tag
    if tag is None or tag == "!":
        return
    if tag != TAG + ("map" if mapping else "seq"):
        raise YamlProblem(at_line(_line(ev), _not_plain(tag)))


def _not_plain(tag: str) -> str:
    return tr(
        "the tag {tag} is not plain data; an inventory holds text, numbers, true/false, null, "
        "lists and mappings",
        tag=tag,
    )


class _Merge:
    """The `<<` merge key."""


_MERGE = _Merge()


def _put(top: _Open, value: Any, mark: Any, warnings: list[str]) -> None:
    """A key, or the value of the key waiting, into the mapping being built."""
    if not top.has_key:
        if isinstance(value, dict | list):
            raise YamlProblem(
                at_line(_at(mark), tr("a mapping key must be a plain value, not a list"))
            )
        top.key, top.has_key, top.key_mark = value, True, mark
        return
    key = top.key
    top.has_key = False
    if key is _MERGE:
        merges = value if isinstance(value, list) else [value]
        if not all(isinstance(m, dict) for m in merges):
            raise YamlProblem(
                at_line(_at(top.key_mark), tr("'<<' merges a mapping or a list of them"))
            )
        top.merges = (top.merges or []) + merges
        return
    if key in top.first_mark:
        shown = str(key)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        warnings.append(
            at_line(
                _at(top.key_mark),
                tr(
                    "key {key} is given twice in one mapping (first on line {first}); YAML keeps "
                    "only the last",
                    key=repr(shown),
                    first=_at(top.first_mark[key]),
                ),
            )
        )
    else:
        top.first_mark[key] = top.key_mark
    top.value[key] = value

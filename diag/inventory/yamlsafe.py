"""Bounded YAML reading for inventories: plain data only, built straight from libyaml's events.

PyYAML's safe loader builds a node tree, then Python objects from it: ~17 s for 7.5 MiB, with
recursion that a deep file overflows, aliases that expand without bound (the "billion laughs")
or loop (`&a [*a]`), and a second key that silently replaces the first.  Here one pass over the
event stream (libyaml, no recursion) builds the objects and checks, with the line of each
problem:

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

from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_DEPTH = 32  # mappings/lists inside each other, aliases followed (an inventory entry needs 5)
MAX_NODES = 2_000_000  # values in one file, every alias expanded

try:  # libyaml: the events ~10x faster than the pure-Python parser
    _Parser: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader

TAG = "tag:yaml.org,2002:"
_SCALARS = {
    TAG + "null": "construct_yaml_null",
    TAG + "bool": "construct_yaml_bool",
    TAG + "int": "construct_yaml_int",
    TAG + "float": "construct_yaml_float",
}


class YamlProblem(Exception):
    """The file cannot be read as plain YAML data; the message starts with `line N`."""


@dataclass(slots=True)
class _Open:
    """A mapping or list being built."""

    value: Any  # dict or list
    anchor: str | None
    mark: Any  # where it starts
    size: int = 1
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


def load(text: str) -> tuple[Any, list[str]]:
    """(the document's data, problems that still let it be read: keys given twice).

    Raises YamlProblem for what makes the file unreadable, yaml.YAMLError for a syntax error.
    """
    parser = _Parser(text)
    ctor = yaml.constructor.SafeConstructor()
    anchors: dict[str, tuple[Any, int, int] | None] = {}  # None: still open (a cycle if used)
    stack: list[_Open] = []
    warnings: list[str] = []
    result: Any = None
    documents = 0
    total = 0
    get_event, check_event = parser.get_event, parser.check_event
    try:
        while check_event():
            ev = get_event()
            kind = type(ev)
            done: _Open | None = None
            if kind is _Scalar:
                value, size, depth = _scalar(parser, ctor, ev), 1, 0
                if ev.anchor is not None:
                    anchors[ev.anchor] = (value, 1, 0)
            elif kind in _Ends:
                done = stack.pop()
                value, size, depth = done.value, done.size, done.depth
                if done.merges:
                    merged: dict[Any, Any] = {}
                    for m in reversed(done.merges):  # the first one listed wins, then own keys
                        merged.update(m)
                    merged.update(value)
                    value.clear()
                    value.update(merged)
                if depth > MAX_DEPTH:
                    raise YamlProblem(f"line {_at(done.mark)}: through aliases, {_too_deep()}")
                if done.anchor is not None:
                    anchors[done.anchor] = (value, size, depth)
            elif kind is _MapStart or kind is _SeqStart:
                if len(stack) >= MAX_DEPTH:
                    raise YamlProblem(f"line {_line(ev)}: {_too_deep()}")
                _collection_tag(ev, kind is _MapStart)
                stack.append(_Open({} if kind is _MapStart else [], ev.anchor, ev.start_mark))
                if ev.anchor is not None:
                    anchors[ev.anchor] = None
                continue
            elif kind is _Alias:
                if ev.anchor not in anchors:
                    raise YamlProblem(f"line {_line(ev)}: alias *{ev.anchor} is not defined")
                found = anchors[ev.anchor]
                if found is None:
                    raise YamlProblem(
                        f"line {_line(ev)}: alias *{ev.anchor} refers to the value that "
                        "contains it (a cycle)"
                    )
                value, size, depth = found
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise YamlProblem(
                        f"line {_line(ev)}: a second YAML document (---); a file holds one"
                    )
                continue
            else:
                continue
            if done is None:
                total += size
                if total > MAX_NODES:
                    raise YamlProblem(
                        f"line {_line(ev)}: YAML aliases expand to more than {MAX_NODES:,} "
                        "values (an alias bomb?)"
                    )
            if not stack:
                result = value
                continue
            top = stack[-1]
            top.size += size
            if depth >= top.depth:
                top.depth = depth + 1
            if type(top.value) is list:
                top.value.append(value)
            else:
                _put(top, value, done.mark if done is not None else ev.start_mark, warnings)
    finally:
        parser.dispose()
    return result, warnings


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels (an inventory entry needs 5)"


def _scalar(parser: Any, ctor: yaml.constructor.SafeConstructor, ev: yaml.ScalarEvent) -> Any:
    tag = ev.tag
    if tag is None or tag == "!":
        value = ev.value
        # Quoted, or starting with a character no implicit type starts with: text (the
        # resolver's own shortcut, taken before calling it: most inventory values are names).
        if not ev.implicit[0] or (value and value[0] not in parser.yaml_implicit_resolvers):
            return value
        tag = parser.resolve(yaml.ScalarNode, value, ev.implicit)
    if tag in (TAG + "str", TAG + "timestamp", TAG + "merge"):
        return ev.value if tag != TAG + "merge" else _MERGE
    method = _SCALARS.get(tag)
    if method is None:
        raise YamlProblem(
            f"line {_line(ev)}: the tag {tag} is not plain data; an inventory holds text, "
            "numbers, true/false, null, lists and mappings"
        )
    return getattr(ctor, method)(yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark))


def _collection_tag(ev: Any, mapping: bool) -> None:
    tag = ev.tag
    if tag is None or tag == "!":
        return
    if tag != TAG + ("map" if mapping else "seq"):
        raise YamlProblem(
            f"line {_line(ev)}: the tag {tag} is not plain data; an inventory holds text, "
            "numbers, true/false, null, lists and mappings"
        )


class _Merge:
    """The `<<` merge key."""


_MERGE = _Merge()


def _put(top: _Open, value: Any, mark: Any, warnings: list[str]) -> None:
    """A key, or the value of the key waiting, into the mapping being built."""
    if not top.has_key:
        if isinstance(value, dict | list):
            raise YamlProblem(f"line {_at(mark)}: a mapping key must be a plain value, not a list")
        top.key, top.has_key, top.key_mark = value, True, mark
        return
    key = top.key
    top.has_key = False
    if key is _MERGE:
        merges = value if isinstance(value, list) else [value]
        if not all(isinstance(m, dict) for m in merges):
            raise YamlProblem(f"line {_at(top.key_mark)}: '<<' merges a mapping or a list of them")
        top.merges = (top.merges or []) + merges
        return
    if key in top.first_mark:
        shown = str(key)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        warnings.append(
            f"line {_at(top.key_mark)}: key {shown!r} is given twice in one mapping (first on "
            f"line {_at(top.first_mark[key])}); YAML keeps only the last"
        )
    else:
        top.first_mark[key] = top.key_mark
    top.value[key] = value

"""What a rule sees: the circuit's path, the observations by kind, the answers people gave, and
the thresholds.  Pure data; no I/O."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, TypeVar, cast

from diag import i18n
from diag.analyzers.correlation import AlarmPicture, picture
from diag.analyzers.thresholds import Thresholds
from diag.i18n import tr
from diag.model.findings import Evidence
from diag.model.observations import (
    AlarmObservation,
    AnswerObservation,
    NeE1LineObservation,
    Obs,
    Observation,
)
from diag.model.path import CircuitPath, Owner, PathElement, Segment

T = TypeVar("T", bound=Obs)
R = TypeVar("R")
SIDES = ("a", "b")


@cache
def _answer_keys() -> frozenset[str]:
    from diag.analyzers.answers import vocabulary

    return frozenset(vocabulary())


@cache
def need_plan(need: str) -> tuple[tuple[str, ...], str | None]:
    """What satisfies a rule's need, worked out once per need string: the answer keys that do
    (`{s}` filled with each end), and the observation kind that does (None: an answer key, given
    or not, is never an observation kind)."""
    if "{s}" in need:
        return tuple(need.format(s=s) for s in SIDES), None
    if "." in need or need in _answer_keys():
        return (need,), None
    return (need,), need


def _fields(m: Any) -> dict[str, Any] | None:
    return None if m is None else m.__dict__  # a model's field values, by name


def shape_fields(path: CircuitPath) -> tuple[object, ...]:
    """Every field value of the path (elements, links, ends): two paths with equal values are
    the same circuit as far as any rule can tell."""
    return (
        [e.__dict__ for e in path.elements],
        [lk.__dict__ for lk in path.links],
        _fields(path.a),
        _fields(path.b),
    )


# Per circuit shape and thresholds: values that depend on nothing else (Context.shaped).  Filed
# by the path's element ids, then told apart by every field value of the path and by the
# Thresholds object itself (held by its entry).
_Entry = tuple[tuple[object, ...], Thresholds, dict[object, Any]]
_SHAPES: dict[tuple[str, ...], list[_Entry]] = {}
_SHAPES_MAX = 1024


def _shape_cache(path: CircuitPath, thresholds: Thresholds) -> dict[object, Any]:
    # the language too: the values hold text (not-evaluated findings, questions)
    ids = (i18n.lang(), *[e.id for e in path.elements])
    fields = shape_fields(path)
    entries = _SHAPES.get(ids)
    if entries is None:
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        entries = _SHAPES[ids] = []
    for known, th, values in entries:
        if th is thresholds and known == fields:
            return values
    if len(entries) >= 16:  # the same elements with many inventories or thresholds
        entries.clear()
    # a copy of the values: the path's models are frozen, but the entry must not depend on it
    els, links, a, b = cast("tuple[list[dict[str, Any]], list[dict[str, Any]], Any, Any]", fields)
    copy = ([dict(d) for d in els], [dict(d) for d in links], _copy(a), _copy(b))
    values = {}
    entries.append((copy, thresholds, values))
    return values


def _copy(d: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if d is None else dict(d)


@dataclass
class Context:
    path: CircuitPath
    observations: Sequence[Observation]
    thresholds: Thresholds
    answers: dict[str, AnswerObservation] = field(default_factory=dict)
    _by_type: dict[type, list[Any]] = field(default_factory=dict, repr=False)
    _kinds: frozenset[str] = frozenset()
    _memo: dict[Hashable, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, path: CircuitPath, observations: Sequence[Observation], thresholds: Thresholds
    ) -> Context:
        by_type: dict[type, list[Any]] = {}
        kinds = set()
        for o in observations:  # one pass: every observation filed under its own class
            got = by_type.get(type(o))
            if got is None:
                by_type[type(o)] = [o]
                kinds.add(o.kind)
            else:
                got.append(o)
        answers = {o.key: o for o in by_type.get(AnswerObservation, ())}
        return cls(path, observations, thresholds, answers, by_type, frozenset(kinds), {})

    def memo(self, key: Hashable, make: Callable[[], R]) -> R:
        """A value derived from the observations, computed once per analysis and shared by
        every rule that reads it (e.g. the hard cases' end signs)."""
        memo = self._memo
        if key in memo:
            return memo[key]  # type: ignore[no-any-return]
        got = memo[key] = make()
        return got

    @cached_property
    def _shape(self) -> dict[object, Any]:
        return _shape_cache(self.path, self.thresholds)

    def shaped(self, key: object, make: Callable[[], R]) -> R:
        """A value that depends on the circuit's path and the thresholds only, never on the
        observations (a not-evaluated finding, a question asked of this circuit): computed once
        per circuit shape and shared by every analysis of it.  Treat it as read-only."""
        cache = self._shape
        if key in cache:
            return cache[key]  # type: ignore[no-any-return]
        got = cache[key] = make()
        return got

    def of(self, kind: type[T]) -> list[T]:
        """The observations of one type, indexed once per analysis."""
        got = self._by_type.get(kind)
        if got is None:
            # none of that class; or a base class: gather its subclasses', in observation order
            got = (
                [o for o in self.observations if isinstance(o, kind)]
                if kind.__subclasses__()
                else []
            )
            self._by_type[kind] = got
        return got

    @cached_property
    def alarms(self) -> AlarmPicture:
        """The alarm correlation of this circuit, computed once and shared by every rule."""
        return picture(self.path, self.of(AlarmObservation), self.of(NeE1LineObservation))

    def has(self, need: str) -> bool:
        """An observation kind present, or an answer key given (`{s}` = either end)."""
        keys, kind = need_plan(need)
        answers = self.answers
        for k in keys:
            if k in answers:
                return True
        return kind is not None and kind in self._kinds

    def asks(self, need: str, side: str | None = None) -> list[str]:
        """Next steps that ask a vocabulary question of this circuit, with its sites and
        devices named (one per end for an end's question, or the one end given)."""
        return list(self.shaped(("asks", need, side), lambda: self._asks(need, side)))

    def _asks(self, need: str, side: str | None) -> list[str]:
        from diag.analyzers.answers import applies, ask_line, end_traits, vocabulary

        q = vocabulary().get(need)
        if q is None:
            return []
        if "{s}" not in q.key:
            both = self.memo(
                "traits:ab", lambda: end_traits(self.path, "a") | end_traits(self.path, "b")
            )
            if not applies(q, both):
                return []
            return [ask_line(q, q.text(), q.key)]
        out = []
        for s in (side,) if side else SIDES:

            def traits_of(s: str = s) -> set[str]:
                return end_traits(self.path, s)

            traits = self.memo(f"traits:{s}", traits_of)
            if not applies(q, traits):
                continue
            end = self.path.end(s)
            text = q.text(
                site=end.site, cpe=end.cpe, converter=end.converter or "", router=end.router or ""
            )
            out.append(ask_line(q, text, q.key.format(s=s)))
        return out

    def answer(self, key: str) -> str | None:
        a = self.answers.get(key)
        return a.value if a else None

    def answer_float(self, key: str) -> float | None:
        v = self.answer(key)
        try:
            return float(v) if v is not None else None
        except ValueError:
            return None

    def cite(self, key: str) -> Evidence:
        a = self.answers[key]
        return Evidence(
            observation=a.id,
            text=tr(
                "{key} = {value} (reported, {source})", key=key, value=a.value, source=a.source
            ),
        )

    def element(self, element_id: str) -> PathElement:
        return self.path.element(element_id)

    def seg(self, x: str, y: str | None = None) -> Segment:
        y = y or x
        cache, key = self._shape, ("seg", x, y)
        got = cache.get(key)
        if got is None:  # segments are frozen: one per span serves every analysis of the shape
            i, j = sorted((self.path.index(x), self.path.index(y)))
            got = cache[key] = Segment(from_=self.path.elements[i].id, to=self.path.elements[j].id)
        return got

    def owner(self, seg: Segment) -> Owner:
        """`path.owner_of(seg)`, worked out once per span and circuit shape."""
        cache, key = self._shape, ("owner", seg.from_, seg.to)
        got = cache.get(key)
        if got is None:
            got = cache[key] = self.path.owner_of(seg)
        return got

    def ends(self) -> Iterator[str]:
        yield from SIDES

    def lan(self, side: str) -> str:
        return self.path.elements[0 if side == "a" else -1].id

"""What the analyzer keeps between analyses (per circuit shape: Context.shaped, the engine's
per-shape plan, not-evaluated findings, questions, segments, owners) never changes a result: an
analysis after others equals the same analysis on empty caches, for paths that differ in one
field and for other thresholds.  Plus the pieces those caches rest on: `by_path` and
`by_inputs` applies read what they say, CircuitPath.owner_of, and registry.updated."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from diag.analyzers import context as context_module
from diag.analyzers.context import Context
from diag.analyzers.engine import analyze_full
from diag.analyzers.registry import INPUTS_ONLY, PATH_ONLY, RULES, finding, updated
from diag.analyzers.thresholds import Thresholds, defaults
from diag.capture import Capture, load_capture
from diag.model.findings import Evidence
from diag.model.inventory import Inventory, LinkKind
from diag.model.observations import AnswerObservation, Observation
from diag.model.path import CircuitPath, Segment, build_path
from diag.runner import renumber

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = sorted(p for p in (ROOT / "fixtures" / "captures").iterdir() if p.is_dir())


def _load(name: str) -> tuple[Capture, CircuitPath, list[Observation]]:
    cap = load_capture(ROOT / "fixtures" / "captures" / name)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    return cap, build_path(cap.circuit, inv), renumber(list(cap.observations))


# findings, verdict, context and inventory notes, as JSON data: what two analyses compare by
Dumped = tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


def _doc(path: CircuitPath, obs: list[Observation], th: Thresholds | None = None) -> Dumped:
    a = analyze_full(path, obs, th)
    return (
        [f.model_dump(mode="json") for f in a.findings],
        a.verdict.model_dump(mode="json"),
        [c.model_dump(mode="json") for c in a.context],
        [n.model_dump(mode="json") for n in a.inventory_notes],
    )


def _fresh(path: CircuitPath, obs: list[Observation], th: Thresholds | None = None) -> Dumped:
    context_module._SHAPES.clear()
    return _doc(path, obs, th)


def _element(path: CircuitPath, i: int, **changes: Any) -> CircuitPath:
    els = list(path.elements)
    els[i] = els[i].model_copy(update=changes)
    return path.model_copy(update={"elements": els})


def _link(path: CircuitPath, i: int, **changes: Any) -> CircuitPath:
    links = list(path.links)
    links[i] = links[i].model_copy(update=changes)
    return path.model_copy(update={"links": links})


def _end(path: CircuitPath, side: str, **changes: Any) -> CircuitPath:
    end = path.end(side).model_copy(update=changes)
    return path.model_copy(update={side: end})


def _variants(path: CircuitPath) -> dict[str, CircuitPath]:
    """The same element ids, one field changed (what a shape cache filed by ids must tell)."""
    router = next(i for i, e in enumerate(path.elements) if e.kind == "router")
    ne = next(i for i, e in enumerate(path.elements) if e.kind in ("pdh", "sdh", "msap"))
    fresh = [
        (
            "router label (the CLI a ping step names)",
            _element(path, router, label="x (router, huawei)"),
        ),
        ("NE owned by the customer", _element(path, ne, owner="customer")),
        ("NE without an NMS name", _element(path, ne, ne_name=None)),
        ("NE port renamed", _element(path, ne, a_port="9-PQ9-9")),
        ("first link a fibre", _link(path, 1, kind=LinkKind.fiber)),
        ("first link another owner", _link(path, 1, owner="customer")),
        ("A end at another site", _end(path, "a", site="Elsewhere")),
        ("B end without a WAN address", _end(path, "b", wan_ip=None)),
    ]
    # every path built from new objects, as a sweep rebuilds them
    return {k: CircuitPath.model_validate(v.model_dump(by_alias=True)) for k, v in fresh}


@pytest.mark.parametrize(
    "name", ["LAB-E1-AIS1", "LAB-TEST-PING", "LAB-HC1-MALL", "LAB-OPT-OVL", "LAB-MULTI-OPPOSITE"]
)
def test_an_analysis_after_others_equals_it_on_empty_caches(name: str) -> None:
    _, path, obs = _load(name)
    original = _fresh(path, obs)
    changed = 0
    for what, variant in _variants(path).items():
        alone = _fresh(variant, obs)
        _doc(path, obs)  # the original shape and its values cached ...
        assert _doc(variant, obs) == alone, what  # ... never answer for the variant
        assert _doc(path, obs) == original, what  # nor the variant's for the original
        changed += alone != original
    # the variants do change results: the equalities above compare different documents
    assert changed >= 3


def test_thresholds_are_part_of_the_shape() -> None:
    _, path, obs = _load("LAB-TEST-PING")
    other = defaults().with_overrides({"ping_test_count": 500, "loss_pct": 30})
    base, alone = _fresh(path, obs), _fresh(path, obs, other)
    assert base != alone
    _doc(path, obs)
    assert _doc(path, obs, other) == alone
    assert _doc(path, obs) == base
    assert _doc(path, obs, defaults().with_overrides({"ping_test_count": 500, "loss_pct": 30})) == (
        alone  # an equal Thresholds object of its own: the same values, the same result
    )


def test_every_capture_analyses_alike_twice_and_on_empty_caches() -> None:
    caps = [_load(p.name) for p in CAPTURES]
    first = [_fresh(path, obs) for _, path, obs in caps]
    again = [_doc(path, obs) for _, path, obs in caps]  # all shapes cached, in another order
    assert again == first


def _contexts() -> list[tuple[str, CircuitPath, list[Observation]]]:
    return [(p.name, *_load(p.name)[1:]) for p in CAPTURES]


def _ctx(path: CircuitPath, obs: list[Observation]) -> Context:
    return Context.build(path, obs, defaults())


def test_by_path_applies_read_the_path_only() -> None:
    marked = [r for r in RULES.values() if r.applies in PATH_ONLY]
    assert len(marked) >= 10
    for name, path, obs in _contexts():
        for r in marked:
            # no observations, or all of them: the same answer
            assert r.applies(_ctx(path, obs)) == r.applies(_ctx(path, [])), (name, r.id)


def test_by_inputs_applies_read_which_inputs_were_given_only() -> None:
    marked = [r for r in RULES.values() if r.applies in INPUTS_ONLY]
    assert {"signal-loss-localize", "substitution-fixed"} <= {r.id for r in marked}
    rng = random.Random(7)
    for name, path, obs in _contexts():
        # the same answer keys and observation kinds, other answer values
        other: list[Observation] = [
            o.model_copy(update={"value": rng.choice(["fixed", "no-change", "yes", "0.5"])})
            if isinstance(o, AnswerObservation)
            else o
            for o in obs
        ]
        for r in marked:
            assert r.applies(_ctx(path, obs)) == r.applies(_ctx(path, other)), (name, r.id)


def _owner_by_span(path: CircuitPath, seg: Segment) -> str:
    elements, links = path.span(seg)
    owners = {e.owner for e in elements} | {lk.owner for lk in links}
    return owners.pop() if len(owners) == 1 else "unknown"


def test_owner_of_is_the_one_owner_of_every_element_and_link_in_the_span() -> None:
    rng = random.Random(3)
    owners = ["carrier", "customer", "unknown"]
    for _, path, _ in _contexts()[::6]:
        for _ in range(20):
            els = [e.model_copy(update={"owner": rng.choice(owners)}) for e in path.elements]
            links = [lk.model_copy(update={"owner": rng.choice(owners)}) for lk in path.links]
            p = CircuitPath(elements=els, links=links, a=path.a, b=path.b)
            for x in p.elements:
                for y in p.elements:
                    seg = Segment(from_=x.id, to=y.id)
                    assert p.owner_of(seg) == _owner_by_span(p, seg)


def test_updated_is_model_copy() -> None:
    f = finding(
        rule="ping-wan-to-wan",
        procedure="3.3",
        title="t",
        cause="c",
        confidence=0.4,
        segment=Segment(from_="a", to="b"),
        owner="carrier",
        evidence=[Evidence(observation="ping-1", text="x")],
        next_steps=["s"],
    )
    changes: dict[str, Any] = {"kind": "info", "title": "t2", "confidence": 0.45}
    new, old = updated(f, **changes), f.model_copy(update=changes)
    assert new == old and type(new) is type(old)
    assert new.model_dump_json() == old.model_dump_json()
    assert new.model_fields_set == old.model_fields_set
    assert f.kind == "fault" and f.title == "t"  # the original is left as it was
    with pytest.raises(Exception):  # noqa: B017 (frozen: pydantic's ValidationError)
        new.title = "x"  # type: ignore[misc]

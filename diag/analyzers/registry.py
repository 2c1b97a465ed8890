"""Rules as units with identity: a stable kebab id, the DOMAIN.md rule it encodes, the step of
the procedure it belongs to, what it needs, and the function that evaluates it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from diag.model.findings import Finding

if TYPE_CHECKING:
    from diag.analyzers.context import Context
    from diag.model.findings import Evidence
    from diag.model.path import Owner, Segment

FindingKind = Literal["fault", "consequence", "not_evaluated", "info", "unreachable"]


def always(ctx: Context) -> bool:
    """The default `applies`: every circuit (the engine skips calling it)."""
    return True


@dataclass(frozen=True)
class Rule:
    id: str  # kebab-case, stable: ais-upstream-localize
    refs: tuple[str, ...]  # the DOMAIN.md rules it encodes: ("R-AIS-1", "R-AIS-2")
    step: str  # the procedure step: 3.1, 3.2, 3.3, 3.4, 4.1 ...
    title: str  # one line
    needs: tuple[str, ...]  # observation kinds ("nms_alarm") or answer keys ("{s}.cpe.lamp.power")
    run: Callable[[Context], list[Finding]]
    applies: Callable[[Context], bool] = always  # e.g. only circuits with a V.35 end
    needs_any: bool = True  # True: one of `needs` suffices; False: all are needed


RULES: dict[str, Rule] = {}

# `applies` functions that read the circuit's path only (see `by_path`)
PATH_ONLY: set[Callable[[Context], bool]] = set()


# `applies` functions that read only which answer keys were given and which kinds of
# observation were made (see `by_inputs`)
INPUTS_ONLY: set[Callable[[Context], bool]] = set()


def by_inputs(fn: Callable[[Context], bool]) -> Callable[[Context], bool]:
    """Mark an `applies` that reads only which answer keys were given and which kinds of
    observation were made (`Context.has`), never their values nor the path: the engine then
    works it out once per circuit shape and set of those."""
    INPUTS_ONLY.add(fn)
    return fn


def by_path(fn: Callable[[Context], bool]) -> Callable[[Context], bool]:
    """Mark an `applies` that reads the circuit's path only, never the observations, answers
    or thresholds (e.g. "a V.35 end"): the engine then works it out once per circuit shape."""
    PATH_ONLY.add(fn)
    return fn


def rule(
    id: str,
    refs: tuple[str, ...],
    step: str,
    title: str,
    needs: tuple[str, ...],
    *,
    applies: Callable[[Context], bool] | None = None,
    needs_any: bool = True,
) -> Callable[[Callable[[Context], list[Finding]]], Callable[[Context], list[Finding]]]:
    """Register a rule function under its id (ids are unique; a duplicate is a bug)."""

    def wrap(fn: Callable[[Context], list[Finding]]) -> Callable[[Context], list[Finding]]:
        if id in RULES:
            raise ValueError(f"rule id {id!r} registered twice")
        RULES[id] = Rule(id, refs, step, title, needs, fn, applies or always, needs_any)
        return fn

    return wrap


def finding(
    *,
    rule: str,
    procedure: str,
    title: str,
    cause: str,
    confidence: float,
    segment: Segment | None = None,
    owner: Owner = "unknown",
    kind: FindingKind = "fault",
    direction: Literal["a-to-b", "b-to-a"] | None = None,
    evidence: list[Evidence] | None = None,
    next_steps: list[str] | None = None,
) -> Finding:
    """The one way a rule makes a finding: its rule id must be registered, its confidence is
    clamped to [0, 1] and rounded, and what a finding leaves out takes the usual value."""
    if rule not in RULES:
        raise ValueError(f"finding from unregistered rule {rule!r}")
    # validated as Finding(...) does, without its keyword-argument overhead
    return Finding.__pydantic_validator__.validate_python(  # type: ignore[no-any-return]
        {
            "rule": rule,
            "procedure": procedure,
            "kind": kind,
            "title": title,
            "direction": direction,
            "segment": segment,
            "owner": owner,
            "confidence": round(min(max(confidence, 0.0), 1.0), 2),
            "cause": cause,
            "evidence": list(evidence or []),
            "next_steps": list(next_steps or []),
        }
    )


def updated(f: Finding, **changes: object) -> Finding:
    """A copy of a finding with some fields changed (as `model_copy(update=...)`, without its
    cost): for the engine's and the decision's own changes, whose values are of the field's
    type by construction (a kind from FindingKind, a confidence in [0, 1], strings)."""
    new = object.__new__(type(f))
    _setattr(new, "__dict__", {**f.__dict__, **changes})
    _setattr(new, "__pydantic_fields_set__", f.__pydantic_fields_set__ | changes.keys())
    _setattr(new, "__pydantic_extra__", None)
    _setattr(new, "__pydantic_private__", None)
    return new


_setattr = object.__setattr__

"""Walk the procedure's steps over the observations and settle the verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from diag.analyzers import playbook, quality
from diag.analyzers.context import Context, need_plan
from diag.analyzers.registry import INPUTS_ONLY, PATH_ONLY, Rule, always, finding, updated
from diag.analyzers.thresholds import Thresholds, defaults
from diag.analyzers.verdict import decide
from diag.i18n import tr, tr_marked
from diag.model.findings import ContextAlarm, Finding, InventoryNote, Verdict
from diag.model.observations import Observation, Quality
from diag.model.path import CircuitPath


@dataclass
class Analysis:
    findings: list[Finding]
    verdict: Verdict
    context: list[ContextAlarm] = field(default_factory=list)
    inventory_notes: list[InventoryNote] = field(default_factory=list)


def analyze(
    path: CircuitPath, observations: Sequence[Observation], thresholds: Thresholds | None = None
) -> tuple[list[Finding], Verdict]:
    a = analyze_full(path, observations, thresholds)
    return a.findings, a.verdict


def analyze_full(
    path: CircuitPath, observations: Sequence[Observation], thresholds: Thresholds | None = None
) -> Analysis:
    """Every rule on its own evidence, whatever else was found; then the decision table."""
    ctx = Context.build(path, observations, thresholds or defaults())
    findings: list[Finding] = []
    weigh = bool(_degraded(ctx))
    built: dict[str, Finding] = ctx.shaped("engine.not_evaluated", dict)
    for r, step, ask, met in _rules_for(ctx):
        if ask and not r.applies(ctx):
            continue
        if not met:
            findings.append(built.get(r.id) or _not_evaluated(ctx, r, step))
            continue
        if weigh:
            findings.extend(_weigh_reading_quality(ctx, f) for f in r.run(ctx))
        else:
            findings.extend(r.run(ctx))
    findings, verdict = decide(ctx, findings)
    pic = ctx.alarms
    return Analysis(
        findings,
        verdict,
        [_CONTEXT_ALARM(vars(c)) for c in pic.context],
        [_INVENTORY_NOTE(vars(n)) for n in pic.notes],
    )


# validated as the models' own constructors do, from the correlation's dataclasses' fields
_CONTEXT_ALARM = ContextAlarm.__pydantic_validator__.validate_python
_INVENTORY_NOTE = InventoryNote.__pydantic_validator__.validate_python


Needs = tuple[tuple[str, ...], str | None]  # see context.need_plan
Plan = tuple[tuple[Rule, playbook.Step, frozenset[str], frozenset[str], tuple[Needs, ...]], ...]


@cache
def _plan() -> Plan:
    """The procedure's rules in order, each with what satisfies its needs, worked out once: for
    a rule that needs one of them, the answer keys and observation kinds that do; for a rule
    that needs them all, each need's."""
    out: list[tuple[Rule, playbook.Step, frozenset[str], frozenset[str], tuple[Needs, ...]]] = []
    for step in playbook.load():
        for r in step.rules:
            needs = tuple(need_plan(n) for n in r.needs)
            if r.needs_any or not needs:
                keys = frozenset(k for ks, _ in needs for k in ks)
                kinds = frozenset(kind for _, kind in needs if kind is not None)
                out.append((r, step, keys, kinds, ()))
            else:
                out.append((r, step, frozenset(), frozenset(), needs))
    return tuple(out)


Steps = tuple[tuple[Rule, playbook.Step, bool, bool], ...]


def _rules_for(ctx: Context) -> Steps:
    """The procedure for this analysis: each rule that may apply to the circuit's shape, whether
    its `applies` is still to be asked, and whether its needs are met.  Whether they are met
    depends only on which answer keys were given and which kinds of observation were made: it
    is worked out once per circuit shape and set of those."""
    key = (frozenset(ctx.answers), ctx._kinds)
    known: dict[object, Steps] = ctx.shaped("engine.steps", dict)
    got = known.get(key)
    if got is None:
        if len(known) >= 256:  # e.g. --ask trying many answers on one circuit
            known.clear()
        got = known[key] = _steps(ctx)
    return got


def _steps(ctx: Context) -> Steps:
    answers, kinds = ctx.answers.keys(), ctx._kinds
    out = []
    for r, step, any_keys, any_kinds, all_needs in ctx.shaped(
        "engine.plan", lambda: _applicable(ctx)
    ):
        if all_needs:  # every need must be met
            met = all(
                (kind is not None and kind in kinds) or not answers.isdisjoint(keys)
                for keys, kind in all_needs
            )
        else:  # one of them (or none asked for)
            met = (
                not (any_keys or any_kinds)
                or not answers.isdisjoint(any_keys)
                or not kinds.isdisjoint(any_kinds)
            )
        if r.applies in INPUTS_ONLY:
            if not r.applies(ctx):
                continue
            out.append((r, step, False, met))
        else:
            out.append((r, step, r.applies is not always, met))
    return tuple(out)


def _applicable(ctx: Context) -> Plan:
    """The plan for this circuit's shape: without the rules whose `applies` reads the path only
    and says no, and with that `applies` not asked again for those that it says yes to."""
    out = []
    for item in _plan():
        r = item[0]
        if r.applies in PATH_ONLY:
            if r.applies(ctx):
                out.append((replace(r, applies=always), *item[1:]))
        else:
            out.append(item)
    return tuple(out)


def _degraded(ctx: Context) -> list[Observation]:
    """The readings not read whole, in observation order (most analyses have none)."""
    return ctx.memo("engine.degraded", lambda: _find_degraded(ctx))


def _find_degraded(ctx: Context) -> list[Observation]:
    # only router readings carry a read quality: look at those first, in one pass per class
    for t, got in ctx._by_type.items():
        if issubclass(t, Quality):
            for o in got:
                if o.quality != "ok":
                    return [o for o in ctx.observations if quality.degraded(o)]
    return []


def _weigh_reading_quality(ctx: Context, f: Finding) -> Finding:
    """A fault that rests on a reading not read whole (a console that lost or garbled lines)
    weighs less, by the weakest of its readings, and asks for a clean re-read (issue: a lossy
    console's values are never presented as fact).  Every rule gets this, not a chosen few."""
    if f.kind != "fault":
        return f
    degraded = _degraded(ctx)
    if not degraded:
        return f
    cited = {e.observation for e in f.evidence if e.observation}
    if not cited:
        return f
    readings = [o for o in degraded if o.id in cited]
    if not readings:
        return f
    factor = quality.weakest(readings)
    notes = tr("; ").join(
        f"{getattr(o, 'device', '?')} {quality.what_was_read(o)}: {quality.label(o)}"
        for o in readings
    )
    return updated(
        f,
        confidence=round(f.confidence * factor, 2),
        cause=tr("{cause} (rests on readings not read whole: {notes})", cause=f.cause, notes=notes),
        next_steps=[*quality.reread_steps(readings), *f.next_steps],
    )


def _need_words(need: str) -> str:
    """An answer key or observation kind, `{s}` filled with both ends."""
    if "{s}" in need:
        return tr(" or ").join(need.format(s=s) for s in ("a", "b"))
    return need


def _not_evaluated(ctx: Context, r: Rule, step: playbook.Step) -> Finding:
    # It depends on the rule and the circuit's path only: a sweep that diagnoses the same
    # circuits again builds it once (findings are frozen: one instance serves every document).
    f = _build_not_evaluated(ctx, r.id, r.refs, step.id, r.title, r.needs, r.needs_any)
    if ctx.path.a is not None and ctx.path.b is not None:
        built: dict[str, Finding] = ctx.shaped("engine.not_evaluated", dict)
        built[r.id] = f
    return f


def _build_not_evaluated(
    ctx: Context,
    rid: str,
    refs: tuple[str, ...],
    step: str,
    title: str,
    needs: tuple[str, ...],
    any_: bool,
) -> Finding:
    want = (tr(" or ") if any_ else tr(" and ")).join(_need_words(n) for n in needs)
    asks = [q for n in needs for q in ctx.asks(n)]
    return finding(
        rule=rid,
        procedure=",".join(refs),
        kind="not_evaluated",
        # the rule's title is a mark()ed message of its decorator
        title=tr("step {step}: {title} — not evaluated", step=step, title=tr_marked(title)),
        segment=None,
        owner="unknown",
        confidence=0.0,
        cause=tr("needs {want}, which nobody has reported yet", want=want),
        next_steps=asks[:2],
    )

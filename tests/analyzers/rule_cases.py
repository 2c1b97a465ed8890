"""The rule case files (fixtures/rules/<rule-id>/{fires,silent}/<case>.yaml) for
tests/analyzers/test_rule_cases.py: where a case runs (a circuit of the inventory or a capture),
the short observations it writes, the case schema (`FiresCase`, `SilentCase`; the format is
fixtures/rules/README.md), loading, running the whole analysis and checking the findings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from diag.analyzers.answers import AnswerError, lookup, parse_answer
from diag.analyzers.context import Context
from diag.analyzers.engine import analyze_full
from diag.analyzers.registry import RULES
from diag.analyzers.thresholds import defaults
from diag.capture import load_capture
from diag.collectors.alarms.normalize import normalize
from diag.inventory import load_inventory
from diag.model.findings import Finding
from diag.model.inventory import Device, Inventory
from diag.model.observations import AnswerObservation, Observation
from diag.model.path import CircuitPath, Owner, build_path

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "rules"
CAPTURES = ROOT / "fixtures" / "captures"
INVENTORY = ROOT / "inventory"
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

Kind = Literal["fault", "consequence", "not_evaluated", "info", "unreachable"]
Flow = Literal["a-to-b", "b-to-a"]

# Registered rules that need no case folder, and why.  Every rule diag has today can emit a
# finding a person acts on (a fault, a consequence, an info or an unreachable source), so none
# is exempt; a rule that could only say "not evaluated" would be listed here with its reason.
EXEMPT: dict[str, str] = {}

# A DOMAIN.md reference a description must cite: a rule (R-AIS-1, R-HC-2c), a section (§2.4),
# a procedure step (3.1, 4.2) or an article line (L559).
_REFERENCE = r"R-[A-Z0-9]+(-[A-Za-z0-9]+)?|§\s?\d|\b[34]\.\d\b|\bL\d{3}\b"

OBSERVATION = TypeAdapter(Observation)


# --------------------------------------------------------------------------- where a case runs


@dataclass(frozen=True)
class Base:
    """The circuit a case runs on, its devices (for NMS names) and the observations it starts
    from (a capture's; none for an inventory circuit)."""

    path: CircuitPath
    devices: dict[str, Device]
    observations: tuple[Observation, ...] = ()


@cache
def _inventory() -> Inventory:
    return load_inventory(INVENTORY)


@cache
def circuit_base(circuit_id: str) -> Base:
    inv = _inventory()
    if circuit_id not in inv.circuits:
        raise ValueError(
            f"no circuit {circuit_id!r} in the lab inventory ({INVENTORY.relative_to(ROOT)}/)"
        )
    return Base(build_path(inv.circuits[circuit_id], inv), dict(inv.devices))


@cache
def capture_base(name: str) -> Base:
    folder = CAPTURES / name
    if not (folder / "capture.json").is_file():
        raise ValueError(f"no capture {name!r} in {CAPTURES.relative_to(ROOT)}/")
    cap = load_capture(folder)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    return Base(build_path(cap.circuit, inv), dict(cap.devices), tuple(cap.observations))


# --------------------------------------------------------------------------- short observations


def _nms_of(base: Base, device: str) -> str | None:
    d = base.devices.get(device)
    return d.nms if d is not None else None


def _fill(raw: dict[str, Any], n: int, base: Base) -> dict[str, Any]:
    """The defaults that keep a case's observations short (fixtures/rules/README.md,
    "Observation defaults")."""
    o = dict(raw)
    kind = o.get("kind")
    o.setdefault("id", f"case-{kind}-{n}")
    o.setdefault("collector", "fixture:rules")
    o.setdefault("at", NOW)
    if kind == "nms_alarm":
        if "vendor_name" in o and "type" not in o:
            # what the NMS drivers do with a vendor name (diag/collectors/alarms/names.yaml)
            meaning = normalize(str(o["vendor_name"]))
            o.setdefault("layer", meaning.layer)
            o.setdefault("direction", meaning.direction.value)
            o.setdefault("severity", meaning.severity.value)
            o.setdefault("known", meaning.known)
            o["type"] = meaning.type
        device = o.get("device")
        if isinstance(device, str) and device in {e.id for e in base.path.elements}:
            el = base.path.element(device)
            if "ne" not in o and el.ne_name:
                o["ne"] = el.ne_name
            if "nms" not in o and (nms := _nms_of(base, device)):
                o["nms"] = nms
    elif kind == "nms_poll":
        managed = [
            (e.ne_name, _nms_of(base, e.id)) for e in base.path.elements if e.ne_name is not None
        ]
        if "nms" not in o:
            names = sorted({m for _, m in managed if m})
            if len(names) != 1:
                raise ValueError(f"say which NMS was polled (nms:), the path has {names or 'none'}")
            o["nms"] = names[0]
        o.setdefault("nes", [ne for ne, m in managed if m == o["nms"]])
    elif kind == "ping":
        o.setdefault("engine", "router-cli" if o.get("origin_kind") == "router" else "fping")
        o.setdefault("count", 100)
        o.setdefault("size", 100)
        o.setdefault("sent", o["count"])
        if "loss_pct" in o and "received" not in o:
            o["received"] = round(o["sent"] * (100 - float(o["loss_pct"])) / 100)
    elif kind == "crc_growth":
        o.setdefault("counter_source", "cli:show interfaces")
        o.setdefault("interval_s", 60)
        if "per_min" in o and o["per_min"] is not None:
            o.setdefault("delta", round(float(o["per_min"]) * float(o["interval_s"]) / 60))
        o.setdefault("first", 1000)
        o.setdefault("second", o["first"] + (o.get("delta") or 0))
    elif kind == "e1_controller":
        o.setdefault("source", "cli:show controllers e1")
    elif kind == "interface":
        o.setdefault("source", "cli:show interfaces")
    elif kind == "cpu":
        o.setdefault("source", "cli:show processes cpu")
    elif kind == "console":
        o.setdefault("port", "console")
    return o


# --------------------------------------------------------------------------- the case schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SegmentSpec(_Strict):
    from_: str = Field(alias="from")
    to: str


class FiresExpect(_Strict):
    """What the rule must report: at least one of its findings matches every field given."""

    kind: Kind
    segment: SegmentSpec | None = None
    direction: Flow | None = None
    owner: Owner | None = None
    confidence_min: float | None = Field(None, ge=0, le=1)
    confidence_max: float | None = Field(None, ge=0, le=1)
    cause_contains: str | None = None

    @model_validator(mode="after")
    def _range(self) -> FiresExpect:
        lo, hi = self.confidence_min, self.confidence_max
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"confidence_min {lo} is above confidence_max {hi}")
        return self


_QUIET: tuple[Kind, ...] = ("fault", "consequence")


class SilentExpect(_Strict):
    """What the rule must not report.  A silent case proves a near miss only if the rule ran on
    it: by default the rule must apply to the circuit and have had its inputs (no not_evaluated
    finding); `evaluated: false` when the near miss is precisely that the rule does not apply."""

    absent: list[Kind] = Field(default_factory=lambda: list(_QUIET), min_length=1)
    evaluated: bool = True


class CaseFile(_Strict):
    """What every case file holds (fixtures/rules/README.md); `FiresCase` and `SilentCase` add
    their `expect:`.  The circuit and the observations are checked against the circuit named."""

    description: str = Field(min_length=20)
    circuit: str | None = None
    capture: str | None = Field(None, validate_default=True)
    drop: list[str] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)
    answers: dict[str, str] = Field(default_factory=dict)
    xfail_reason: str | None = Field(None, min_length=20)

    @field_validator("description")
    @classmethod
    def _cites_domain(cls, v: str) -> str:
        if not re.search(_REFERENCE, v):
            raise ValueError(
                "cite the DOMAIN.md reference the case rests on (R-AIS-1, §2.4, step 3.1, L559)"
            )
        return v

    @field_validator("circuit")
    @classmethod
    def _circuit(cls, v: str | None) -> str | None:
        if v is not None:
            circuit_base(v)
        return v

    @field_validator("capture")
    @classmethod
    def _one_source(cls, v: str | None, info: ValidationInfo) -> str | None:
        if (v is None) == (info.data.get("circuit") is None):
            raise ValueError("give exactly one of circuit: (a lab circuit) or capture:")
        if v is not None:
            capture_base(v)
        return v

    @field_validator("drop")
    @classmethod
    def _drop_from_capture(cls, v: list[str], info: ValidationInfo) -> list[str]:
        if not v:
            return v
        name = info.data.get("capture")
        if name is None:
            raise ValueError("drop: removes observations of a capture; this case has none")
        have = {o.id for o in capture_base(name).observations}
        missing = [i for i in v if i not in have]
        if missing:
            raise ValueError(f"capture {name} has no observation {', '.join(missing)}")
        return v

    @field_validator("observations", mode="before")
    @classmethod
    def _observations(cls, v: Any, info: ValidationInfo) -> list[Observation]:
        if v is None:
            return []
        if not isinstance(v, list):
            raise ValueError("a list of observations")
        base = _base_of(info.data)
        out: list[Observation] = []
        for i, raw in enumerate(v):
            if not isinstance(raw, dict):
                raise ValueError(f"[{i}]: an observation is a mapping (kind: ...)")
            try:
                obs = OBSERVATION.validate_python(_fill(raw, i + 1, base))
            except ValidationError as exc:
                e = exc.errors()[0]
                loc = ".".join(str(x) for x in e["loc"][1:])  # [0] is the kind's model
                raise ValueError(f"[{i}].{loc}: {e['msg']}") from None
            except (TypeError, ValueError) as exc:
                raise ValueError(f"[{i}]: {exc}") from None
            if isinstance(obs, AnswerObservation):
                raise ValueError(f"[{i}]: give answers under answers:, not as observations")
            out.append(obs)
        ids = [o.id for o in out]
        if len(set(ids)) != len(ids):
            raise ValueError("two observations share an id")
        return out

    @field_validator("answers", mode="before")
    @classmethod
    def _answers(cls, v: Any) -> dict[str, str]:
        if v is None:
            return {}
        if not isinstance(v, dict):
            raise ValueError("a mapping KEY: VALUE, as `diag questions` lists them")
        out = {}
        for k, value in v.items():
            try:
                if isinstance(value, bool):  # YAML 1.1 reads on/off and yes/no as booleans
                    q, _ = lookup(str(k))
                    yes, no = ("yes", "no") if q.values and "yes" in q.values else ("on", "off")
                    value = yes if value else no
                out[str(k)] = parse_answer(str(k), str(value))
            except AnswerError as exc:
                raise ValueError(str(exc)) from None
        return out


class FiresCase(CaseFile):
    expect: FiresExpect

    @field_validator("expect")
    @classmethod
    def _on_the_path(cls, v: FiresExpect, info: ValidationInfo) -> FiresExpect:
        if v.segment is not None:
            ids = {e.id for e in _base_of(info.data).path.elements}
            for end in (v.segment.from_, v.segment.to):
                if end not in ids:
                    raise ValueError(f"segment: {end!r} is not an element of the case's circuit")
        return v


class SilentCase(CaseFile):
    expect: SilentExpect = Field(default_factory=SilentExpect)


def _base_of(data: dict[str, Any]) -> Base:
    if data.get("capture"):
        return capture_base(data["capture"])
    if data.get("circuit"):
        return circuit_base(data["circuit"])
    raise ValueError("the case's circuit: or capture: is missing or invalid")


class CaseError(Exception):
    pass


@dataclass(frozen=True)
class Case:
    file: Path
    rule: str
    kind: Literal["fires", "silent"]
    body: FiresCase | SilentCase

    @property
    def id(self) -> str:
        return f"{self.rule}/{self.kind}/{self.file.stem}"

    def base(self) -> Base:
        return _base_of({"circuit": self.body.circuit, "capture": self.body.capture})


def _where(file: Path) -> str:
    try:
        return str(file.relative_to(ROOT))
    except ValueError:
        return str(file)


def load_case(file: Path) -> Case:
    """A case file, validated; CaseError names the file and the field that is wrong."""
    kind = file.parent.name
    rule = file.parent.parent.name
    if kind not in ("fires", "silent"):
        raise CaseError(f"{_where(file)}: a case lives in <rule-id>/fires/ or <rule-id>/silent/")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseError(f"{_where(file)}: not YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CaseError(f"{_where(file)}: a case file is a mapping (description:, expect: ...)")
    try:
        body = (FiresCase if kind == "fires" else SilentCase).model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"field '{'.'.join(str(x) for x in e['loc']) or '(top)'}': {e['msg']}"
            for e in exc.errors()
        ]
        raise CaseError(f"{_where(file)}: " + "; ".join(lines)) from None
    return Case(file, rule, kind, body)  # type: ignore[arg-type]


def case_files() -> list[Path]:
    return sorted(CASES.glob("*/fires/*.yaml")) + sorted(CASES.glob("*/silent/*.yaml"))


# --------------------------------------------------------------------------- running and checking


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]  # the case's rule's, after the decision table
    applied: bool  # the rule's `applies` held on the case's circuit and observations


def run(case: Case) -> Outcome:
    """The whole analysis of the case; the findings of its rule."""
    base = case.base()
    body = case.body
    given = set(body.answers)
    kept = [
        o
        for o in base.observations
        if o.id not in body.drop and not (isinstance(o, AnswerObservation) and o.key in given)
    ]
    answers = [
        AnswerObservation(
            id=f"case-answer-{n}",
            collector="answers:file",
            at=NOW,
            key=k,
            value=v,
            source="file",
        )
        for n, (k, v) in enumerate(sorted(body.answers.items()), 1)
    ]
    observations = [*kept, *body.observations, *answers]
    analysis = analyze_full(base.path, observations)
    applied = RULES[case.rule].applies(Context.build(base.path, observations, defaults()))
    return Outcome([f for f in analysis.findings if f.rule == case.rule], applied)


def _show(findings: Sequence[Finding]) -> str:
    if not findings:
        return "  (no finding)"
    return "\n".join(
        f"  - {f.kind} seg={f.segment.from_ + '…' + f.segment.to if f.segment else None} "
        f"dir={f.direction} owner={f.owner} conf={f.confidence}: {f.cause}"
        for f in findings
    )


def mismatches(f: Finding, e: FiresExpect) -> list[str]:
    out = []
    if f.kind != e.kind:
        out.append(f"kind {f.kind}")
    if e.segment is not None and (
        f.segment is None or (f.segment.from_, f.segment.to) != (e.segment.from_, e.segment.to)
    ):
        out.append("segment")
    if e.direction is not None and f.direction != e.direction:
        out.append("direction")
    if e.owner is not None and f.owner != e.owner:
        out.append("owner")
    if e.confidence_min is not None and f.confidence < e.confidence_min:
        out.append("confidence_min")
    if e.confidence_max is not None and f.confidence > e.confidence_max:
        out.append("confidence_max")
    if e.cause_contains is not None and e.cause_contains not in f.cause:
        out.append("cause_contains")
    return out


def check(case: Case, outcome: Outcome) -> None:
    e = case.body.expect
    findings = outcome.findings
    where = _where(case.file)
    if isinstance(e, FiresExpect):
        if not any(not mismatches(f, e) for f in findings):
            want = e.model_dump(exclude_none=True, by_alias=True)
            pytest.fail(
                f"{where}: {case.rule} must report {want}; it reported:\n" + _show(findings)
            )
        return
    bad = [f for f in findings if f.kind in e.absent]
    if bad:
        pytest.fail(
            f"{where}: {case.rule} must report no {', '.join(e.absent)}; it reported:\n"
            + _show(bad)
        )
    if e.evaluated:
        unrun = [f for f in findings if f.kind == "not_evaluated"]
        if not outcome.applied or unrun:
            pytest.fail(
                f"{where}: silent, but {case.rule} did not run on it ("
                + ("it does not apply" if not outcome.applied else "not evaluated")
                + "): a near miss must reach the rule; say `evaluated: false` if the point is "
                "that it does not apply\n" + _show(unrun)
            )

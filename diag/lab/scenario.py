"""Lab scenarios: a folder with an inventory fragment and the explicit state of every device.

Layout (docs/scenarios.md):
    <dir>/scenario.yaml   name, description, state (nes / routers / cpe / nms), answers,
                          expect (per circuit)
    <dir>/inventory.yaml  the circuit(s) and their devices, as in any inventory file

`mismatches()` compares a findings document with its circuit's `expect`; the end-to-end tests
and `diag demo` both use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from diag.errors import InventoryError
from diag.lab.ne_state import CpeState, NeState, NmsState
from diag.lab.routers.state import RouterState
from diag.model.findings import Status
from diag.model.inventory import TRANSMISSION_ROLES, Inventory, Role
from diag.model.observations import Observation
from diag.model.path import Owner, Segment

if TYPE_CHECKING:
    from diag.model.findings import FindingsDocument


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class State(_M):
    nes: dict[str, NeState] = Field(default_factory=dict, description="device name -> NE state")
    routers: dict[str, RouterState] = Field(default_factory=dict)
    cpe: dict[str, CpeState] = Field(default_factory=dict)
    nms: dict[str, NmsState] = Field(
        default_factory=dict,
        description="NMS name -> how it behaves (an NMS of the scenario's own inventory.yaml)",
    )


class ExpectFault(_M):
    """One fault the verdict must list (verdict.faults)."""

    segment: Segment
    owner: Owner
    rules: list[str] = Field(
        default_factory=list, description="procedure refs the fault must cite, e.g. R-AIS-1, 3.1"
    )


class Expect(_M):
    status: Status
    segment: Segment | None = Field(None, description="the headline fault's segment")
    owner: Owner = Field("unknown", description="the headline fault's owner")
    rules: list[str] = Field(default_factory=list, description="procedure refs, e.g. R-AIS-1")
    faults: list[ExpectFault] | None = Field(
        None,
        description="every fault the verdict lists (verdict.faults), in any order; "
        "not given: not checked",
    )
    context_alarms: int | None = Field(
        None,
        ge=0,
        description="alarms the document lists as context (document.context), not counted "
        "against the circuit; not given: not checked",
    )


class Scenario(_M):
    name: str
    description: str
    state: State = Field(default_factory=State)
    answers: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="circuit id -> what the people on site report and instruments read "
        "(keys of diag/playbooks/questions/), given to diag as --observations",
    )
    expect: dict[str, Expect] = Field(description="circuit id -> expected verdict")
    folder: Path = Field(Path(), exclude=True)

    @property
    def inventory_file(self) -> Path:
        return self.folder / "inventory.yaml"


def shipped_scenarios_dir() -> Path:
    """The shipped scenarios, inside the package (so that a plain `pip install .` has them);
    `fixtures/scenarios` in the repository links here."""
    return Path(__file__).resolve().parent / "shipped" / "scenarios"


def shipped_scenarios() -> list[Path]:
    return sorted(p for p in shipped_scenarios_dir().iterdir() if (p / "scenario.yaml").is_file())


def load_scenario(folder: Path | str) -> Scenario:
    folder = Path(folder)
    f = folder / "scenario.yaml"
    if not f.is_file():
        raise InventoryError(
            [f"{folder}: not a scenario folder (no scenario.yaml)"], source="scenario"
        )
    try:
        raw = yaml.safe_load(f.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InventoryError([f"{f}: not valid YAML: {exc}"], source="scenario") from exc
    if not (folder / "inventory.yaml").is_file():
        raise InventoryError(
            [f"{folder}: no inventory.yaml (the circuit and its devices)"], source="scenario"
        )
    try:
        scn = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{f}: field '{'.'.join(str(x) for x in e['loc'])}': {e['msg']}" for e in exc.errors()
        ]
        raise InventoryError(problems, source=f"scenario {folder}") from exc
    return scn.model_copy(update={"folder": folder.resolve()})


def _own_nms_names(scn: Scenario) -> set[str]:
    """NMS names the scenario's own inventory.yaml defines."""
    try:
        raw = yaml.safe_load(scn.inventory_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    entries = raw.get("nms") if isinstance(raw, dict) else None
    return {str(e.get("name")) for e in entries or [] if isinstance(e, dict)}


def _path_names(inv: Inventory, cid: str) -> set[str | None]:
    c = inv.circuits[cid]
    return {
        c.a.cpe,
        c.b.cpe,
        c.a.router,
        c.b.router,
        c.a.converter,
        c.b.converter,
        *(h.ne for h in c.transport),
        f"{cid}:lan-a",
        f"{cid}:lan-b",
    }


def check_against(scn: Scenario, inv: Inventory) -> None:
    """Every device the state names exists, with the right role and the access its state needs;
    every expected circuit exists and every expected segment is on its path."""
    f = scn.folder / "scenario.yaml"
    problems = []
    for section, roles in (
        ("nes", TRANSMISSION_ROLES),
        ("routers", {Role.router}),
        ("cpe", TRANSMISSION_ROLES | {Role.v35_converter, Role.ethernet_converter}),
    ):
        for name in getattr(scn.state, section):
            dev = inv.devices.get(name)
            if dev is None:
                problems.append(f"{f}: state.{section}.{name}: no such device in the inventory")
            elif dev.role not in roles:
                problems.append(
                    f"{f}: state.{section}.{name}: is a {dev.role.value}, not "
                    f"one of {', '.join(sorted(r.value for r in roles))}"
                )
            elif section == "nes":
                ne = scn.state.nes[name]
                if ne.alarms and not dev.nms:
                    problems.append(
                        f"{f}: state.nes.{name}: the device names no NMS, so its alarms "
                        "could never be read"
                    )
                if ne.e1_lines and (dev.snmp is None or dev.mgmt is None):
                    problems.append(
                        f"{f}: state.nes.{name}.e1_lines: the device needs 'snmp' and 'mgmt' "
                        "in the inventory for its own SNMP agent to serve them"
                    )
            elif section == "routers":
                state = scn.state.routers[name]
                if state.ssh != "open" and dev.mgmt is None:
                    problems.append(
                        f"{f}: state.routers.{name}.ssh: {state.ssh}, but the device has no "
                        "'mgmt' address, so there is no SSH port to close"
                    )
    own = _own_nms_names(scn)
    for name, nms_state in scn.state.nms.items():
        if name not in inv.nms:
            problems.append(f"{f}: state.nms.{name}: no such NMS in the inventory")
        elif nms_state.silent and name not in own:
            # A silenced shared NMS would silence every other scenario's circuits too.
            problems.append(
                f"{f}: state.nms.{name}: only an NMS defined in the scenario's own "
                f"inventory.yaml (on a port of its own) can be made silent"
            )
    from diag.analyzers.answers import AnswerError, parse_answer

    for cid, given in scn.answers.items():
        if cid not in inv.circuits:
            problems.append(f"{f}: answers.{cid}: no such circuit in the inventory")
        for key, value in given.items():
            try:
                parse_answer(key, str(value))
            except AnswerError as exc:
                problems.append(f"{f}: answers.{cid}.{key}: {exc}")
    for cid, exp in scn.expect.items():
        if cid not in inv.circuits:
            problems.append(f"{f}: expect.{cid}: no such circuit in the inventory")
            continue
        names = _path_names(inv, cid)
        segments = [("segment", exp.segment)]
        segments += [(f"faults[{i}].segment", x.segment) for i, x in enumerate(exp.faults or [])]
        for where, seg in segments:
            if seg is None:
                continue
            for end in (seg.from_, seg.to):
                if end not in names:
                    problems.append(
                        f"{f}: expect.{cid}.{where}: {end!r} is not on the circuit's path"
                    )
    if problems:
        raise InventoryError(problems, source=f"scenario {scn.folder.name}")


def given_observations(scn: Scenario) -> dict[str, list[Observation]]:
    """Per circuit, the scenario's answers as the observations diag is given (--observations)."""
    from diag.analyzers.answers import observations

    out: dict[str, list[Observation]] = {}
    for cid, given in scn.answers.items():
        out[cid] = list(observations({k: str(v) for k, v in given.items()}, "file"))
    return out


# --------------------------------------------------------------------------- expectations


def _get(obj: Any, name: str) -> Any:
    """A field of a model or of its JSON form."""
    if isinstance(obj, dict):
        return obj.get(name, obj.get(name.rstrip("_")))
    return getattr(obj, name, None)


def _seg_key(seg: Any) -> tuple[str, str] | None:
    if seg is None:
        return None
    first = _get(seg, "from_")
    if first is None and isinstance(seg, dict):
        first = seg.get("from")
    return (str(first), str(_get(seg, "to")))


def _seg_text(seg: Any) -> str:
    key = _seg_key(seg)
    return "no segment" if key is None else f"{key[0]} … {key[1]}"


def _refs(value: Any) -> set[str]:
    """Procedure refs from a list of refs or a comma-separated string."""
    if value is None:
        return set()
    items = value.split(",") if isinstance(value, str) else list(value)
    return {str(r).strip() for r in items if str(r).strip()}


def _fault_matches(exp: ExpectFault, got: Any) -> bool:
    return (
        _seg_key(got_seg := _get(got, "segment")) is not None
        and _seg_key(got_seg) == _seg_key(exp.segment)
        and _get(got, "owner") == exp.owner
        and set(exp.rules) <= _refs(_get(got, "procedure"))
    )


def match_faults(expected: Sequence[ExpectFault], got: Sequence[Any]) -> bool:
    """Each expected fault matches a distinct verdict fault (segment, owner equal; its rules
    among the fault's procedure refs), and there are as many of each."""
    if len(expected) != len(got):
        return False
    # Bipartite matching by augmenting paths: a fault that fits several expectations must not
    # be taken by the first one when another needs it.
    owner_of: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j, g in enumerate(got):
            if j in seen or not _fault_matches(expected[i], g):
                continue
            seen.add(j)
            if j not in owner_of or place(owner_of[j], seen):
                owner_of[j] = i
                return True
        return False

    return all(place(i, set()) for i in range(len(expected)))


def _fault_text(fault: Any) -> str:
    refs = ",".join(sorted(_refs(_get(fault, "procedure")) or _refs(_get(fault, "rules"))))
    return f"{_seg_text(_get(fault, 'segment'))} {_get(fault, 'owner')} [{refs}]"


def context_alarm_count(doc: FindingsDocument) -> int | None:
    """How many alarms the document lists as context (None: it has no `context`)."""
    context = getattr(doc, "context", None)
    if context is None:
        return None
    alarm_ids = {o.id for o in doc.observations if o.kind == "nms_alarm"}
    n = 0
    for item in context:
        ref = item if isinstance(item, str) else _get(item, "observation") or _get(item, "id")
        kind = None if isinstance(item, str) else _get(item, "kind")
        if ref in alarm_ids or kind == "nms_alarm":
            n += 1
    return n


def mismatches(cid: str, expect: Expect, doc: FindingsDocument) -> list[str]:
    """Where the document differs from the circuit's expectation (empty: as expected)."""
    out: list[str] = []
    v = doc.verdict
    if (v.status, _seg_key(v.segment), v.owner) != (
        expect.status,
        _seg_key(expect.segment),
        expect.owner,
    ):
        out.append(
            f"{cid}: expected {expect.status} {_seg_text(expect.segment)} {expect.owner}, "
            f"got {v.status} {_seg_text(v.segment)} {v.owner}"
        )
    fault_refs = {r for f in doc.findings if f.kind == "fault" for r in _refs(f.procedure)}
    missing = [r for r in expect.rules if r not in fault_refs]
    if missing:
        out.append(
            f"{cid}: expected fault findings citing {', '.join(missing)}; the faults cite "
            f"{', '.join(sorted(fault_refs)) or 'nothing'}"
        )
    if expect.faults is not None:
        got = _get(v, "faults")
        if got is None:
            out.append(
                f"{cid}: expected {len(expect.faults)} fault(s) in verdict.faults, but the "
                "document has no verdict.faults"
            )
        elif not match_faults(expect.faults, got):
            want = "; ".join(_fault_text(x) for x in expect.faults) or "none"
            have = "; ".join(_fault_text(x) for x in got) or "none"
            out.append(f"{cid}: expected faults {want}; got {have}")
    if expect.context_alarms is not None:
        n = context_alarm_count(doc)
        if n is None:
            out.append(
                f"{cid}: expected {expect.context_alarms} context alarm(s), but the document "
                "has no context list"
            )
        elif n != expect.context_alarms:
            out.append(f"{cid}: expected {expect.context_alarms} context alarm(s), got {n}")
    return out

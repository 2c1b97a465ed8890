"""Lab scenarios: a folder with an inventory fragment and the explicit state of every device.

Layout (docs/scenarios.md):
    <dir>/scenario.yaml   name, description, state (nes / routers / cpe), expect (per circuit)
    <dir>/inventory.yaml  the circuit(s) and their devices, as in any inventory file
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from diag.errors import InventoryError
from diag.lab.ne_state import CpeState, NeState
from diag.lab.routers.state import RouterState
from diag.model.findings import Status
from diag.model.inventory import TRANSMISSION_ROLES, Inventory, Role
from diag.model.observations import Observation
from diag.model.path import Owner, Segment


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class State(_M):
    nes: dict[str, NeState] = Field(default_factory=dict, description="device name -> NE state")
    routers: dict[str, RouterState] = Field(default_factory=dict)
    cpe: dict[str, CpeState] = Field(default_factory=dict)


class Expect(_M):
    status: Status
    segment: Segment | None = None
    owner: Owner = "unknown"
    rules: list[str] = Field(default_factory=list, description="procedure refs, e.g. R-AIS-1")


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
    folder: Path = Field(Path("."), exclude=True)

    @property
    def inventory_file(self) -> Path:
        return self.folder / "inventory.yaml"


def shipped_scenarios_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "fixtures" / "scenarios"


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


def check_against(scn: Scenario, inv: Inventory) -> None:
    """Every device the state names exists, with the right role; every expected circuit exists."""
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
            elif section == "nes" and not dev.nms:
                problems.append(
                    f"{f}: state.nes.{name}: the device names no NMS, so its alarms "
                    "could never be read"
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
        elif exp.segment is not None:
            c = inv.circuits[cid]
            names = {
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
            for end in (exp.segment.from_, exp.segment.to):
                if end not in names:
                    problems.append(
                        f"{f}: expect.{cid}.segment: {end!r} is not on the circuit's path"
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

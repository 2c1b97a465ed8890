"""The circuits and observations of the alarm correlation tests: a chain of N SDH/PDH elements
between two routers (`chain`; the `six` fixture is in conftest.py), short alarm and DS1 observations, and what a
run found (faults, consequences, cited observations).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import yaml

from diag.analyzers import analyze, playbook
from diag.inventory import load_inventory
from diag.model.findings import Finding, Verdict
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    NeE1LineObservation,
    NmsPollObservation,
    Observation,
    Severity,
)
from diag.model.path import CircuitPath, Segment, build_path

ROOT = Path(__file__).resolve().parents[2]
STEP_31 = {r.id for s in playbook.load() if s.id == "3.1" for r in s.rules} | {"nms-unreadable"}
NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

# canonical type, layer, direction: as diag/collectors/alarms/names.yaml normalises them
NAMES: dict[str, tuple[str, str, AlarmDirection]] = {
    "R_LOS": ("LOS", "RS", AlarmDirection.receive),
    "R_LOF": ("LOF", "RS", AlarmDirection.receive),
    "T_ALOS": ("LOS", "E1", AlarmDirection.none),
    "E1_LOS": ("LOS", "E1", AlarmDirection.none),
    "MS_AIS": ("AIS", "MS", AlarmDirection.none),
    "AU_AIS": ("AIS", "VC4", AlarmDirection.none),
    "TU_AIS": ("AIS", "VC12", AlarmDirection.none),
    "E1_AIS": ("AIS", "E1", AlarmDirection.none),
    "UP_E1_AIS": ("AIS", "E1", AlarmDirection.up),
    "DOWN_E1_AIS": ("AIS", "E1", AlarmDirection.down),
    "MS_RDI": ("RDI", "MS", AlarmDirection.none),
    "HP_RDI": ("RDI", "VC4", AlarmDirection.none),
    "LP_RDI": ("RDI", "VC12", AlarmDirection.none),
    "E1_RAI": ("RAI", "E1", AlarmDirection.none),
    "POWER_FAIL": ("POWER_FAIL", "EQUIPMENT", AlarmDirection.none),
    "BD_STATUS": ("BOARD_FAULT", "EQUIPMENT", AlarmDirection.none),
    "IN_PWR_HIGH": ("OPTICAL_POWER_HIGH", "OPTICAL", AlarmDirection.receive),
    "IN_PWR_LOW": ("OPTICAL_POWER_LOW", "OPTICAL", AlarmDirection.receive),
    "B2_EXC": ("EXC", "MS", AlarmDirection.none),
    "BIP_SD": ("DEG", "VC12", AlarmDirection.none),
}


class Obs:
    """Observation factory with ids alarm-1, alarm-2, ..."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(
        self,
        device: str,
        port: str | None,
        name: str,
        *,
        raised: datetime = NOW,
        severity: Severity = Severity.major,
    ) -> AlarmObservation:
        self.n += 1
        if name in NAMES:
            ctype, layer, direction = NAMES[name]
            known = True
        else:
            ctype, layer, direction, known = "UNKNOWN", "UNSPECIFIED", AlarmDirection.none, False
        return AlarmObservation(
            id=f"alarm-{self.n}",
            collector="nms:nms-lab",
            at=NOW,
            nms="nms-lab",
            ne=device.upper(),
            device=device,
            port=port,
            type=ctype,
            layer=layer,
            direction=direction,
            severity=severity,
            raised=raised,
            vendor_name=name,
            known=known,
        )


def poll() -> NmsPollObservation:
    return NmsPollObservation(
        id="nms-poll",
        collector="nms:nms-lab",
        at=NOW,
        nms="nms-lab",
        ok=True,
        nes=["PDH-1", "PDH-2", *(f"SDH-{k}" for k in range(1, 9))],
    )


def ds1(device: str, port: str, *bits: str) -> NeE1LineObservation:
    values = {
        "LossOfSignal": 64,
        "LossOfFrame": 32,
        "RcvAIS": 8,
        "XmtAIS": 16,
        "RcvFarEndLOF": 2,
    }
    return NeE1LineObservation(
        id=f"ne-e1-{device}-{port}".lower(),
        collector=f"snmp:{device}",
        at=NOW,
        device=device,
        if_index=3,
        port=port,
        line_status_bits=sum(values[b] for b in bits),
        line_status=list(bits),
    )


# ------------------------------------------------------------------------------ the chain
#
#   LAN A - rtr-a - pdh-1 =fiber= sdh-1 =sdh-line= sdh-2 ... sdh-N =fiber= pdh-2 - rtr-b - LAN B
#
# Line ports: sdh-k a_port 4-SL4-1 (towards A), b_port 5-SL4-1 (towards B); sdh-1's A side and
# sdh-N's B side are PDH optical interface ports (1-OI2-1 / 2-OI2-1) where the E1 is mapped into
# its VC-12.  The PDHs list their customer E1 port (cpe_port) and their optical line port
# (cpe_line 1-OI2-1).


def _chain_inventory(n: int, unmanaged: Sequence[str], budget: bool) -> dict[str, object]:
    def ne(name: str, role: str) -> dict[str, object]:
        d: dict[str, object] = {"name": name, "role": role, "vendor": "huawei"}
        if name not in unmanaged:
            d |= {"nms": "nms-lab", "ne_name": name.upper()}
        return d

    sdh = [f"sdh-{k}" for k in range(1, n + 1)]
    hops = []
    for k, name in enumerate(sdh, 1):
        a = "1-OI2-1" if k == 1 else "4-SL4-1"
        b = "2-OI2-1" if k == n else "5-SL4-1"
        hops.append({"ne": name, "a_port": a, "b_port": b})
    return {
        "devices": [
            {"name": "rtr-a", "role": "router", "vendor": "cisco", "device_type": "cisco_ios"},
            ne("pdh-1", "pdh"),
            *(ne(s, "sdh") for s in sdh),
            ne("pdh-2", "pdh"),
            {"name": "rtr-b", "role": "router", "vendor": "huawei", "device_type": "huawei"},
        ],
        "circuits": [
            {
                "id": "CH-1",
                "customer": "Chain Bank",
                "service": "e1",
                "bandwidth": "2M",
                "a": {
                    "site": "Branch",
                    "router": "rtr-a",
                    "wan_interface": "Serial0/0/0:0",
                    "cpe": "pdh-1",
                    "cpe_port": "E1-1",
                    "cpe_line": "1-OI2-1",
                    "interface": "e1-120",
                },
                "b": {
                    "site": "Head office",
                    "router": "rtr-b",
                    "wan_interface": "Serial1/0/0:0",
                    "cpe": "pdh-2",
                    "cpe_port": "E1-4",
                    "cpe_line": "1-OI2-1",
                    "interface": "e1-75",
                },
                "transport": hops,
                "links": [
                    {
                        "between": ["pdh-1", "sdh-1"],
                        "kind": "fiber",
                        "label": "fiber, PDH 1 to SDH 1 (200 m)",
                        **(BUDGET_SHORT if budget else {}),
                    },
                    {
                        "between": [sdh[-1], "pdh-2"],
                        "kind": "fiber",
                        **(BUDGET_LONG if budget else {}),
                    },
                ],
            }
        ],
    }


# The article's overload case (launch -5 dBm, 1 dB of fiber, overload -8 dBm) on the short fiber
# at A, a marginal long fiber at B.  Only where a test needs them: other steps' rules read the
# link budget on their own.
BUDGET_SHORT = {
    "launch_power_dbm": -5,
    "attenuation_db": 1,
    "overload_dbm": -8,
    "sensitivity_dbm": -36,
}
BUDGET_LONG = {
    "launch_power_dbm": -5,
    "attenuation_db": 29,
    "overload_dbm": -8,
    "sensitivity_dbm": -30,
}


def chain(
    tmp_path: Path, n: int = 6, unmanaged: Sequence[str] = (), budget: bool = False
) -> CircuitPath:
    d = tmp_path / f"inv-{n}-{'-'.join(unmanaged) or 'all'}-{budget}"
    d.mkdir()
    (d / "nms.yaml").write_text((ROOT / "inventory" / "nms.yaml").read_text())
    (d / "chain.yaml").write_text(yaml.safe_dump(_chain_inventory(n, unmanaged, budget)))
    inv = load_inventory(d)
    return build_path(inv.circuits["CH-1"], inv)


def run(path: CircuitPath, obs: Sequence[Observation]) -> tuple[list[Finding], Verdict]:
    return analyze(path, [*obs, poll()])


def faults(findings: list[Finding]) -> list[Finding]:
    """Step 3.1's fault findings (other steps' rules may read the same inventory)."""
    return [f for f in findings if f.kind == "fault" and f.rule in STEP_31]


def consequences(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.kind == "consequence"]


def seg(x: str, y: str) -> Segment:
    return Segment(from_=x, to=y)


def cited(findings: list[Finding]) -> set[str]:
    return {
        e.observation
        for f in findings
        if f.kind in ("fault", "consequence")
        for e in f.evidence
        if e.observation
    }

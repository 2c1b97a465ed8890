"""A generated lab at scale: N circuits over SDH rings, several regions and NMSs, seeded faults.

`generate(n, fault_rate=, seed=, folder=)` writes into `folder`:
    inventory/     nms.yaml, settings.yaml, network.yaml (devices and circuits), sweeps.yaml,
                   known_hosts
    lab-state.json the state of every device (a diag.lab.scenario.Scenario, as JSON)
    ground-truth.json   per circuit the expected verdict, per ring cut the circuits it hits
    generated.json      n, seed, fault rate, the address block
`load(folder)` reads it back as (Inventory, Scenario) for `LabNetwork`; `LabThread(
LabNetwork(inv, [scenario]))` serves it from one process. docs/lab-generate.md has the format.

Addresses: every device has its own loopback address in 127.<block>.0.0/16, so the lab's fixed
ports (below the kernel's ephemeral range) collide with nothing but another lab on the same
block; `generate` picks a block nobody serves on (or takes `block=`).
"""

from __future__ import annotations

import errno
import itertools
import json
import random
import resource
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from diag.errors import LabError
from diag.lab.gen_faults import LabState, inject
from diag.lab.gen_topology import CPE_LINE, CPE_PORT, GenCircuit, Topology, build, hop_ports
from diag.lab.scenario import Expect, Scenario, State
from diag.model.inventory import Inventory
from diag.model.path import Owner, Segment

SSH_PORT, SNMP_PORT, NMS_PORT = 20022, 20161, 20162


def trap_port(block: int, region: int) -> int:
    """diag's iMAP trap receiver for a region's NMS: on 127.0.0.1, one port per block and region
    (21000-22535, below the ephemeral range), so two labs' sweeps never share one."""
    return 21000 + 6 * block + region


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TruthCircuit(_M):
    status: Literal["healthy", "fault_localized"]
    segment: Segment | None = None
    owner: Owner = "unknown"
    fault: str | None = Field(None, description="id of the injected fault (faults[].id)")
    region: str
    ring: str
    spans: list[tuple[str, str]] = Field(description="ring spans ridden, A to B")


class TruthFault(_M):
    id: str
    kind: str = Field(description="ring-cut | access-fibre-cut | router-e1-los | ...")
    where: str
    raised: str
    ring: str | None = None
    span: tuple[str, str] | None = Field(None, description="ring-cut: the SDH NEs of the span")
    circuits: list[str]


class GroundTruth(_M):
    schema_version: str = "1.0"
    seed: int
    n: int
    fault_rate: float
    circuits: dict[str, TruthCircuit]
    faults: list[TruthFault]
    incidents: list[TruthFault] = Field(description="the faults that hit several circuits")


@dataclass(frozen=True)
class Generated:
    folder: Path
    inventory_dir: Path
    truth: GroundTruth
    block: int


# --------------------------------------------------------------------------- addresses


def _address(block: int, k: int) -> str:
    """Device k's address: 127.block.(1 + k // 250).(1 + k % 250); 127.block.0.x are NMSs."""
    return f"127.{block}.{1 + k // 250}.{1 + k % 250}"


def _block_free(block: int) -> bool:
    for kind, port in ((socket.SOCK_DGRAM, NMS_PORT), (socket.SOCK_STREAM, SSH_PORT)):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(
                    (f"127.{block}.0.1" if kind == socket.SOCK_DGRAM else _address(block, 0), port)
                )
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    return False
                raise LabError(f"lab: cannot bind on 127.{block}.0.0/16: {exc.strerror}") from exc
    for r in range(6):  # the trap receivers diag will bind for the region NMSs
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", trap_port(block, r)))
            except OSError:
                return False
    return True


def free_block(seed: int) -> int:
    """An address block no running lab uses, tried from one the seed suggests."""
    start = seed % 250
    for i in range(250):
        block = 2 + (start + i) % 250
        if _block_free(block):
            return block
    raise LabError("lab: every 127.x.0.0/16 block has a lab on it; stop one (`diag lab down`)")


# --------------------------------------------------------------------------- inventory


def _inventory_docs(topo: Topology, block: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(nms.yaml, network.yaml) as plain YAML documents."""
    nms = []
    for r, region in enumerate(topo.regions):
        entry: dict[str, Any] = {
            "name": f"nms-{region}",
            "address": f"127.{block}.0.{r + 1}",
            "port": NMS_PORT,
            "region": region,
        }
        if r % 2 == 0:
            entry |= {
                "driver": "alarm-mib",
                "snmp": {
                    "version": "v3",
                    "user": "diag-lab",
                    "auth_protocol": "SHA",
                    "auth_key": "lab:nms-auth-key",
                    "priv_protocol": "AES",
                    "priv_key": "lab:nms-priv-key",
                    "timeout": 10,
                    "retries": 2,
                },
            }
        else:
            entry |= {
                "driver": "huawei-imap",
                "snmp": {
                    "version": "v2c",
                    "community": "lab:nms-community",
                    "timeout": 5,
                    "retries": 1,
                },
                # diag's SET leaves from 127.0.0.1, and the NMS sends its traps to the
                # registered target at the requester's address: a port of the block's own
                "trap_listen": f"127.0.0.1:{trap_port(block, r)}",
                "query_timeout_s": 30,
            }
        nms.append(entry)
    devices: list[dict[str, Any]] = []
    k = 0

    def managed(name: str, role: str, region: str, model: str) -> dict[str, Any]:
        return {
            "name": name,
            "role": role,
            "vendor": "huawei",
            "model": model,
            "nms": f"nms-{region}",
            "ne_name": name.upper(),
            "region": region,
        }

    for ring in topo.rings.values():
        devices += [managed(ne.name, "sdh", ring.region, "OptiX OSN 3500") for ne in ring.nes]
    circuits = []
    for c in topo.circuits:
        for end in (c.a, c.b):
            rtr: dict[str, Any] = {
                "name": end.router,
                "role": "router",
                "vendor": "huawei" if end.vendor == "huawei" else "cisco",
                "model": "AR2220" if end.vendor == "huawei" else "2911",
                "device_type": end.vendor,
                "mgmt": {"address": _address(block, k), "port": SSH_PORT},
                "login": {"username": "noc", "password": "lab:router-password"},
                "region": end.region,
            }
            if end.vendor != "huawei":
                rtr["login"]["secret"] = "lab:router-secret"  # noqa: S105
            # A cross-region B end: its PDH stays managed by the circuit's region's NMS (that
            # NMS holds its alarms), but the region whose worker reaches it is the end's own.
            pdh = managed(end.pdh, "pdh", c.region, "OptiX Metro 100") | {"region": end.region}
            if end.direct:
                pdh["mgmt"] = {"address": _address(block, k + 1)}
                pdh["snmp"] = {
                    "version": "v2c",
                    "community": "lab:nms-community",
                    "port": SNMP_PORT,
                    "timeout": 5,
                    "retries": 1,
                }
            devices += [rtr, pdh]
            k += 2
        circuits.append(_circuit_doc(c))
    return {"nms": nms}, {"devices": devices, "circuits": circuits}


def _circuit_doc(c: GenCircuit) -> dict[str, Any]:
    def end(e: Any, site: str) -> dict[str, Any]:
        return {
            "site": site,
            "router": e.router,
            "wan_interface": "Serial1/0/0:0" if e.vendor == "huawei" else "Serial0/0/0:0",
            "wan_ip": e.wan_ip,
            "cpe": e.pdh,
            "cpe_port": CPE_PORT,
            "cpe_line": CPE_LINE,
            "interface": "e1-120",
        }

    chain = [c.a.pdh, *c.hops, c.b.pdh]
    links = []
    for i, (x, y) in enumerate(itertools.pairwise(chain)):
        kind = "fiber" if i in (0, len(chain) - 2) else "sdh-line"
        label = "access fibre" if kind == "fiber" else f"STM-4 fibre, {x} to {y}"
        links.append({"between": [x, y], "kind": kind, "label": label})
    return {
        "id": c.id,
        "customer": c.customer,
        "service": "e1",
        "bandwidth": "2M",
        "group": c.group,
        "region": c.region,
        "a": end(c.a, f"{c.customer} A"),
        "b": end(c.b, f"{c.customer} B"),
        "transport": [{"ne": ne, "a_port": a, "b_port": b} for ne, a, b in hop_ports(c)],
        "links": links,
    }


def _sweeps_doc(topo: Topology) -> dict[str, Any]:
    """sweeps.yaml: one scheduled sweep per region, every 15 minutes (the distributed beat)."""
    return {"sweeps": {f"{r}-15m": {"every": "15m", "regions": [r]} for r in topo.regions}}


_SETTINGS = {
    "settings": {
        "default": {
            # Per run: `--set crc_sample_interval_s=30` (the benchmark) or the shipped lab's 6 s.
            "crc_sample_interval_s": 6,
            # The WAN addresses exist only inside the simulated routers (as in the shipped lab).
            "host_ping": False,
        }
    }
}


# --------------------------------------------------------------------------- truth


def _truth(topo: Topology, st: LabState, seed: int, n: int, rate: float) -> GroundTruth:
    of: dict[str, tuple[str, str, str, str]] = {}
    faults = []
    for f in st.faults:
        for cid, (a, b, owner) in f.hits.items():
            of[cid] = (a, b, owner, f.id)
        faults.append(
            TruthFault(
                id=f.id,
                kind=f.kind,
                where=f.where,
                raised=f.raised.isoformat(),
                ring=f.ring,
                span=f.span,
                circuits=sorted(f.hits),
            )
        )
    circuits = {}
    for c in topo.circuits:
        ring = topo.rings[c.ring]
        spans = [ring.span(s) for s in c.spans]
        if c.id in of:
            a, b, owner, fid = of[c.id]
            circuits[c.id] = TruthCircuit(
                status="fault_localized",
                segment=Segment(**{"from": a, "to": b}),
                owner=owner,
                fault=fid,
                region=c.region,
                ring=c.ring,
                spans=spans,
            )
        else:
            circuits[c.id] = TruthCircuit(
                status="healthy", region=c.region, ring=c.ring, spans=spans
            )
    return GroundTruth(
        seed=seed,
        n=n,
        fault_rate=rate,
        circuits=circuits,
        faults=faults,
        incidents=[f for f in faults if f.kind == "ring-cut"],
    )


def scenario_of(truth: GroundTruth, st: LabState, folder: Path) -> Scenario:
    expect = {
        cid: Expect(status=t.status, segment=t.segment, owner=t.owner)
        for cid, t in truth.circuits.items()
    }
    return Scenario(
        name=f"generated-{truth.n}-seed{truth.seed}",
        description=f"{truth.n} generated circuits, fault rate {truth.fault_rate}",
        state=State(nes=st.nes, routers=st.routers, cpe=st.cpe),
        expect=expect,
        folder=folder,
    )


# --------------------------------------------------------------------------- API


def generate(
    n: int, *, fault_rate: float = 0.1, seed: int = 0, folder: Path, block: int | None = None
) -> Generated:
    """Write a lab of `n` circuits into `folder` (see the module docstring)."""
    if n < 1:
        raise LabError("lab: --generate needs at least 1 circuit")
    if not 0 <= fault_rate <= 1:
        raise LabError("lab: --fault-rate is a share of the circuits, between 0 and 1")
    if n > 20000:
        raise LabError("lab: at most 20,000 generated circuits (one address block)")
    rng = random.Random(seed)  # noqa: S311
    topo = build(n, rng)
    st = inject(topo, fault_rate, rng)
    truth = _truth(topo, st, seed, n, fault_rate)
    block = free_block(seed) if block is None else block
    folder.mkdir(parents=True, exist_ok=True)
    inv_dir = folder / "inventory"
    inv_dir.mkdir(exist_ok=True)
    for stale in inv_dir.glob("*.yaml"):  # the folder may hold an earlier lab's inventory
        stale.unlink()
    nms_doc, net_doc = _inventory_docs(topo, block)
    head = f"# Written by diag.lab.generate (seed {seed}, {n} circuits).\n"
    for name, doc in (
        ("nms.yaml", nms_doc),
        ("network.yaml", net_doc),
        ("settings.yaml", _SETTINGS),
        ("sweeps.yaml", _sweeps_doc(topo)),
    ):
        (inv_dir / name).write_text(
            head + yaml.safe_dump(doc, sort_keys=False, width=120), encoding="utf-8"
        )
    scn = scenario_of(truth, st, folder)
    (folder / "lab-state.json").write_text(scn.model_dump_json(indent=1), encoding="utf-8")
    (folder / "ground-truth.json").write_text(
        truth.model_dump_json(indent=1, by_alias=True), encoding="utf-8"
    )
    (folder / "generated.json").write_text(
        json.dumps({"n": n, "seed": seed, "fault_rate": fault_rate, "block": block}, indent=1),
        encoding="utf-8",
    )
    _write_known_hosts(inv_dir, net_doc)
    return Generated(folder, inv_dir, truth, block)


def _write_known_hosts(inv_dir: Path, net_doc: dict[str, Any]) -> None:
    from diag.lab.manager import write_known_hosts
    from diag.lab.routers.server import lab_known_hosts_line

    lines = ["# Written by diag.lab.generate: the SSH host keys of the lab routers.\n"]
    for d in net_doc["devices"]:
        if d["role"] == "router":
            lines.append(lab_known_hosts_line(d["name"], d["mgmt"]["address"], d["mgmt"]["port"]))
    write_known_hosts(inv_dir / "known_hosts", "".join(lines))


def read_truth(folder: Path) -> GroundTruth:
    return GroundTruth.model_validate_json((folder / "ground-truth.json").read_text("utf-8"))


def load(folder: Path) -> tuple[Inventory, Scenario]:
    """The generated inventory (with its folder's settings and known_hosts) and lab state."""
    from diag.inventory import load_inventory
    from diag.settings import with_inventory_folder

    inv_dir = folder / "inventory"
    inv = with_inventory_folder(load_inventory(inv_dir), inv_dir)
    scn = Scenario.model_validate_json((folder / "lab-state.json").read_text("utf-8"))
    return inv, scn.model_copy(update={"folder": folder.resolve()})


def raise_fd_limit() -> tuple[int, int]:
    """Soft RLIMIT_NOFILE up to the hard limit (a lab of 1,000 circuits holds ~3,000 sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)

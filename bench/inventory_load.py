"""Benchmark: loading a generated N-circuit inventory, pure-Python YAML reader against libyaml's.

A synthetic inventory (loopback addresses, lab credentials, the shipped scenarios' shape) is
written to a temporary folder: a few NMSs, shared SDH rings (ten circuits per ring), two routers
and two PDH CPEs per circuit, split into one file per region as a NOC keeps it.  Then, ROUNDS
times, interleaved in the same run:

- the YAML reading alone (diag.inventory.yamlsafe.load over every file), with the pure-Python
  reader and with libyaml's (when PyYAML has it);
- the whole `load_inventory` (reading, pydantic validation, cross-checks), with each reader.

Printed: the median time of each, and the ratios pure / C.  The issue's goal: 1,000 circuits in
at most 0.5 s for the whole load.  Two clocks: wall (perf_counter) and this process's CPU time,
which other processes on a busy machine do not inflate.

    .venv/bin/python bench/inventory_load.py [N] [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diag.inventory import load_inventory, yamlsafe  # noqa: E402

RING = 10  # circuits sharing one SDH ring
REGIONS = 10
NMS_COUNT = 4


def _nms_yaml() -> str:
    out = ["nms:"]
    for k in range(NMS_COUNT):
        if k % 2 == 0:
            out += [
                f"  - name: nms-{k}",
                "    driver: alarm-mib",
                "    address: 127.0.0.1",
                f"    port: {20161 + k}",
                "    snmp: {version: v3, user: diag-lab, auth_protocol: SHA, "
                "auth_key: lab:nms-auth-key, priv_protocol: AES, priv_key: lab:nms-priv-key}",
            ]
        else:
            out += [
                f"  - name: nms-{k}",
                "    driver: huawei-imap",
                "    address: 127.0.0.1",
                f"    port: {20161 + k}",
                '    snmp: {version: v2c, community: "lab:nms-community"}',
                f"    trap_listen: 127.0.0.1:{21161 + k}",
            ]
    return "\n".join(out) + "\n"


def _circuit(i: int) -> tuple[list[str], list[str]]:
    """(device lines, circuit lines) of circuit i; its ring's SDH NEs come with the ring's first."""
    ring = i // RING
    nms = f"nms-{ring % NMS_COUNT}"
    sdh = [f"ring{ring}-sdh-{s}" for s in range(3)]
    port = 30000 + 2 * i
    dev = []
    if i % RING == 0:
        dev += [
            f"  - {{name: {s}, role: sdh, vendor: huawei, model: OptiX OSN 3500, nms: {nms}, "
            f"ne_name: {s.upper()}}}"
            for s in sdh
        ]
    dev += [
        f"  - {{name: c{i}-rtr-a, role: router, vendor: cisco, model: '2901', "
        f"device_type: cisco_ios, mgmt: {{address: 127.0.0.1, port: {port}}},\n"
        "     login: {username: noc, password: 'lab:router-password', "
        "secret: 'lab:router-secret'}}",
        f"  - {{name: c{i}-pdh-a, role: pdh, vendor: huawei, model: OptiX Metro 100, "
        f"nms: {nms}, ne_name: C{i}-PDH-A}}",
        f"  - {{name: c{i}-pdh-b, role: pdh, vendor: huawei, model: OptiX Metro 100, "
        f"nms: {nms}, ne_name: C{i}-PDH-B}}",
        f"  - {{name: c{i}-rtr-b, role: router, vendor: huawei, model: AR2220, "
        f"device_type: huawei, mgmt: {{address: 127.0.0.1, port: {port + 1}}},\n"
        "     login: {username: noc, password: 'lab:router-password'}}",
    ]
    slot = i % RING + 1
    circ = [
        f"  - id: GEN-E1-{i:05d}",
        f"    customer: Customer {i % 97}, branch {i}",
        "    service: e1",
        "    bandwidth: 2M",
        f"    group: region-{i % REGIONS}",
        f"    a: {{site: Branch {i}, address: {i} Station Road, "
        f"contact: {{name: Desk {i}, phone: '+86 10 5555 {i % 10000:04d}'}},",
        f"        router: c{i}-rtr-a, wan_interface: 'Serial0/0/0:0', "
        f"wan_ip: 10.{i // 250 % 250}.{i % 250}.1/30,",
        f"        cpe: c{i}-pdh-a, cpe_port: E1-1, interface: e1-120}}",
        f"    b: {{site: Head office {i % 7}, address: 1 Finance Street,",
        f"        router: c{i}-rtr-b, wan_interface: 'Serial1/0/0:0', "
        f"wan_ip: 10.{i // 250 % 250}.{i % 250}.2/30,",
        f"        cpe: c{i}-pdh-b, cpe_port: E1-4, interface: e1-75}}",
        "    transport:",
        f"      - {{ne: {sdh[0]}, a_port: 2-PQ1-{slot}, b_port: 3-PQ1-{slot}}}",
        f"      - {{ne: {sdh[1]}, a_port: 4-PQ1-{slot}, b_port: 5-PQ1-{slot}}}",
        f"      - {{ne: {sdh[2]}, a_port: 2-PQ1-{slot}}}",
        "    links:",
        f"      - {{between: [c{i}-pdh-a, {sdh[0]}], kind: fiber, label: 'fiber, PDH A to SDH',",
        "         launch_power_dbm: -5, attenuation_db: 9, overload_dbm: -8, sensitivity_dbm: -36}",
        f"      - {{between: [{sdh[0]}, {sdh[1]}], kind: fiber}}",
        f"      - {{between: [{sdh[1]}, {sdh[2]}], kind: fiber}}",
        f"      - {{between: [{sdh[2]}, c{i}-pdh-b], kind: e1-cable}}",
    ]
    return dev, circ


def write_inventory(folder: Path, n: int) -> Path:
    """Write an n-circuit inventory into folder (one file per region, the NMSs apart)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nms.yaml").write_text(_nms_yaml(), encoding="utf-8")
    per_file = max(RING, -(-n // REGIONS) // RING * RING)  # whole rings per file
    for start in range(0, n, per_file):
        devices, circuits = ["devices:"], ["circuits:"]
        for i in range(start, min(n, start + per_file)):
            d, c = _circuit(i)
            devices += d
            circuits += c
        text = "\n".join(devices + circuits) + "\n"
        (folder / f"circuits-{start // per_file:03d}.yaml").write_text(text, encoding="utf-8")
    return folder


def _median(fn: Callable[[], object], rounds: int) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(rounds):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with tempfile.TemporaryDirectory(prefix="diag-bench-inv-") as tmp:
        folder = write_inventory(Path(tmp) / "inventory", n)
        texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))]
        size = sum(len(t.encode()) for t in texts)
        inv = load_inventory(folder)
        print(
            f"{len(inv.circuits)} circuits, {len(inv.devices)} devices, {len(inv.nms)} NMSs in "
            f"{len(texts)} files ({size / 2**20:.2f} MiB); libyaml: {yamlsafe.HAVE_LIBYAML}; "
            f"median of {rounds} rounds"
        )
        rows: dict[str, tuple[float, float]] = {}
        for _ in range(1):  # one warm-up of each (imports, pydantic's first validations)
            for engine in yamlsafe.ENGINES:
                with yamlsafe.using(engine):
                    load_inventory(folder)
        results: dict[str, list[tuple[float, float]]] = {}
        for _ in range(rounds):  # interleaved, so that a busy moment hits both alike
            for engine in yamlsafe.ENGINES:
                with yamlsafe.using(engine):
                    results.setdefault(f"yaml {engine}", []).append(
                        _median(lambda: [yamlsafe.load(t) for t in texts], 1)
                    )
                    results.setdefault(f"load_inventory {engine}", []).append(
                        _median(lambda: load_inventory(folder), 1)
                    )
        for name, vals in results.items():
            rows[name] = (
                statistics.median(v[0] for v in vals),
                statistics.median(v[1] for v in vals),
            )
        print(f"{'':28} {'wall s':>8} {'cpu s':>8}")
        for name, (w, c) in rows.items():
            print(f"{name:28} {w:8.3f} {c:8.3f}")
        if "yaml c" in rows:
            for what in ("yaml", "load_inventory"):
                pw, pc = rows[f"{what} pure"]
                cw, cc = rows[f"{what} c"]
                print(f"{what + ' pure / c':28} {pw / cw:8.2f} {pc / cc:8.2f}")
            w = rows["load_inventory c"][0]
            print(f"whole load with libyaml: {w:.3f} s (goal for 1,000 circuits: <= 0.5 s)")


if __name__ == "__main__":
    main()

"""Read the CSV layout (diag.inventory.importers.layout) with pandas into diag entries.

Three passes, so that a device described on any row is known to every row: the devices named
on all rows are gathered (a device's attributes may be given on one row only; a row giving one
differently is reported and the first kept), then each device is checked, then each circuit.  A
circuit whose row names a device that could not be read is not imported (it would point
nowhere); every other row is.  Line numbers are the file's (the header is line 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from diag.i18n import tr
from diag.inventory.importers import layout as L
from diag.inventory.importers.result import (
    Imported,
    SourceError,
    pydantic_problems,
    router_vendor,
)
from diag.model.inventory import Circuit, Device, Role


@dataclass
class _Desc:
    """A device as gathered from the rows: each attribute with the line and column it came from."""

    position: str
    default_role: Role
    cells: dict[str, str] = field(default_factory=dict)
    source: dict[str, tuple[str, str]] = field(default_factory=dict)  # attr -> (where, column)


def read_frame(path: Path) -> Any:
    """The CSV as a pandas DataFrame of text (no NaN, no guessed numbers: `0117` stays text)."""
    import pandas as pd

    try:
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",  # a spreadsheet's "CSV UTF-8" starts with a BOM
        )
    except FileNotFoundError:
        raise SourceError(tr("{path}: no such file", path=path)) from None
    except UnicodeDecodeError as exc:
        raise SourceError(
            tr(
                "{path}: not UTF-8 ({reason}); save the sheet as CSV UTF-8",
                path=path,
                reason=exc.reason,
            )
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise SourceError(
            tr("{path}: cannot be read as CSV: {reason}", path=path, reason=str(exc).strip())
        ) from None


def import_csv(path: Path) -> Imported:
    """The circuits and devices of a CSV file, and every row and cell that could not be mapped."""
    frame = read_frame(path)
    return _Reader(list(frame.columns)).read(frame, _first_lines(path))


def _first_lines(path: Path) -> list[int]:
    """The line each data row starts on: a quoted cell may span lines, so rows and lines differ
    (pandas does not say; the csv module's reader counts them the same way it splits rows)."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        starts, end = [], 0
        for _ in reader:
            starts.append(end + 1)
            end = reader.line_num
    return starts[1:]  # after the header


class _Reader:
    def __init__(self, columns: list[str]) -> None:
        self.columns = [str(c) for c in columns]
        self.hops = L.numbers(self.columns, "hop")
        self.links = L.numbers(self.columns, "link")
        self.out = Imported()
        self.devices: dict[str, _Desc] = {}
        self.bad_devices: set[str] = set()

    def read(self, frame: Any, lines: list[int]) -> Imported:
        for c in self.columns:
            if not L.known_column(c):
                self.out.drop(
                    tr("line {line}", line=1),
                    c,
                    tr("unknown column, ignored (docs/import.md lists the columns)"),
                )
        rows: list[tuple[str, dict[str, str]]] = []
        first: dict[str, int] = {}
        for i, values in enumerate(frame.itertuples(index=False, name=None)):
            line = lines[i] if i < len(lines) else i + 2
            cells = {
                c: str(v).strip()
                for c, v in zip(self.columns, values, strict=True)
                if str(v).strip()
            }
            if not cells:
                continue
            cid = cells.get("circuit_id", "")
            if not cid:
                self.out.drop(
                    tr("line {line}", line=line),
                    "circuit_id",
                    tr("no circuit id: the row is not imported"),
                )
                continue
            where = tr("line {line} ({circuit})", line=line, circuit=cid)
            if cid in first:
                self.out.drop(
                    where,
                    "circuit_id",
                    tr(
                        "circuit {circuit} is already on line {first}: this row is not imported",
                        circuit=cid,
                        first=first[cid],
                    ),
                )
                continue
            first[cid] = line
            rows.append((where, cells))
            self._gather(where, cells)
        for name, desc in self.devices.items():
            self._device(name, desc)
        for where, cells in rows:
            self._circuit(where, cells)
        return self.out

    # ------------------------------------------------------------------ devices

    def _positions(self, cells: dict[str, str]) -> list[tuple[str, Role]]:
        out: list[tuple[str, Role]] = []
        for e in "ab":
            out.append((f"{e}_router", Role.router))
            v35 = cells.get(f"{e}_interface", "").startswith("v35")
            out.append((f"{e}_converter", Role.v35_converter if v35 else Role.ethernet_converter))
            out.append((f"{e}_cpe", Role.pdh))
        out += [(f"hop{n}", Role.sdh) for n in self.hops]
        return out

    def _gather(self, where: str, cells: dict[str, str]) -> None:
        for position, role in self._positions(cells):
            name = cells.get(position)
            attrs = {
                a: cells[L.col(position, a)] for a in L.DEVICE_ATTRS if L.col(position, a) in cells
            }
            if not name:
                for a in attrs:
                    self.out.drop(
                        where,
                        L.col(position, a),
                        tr(
                            "a device attribute without the device's name (column {column})",
                            column=position,
                        ),
                    )
                continue
            desc = self.devices.setdefault(name, _Desc(position, role))
            desc.source.setdefault("", (where, position))
            for a, value in attrs.items():
                if a not in desc.cells:
                    desc.cells[a] = value
                    desc.source[a] = (where, L.col(position, a))
                elif desc.cells[a] != value:
                    first_where, first_col = desc.source[a]
                    self.out.drop(
                        where,
                        L.col(position, a),
                        tr(
                            "device {device} is given {value!r} here but {first!r} at {first_where} "
                            "(column {first_column}); the first is kept",
                            device=name,
                            value=value,
                            first=desc.cells[a],
                            first_where=first_where,
                            first_column=first_col,
                        ),
                    )

    def _device(self, name: str, desc: _Desc) -> None:
        raw, problems = L.device_raw({"": name, **desc.cells}, desc.default_role)
        found = list(problems.items())
        if raw["role"] == Role.router.value and not found:
            found += router_vendor(raw)
        if not found:
            try:
                self.out.devices[name] = Device(**raw)
                return
            except ValidationError as exc:
                found = [(L.device_column(loc), msg) for loc, msg in pydantic_problems(exc)]
        self.bad_devices.add(name)
        for attr, msg in found:
            where, column = desc.source.get(attr) or desc.source[""]
            if attr not in desc.source:
                column = L.col(desc.position, attr)
            self.out.drop(where, column, msg)

    # ------------------------------------------------------------------ circuits

    def _circuit(self, where: str, cells: dict[str, str]) -> None:
        cid = cells["circuit_id"]
        named = [cells[p] for p, _ in self._positions(cells) if p in cells]
        broken = [n for n in named if n in self.bad_devices]
        if broken:
            self.out.drop(
                where,
                "circuit_id",
                tr(
                    "circuit {circuit} is not imported: its device {device} could not be read",
                    circuit=cid,
                    device=broken[0],
                ),
            )
            return
        raw, hop_of, link_of, problems = self._circuit_raw(cells)
        if not problems:
            try:
                self.out.circuits[cid] = Circuit(**raw)
                return
            except ValidationError as exc:
                problems = [
                    (_circuit_column(loc, hop_of, link_of), msg)
                    for loc, msg in pydantic_problems(exc)
                ]
        for column, msg in problems:
            self.out.drop(where, column, msg)

    def _circuit_raw(
        self, cells: dict[str, str]
    ) -> tuple[dict[str, Any], list[int], list[int], list[tuple[str, str]]]:
        get = cells.get
        raw: dict[str, Any] = {"id": cells["circuit_id"]}
        for c in ("customer", "service", "bandwidth", "group", "region"):
            if get(c):
                raw[c] = cells[c]
        problems: list[tuple[str, str]] = []
        for e in "ab":
            end: dict[str, Any] = {}
            for c in ("site", "address", "interface", "service", "wan_interface", "wan_ip"):
                if get(f"{e}_{c}"):
                    end[c] = cells[f"{e}_{c}"]
            for c in ("router", "converter", "cpe", "cpe_port", "cpe_line"):
                if get(f"{e}_{c}"):
                    end[c] = cells[f"{e}_{c}"]
            if get(f"{e}_cpe_boards"):
                end["cpe_boards"] = L.split_list(cells[f"{e}_cpe_boards"])
            if get(f"{e}_contact"):
                end["contact"] = {"name": cells[f"{e}_contact"]}
                if get(f"{e}_contact_phone"):
                    end["contact"]["phone"] = cells[f"{e}_contact_phone"]
            elif get(f"{e}_contact_phone"):
                problems.append((f"{e}_contact_phone", tr("a phone number without a contact name")))
            raw[e] = end
        hop_of: list[int] = []
        transport = []
        for n in self.hops:
            if not get(f"hop{n}"):
                for c in L.HOP_COLS:
                    if get(f"hop{n}_{c}"):
                        problems.append(
                            (
                                f"hop{n}_{c}",
                                tr(
                                    "a port or board without the hop's element (column hop{n})", n=n
                                ),
                            )
                        )
                continue
            hop: dict[str, Any] = {"ne": cells[f"hop{n}"]}
            for c in ("a_port", "b_port"):
                if get(f"hop{n}_{c}"):
                    hop[c] = cells[f"hop{n}_{c}"]
            if get(f"hop{n}_boards"):
                hop["boards"] = L.split_list(cells[f"hop{n}_boards"])
            transport.append(hop)
            hop_of.append(n)
        raw["transport"] = transport
        link_of: list[int] = []
        links = []
        for n in self.links:
            given = {c: cells[f"link{n}_{c}"] for c in L.LINK_COLS if get(f"link{n}_{c}")}
            if not given:
                continue
            link: dict[str, Any] = {"between": (given.get("from", ""), given.get("to", ""))}
            for c in ("kind", "label"):
                if c in given:
                    link[c] = given[c]
            for c in L.LINK_FLOATS:
                if c in given:
                    try:
                        link[c] = float(given[c])
                    except ValueError:
                        problems.append(
                            (f"link{n}_{c}", tr("{value!r} is not a number", value=given[c]))
                        )
            for c in ("from", "to"):
                if c not in given:
                    problems.append(
                        (
                            f"link{n}_{c}",
                            tr("a link needs both ends (columns link{n}_from, link{n}_to)", n=n),
                        )
                    )
            links.append(link)
            link_of.append(n)
        raw["links"] = links
        return raw, hop_of, link_of, problems


def _circuit_column(loc: tuple[int | str, ...], hop_of: list[int], link_of: list[int]) -> str:
    """The column a pydantic error location of Circuit points to."""
    if not loc or loc[0] == "id":
        return "circuit_id"
    head = str(loc[0])
    if head in ("a", "b") and len(loc) > 1:
        sub = str(loc[1])
        if sub == "contact":
            return f"{head}_contact_phone" if loc[2:3] == ("phone",) else f"{head}_contact"
        return f"{head}_{sub}"
    if head == "transport" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(hop_of):
        n = hop_of[loc[1]]
        sub = str(loc[2]) if len(loc) > 2 else "ne"
        return f"hop{n}" if sub == "ne" else f"hop{n}_{sub}"
    if head == "links" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(link_of):
        n = link_of[loc[1]]
        sub = str(loc[2]) if len(loc) > 2 else "from"
        if sub == "between":
            return f"link{n}_to" if loc[3:4] == (1,) else f"link{n}_from"
        return f"link{n}_{sub}"
    return head

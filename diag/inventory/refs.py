"""References between entries: they exist, with a role that fits; paths are possible.

No cascades: a name defined by an entry with errors exists (only its role is judged, when
readable); a circuit with errors still has its readable references checked; when a file or an
entry's name could not be read, unknown names are counted, not reported one by one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from diag.i18n import mark, tr, tr_marked
from diag.inventory.loaded import Loaded, Where, at_field, near, safe
from diag.model.inventory import CONVERTER_ROLES, TRANSMISSION_ROLES, Circuit, Interface, Role
from diag.model.syntax import control_char

# What a circuit's device field must be (a role that fits), by the field's kind.
_WANT = {
    "router": mark("a router"),
    "cpe": mark("customer-premises transmission equipment"),
    "converter": mark("a converter"),
    "ne": mark("a transport network element"),
}
# A sweep's unknown name, by field.
_NO_SUCH = {
    "groups": mark("no circuit group {name} in the inventory (known: {known})"),
    "regions": mark("no circuit region {name} in the inventory (known: {known})"),
    "nms": mark("no NMS {name} in the inventory (known: {known})"),
}


def _unknown(acc: Loaded, section: str, msg: str, name: str) -> str | None:
    """The "no such name" text (`msg`: a marked message), or None when the name may be in a
    file that could not be read."""
    if acc.unreadable or acc.unnamed[section]:
        acc.unjudged[section] += 1
        return None
    return tr_marked(msg, name=repr(safe(name)), near=near(name, acc.names(section)))


def _role_of(acc: Loaded, name: str) -> Role | None:
    """The role of a device that exists (with or without errors of its own), if readable."""
    if name in acc.devices:
        return acc.devices[name][0].role
    raw = acc.invalid["devices"][name][1]
    try:
        return Role(str(raw.get("role")))
    except ValueError:
        return None


def check_refs(acc: Loaded) -> None:
    for where, raw in acc.raw:
        if where.section == "devices":
            nms = raw.get("nms")
            if isinstance(nms, str) and nms and not acc.has("nms", nms):
                msg = _unknown(acc, "nms", mark("no NMS named {name}{near}"), nms)
                if msg:
                    acc.problems.append(f"{where}: {at_field('nms', msg)}")
        elif where.section == "circuits":
            key = where.key
            if key is not None and key in acc.circuits and acc.circuits[key][1] is where:
                _check_circuit(_CircuitView.of(acc.circuits[key][0]), where, acc)
            else:
                _check_circuit(_CircuitView.raw(raw), where, acc)
    _check_sweeps(acc)
    notes = [
        tr("{count} reference(s) to {section}", count=n, section=s)
        for s, n in acc.unjudged.items()
        if n
    ]
    if notes:
        joined = notes[0]
        for more in notes[1:]:
            joined = tr("{first} and {second}", first=joined, second=more)
        acc.problems.append(
            tr(
                "note: {notes} not found were not reported: some names are unknown because a "
                "file or entry above could not be read; fix those and run again",
                notes=joined,
            )
        )


@dataclass
class _EndView:
    router: str | None = None
    cpe: str | None = None
    converter: str | None = None
    interface: Interface | None = None
    has_wan: bool = True


@dataclass
class _CircuitView:
    """What the reference checks need of a circuit, from a valid model or from raw YAML (an
    entry with errors: its readable references are still checked, so all problems show)."""

    id: str | None
    ends: dict[str, _EndView]
    hops: list[str | None]
    links: list[tuple[str, str] | None]
    complete: bool

    @classmethod
    def of(cls, c: Circuit) -> _CircuitView:
        ends = {
            side: _EndView(
                end.router, end.cpe, end.converter, end.interface, bool(end.wan_interface)
            )
            for side, end in (("a", c.a), ("b", c.b))
        }
        return cls(c.id, ends, [h.ne for h in c.transport], [lk.between for lk in c.links], True)

    @classmethod
    def raw(cls, raw: dict[str, Any]) -> _CircuitView:
        def name(v: Any) -> str | None:
            return v if isinstance(v, str) and v and not control_char(v) else None

        complete = True
        ends = {}
        for side in ("a", "b"):
            end = raw.get(side)
            end = end if isinstance(end, dict) else {}
            try:
                interface: Interface | None = Interface(str(end.get("interface")))
            except ValueError:
                interface = None
            wan = end.get("wan_interface")
            view = _EndView(
                name(end.get("router")),
                name(end.get("cpe")),
                name(end.get("converter")),
                interface,
                wan is not None and wan != "",
            )
            complete &= all(
                end.get(k) is None or name(end.get(k)) for k in ("router", "cpe", "converter")
            )
            complete &= view.cpe is not None
            ends[side] = view
        transport = raw.get("transport")
        hops_raw = transport if isinstance(transport, list) else []
        hops = [name(h.get("ne")) if isinstance(h, dict) else None for h in hops_raw]
        complete &= None not in hops and (transport is None or isinstance(transport, list))
        links_raw = raw.get("links")
        links: list[tuple[str, str] | None] = []
        for lk in links_raw if isinstance(links_raw, list) else []:
            between = lk.get("between") if isinstance(lk, dict) else None
            ok = isinstance(between, list) and len(between) == 2
            pair = (name(between[0]), name(between[1])) if ok and between else (None, None)
            links.append((pair[0], pair[1]) if pair[0] and pair[1] else None)
        return cls(name(raw.get("id")), ends, hops, links, complete)


def _check_circuit(c: _CircuitView, where: Where, acc: Loaded) -> None:
    problems = acc.problems

    def ref(fieldname: str, name: str | None, roles: set[Role], what: str) -> None:
        if name is None:
            return
        if not acc.has("devices", name):
            msg = _unknown(acc, "devices", mark("no device named {name}{near}"), name)
            if msg:
                problems.append(f"{where}: {at_field(fieldname, msg)}")
            return
        role = _role_of(acc, name)
        if role is not None and role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            msg = tr(
                "{name} is a {role}, but {what} must be one of: {allowed}",
                name=repr(name),
                role=role.value,
                what=tr_marked(_WANT[what]),
                allowed=allowed,
            )
            problems.append(f"{where}: {at_field(fieldname, msg)}")

    for side, end in c.ends.items():
        ref(f"{side}.router", end.router, {Role.router}, "router")
        ref(f"{side}.cpe", end.cpe, TRANSMISSION_ROLES, "cpe")
        ref(f"{side}.converter", end.converter, CONVERTER_ROLES, "converter")
        conv = (
            _role_of(acc, end.converter)
            if end.converter and acc.has("devices", end.converter)
            else None
        )
        if conv is not None and end.converter is not None and end.interface is not None:
            want = {
                Interface.v35_dte: Role.v35_converter,
                Interface.v35_dce: Role.v35_converter,
                Interface.ethernet: Role.ethernet_converter,
            }.get(end.interface)
            msg = None
            if want is None:
                msg = tr("interface {interface} takes no converter", interface=end.interface.value)
            elif conv is not want and conv in CONVERTER_ROLES:
                msg = tr(
                    "a {interface} end needs a {want}, but {name} is a {role}",
                    interface=end.interface.value,
                    want=want.value,
                    name=repr(end.converter),
                    role=conv.value,
                )
            if msg:
                problems.append(f"{where}: {at_field(f'{side}.converter', msg)}")
        if end.router and not end.has_wan:
            msg = tr("required when '{field}' is set", field=f"{side}.router")
            problems.append(f"{where}: {at_field(f'{side}.wan_interface', msg)}")
    for i, ne in enumerate(c.hops):
        ref(f"transport[{i}].ne", ne, TRANSMISSION_ROLES, "ne")
    a, b = c.ends["a"], c.ends["b"]
    chain = [x for x in (a.router, a.converter, a.cpe) if x]
    chain += [h for h in c.hops if h]
    chain += [x for x in (b.cpe, b.converter, b.router) if x]
    seen: set[str] = set()
    for name in chain:
        if name in seen:
            problems.append(
                f"{where}: "
                + tr(
                    "impossible path: device {name} appears twice on the circuit's path",
                    name=repr(name),
                )
            )
        seen.add(name)
    if not c.complete or c.id is None:
        return  # a path with unreadable elements: neighbours cannot be judged
    from diag.model.path import lan_id

    full = [lan_id(c.id, "a"), *chain, lan_id(c.id, "b")]
    pairs = {frozenset(p) for p in itertools.pairwise(full)}
    for i, link in enumerate(c.links):
        if link is not None and frozenset(link) not in pairs:
            msg = tr(
                "{first} and {second} are not neighbours on the circuit's path",
                first=repr(link[0]),
                second=repr(link[1]),
            )
            problems.append(f"{where}: {at_field(f'links[{i}].between', msg)}")


def _check_sweeps(acc: Loaded) -> None:
    """A sweep's groups, regions and NMSs exist (as `diag sweep` requires): a typo would
    otherwise run an empty sweep on every tick. Names of entries with errors count as known;
    a sweep with errors of its own still has its readable names checked."""
    if not acc.sweep_raw:
        return
    circuits = [raw for where, raw in acc.raw if where.section == "circuits"]
    known = {
        "groups": {g for raw in circuits if isinstance(g := raw.get("group"), str) and g},
        "regions": {r for raw in circuits if isinstance(r := raw.get("region"), str) and r},
        "nms": acc.names("nms"),
    }
    section = {"groups": "circuits", "regions": "circuits", "nms": "nms"}
    for where, raw in acc.sweep_raw:
        for fieldname in ("groups", "regions", "nms"):
            given = raw.get(fieldname)
            for name in given if isinstance(given, list) else []:
                if not isinstance(name, str) or not name or name in known[fieldname]:
                    continue
                if acc.unreadable or acc.unnamed[section[fieldname]]:
                    acc.unjudged[section[fieldname]] += 1
                    continue
                have = ", ".join(sorted(known[fieldname])) or tr("none")
                msg = tr_marked(
                    _NO_SUCH[fieldname], name=repr(safe(name)), known=safe(have, limit=300)
                )
                acc.problems.append(f"{where}: {at_field(fieldname, msg)}")

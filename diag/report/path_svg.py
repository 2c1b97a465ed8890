"""The circuit's path as inline SVG for the ticket page: A-end LAN to B-end LAN, top to bottom,
as `diag/output/terminal.py` draws it in text, with each fault of the verdict marked.

A fault is marked three ways, so that it survives a black-and-white printout: colour, a hatch
over the faulty elements and a thick dashed line on the faulty links, and text (a numbered
bracket on the left, "fault N" beside each element, "✖" beside each link).  The numbers are the
verdict's fault numbers, the ones the page's fault list and the terminal summary use.

Everything from the inventory (labels, link names, alarm names) goes through `esc`.
"""

from __future__ import annotations

from dataclasses import dataclass

from diag.i18n import tr
from diag.model.findings import FindingsDocument
from diag.model.observations import AlarmObservation
from diag.output.terminal import _element_label, _part  # the drawing's words, as the terminal's
from diag.report.html import esc

LOCALIZED = "#c62828"
SUSPECTED = "#ef6c00"
_FONT = 13  # px, the labels
_SMALL = 11  # px, the alarms and the owner
_BRACKET_W = 40  # one column per fault
_TAG_W = 78  # the end column (A end / transport / B end)
_BOX_H = 30
_ALARM_H = 15
_LINK_H = 30
_TOP = 12


@dataclass(frozen=True)
class Span:
    """One fault of the verdict on the path: its number and its first and last positions."""

    number: int
    lo: int
    hi: int


def text_width(text: str, size: int = _FONT) -> float:
    """A generous estimate of a text's width (no layout engine here): CJK glyphs are square."""
    return sum(size * (1.0 if ord(ch) >= 0x2E80 else 0.62) for ch in text)


def fault_spans(doc: FindingsDocument) -> list[Span]:
    """The verdict's faults as spans of path positions (a pre-faults document: its segment)."""
    ids = [e.id for e in doc.circuit.path]
    where = {x: i for i, x in enumerate(ids)}
    out: list[Span] = []
    for f in doc.verdict.faults:
        if f.segment.from_ in where and f.segment.to in where:
            i, j = sorted((where[f.segment.from_], where[f.segment.to]))
            out.append(Span(f.number, i, j))
    seg = doc.verdict.segment
    if not doc.verdict.faults and seg is not None and seg.from_ in where and seg.to in where:
        i, j = sorted((where[seg.from_], where[seg.to]))
        out.append(Span(1, i, j))
    return out


def counted_alarms(doc: FindingsDocument) -> dict[str, list[str]]:
    """Per element, the alarms that count against this circuit ("AIS 1-1-3"), as the terminal
    shows them: context alarms and alarms the inventory cannot place are left out."""
    not_counted = {x.observation for x in doc.context} | {
        n.observation for n in doc.inventory_notes
    }
    out: dict[str, list[str]] = {}
    for o in doc.observations:
        if isinstance(o, AlarmObservation) and o.device and o.id not in not_counted:
            port = f" {o.port}" if o.port else ""
            out.setdefault(o.device, []).append(f"{o.vendor_name}{port}")
    return out


def _owner(owner: str) -> str:
    return {
        "carrier": tr("the carrier"),
        "customer": tr("the customer"),
        "unknown": tr("not yet known"),
    }.get(owner, owner)


def _end(end: str) -> str:
    return {"a": tr("A end"), "b": tr("B end"), "transport": tr("transport")}.get(end, end)


def _tags(numbers: list[int]) -> str:
    return ",".join(str(n) for n in numbers)


def path_svg(doc: FindingsDocument) -> str:
    """The `<svg>` element (inline, no external reference) of the document's path."""
    c = doc.circuit
    spans = fault_spans(doc)
    colour = SUSPECTED if doc.verdict.status == "fault_suspected" else LOCALIZED
    alarms = counted_alarms(doc)
    owners = [_owner(e.owner) for e in c.path]
    labels = [_element_label(e.label, e.kind) for e in c.path]

    left = 8 + _BRACKET_W * len(spans)
    box_x = left + _TAG_W
    label_w = max(
        max(text_width(lb) + 20, text_width("  ".join(alarms.get(e.id, [])), _SMALL) + 20)
        for e, lb in zip(c.path, labels, strict=True)
    )
    owner_w = max(text_width(o, _SMALL) for o in owners) + 16
    box_w = max(260.0, label_w + owner_w)
    marks = [_tags([s.number for s in spans if s.lo <= i <= s.hi]) for i in range(len(c.path))]
    mark_w = max(
        (text_width("✖ " + tr("fault {numbers}", numbers=m)) + 24 for m in marks if m),
        default=0.0,
    )
    width = int(box_x + box_w + mark_w + 12)

    # vertical positions: each element's box, then its link to the next
    tops: list[float] = []
    y = float(_TOP)
    for i, e in enumerate(c.path):
        tops.append(y)
        y += _BOX_H + (_ALARM_H if alarms.get(e.id) else 0)
        if i < len(c.links):
            y += _LINK_H
    bottoms = [
        t + _BOX_H + (_ALARM_H if alarms.get(e.id) else 0)
        for t, e in zip(tops, c.path, strict=True)
    ]
    height = int(y + _TOP)

    parts: list[str] = [
        f'<svg id="path-svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="max-width:100%;height:auto" aria-label="{esc(tr("The circuit path"))}">',
        f"<title>{esc(tr('The circuit path, A end to B end'))}</title>",
        "<defs>"
        f'<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="8" stroke="{colour}" stroke-width="3" '
        f'stroke-opacity="0.25"/></pattern></defs>',
    ]
    cx = box_x + 18  # where the links run
    for i, e in enumerate(c.path):
        here = [s.number for s in spans if s.lo <= i <= s.hi]
        top, bottom = tops[i], bottoms[i]
        cls = "el faulty" if here else "el"
        faults_attr = f' data-faults="{_tags(here)}"' if here else ""
        parts.append(
            f'<g class="{cls}" data-index="{i}" data-id="{esc(e.id)}" data-kind="{esc(e.kind)}" '
            f'data-end="{esc(e.end)}"{faults_attr}>'
        )
        parts.append(
            f'<text class="end" x="{left}" y="{top + 19}" font-size="{_SMALL}" '
            f'fill="#616161">{esc(_end(e.end))}</text>'
        )
        fill = "url(#hatch)" if here else ("#f5f5f5" if e.kind == "lan" else "#fff")
        stroke = colour if here else "#757575"
        sw = 3 if here else 1
        rx = 14 if e.kind == "lan" else 4  # the LANs rounded: they are networks, not boxes
        parts.append(
            f'<rect x="{box_x}" y="{top}" width="{box_w:.0f}" height="{bottom - top}" rx="{rx}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>'
        )
        weight = ' font-weight="bold"' if here else ""
        parts.append(
            f'<text class="label" x="{box_x + 10}" y="{top + 20}" font-size="{_FONT}"'
            f"{weight}>{esc(labels[i])}</text>"
        )
        parts.append(
            f'<text class="owner" x="{box_x + box_w - 8:.0f}" y="{top + 20}" '
            f'font-size="{_SMALL}" text-anchor="end" fill="#616161">{esc(owners[i])}</text>'
        )
        if alarms.get(e.id):
            parts.append(
                f'<text class="alarms" x="{box_x + 10}" y="{top + _BOX_H + 8}" '
                f'font-size="{_SMALL}" fill="#8d6e00">{esc("  ".join(alarms[e.id]))}</text>'
            )
        if here:
            parts.append(
                f'<text class="fault-tag" x="{box_x + box_w + 10:.0f}" y="{top + 20}" '
                f'font-size="{_FONT}" font-weight="bold" fill="{colour}">'
                f"✖ {esc(tr('fault {numbers}', numbers=_tags(here)))}</text>"
            )
        parts.append("</g>")
        if i < len(c.links):
            lk = c.links[i]
            link_label = _part(lk.label) if lk.label == lk.kind else lk.label
            on = [s.number for s in spans if s.lo <= i < s.hi]
            y0, y1 = bottom, tops[i + 1]
            lcls = "link faulty" if on else "link"
            lattr = f' data-faults="{_tags(on)}"' if on else ""
            style = (
                f'stroke="{colour}" stroke-width="5" stroke-dasharray="7 4"'
                if on
                else 'stroke="#9e9e9e" stroke-width="2"'
            )
            parts.append(
                f'<g class="{lcls}" data-index="{i}" data-id="{esc(lk.id)}" '
                f'data-kind="{esc(lk.kind)}"{lattr}>'
                f'<line x1="{cx}" y1="{y0}" x2="{cx}" y2="{y1}" {style}/>'
                f'<text class="label" x="{cx + 14}" y="{(y0 + y1) / 2 + 4:.0f}" '
                f'font-size="{_SMALL}" fill="{colour if on else "#616161"}">'
                f"{'✖ ' if on else ''}{esc(link_label)}</text></g>"
            )
    for k, s in enumerate(spans):
        x = 8 + _BRACKET_W * k + 16
        y0, y1 = tops[s.lo] + 4, bottoms[s.hi] - 4
        mid = (y0 + y1) / 2
        parts.append(
            f'<g class="fault-mark" data-fault="{s.number}" data-from="{s.lo}" data-to="{s.hi}">'
            f'<path d="M{x + 12} {y0} H{x} V{y1} H{x + 12}" fill="none" stroke="{colour}" '
            f'stroke-width="3"/>'
            f'<circle cx="{x}" cy="{mid:.0f}" r="11" fill="#fff" stroke="{colour}" '
            f'stroke-width="2.5"/>'
            f'<text x="{x}" y="{mid + 5:.0f}" font-size="{_FONT}" font-weight="bold" '
            f'text-anchor="middle" fill="{colour}">{s.number}</text>'
            f"<title>{esc(tr('fault {numbers}', numbers=s.number))}</title></g>"
        )
    parts.append("</svg>")
    return "".join(parts)

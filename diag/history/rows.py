"""HistoryRow from the diagnoses table and its faults: the query every listing shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from diag.history import tables as t
from diag.history.extract import utc_aware
from diag.history.models import HistoryRow
from diag.model.path import Segment

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def history_rows(conn: Connection, q: sa.Select[Any]) -> list[HistoryRow]:
    """The rows `q` selects (the diagnoses' columns but the document), with their faults' segments,
    owners and rules read in chunks, in `q`'s order."""
    base = list(conn.execute(q).mappings())
    ids = [r["id"] for r in base]
    faults: dict[int, list[tuple[int, str, str]]] = {i: [] for i in ids}
    heads: dict[int, tuple[int, Segment]] = {}  # the lowest-numbered fault: the headline
    rules: dict[int, set[str]] = {i: set() for i in ids}
    f, fr = t.faults, t.fault_rules
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        fq = sa.select(
            f.c.diagnosis_id,
            f.c.number,
            f.c.segment,
            f.c.owner,
            f.c.seg_from,
            f.c.seg_to,
            fr.c.rule,
        )
        fq = fq.select_from(f.outerjoin(fr, fr.c.fault_id == f.c.id))
        for did, number, seg, owner, seg_from, seg_to, rule in conn.execute(
            fq.where(f.c.diagnosis_id.in_(chunk))
        ):
            if (number, seg, owner) not in faults[did]:
                faults[did].append((number, seg, owner))
            if did not in heads or number < heads[did][0]:
                heads[did] = (number, Segment(from_=seg_from, to=seg_to))
            if rule is not None:
                rules[did].add(rule)
    out = []
    for r in base:
        fs = sorted(faults[r["id"]])
        head = heads.get(r["id"])
        out.append(
            HistoryRow(
                id=r["id"],
                circuit=r["circuit"],
                customer=r["customer"],
                region=r["region"],
                started=utc_aware(r["started"]),
                finished=utc_aware(r["finished"]),
                sweep_id=r["sweep_id"],
                status=r["status"],
                segments=[s for _, s, _ in fs],
                owners=[o for _, _, o in fs],
                rules=sorted(rules[r["id"]]),
                headline=r["headline"],
                owner=r["owner"],
                segment=head[1] if head else None,
                loss_pct=r["loss_pct"],
                rtt_ms=r["rtt_ms"],
                crc_per_min=r["crc_per_min"],
                ticket=r["ticket"],
            )
        )
    return out

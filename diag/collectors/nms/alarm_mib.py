"""The `alarm-mib` NMS driver: active alarms from RFC 3877 ALARM-MIB + ITU-ALARM-MIB.

How one active alarm is read:
1. alarmActiveTable row, index {alarmListName, alarmActiveDateAndTime, alarmActiveIndex}:
   the index gives the raised time; alarmActiveDescription the vendor alarm name (the lab
   NMS writes the vendor name there); alarmActiveResourceId the alarmed resource;
   alarmActiveModelPointer the alarmModelTable row {list, alarmModelIndex, alarmModelState}.
2. Resource -> NE and port through ENTITY-MIB: the resource id names a column of
   entPhysicalEntry.<idx> (entPhysicalName here; RFC 3877 suggests entPhysicalDescr - any
   column works); following entPhysicalContainedIn up to the chassis(3) gives the NE, whose
   entPhysicalName is the NE name.  A resource that is the chassis itself means port None.
3. Severity and probable cause: alarmModelSpecificPointer of the model row points at the
   ituAlarmTable row {list, alarmModelIndex, ituAlarmPerceivedSeverity}; the severity is in
   that index, ituAlarmProbableCause in column 3.  Without a pointer the ITU row is derived
   from alarmModelState (mapping in the ituAlarmEntry DESCRIPTION).  Without ITU-ALARM-MIB
   the severity comes from alarmModelState and the cause from the normalisation table.
4. Cleared alarms the NMS still lists: alarmClearTable rows, index {alarmListName,
   alarmClearDateAndTime, alarmClearIndex}, give the clear time; alarmClearResourceId and
   alarmClearModelPointer are read as in 2 and 3.  The clear table has no description, so the
   vendor name is the model row's alarmModelDescription; the severity is `cleared` whatever the
   model row says, the raised time is unknown (None).  An agent without the table (it is an
   optional group) simply has no cleared alarms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from pyasn1.type import univ

from diag.collectors.alarms.normalize import normalize, probable_cause_name
from diag.collectors.snmp.client import (
    Oid,
    SnmpClient,
    SnmpTarget,
    SnmpValue,
    WalkTruncated,
    decode_date_and_time,
    oid_str,
    parse_oid,
    take_string_index,
)
from diag.model.inventory import Nms
from diag.model.observations import AlarmObservation, Severity

# ENTITY-MIB (RFC 4133)
ENT_PHYSICAL_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1)  # entPhysicalEntry
ENT_PHYSICAL_CONTAINED_IN = 4  # entPhysicalContainedIn
ENT_PHYSICAL_CLASS = 5  # entPhysicalClass
ENT_PHYSICAL_NAME = 7  # entPhysicalName
ENT_CLASS_CHASSIS = 3  # IANAPhysicalClass chassis(3)

# ALARM-MIB (RFC 3877)
ALARM_ACTIVE_TABLE: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 2, 2)  # alarmActiveTable
ALARM_ACTIVE_ENTRY: Oid = (*ALARM_ACTIVE_TABLE, 1)  # alarmActiveEntry
ALARM_ACTIVE_COLUMNS = range(4, 15)  # alarmActiveEngineID(4) .. alarmActiveSpecificPointer(14)
ALARM_ACTIVE_RESOURCE_ID = 10  # alarmActiveResourceId
ALARM_ACTIVE_DESCRIPTION = 11  # alarmActiveDescription
ALARM_ACTIVE_MODEL_POINTER = 13  # alarmActiveModelPointer
ALARM_CLEAR_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 3, 2, 1)  # alarmClearEntry
ALARM_CLEAR_RESOURCE_ID = 8  # alarmClearResourceId
ALARM_CLEAR_MODEL_POINTER = 10  # alarmClearModelPointer
ALARM_MODEL_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 1, 2, 1)  # alarmModelEntry
ALARM_MODEL_DESCRIPTION = 6  # alarmModelDescription
ALARM_MODEL_SPECIFIC_POINTER = 7  # alarmModelSpecificPointer

# ITU-ALARM-MIB (RFC 3877)
ITU_ALARM_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 121, 1, 1, 1, 1)  # ituAlarmEntry
ITU_ALARM_EVENT_TYPE = 2  # ituAlarmEventType
ITU_ALARM_PROBABLE_CAUSE = 3  # ituAlarmProbableCause

# ituAlarmEntry DESCRIPTION: alarmModelState -> ituAlarmPerceivedSeverity
STATE_TO_ITU_SEVERITY = {1: 1, 2: 2, 3: 6, 4: 5, 5: 4, 6: 3}
# ITU-ALARM-TC-MIB ItuPerceivedSeverity
ITU_SEVERITY = {
    1: Severity.cleared,
    2: Severity.indeterminate,
    3: Severity.critical,
    4: Severity.major,
    5: Severity.minor,
    6: Severity.warning,
}
_MAX_ENTITY_DEPTH = 8  # chassis > shelf > slot > board > port is deep already


def _text(value: SnmpValue | None) -> str:
    if value is None:
        return ""
    try:
        return bytes(value.asOctets()).decode("utf-8", errors="replace")
    except AttributeError:
        return str(value)


def _oid(value: SnmpValue | None) -> Oid | None:
    if isinstance(value, univ.ObjectIdentifier):
        return tuple(value)
    return None


def _int(value: SnmpValue | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@dataclass
class _Row:
    """A row of alarmActiveTable, or of alarmClearTable (cleared=True: `raised` holds the clear
    time from the index, and the cells are stored under the active table's column numbers)."""

    list_name: str
    raised: datetime | None
    index: int
    cells: dict[int, SnmpValue] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    cleared: bool = False


@dataclass(frozen=True)
class _ModelRow:
    list_index: Oid  # the encoded alarmListName, as in the pointer
    model: int
    state: int


def parse_active_index(index: Oid) -> tuple[str, datetime | None, int]:
    """alarmActiveEntry index -> (alarmListName, raised time or None if undecodable, index)."""
    name, pos = take_string_index(index, 0)
    when, pos = take_string_index(index, pos)
    if pos != len(index) - 1:
        raise ValueError(f"alarmActiveEntry index {oid_str(index)} is malformed")
    try:
        raised: datetime | None = decode_date_and_time(when)
    except ValueError:
        raised = None
    return name.decode("utf-8", errors="replace"), raised, index[pos]


def parse_model_pointer(pointer: Oid) -> _ModelRow | None:
    """alarmActiveModelPointer -> the alarmModelTable row it names (None if elsewhere)."""
    n = len(ALARM_MODEL_ENTRY)
    if pointer[:n] != ALARM_MODEL_ENTRY or len(pointer) < n + 4:
        return None
    try:
        _, pos = take_string_index(pointer, n + 1)
    except ValueError:
        return None
    if len(pointer) != pos + 2:
        return None
    return _ModelRow(pointer[n + 1 : pos], pointer[pos], pointer[pos + 1])


class AlarmMibDriver:
    """Reads an NMS's active alarms over RFC 3877 (see module docstring)."""

    name: ClassVar[str] = "alarm-mib"

    def __init__(self) -> None:
        self._cut: list[str] = []  # why a table walk stopped early (snmp.walk_* bounds)

    @property
    def last_result_partial(self) -> bool:
        """True when a walk of the active or clear table stopped at a bound (rows, time) or at
        an agent whose OIDs stopped increasing: the alarms read before the stop are kept."""
        return bool(self._cut)

    @property
    def last_result_note(self) -> str | None:
        return "; ".join(self._cut) or None

    async def _walk_table(
        self, client: SnmpClient, target: SnmpTarget, columns: list[Oid]
    ) -> list[tuple[str, SnmpValue]]:
        try:
            return await client.walk_many(target, columns)
        except WalkTruncated as cut:
            self._cut.append(f"alarm list incomplete: {cut}")
            return cut.rows

    async def collect(
        self, client: SnmpClient, nms: Nms, ne_names: set[str] | None
    ) -> list[AlarmObservation]:
        """Active alarms of the NMS as observations, optionally only for `ne_names`."""
        target = SnmpTarget.for_nms(nms)
        at = datetime.now(UTC)
        self._cut = []
        rows = await self._active_rows(client, target)
        rows += await self._clear_rows(client, target)
        entities = await self._entities(client, target, rows)
        models = await self._models(client, target, rows)

        observations: list[tuple[tuple[Any, ...], AlarmObservation]] = []
        for row in rows:
            resource = _oid(row.cells.get(ALARM_ACTIVE_RESOURCE_ID))
            ne, port, ent_raw = entities.locate(resource)
            if ne is None:
                # Not an ENTITY-MIB resource we can name: keep it, under its resource id.
                ne = oid_str(resource) if resource else "?"
            if ne_names is not None and ne not in ne_names:
                continue
            pointer = _oid(row.cells.get(ALARM_ACTIVE_MODEL_POINTER))
            model = parse_model_pointer(pointer) if pointer else None
            info = models.get(model) if model else None
            vendor_name = _text(row.cells.get(ALARM_ACTIVE_DESCRIPTION)).strip()
            if not vendor_name and info is not None:
                vendor_name = info.description
            meaning = normalize(vendor_name)
            severity = meaning.severity
            cause = meaning.probable_cause
            if info is not None:
                severity = info.severity or severity
                cause = info.probable_cause or cause
            if row.cleared:
                severity = Severity.cleared
            raw = {**row.raw, **ent_raw, **(info.raw if info else {})}
            obs = AlarmObservation(
                id="",
                collector=f"nms:{nms.name}",
                at=at,
                nms=nms.name,
                ne=ne,
                device=None,  # the runner maps NE names to inventory devices
                port=port,
                type=meaning.type,
                layer=meaning.layer,
                direction=meaning.direction,
                severity=severity,
                probable_cause=cause,
                raised=None if row.cleared else row.raised,
                cleared=row.raised if row.cleared else None,
                vendor_name=vendor_name,
                known=meaning.known,
                raw=raw,
            )
            key = (ne, port or "", vendor_name, row.cleared, row.raised or at, row.index)
            observations.append((key, obs))
        observations.sort(key=lambda item: item[0])
        return [
            obs.model_copy(update={"id": f"alarm-{nms.name}-{n}"})
            for n, (_, obs) in enumerate(observations, start=1)
        ]

    # -- alarmActiveTable

    async def _active_rows(self, client: SnmpClient, target: SnmpTarget) -> list[_Row]:
        return await self._rows(
            client, target, ALARM_ACTIVE_ENTRY, {c: c for c in ALARM_ACTIVE_COLUMNS}, False
        )

    # -- alarmClearTable

    async def _clear_rows(self, client: SnmpClient, target: SnmpTarget) -> list[_Row]:
        # same index layout as the active table (list name, time, index); the cells are stored
        # under the active table's column numbers
        as_active = {
            ALARM_CLEAR_RESOURCE_ID: ALARM_ACTIVE_RESOURCE_ID,
            ALARM_CLEAR_MODEL_POINTER: ALARM_ACTIVE_MODEL_POINTER,
        }
        return await self._rows(client, target, ALARM_CLEAR_ENTRY, as_active, True)

    async def _rows(
        self,
        client: SnmpClient,
        target: SnmpTarget,
        entry: Oid,
        columns: dict[int, int],
        cleared: bool,
    ) -> list[_Row]:
        """Walk one alarm table's columns and group the cells into rows by index (column
        number -> the active table's column it is stored under)."""
        varbinds = await self._walk_table(client, target, [(*entry, c) for c in columns])
        rows: dict[Oid, _Row] = {}
        n = len(entry)
        for text_oid, value in varbinds:
            oid = parse_oid(text_oid)
            column, index = oid[n], oid[n + 1 :]
            row = rows.get(index)
            if row is None:
                try:
                    list_name, when, row_index = parse_active_index(index)
                except ValueError:
                    continue  # not an index this MIB can produce; nothing to attribute it to
                row = rows[index] = _Row(list_name, when, row_index, cleared=cleared)
            row.cells[columns[column]] = value
            row.raw[text_oid] = value.prettyPrint()
        return list(rows.values())

    # -- ENTITY-MIB

    async def _entities(
        self, client: SnmpClient, target: SnmpTarget, rows: Iterable[_Row]
    ) -> _Entities:
        ents = _Entities()
        wanted: set[int] = set()
        for row in rows:
            idx = _entity_index(_oid(row.cells.get(ALARM_ACTIVE_RESOURCE_ID)))
            if idx is not None:
                wanted.add(idx)
        for _ in range(_MAX_ENTITY_DEPTH):
            todo = sorted(wanted - ents.known)
            if not todo:
                break
            oids = [
                (*ENT_PHYSICAL_ENTRY, col, i)
                for i in todo
                for col in (ENT_PHYSICAL_CONTAINED_IN, ENT_PHYSICAL_CLASS, ENT_PHYSICAL_NAME)
            ]
            answer = await client.get(target, oids)
            for i in todo:
                ents.add(i, answer)
            # Climb only from entities that are not yet the chassis (the NE).
            wanted = {
                p
                for i in todo
                if ents.klass.get(i) != ENT_CLASS_CHASSIS and (p := ents.parent.get(i))
            }
        return ents

    # -- alarmModelTable + ituAlarmTable

    async def _models(
        self, client: SnmpClient, target: SnmpTarget, rows: Iterable[_Row]
    ) -> dict[_ModelRow, _ModelInfo]:
        models: set[_ModelRow] = set()
        for row in rows:
            pointer = _oid(row.cells.get(ALARM_ACTIVE_MODEL_POINTER))
            model = parse_model_pointer(pointer) if pointer else None
            if model is not None:
                models.add(model)
        if not models:
            return {}

        def model_oid(m: _ModelRow, column: int) -> Oid:
            return (*ALARM_MODEL_ENTRY, column, *m.list_index, m.model, m.state)

        first = await client.get(
            target,
            [
                model_oid(m, c)
                for m in models
                for c in (ALARM_MODEL_DESCRIPTION, ALARM_MODEL_SPECIFIC_POINTER)
            ],
        )
        itu_rows: dict[_ModelRow, Oid] = {}
        for m in models:
            pointer = _oid(first.get(oid_str(model_oid(m, ALARM_MODEL_SPECIFIC_POINTER))))
            itu = _itu_row(pointer) if pointer else None
            if itu is None and m.state in STATE_TO_ITU_SEVERITY:
                # RFC 3877: ituAlarmTable has a row for every model state 1..6 anyway.
                itu = (*m.list_index, m.model, STATE_TO_ITU_SEVERITY[m.state])
            if itu is not None:
                itu_rows[m] = itu
        second = await client.get(
            target,
            [
                (*ITU_ALARM_ENTRY, c, *row)
                for row in itu_rows.values()
                for c in (ITU_ALARM_EVENT_TYPE, ITU_ALARM_PROBABLE_CAUSE)
            ],
        )
        out: dict[_ModelRow, _ModelInfo] = {}
        for m in models:
            raw: dict[str, str] = {}
            for c in (ALARM_MODEL_DESCRIPTION, ALARM_MODEL_SPECIFIC_POINTER):
                key = oid_str(model_oid(m, c))
                if key in first:
                    raw[key] = first[key].prettyPrint()
            severity: Severity | None = None
            cause: str | None = None
            itu = itu_rows.get(m)
            if itu is not None:
                cause_key = oid_str((*ITU_ALARM_ENTRY, ITU_ALARM_PROBABLE_CAUSE, *itu))
                event_key = oid_str((*ITU_ALARM_ENTRY, ITU_ALARM_EVENT_TYPE, *itu))
                for key in (event_key, cause_key):
                    if key in second:
                        raw[key] = second[key].prettyPrint()
                code = _int(second.get(cause_key))
                if code is not None:
                    cause = probable_cause_name(code) or f"probableCause({code})"
                if cause_key in second or event_key in second:
                    severity = ITU_SEVERITY.get(itu[-1])
            if severity is None and m.state in STATE_TO_ITU_SEVERITY:
                severity = ITU_SEVERITY[STATE_TO_ITU_SEVERITY[m.state]]
            description = _text(first.get(oid_str(model_oid(m, ALARM_MODEL_DESCRIPTION))))
            out[m] = _ModelInfo(severity, cause, description.strip(), raw)
        return out


@dataclass(frozen=True)
class _ModelInfo:
    severity: Severity | None
    probable_cause: str | None
    description: str
    raw: dict[str, str]


def _entity_index(resource: Oid | None) -> int | None:
    n = len(ENT_PHYSICAL_ENTRY)
    if resource and resource[:n] == ENT_PHYSICAL_ENTRY and len(resource) == n + 2:
        return resource[-1]
    return None


def _itu_row(pointer: Oid) -> Oid | None:
    """ituAlarmTable RowPointer -> its index {list, alarmModelIndex, severity}."""
    n = len(ITU_ALARM_ENTRY)
    if pointer[:n] != ITU_ALARM_ENTRY or len(pointer) < n + 4:
        return None
    index = pointer[n + 1 :]
    try:
        _, pos = take_string_index(index, 0)
    except ValueError:
        return None
    return index if len(index) == pos + 2 else None


@dataclass
class _Entities:
    name: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int] = field(default_factory=dict)
    klass: dict[int, int] = field(default_factory=dict)
    known: set[int] = field(default_factory=set)
    raw: dict[int, dict[str, str]] = field(default_factory=dict)

    def add(self, idx: int, answer: dict[str, SnmpValue]) -> None:
        self.known.add(idx)
        raw: dict[str, str] = {}
        for col in (ENT_PHYSICAL_CONTAINED_IN, ENT_PHYSICAL_CLASS, ENT_PHYSICAL_NAME):
            key = oid_str((*ENT_PHYSICAL_ENTRY, col, idx))
            if key not in answer:
                continue
            value = answer[key]
            raw[key] = value.prettyPrint()
            if col == ENT_PHYSICAL_NAME:
                self.name[idx] = _text(value)
            elif col == ENT_PHYSICAL_CONTAINED_IN and (parent := _int(value)):
                self.parent[idx] = parent
            elif col == ENT_PHYSICAL_CLASS and (k := _int(value)) is not None:
                self.klass[idx] = k
        self.raw[idx] = raw

    def locate(self, resource: Oid | None) -> tuple[str | None, str | None, dict[str, str]]:
        """(NE name, port name or None, raw varbinds used) for a resource id."""
        idx = _entity_index(resource)
        if idx is None or idx not in self.name:
            return None, None, {}
        raw: dict[str, str] = {}
        chain = [idx]
        while (
            self.klass.get(chain[-1]) != ENT_CLASS_CHASSIS
            and chain[-1] in self.parent
            and len(chain) <= _MAX_ENTITY_DEPTH
        ):
            chain.append(self.parent[chain[-1]])
        for i in chain:
            raw.update(self.raw.get(i, {}))
        top = chain[-1]
        if top not in self.name:
            return None, None, raw
        port = None if top == idx else self.name[idx]
        return self.name[top], port, raw


async def collect(
    client: SnmpClient, nms: Nms, ne_names: set[str] | None = None
) -> list[AlarmObservation]:
    """Module-level form of AlarmMibDriver().collect."""
    return await AlarmMibDriver().collect(client, nms, ne_names)

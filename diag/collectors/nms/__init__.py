"""NMS northbound drivers, registered by the inventory's `driver` name."""

from __future__ import annotations

from typing import ClassVar, Protocol

from diag.collectors.nms.alarm_mib import AlarmMibDriver
from diag.collectors.snmp.client import SnmpClient
from diag.errors import CollectorError
from diag.model.inventory import Nms
from diag.model.observations import AlarmObservation


class NmsDriver(Protocol):
    """Reads the active alarms an NMS holds, as observations (one driver per northbound)."""

    name: ClassVar[str]

    async def collect(
        self, client: SnmpClient, nms: Nms, ne_names: set[str] | None
    ) -> list[AlarmObservation]: ...


DRIVERS: dict[str, type[NmsDriver]] = {
    AlarmMibDriver.name: AlarmMibDriver,
}


def driver_for(nms: Nms) -> NmsDriver:
    """The driver instance for an inventory NMS entry."""
    try:
        return DRIVERS[nms.driver]()
    except KeyError:
        known = ", ".join(sorted(DRIVERS))
        raise CollectorError(f"NMS {nms.name}: no driver {nms.driver!r} (known: {known})") from None


__all__ = ["DRIVERS", "AlarmMibDriver", "NmsDriver", "driver_for"]

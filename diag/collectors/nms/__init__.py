"""NMS northbound drivers, registered by the inventory's `driver` name."""

from __future__ import annotations

from typing import ClassVar, Protocol

from diag.collectors.nms.alarm_mib import AlarmMibDriver
from diag.collectors.nms.huawei_imap import HuaweiImapDriver
from diag.collectors.snmp.client import SnmpClient
from diag.errors import CollectorError
from diag.model.inventory import Nms
from diag.model.observations import AlarmObservation


class NmsDriver(Protocol):
    """Reads the active alarms an NMS holds, as observations (one driver per northbound).

    `last_result_partial` / `last_result_note` describe the last `collect`: a driver whose answer
    can be incomplete (huawei-imap: no QueryEnd in time) sets them; others always say False/None.
    """

    name: ClassVar[str]

    @property
    def last_result_partial(self) -> bool: ...

    @property
    def last_result_note(self) -> str | None: ...

    async def collect(
        self, client: SnmpClient, nms: Nms, ne_names: set[str] | None
    ) -> list[AlarmObservation]: ...


DRIVERS: dict[str, type[NmsDriver]] = {
    AlarmMibDriver.name: AlarmMibDriver,
    HuaweiImapDriver.name: HuaweiImapDriver,
}


def driver_for(nms: Nms) -> NmsDriver:
    """The driver instance for an inventory NMS entry."""
    try:
        return DRIVERS[nms.driver]()
    except KeyError:
        known = ", ".join(sorted(DRIVERS))
        raise CollectorError(f"NMS {nms.name}: no driver {nms.driver!r} (known: {known})") from None


async def collect_with_status(
    client: SnmpClient, nms: Nms, ne_names: set[str] | None
) -> tuple[list[AlarmObservation], bool, str | None]:
    """(alarms, partial, note) from the NMS's driver; partial means the list may be incomplete."""
    driver = driver_for(nms)
    alarms = await driver.collect(client, nms, ne_names)
    return alarms, driver.last_result_partial, driver.last_result_note


__all__ = [
    "DRIVERS",
    "AlarmMibDriver",
    "HuaweiImapDriver",
    "NmsDriver",
    "collect_with_status",
    "driver_for",
]

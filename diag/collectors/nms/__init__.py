"""NMS northbound drivers, registered by the inventory's `driver` name."""

from __future__ import annotations

from dataclasses import dataclass
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
    can be incomplete (huawei-imap: a read without QueryEnd, reads that differ, a single read)
    sets them; others always say False/None.  A trap-based driver may also offer
    `last_result_rejected` (notifications refused) and `last_result_completeness` (what shows
    the list complete); `poll` reads them when present.
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
    polled = await poll(client, nms, ne_names)
    return polled.alarms, polled.partial, polled.note


@dataclass(frozen=True)
class NmsPoll:
    """One poll of an NMS: the alarms and what is known about the list's completeness."""

    alarms: list[AlarmObservation]
    partial: bool  # the list may be incomplete; `note` says why
    note: str | None
    rejected_traps: int = 0  # notifications refused (trap-based drivers)
    completeness: str | None = None  # what shows the list complete, or why it is not


async def poll(client: SnmpClient, nms: Nms, ne_names: set[str] | None) -> NmsPoll:
    """Read the NMS's alarms through its driver, with the completeness of the answer (the
    fields of an nms_poll observation)."""
    driver = driver_for(nms)
    alarms = await driver.collect(client, nms, ne_names)
    return NmsPoll(
        alarms,
        driver.last_result_partial,
        driver.last_result_note,
        # Only trap-based drivers refuse notifications or need to show completeness.
        getattr(driver, "last_result_rejected", 0),
        getattr(driver, "last_result_completeness", None),
    )


__all__ = [
    "DRIVERS",
    "AlarmMibDriver",
    "HuaweiImapDriver",
    "NmsDriver",
    "NmsPoll",
    "collect_with_status",
    "driver_for",
    "poll",
]

"""Planning: the jobs a circuit needs (NMS polls, NE and router SNMP, router sessions over SSH or
console, the host's ping), from what the inventory says each device speaks.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import time
from typing import Any, Literal

from diag.model.inventory import Circuit, CircuitEnd, Device, Inventory, LinkKind, Role
from diag.model.observations import DeviceAccessObservation, NmsPollObservation, Observation
from diag.model.path import CircuitPath
from diag.runner_collect import _WINDOW_OF, Context, Job, Outcome, _close_window, _open_window, now
from diag.runner_stop import GRACE_S
from diag.settings import CollectorSettings


def nms_targets(inv: Inventory, path: CircuitPath) -> dict[str, dict[str, str]]:
    """NMS name -> {NE name in that NMS -> inventory device name} for the NEs on the path."""
    out: dict[str, dict[str, str]] = {}
    for el in path.elements:
        dev = inv.devices.get(el.id)
        if dev is not None and dev.nms and dev.ne_name:
            out.setdefault(dev.nms, {})[dev.ne_name] = dev.name
    return out


def _host_ip(end: CircuitEnd) -> str | None:
    return str(ipaddress.ip_interface(end.wan_ip).ip) if end.wan_ip else None


def plan(inv: Inventory, c: Circuit, path: CircuitPath, settings: CollectorSettings) -> list[Job]:
    """Every collector this circuit needs, from what the inventory says each device speaks."""
    jobs: list[Job] = []
    for nms_name, nes in sorted(nms_targets(inv, path).items()):
        jobs.append(_nms_job(inv, nms_name, nes))
    for i, el in enumerate(path.elements):
        dev = inv.devices.get(el.id)
        if dev is None or dev.role not in (Role.pdh, Role.sdh, Role.msap) or dev.snmp is None:
            continue
        if dev.mgmt is not None:
            ports = _e1_ports(path, i)
            if ports:
                jobs.append(_ne_snmp_job(dev, ports))
    for side, other in (("a", "b"), ("b", "a")):
        end: CircuitEnd = getattr(c, side)
        far: CircuitEnd = getattr(c, other)
        if not end.router:
            continue
        dev = inv.devices[end.router]
        assert end.wan_interface  # validated with the inventory
        far_ip = _host_ip(far) if settings.router_ping else None
        if dev.mgmt is not None or dev.console:
            jobs.append(_router_job(dev, end.wan_interface, far_ip, settings))
        if dev.snmp is not None and dev.mgmt is not None:
            jobs.append(_router_snmp_job(dev, end.wan_interface))
    targets = [ip for ip in (_host_ip(c.a), _host_ip(c.b)) if ip]
    if settings.host_ping and targets:
        jobs.append(_ping_job(targets, settings))
    return jobs


def _nms_job(inv: Inventory, nms_name: str, nes: dict[str, str]) -> Job:
    nms = inv.nms[nms_name]

    async def run(ctx: Context) -> Outcome:
        polled = await ctx.reads.nms(ctx.client, nms, set(nes))
        alarms = [a.model_copy(update={"device": nes.get(a.ne)}) for a in polled.alarms]
        poll = NmsPollObservation(
            id="nms-poll",
            collector=f"nms:{nms.name}",
            at=now(),
            nms=nms.name,
            ok=True,
            nes=sorted(nes),
            active_alarms=sum(1 for a in alarms if a.severity.value != "cleared"),
            partial=polled.partial,
            error=polled.note,
            rejected_traps=polled.rejected_traps,
            completeness=polled.completeness,
        )
        return Outcome([*alarms, poll])

    return Job(f"nms:{nms.name}", f"{nms.address}:{nms.port}", run, sorted(nes))


E1_LINKS = (LinkKind.e1_cable, LinkKind.ddf_jumper)


def _e1_ports(path: CircuitPath, i: int) -> list[str]:
    """The element's ports that face an E1 link (DS1-MIB describes E1 lines only: an optical
    line port, a CPE's `cpe_line` over fibre, is not one)."""
    el = path.elements[i]
    before = path.links[i - 1] if i > 0 else None
    after = path.links[i] if i < len(path.links) else None
    return [
        p
        for p, link in ((el.a_port, before), (el.b_port, after))
        if p and link is not None and link.kind in E1_LINKS
    ]


def _ne_snmp_job(dev: Device, ports: list[str]) -> Job:
    assert dev.mgmt is not None
    assert dev.snmp is not None

    async def run(ctx: Context) -> Outcome:
        return Outcome(await ctx.reads.ne(ctx.client, dev, ports))

    return Job(f"ne-snmp:{dev.name}", f"{dev.mgmt.address}:{dev.snmp.port or 161}", run)


def _router_snmp_job(dev: Device, interface: str) -> Job:
    assert dev.mgmt is not None
    assert dev.snmp is not None

    async def run(ctx: Context) -> Outcome:
        from diag.collectors.snmp_router import poll_router

        return Outcome(list(await poll_router(ctx.client, dev, interface)))

    return Job(f"router-snmp:{dev.name}", f"{dev.mgmt.address}:{dev.snmp.port or 161}", run)


def _router_job(dev: Device, wan: str, far_ip: str | None, settings: CollectorSettings) -> Job:
    target = f"{dev.mgmt.address}:{dev.mgmt.port}" if dev.mgmt else (dev.console or "?")

    async def run(ctx: Context) -> Outcome:
        ways: list[Literal["ssh", "console"]] = []
        if dev.mgmt is not None and settings.console != "always":
            ways.append("ssh")
        if dev.console and (settings.console == "always" or dev.mgmt is None):
            ways.append("console")
        observations: list[Observation] = []
        raw: dict[str, str] = {}
        transcript = []
        interrupted = False
        t0 = time.monotonic()
        for via in ways:
            ctx.progress(f"router:{dev.name}: reading over {via}")
            reading, interrupted = await _read_router(ctx, dev, wan, far_ip, settings, via, t0)
            slow = _timed_out(reading)
            if slow and ctx.reads.retry_timeouts and not interrupted:
                # A sweep loads the routers' management (and this host) for minutes: a router
                # that did not answer in time is read once more, behind the rest of the queue.
                # The second reading is the one kept; the transcript says why there were two.
                ctx.progress(f"router:{dev.name}: {slow}; reading it again")
                reading, interrupted = await _read_router(
                    ctx, dev, wan, far_ip, settings, via, time.monotonic()
                )
                reading.transcript = (
                    f"[diag] first reading over {via} timed out ({slow}); read again\n"
                    + reading.transcript
                )
            observations.extend(reading.observations)
            raw.update({f"{via}: {k}": v for k, v in reading.raw.items()})
            transcript.append(reading.transcript)
            if interrupted or ctx.stop.signum is not None:
                interrupted = True
                break
            # a router that answered but printed something odd is not a reason to go on site
            failed = [
                o
                for o in reading.observations
                if isinstance(o, DeviceAccessObservation)
                and not o.ok
                and o.stage in ("connect", "auth", "timeout")
            ]
            if (
                via == "ssh"
                and failed
                and dev.console
                and settings.console == "fallback"
                and "console" not in ways
            ):
                ways.append("console")  # the field engineer's fallback: laptop + console cable
        access = [o for o in observations if isinstance(o, DeviceAccessObservation)]
        ok = any(o.ok for o in access) if access else True
        error = "; ".join(o.error for o in access if not o.ok and o.error) or None
        if interrupted:
            kept = sum(not isinstance(o, DeviceAccessObservation) for o in observations)
            return Outcome(
                observations,
                ok=False,
                error=ctx.stop.words(
                    time.monotonic() - t0, f"{kept} reading(s) taken before are kept"
                ),
                raw=raw,
                transcript="\n".join(transcript),
                interrupted=True,
            )
        return Outcome(
            observations,
            ok=ok,
            error=None if ok else error,
            raw=raw,
            transcript="\n".join(transcript),
        )

    return Job(f"router:{dev.name}", target, run)


async def _read_router(
    ctx: Context,
    dev: Device,
    wan: str,
    far_ip: str | None,
    settings: CollectorSettings,
    via: Literal["ssh", "console"],
    t0: float,
) -> tuple[Any, bool]:
    """One reading in the pool: (RouterReading, interrupted).  Interrupted, the session gets
    GRACE_S to end (a second signal cuts it short); then what it read so far is kept."""
    from diag.collectors.router import router_reader

    window = ctx.reads.crc_window
    loop = asyncio.get_running_loop()
    here = _WINDOW_OF.get()

    def sleep(seconds: float) -> None:
        # one session (no shared window): the wait runs in the session's thread; the window is
        # recorded so that an interruption during it is known as one
        if here is not None:
            so_far = reader.so_far().observations
            loop.call_soon_threadsafe(_open_window, here, so_far, time.monotonic() + seconds)
        ctx.stop.sleep(seconds)  # raises when interrupted: the window stays open
        if here is not None:
            loop.call_soon_threadsafe(_close_window, here)

    reader = router_reader(dev, wan, far_ip, settings, via=via, sleep=sleep, defer_second=window)
    fut: asyncio.Future[Any] | None = None
    try:
        async with ctx.reads.device_lock(dev.name):
            # the job's context goes with the session into its thread: its log records name it
            fut = loop.run_in_executor(ctx.pool, contextvars.copy_context().run, reader.run)
            reading = await asyncio.shield(fut)
        if reader.first is None:
            return reading, False
        fut = None
        # the shared CRC window: no session is held during the wait
        closes_at = reader.first[1] + settings.crc_sample_interval_s
        opened = _open_window(here, reading.observations, closes_at)
        await ctx.reads.window(reader.first[1], settings.crc_sample_interval_s)
        async with ctx.reads.device_lock(dev.name):
            fut = loop.run_in_executor(ctx.pool, contextvars.copy_context().run, reader.second)
            missed = await asyncio.shield(fut)
        if opened is not None:  # closed once the second sample is in (or known missed)
            opened.closed = True
        if missed:
            ctx.progress(f"router:{dev.name}: {missed}")
        return reader.result(), False
    except asyncio.CancelledError:
        if fut is None and reader.first is not None:
            # read whole but for the second CRC sample: nothing else is missing
            return reader.result(), True
        if fut is None:  # interrupted while waiting for the device
            return _interrupted_reading(ctx, reader, dev, via, t0), True
    with contextlib.suppress(asyncio.CancelledError):  # a second signal: no grace
        await asyncio.wait({fut}, timeout=GRACE_S)
    if fut.done() and not fut.cancelled() and fut.exception() is None:
        return reader.result(), True
    if reader.first is not None:  # cut short in the second CRC sample's session
        return reader.so_far(), True
    return _interrupted_reading(ctx, reader, dev, via, t0), True


def _timed_out(reading: Any) -> str | None:
    """The error of a reading that timed out (the router answered too slowly), else None."""
    for o in reading.observations:
        if isinstance(o, DeviceAccessObservation) and not o.ok and o.stage == "timeout":
            return o.error or "timed out"
    return None


def _interrupted_reading(ctx: Context, reader: Any, dev: Device, via: str, t0: float) -> Any:
    """What was read before an interruption, with the access record that says so."""
    reading = reader.so_far()
    elapsed = time.monotonic() - t0
    kept = sum(not isinstance(o, DeviceAccessObservation) for o in reading.observations)
    reading.observations.append(
        DeviceAccessObservation(
            id="access",
            collector=f"router:{dev.name}",
            at=now(),
            device=dev.name,
            via=via,
            ok=kept > 0,  # it answered: reached, though not read to the end
            stage="command",
            error=ctx.stop.words(
                elapsed,
                f"in the middle of the reading over {via}: the {kept} reading(s) taken before "
                "are kept, the rest was not read",
            ),
            duration_s=round(elapsed, 3),
        )
    )
    return reading


def _ping_job(targets: list[str], settings: CollectorSettings) -> Job:
    async def run(ctx: Context) -> Outcome:
        from diag.collectors.ping import ping_many

        async with ctx.reads.ping_slot():
            return Outcome(list(await ping_many(targets, settings, origin=ctx.host)))

    return Job("ping:host", " ".join(targets), run)

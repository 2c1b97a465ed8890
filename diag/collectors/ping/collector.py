"""The host ping collector: ping many targets from this host at once, one PingObservation each.

A reply later than `ping_timeout_s` counts as lost whatever the engine did with it (iputils keeps
late replies, fping drops them), so every engine reports the same thing; the raw output keeps it.

`main()` runs the collector from JSON arguments and prints the observations as JSON, so it can be
started inside another network namespace or as another user (`ip netns exec NS python -c ...`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import sys
from datetime import UTC, datetime

from diag.collectors.ping.engines import (
    ENGINES,
    EngineResult,
    PingEngine,
    ProbeSpec,
    choose_engine,
    get_engine,
)
from diag.collectors.ping.stats import summarize
from diag.errors import CollectorError
from diag.model.observations import PingObservation
from diag.settings import CollectorSettings

COLLECTOR = "ping:host"
# Pings running at once (each subprocess engine is one process per target).
MAX_CONCURRENT = 32


def available_engines() -> dict[str, str | None]:
    """Every engine → None when usable on this host as this user, else why not (what to do)."""
    return {name: get_engine(name).unavailable() for name in ENGINES}


def check_target(target: str) -> None:
    if not target or target.startswith("-") or any(c.isspace() or c == "\0" for c in target):
        raise CollectorError(f"ping target {target!r} is not a host name or IP address")


async def resolve(target: str) -> str:
    """The IP address to ping: literals as they are, names through the resolver (once)."""
    check_target(target)
    try:
        return str(ipaddress.ip_address(target))
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target, None, type=socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise CollectorError(
            f"cannot resolve ping target {target!r}: {reason}; check the name or use an IP address"
        ) from exc
    return str(infos[0][4][0])


def _late_as_lost(result: EngineResult, spec: ProbeSpec) -> list[float | None]:
    limit = spec.timeout_s * 1000.0
    return [None if r is None or r > limit else r for r in result.rtts_ms]


def observation(
    *, target: str, spec: ProbeSpec, result: EngineResult, origin: str, at: datetime, index: int = 0
) -> PingObservation:
    """A complete PingObservation from one engine run."""
    rtts = _late_as_lost(result, spec)
    s = summarize(rtts)
    return PingObservation(
        id=f"ping-{index + 1}",
        collector=COLLECTOR,
        at=at,
        origin=f"host:{origin}",
        origin_kind="host",
        target=target,
        engine=result.engine,
        count=spec.count,
        size=spec.size,
        interval_s=spec.interval_s,
        timeout_s=spec.timeout_s,
        df=spec.df,
        pattern=spec.pattern,
        sent=s.sent,
        received=s.received,
        loss_pct=s.loss_pct,
        duplicates=result.duplicates,
        unreachables=result.unreachables,
        rtt_min_ms=s.rtt_min_ms,
        rtt_median_ms=s.rtt_median_ms,
        rtt_mean_ms=s.rtt_mean_ms,
        rtt_max_ms=s.rtt_max_ms,
        rtt_stddev_ms=s.rtt_stddev_ms,
        rtt_p95_ms=s.rtt_p95_ms,
        jitter_mean_delta_ms=s.jitter_mean_delta_ms,
        jitter_rfc3550_ms=s.jitter_rfc3550_ms,
        rtts_ms=rtts,
        raw=result.raw,
    )


async def ping_many(
    targets: list[str], settings: CollectorSettings, *, origin: str
) -> list[PingObservation]:
    """Ping every target concurrently from this host; one observation per target, in order.

    Raises CollectorError (with what to install or grant) when pinging cannot run at all: no
    usable engine, no permission, an unresolvable name, no route from this host.
    """
    spec = ProbeSpec.from_settings(settings)
    engine = choose_engine(settings.ping_engine, spec)
    for target in targets:
        check_target(target)
    addresses = await asyncio.gather(*(resolve(t) for t in targets))
    gate = asyncio.Semaphore(MAX_CONCURRENT)

    async def one(index: int, target: str, address: str, engine: PingEngine) -> PingObservation:
        async with gate:
            at = datetime.now(UTC)
            result = await engine.ping(address, spec)
        return observation(
            target=target, spec=spec, result=result, origin=origin, at=at, index=index
        )

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(one(i, t, a, engine))
                for i, (t, a) in enumerate(zip(targets, addresses, strict=True))
            ]
    except ExceptionGroup as eg:
        # The first failure cancelled the rest (their tools were killed); report it plainly.
        collector_errors = [e for e in _leaves(eg) if isinstance(e, CollectorError)]
        if collector_errors and len(collector_errors) == len(_leaves(eg)):
            raise collector_errors[0] from eg
        raise
    return [t.result() for t in tasks]


def _leaves(eg: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for e in eg.exceptions:
        out.extend(_leaves(e) if isinstance(e, BaseExceptionGroup) else [e])
    return out


def main(argv: list[str] | None = None) -> int:
    """`main('{"targets": [...], "settings": {...}, "origin": "x"}')`: observations as JSON.

    Prints `{"observations": [...], "elapsed_s": ...}` or `{"error": ..., "type": ...}`; also
    `{"available": {...}}` when asked with `"available": true`.
    """
    import time

    args = json.loads((argv if argv is not None else sys.argv[1:])[0])
    if args.get("available"):
        print(json.dumps({"available": available_engines()}))  # noqa: T201
        return 0
    settings = CollectorSettings.model_validate(args.get("settings", {}))
    started = time.perf_counter()
    try:
        obs = asyncio.run(
            ping_many(list(args["targets"]), settings, origin=str(args.get("origin", "local")))
        )
    except CollectorError as exc:
        print(json.dumps({"error": str(exc), "type": type(exc).__name__}))  # noqa: T201
        return 1
    print(  # noqa: T201
        json.dumps(
            {
                "observations": [o.model_dump(mode="json") for o in obs],
                "elapsed_s": time.perf_counter() - started,
            }
        )
    )
    return 0

"""What the runner does with failures no collector handled: a collector that raises anything
fails alone (named, with its elapsed time) while the others keep their results; an exception a
task left on the loop becomes the error of the collector that created the task."""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor

from diag.model.observations import NmsPollObservation
from diag.runner import Collected, Context, Job, Outcome, collect, now


def _poll(name: str) -> NmsPollObservation:
    return NmsPollObservation(
        id="p", collector=f"nms:{name}", at=now(), nms=name, ok=True, nes=[], active_alarms=0
    )


def _run(jobs: list[Job]) -> Collected:
    out = Collected()

    async def main() -> None:
        from diag.runner_stop import _LoopErrors

        errors = _LoopErrors()
        errors.install(asyncio.get_running_loop())
        with ThreadPoolExecutor(1) as pool:
            # none of these jobs reads SNMP: no client to build
            ctx = Context(client=None, pool=pool, loop_errors=errors)  # type: ignore[arg-type]
            await collect(jobs, ctx, out)

    asyncio.run(main())
    return out


def test_a_collector_that_raises_fails_alone() -> None:
    async def broken(_ctx: Context) -> Outcome:
        await asyncio.sleep(0.01)
        raise RuntimeError("a library bug")

    async def fine(_ctx: Context) -> Outcome:
        return Outcome([_poll("fine")])

    out = _run([Job("nms:broken", "127.0.0.1:1", broken), Job("nms:fine", "127.0.0.1:2", fine)])
    runs = {r.name: r for r in out.collectors}
    assert runs["nms:fine"].ok
    assert not runs["nms:broken"].ok
    error = runs["nms:broken"].error or ""
    assert "unexpected RuntimeError: a library bug" in error and "after 0." in error
    assert runs["nms:broken"].duration_s > 0
    polls = {o.nms: o.ok for o in out.observations if isinstance(o, NmsPollObservation)}
    assert polls == {"fine": True, "broken": False}


def test_a_task_left_failing_on_the_loop_is_its_collectors_error() -> None:
    async def leaves_a_task(_ctx: Context) -> Outcome:
        async def walk() -> None:
            raise ValueError("auth error in a walk nobody awaited")

        task = asyncio.ensure_future(walk())
        await asyncio.sleep(0.01)  # it has failed; nobody retrieves its exception
        del task
        gc.collect()  # "Task exception was never retrieved": the loop's exception handler
        return Outcome([], ok=False, error="NMS x: the agent refused our SNMPv3 credentials")

    out = _run([Job("nms:x", "127.0.0.1:3", leaves_a_task)])
    (run,) = out.collectors
    assert run.error is not None
    assert run.error.startswith("NMS x: the agent refused our SNMPv3 credentials; meanwhile ")
    assert "ValueError: auth error in a walk nobody awaited" in run.error

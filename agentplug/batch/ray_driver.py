"""The same batch on a Ray cluster (``agentplug batch --ray [ADDRESS]``, extra ``[ray]``).

One async worker actor per node runs that node's share of tasks concurrently (its own agent
pool); a limiter actor on the driver's node holds the batch's rate limits, so every model
call on every node passes the same sliding windows. Results come back to the driver, the
only writer of the results file, so the journal's exactly-once guarantee holds unchanged.
When a node is lost, the calls in flight on it fail with an actor error and the driver runs
those tasks again on the nodes left; a task whose result never reached the driver left no
line, so nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from typing import Any

from ..core.config import AgentConfig
from ..core.errors import BackendError
from ..core.requirements import require
from ..core.events import ErrorEvent
from ..core.usage import Usage
from .execute import AgentPool, Job, result_record, run_job
from .limits import RateLimits, WindowLimiter
from .retry import RetryPolicy

NODE_LOSS_RETRIES = 5  # moves off lost nodes before a task is recorded as failed


class _LimiterActor:
    """The batch's windows, on one clock; tickets stay here and travel as numbers."""

    def __init__(self, limits: RateLimits) -> None:
        self.limiter = WindowLimiter(limits)
        self.tickets: dict[int, Any] = {}
        self.next_id = 0

    def try_acquire(self, provider: str, model: str | None, estimate: int
                    ) -> tuple[float, int | None]:
        wait, ticket = self.limiter.try_acquire(provider, model, estimate)
        if wait > 0 or ticket is None:
            return wait, None
        self.next_id += 1
        self.tickets[self.next_id] = ticket
        return 0.0, self.next_id

    def started(self, ticket_id: int) -> None:
        self.limiter.mark_started(self.tickets.get(ticket_id))

    def release(self, ticket_id: int, tokens: int | None) -> None:
        self.limiter.settle(self.tickets.pop(ticket_id, None), tokens)


class _RemoteLimiter:
    """A worker's view of the limiter actor (the ``Limiter`` protocol)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def acquire(self, provider: str, model: str | None, estimate: int = 0) -> Any:
        while True:
            wait, ticket = await self.handle.try_acquire.remote(provider, model, estimate)
            if wait <= 0:
                return ticket
            await asyncio.sleep(wait)

    async def started(self, ticket: Any) -> None:
        if ticket is not None:
            await self.handle.started.remote(ticket)

    async def release(self, ticket: Any, tokens: int | None) -> None:
        if ticket is not None:
            await self.handle.release.remote(ticket, tokens)


class _Worker:
    """Runs tasks on one node, up to the actor's ``max_concurrency`` at once."""

    def __init__(self, agents: Mapping[str, AgentConfig], limiter: Any, retries: int,
                 events: bool, max_idle: int) -> None:
        import ray

        self.node = ray.get_runtime_context().get_node_id()
        self.pool = AgentPool(agents, _RemoteLimiter(limiter) if limiter else None,
                              max_idle=max_idle)
        self.policy = RetryPolicy(retries=retries)
        self.events = events

    async def run(self, job: Job) -> dict[str, Any]:
        return await run_job(job, self.pool, self.policy, events=self.events, node=self.node)

    async def close(self) -> None:
        await self.pool.close()


class RayExecutor:
    """An ``Executor`` for ``Batch``: ``address`` of a running cluster (``auto``,
    ``ray://host:10001``, ``host:6379``), or None to start a local Ray instance."""

    def __init__(self, agents: Mapping[str, AgentConfig], limits: RateLimits | None = None, *,
                 retries: int = 3, events: bool = False, address: str | None = None,
                 per_node: int | None = None) -> None:
        self.agents = dict(agents)
        self.limits = limits or RateLimits.empty()
        self.retries, self.events, self.address = retries, events, address
        self.per_node = per_node
        self.capacity: int | None = None  # tasks in flight over the cluster, once open
        self._ray: Any = None
        self._started_ray = False
        self._limiter: Any = None
        self._workers: dict[str, Any] = {}  # node id -> actor
        self._load: dict[str, int] = {}
        self._refreshing = asyncio.Lock()

    async def open(self) -> None:
        ray = self._ray = require("ray", "ray")
        os.environ.setdefault("RAY_DISABLE_USAGE_STATS", "1")  # no network call home
        if not ray.is_initialized():
            await asyncio.to_thread(
                ray.init, address=self.address, include_dashboard=False,
                log_to_driver=False, configure_logging=False)
            self._started_ray = True
        if self.per_node is None:
            from .runner import default_concurrency

            self.per_node = default_concurrency(self.agents, set(self.agents))
        if self.limits:
            here = ray.get_runtime_context().get_node_id()
            self._limiter = ray.remote(_LimiterActor).options(
                num_cpus=0, scheduling_strategy=_pinned(here)).remote(self.limits)
        await self._refresh()

    async def _refresh(self) -> None:
        """One worker per alive node that has none."""
        async with self._refreshing:  # tasks failing together must not start two per node
            await self._refresh_now()

    async def _refresh_now(self) -> None:
        ray = self._ray
        alive = {n["NodeID"] for n in await asyncio.to_thread(ray.nodes) if n["Alive"]}
        for node in list(self._workers):
            if node not in alive:
                self._drop(node)
        for node in alive - set(self._workers):
            self._workers[node] = ray.remote(_Worker).options(
                num_cpus=0, max_concurrency=self.per_node, scheduling_strategy=_pinned(node),
            ).remote(self.agents, self._limiter, self.retries, self.events, self.per_node)
            self._load[node] = 0
        assert self.per_node is not None
        self.capacity = self.per_node * max(1, len(self._workers))

    def _drop(self, node: str) -> None:
        self._workers.pop(node, None)
        self._load.pop(node, None)

    async def run(self, job: Job) -> dict[str, Any]:
        ray = self._ray
        lost = 0
        started, t0 = time.time(), time.perf_counter()
        while True:
            if not self._workers:
                await self._refresh()
                if not self._workers:
                    raise BackendError("the Ray cluster has no alive node left")
            node = min(self._load, key=lambda n: self._load[n])
            self._load[node] += 1
            try:
                record: dict[str, Any] = await self._workers[node].run.remote(job)
                if lost:
                    record["requeued"] = lost  # times it was moved off a lost node
                return record
            except (ray.exceptions.RayActorError, ray.exceptions.NodeDiedError,
                    ray.exceptions.WorkerCrashedError, ray.exceptions.ObjectLostError) as exc:
                lost += 1
                if node in self._workers:
                    self._drop(node)
                    await self._refresh()
                if lost > NODE_LOSS_RETRIES:  # this task may be what kills its nodes
                    error = ErrorEvent(f"lost its node {lost} times: {type(exc).__name__}: "
                                       f"{exc}"[:2000], "NodeLostError", retryable=True)
                    record = result_record(job, None, error, Usage(), lost, started,
                                           time.perf_counter() - t0, node)
                    record["requeued"] = lost
                    return record
            finally:
                if node in self._load:
                    self._load[node] -= 1

    async def close(self) -> None:
        ray = self._ray
        if ray is None:
            return
        closing = [w.close.remote() for w in self._workers.values()]
        if closing:
            await asyncio.wait([asyncio.ensure_future(_quiet(ref)) for ref in closing],
                               timeout=10)
        for actor in [*self._workers.values(), *([self._limiter] if self._limiter else [])]:
            ray.kill(actor)
        self._workers.clear()
        if self._started_ray:
            await asyncio.to_thread(ray.shutdown)


async def _quiet(ref: Any) -> None:
    try:
        await ref
    except Exception:  # a worker that is already gone has nothing to close
        return


def _pinned(node_id: str) -> Any:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(node_id=node_id, soft=False)

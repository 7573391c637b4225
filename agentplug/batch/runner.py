"""The batch: read tasks as a stream, run up to N at once, journal each result exactly once.

Stopping (Ctrl-C, ``--max-cost``, ``Batch.stop``) ends the starting of tasks; running tasks
get a grace period to finish and be recorded, then are cancelled and leave no line, so a
rerun runs them. A second stop request cancels at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..core import tracing
from ..core.config import AgentConfig, Config
from ..core.errors import ConfigError, ConfigIssue
from .execute import AgentPool, Job, run_job
from .journal import Journal
from .limits import Limiter, RateLimit, RateLimits, WindowLimiter
from .retry import RetryPolicy
from .stats import BatchStats
from .tasks import TaskLine, read_tasks, scan_tasks

STATELESS_CONCURRENCY = 16
STATEFUL_CONCURRENCY = 2  # a Claude Code or AG2 session is a process (~200 MB each)


class Executor(Protocol):
    """Where tasks run: this process (``LocalExecutor``) or a Ray cluster."""

    async def open(self) -> None: ...

    async def run(self, job: Job) -> dict[str, Any]: ...

    async def close(self) -> None: ...


class Reporter(Protocol):
    def start(self, stats: BatchStats) -> None: ...

    def update(self, stats: BatchStats) -> None: ...

    def finish(self, stats: BatchStats) -> None: ...


class LocalExecutor:
    def __init__(self, agents: Mapping[str, AgentConfig], limiter: Limiter | None,
                 policy: RetryPolicy, *, events: bool = False, max_idle: int = 64) -> None:
        self.pool = AgentPool(agents, limiter, max_idle=max_idle)
        self.policy, self.events = policy, events

    async def open(self) -> None:
        return None

    async def run(self, job: Job) -> dict[str, Any]:
        return await run_job(job, self.pool, self.policy, events=self.events)

    async def close(self) -> None:
        await self.pool.close()


def default_concurrency(agents: Mapping[str, AgentConfig], used: set[str]) -> int:
    """A backend that runs a session process per agent gets a low default; an HTTP API a
    higher one. (Read from the declared ``stateful`` capability.)"""
    specs = [agents[a].spec for a in used]
    if any(spec.supports("stateful") for spec in specs):
        return STATEFUL_CONCURRENCY
    return STATELESS_CONCURRENCY


def agents_of(config: Config | AgentConfig | Mapping[str, AgentConfig] | str | os.PathLike[str]
              ) -> tuple[dict[str, AgentConfig], str]:
    """The batch's agents by id, and the default one (the first)."""
    if isinstance(config, (str, os.PathLike)):
        from ..core.config import load_config

        config = load_config(config)
    if isinstance(config, AgentConfig):
        return {config.id: config}, config.id
    if isinstance(config, Config):
        return {a.id: a for a in config.agents}, config.agents[0].id
    agents = dict(config)
    if not agents:
        raise ConfigError(ConfigIssue("", "a batch needs at least one agent"))
    return agents, next(iter(agents))


class Batch:
    def __init__(
        self,
        config: Config | AgentConfig | Mapping[str, AgentConfig] | str | os.PathLike[str],
        tasks: str | os.PathLike[str],
        output: str | os.PathLike[str],
        *,
        agent: str | None = None,
        concurrency: int | None = None,
        retries: int = 3,
        rate_limits: RateLimits | Mapping[str, RateLimit] | None = None,
        max_cost: float | None = None,
        events: bool = False,
        grace: float = 10.0,
        reporter: Reporter | None = None,
        executor: Executor | None = None,
        fsync: bool = False,
    ) -> None:
        self.agents, first = agents_of(config)
        if agent is not None and agent not in self.agents:
            raise ConfigError(ConfigIssue("", f"no agent with id {agent!r}", None, None,
                                          f"agents in the config: {', '.join(self.agents)}"))
        self.default_agent = agent or first
        self.tasks_path, self.output = Path(tasks), Path(output)
        self.concurrency = concurrency
        self.policy = RetryPolicy(retries=retries)
        self.limits = _limits(rate_limits)
        self.max_cost, self.events, self.grace = max_cost, events, grace
        self.reporter = reporter
        self.executor = executor
        self.fsync = fsync
        self.stats = BatchStats()
        self._running: set[asyncio.Task[None]] = set()
        self._wake: asyncio.Event | None = None
        self._stop_requests = 0
        self._fatal: BaseException | None = None

    # control --------------------------------------------------------------------------------
    def stop(self, reason: str = "interrupted") -> None:
        """Stop starting tasks; a second call also cancels the running ones at once."""
        self._stop_requests += 1
        if self.stats.stopped is None:
            self.stats.stopped = reason
        if self._wake is not None:
            self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop_requests > 0

    # running ---------------------------------------------------------------------------------
    async def run(self) -> BatchStats:
        # With tracing on, every task's span (and its agent turns) nests under this one.
        with tracing.span("invoke_workflow batch", {"gen_ai.operation.name": "invoke_workflow"}):
            return await self._run()

    async def _run(self) -> BatchStats:
        scan = await asyncio.to_thread(scan_tasks, self.tasks_path, set(self.agents))
        used = scan.agents | {self.default_agent}
        j = self.concurrency or default_concurrency(self.agents, used)
        if j < 1:
            raise ConfigError(ConfigIssue("", f"concurrency must be at least 1, got {j}"))
        journal = Journal(self.output, fsync=self.fsync)
        executor = self.executor or LocalExecutor(
            self.agents, WindowLimiter(self.limits) if self.limits else None, self.policy,
            events=self.events, max_idle=max(j, 8))
        self._wake = asyncio.Event()
        self.stats.total = scan.total
        ticker: asyncio.Task[None] | None = None
        try:
            await asyncio.to_thread(journal.open)
            self.stats.skipped = len(scan.ids & journal.done)
            await executor.open()
            # A cluster's capacity is its nodes times the tasks each runs at once.
            j = getattr(executor, "capacity", None) or j
            self.stats.started = time.monotonic()
            if self.reporter:
                self.reporter.start(self.stats)
                ticker = asyncio.create_task(self._tick(self.reporter))
            await self._feed(journal, executor, j)
            await self._drain()
        finally:
            if ticker is not None:
                ticker.cancel()
            for task in self._running:
                task.cancel()
            await asyncio.gather(*self._running, return_exceptions=True)
            await executor.close()
            journal.close()
            self.stats.ended = time.monotonic()
            if self.reporter:
                self.reporter.finish(self.stats)
        if self._fatal is not None:
            raise self._fatal
        return self.stats

    async def _feed(self, journal: Journal, executor: Executor, j: int) -> None:
        assert self._wake is not None
        lines = read_tasks(self.tasks_path)
        try:
            for item in lines:
                if item.task.id in journal.done:
                    continue
                while len(self._running) >= j and not self.stopping:
                    self._wake.clear()
                    await self._wake.wait()
                if self.stopping:
                    break
                job = await asyncio.to_thread(self._job, item) if item.task.attachments \
                    else self._job(item)
                self._start(job, journal, executor)
        finally:
            lines.close()

    async def _tick(self, reporter: Reporter) -> None:
        """Refresh the display when nothing finishes for a while (elapsed time, ETA)."""
        while True:
            await asyncio.sleep(1.0)
            reporter.update(self.stats)

    def _job(self, item: TaskLine) -> Job:
        t = item.task
        return Job(t.id, t.agent or self.default_agent, t.user_message(self.tasks_path.parent),
                   t.system_message, t.metadata)

    def _start(self, job: Job, journal: Journal, executor: Executor) -> None:
        task = asyncio.create_task(self._one(job, journal, executor), name=f"batch:{job.id}")
        self._running.add(task)
        self.stats.running = len(self._running)
        task.add_done_callback(self._finished)

    async def _one(self, job: Job, journal: Journal, executor: Executor) -> None:
        record = await executor.run(job)
        # No await between here and the write: a cancellation cannot split a result.
        journal.write(record)
        self.stats.record(record)
        if self.max_cost is not None and self.stats.cost_usd >= self.max_cost \
                and not self.stopping:
            self.stop(f"--max-cost ${self.max_cost:g} reached (${self.stats.cost_usd:.4f})")
        if self.reporter:
            self.reporter.update(self.stats)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self.stats.running = len(self._running)
        if not task.cancelled() and task.exception() is not None and self._fatal is None:
            self._fatal = task.exception()
            self.stop(f"{type(self._fatal).__name__}: {self._fatal}")
            self.stop()  # a caller's mistake fails every task alike: cancel the rest now
        if self._wake is not None:
            self._wake.set()

    async def _drain(self) -> None:
        """Wait for running tasks; after a stop, for at most the grace period."""
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while self._running:
            if self.stopping and deadline is None:
                deadline = loop.time() + self.grace
            if self._stop_requests > 1 or (deadline is not None and loop.time() >= deadline):
                for task in self._running:
                    task.cancel()
                await asyncio.gather(*self._running, return_exceptions=True)
                return
            self._wake.clear()
            timeout = None if deadline is None else max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)


def _limits(value: RateLimits | Mapping[str, RateLimit] | None) -> RateLimits:
    """``{"openai": RateLimit(...), "openai/gpt-5": RateLimit(...)}`` or parsed limits."""
    if value is None:
        return RateLimits.empty()
    if isinstance(value, RateLimits):
        return value
    out = RateLimits.empty()
    for key, limit in value.items():
        provider, _, model = key.partition("/")
        out.add(provider, model or None, limit)
    return out


async def run_batch(config: Any, tasks: str | os.PathLike[str], output: str | os.PathLike[str],
                    **options: Any) -> BatchStats:
    """Run a batch (await it in a notebook); see ``Batch`` for the options."""
    return await Batch(config, tasks, output, **options).run()


def run_batch_sync(config: Any, tasks: str | os.PathLike[str], output: str | os.PathLike[str],
                   **options: Any) -> BatchStats:
    """``run_batch`` from synchronous code (a script; in a notebook, await ``run_batch``)."""
    return asyncio.run(run_batch(config, tasks, output, **options))

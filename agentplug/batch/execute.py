"""Running one task: an agent from a pool, the rate limiter around each model call, retries,
and the result record.

Agents are pooled per (agent id, system message) and reset between tasks, so a backend's
client, MCP servers and sessions are opened once per concurrent slot, not once per task. An
agent whose task failed is closed rather than reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import to_jsonable_python

from ..core import tracing
from ..core.agent import Agent
from ..core.config import AgentConfig
from ..core.errors import UsageError
from ..core.events import Done, ErrorEvent, Event, StructuredOutput, UsageEvent, event_to_dict
from ..core.messages import Message, TextPart, UserMessage
from ..core.structured import OutputSpec
from ..core.tools import ToolDef
from ..core.usage import Usage
from .limits import Limiter, limit_key_of
from .retry import RetryPolicy


@dataclass(slots=True)
class Job:
    """A task ready to run anywhere: attachments already read into the message."""

    id: str
    agent: str
    message: UserMessage
    system_message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def for_batch(config: AgentConfig) -> AgentConfig:
    """The batch owns retries (each attempt passes the rate limiter, and Retry-After is
    honoured there), so the SDK's own retries are off unless the config sets them."""
    params = config.backend
    if "max_retries" in type(params).model_fields and "max_retries" not in params.model_fields_set:
        params = params.model_copy(update={"max_retries": 0})
    return dataclasses.replace(config, backend=params)


class _LimitedBackend:
    """The agent's backend with every model call passing the batch's rate limiter."""

    def __init__(self, inner: Any, limiter: Limiter, provider: str, model: str | None) -> None:
        self.inner, self.limiter, self.provider, self.model = inner, limiter, provider, model

    def __getattr__(self, name: str) -> Any:  # stateful, bind_tools, params, ...
        return getattr(self.inner, name)

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def reset(self) -> None:
        await self.inner.reset()

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        ticket = await self.limiter.acquire(self.provider, self.model, _estimate(messages))
        used: int | None = None
        first = True
        # A typed answer's schema passes through only when the agent asked for it natively.
        events = (self.inner.stream(messages, tools) if output is None
                  else self.inner.stream(messages, tools, output=output))
        try:
            async for event in events:
                if first:
                    first = False
                    await self.limiter.started(ticket)
                if isinstance(event, UsageEvent):
                    used = (used or 0) + event.usage.total_tokens
                yield event
        finally:
            await self.limiter.release(ticket, used)


def _estimate(messages: Sequence[Message]) -> int:
    chars = 0
    for m in messages:
        parts = getattr(m, "parts", None)
        if parts is None:  # a system message
            chars += len(getattr(m, "text", ""))
        else:
            chars += sum(len(p.text) for p in parts if isinstance(p, TextPart))
    return chars // 4


class AgentPool:
    """Opened agents waiting for their next task, keyed by (agent id, system message)."""

    def __init__(self, configs: Mapping[str, AgentConfig], limiter: Limiter | None = None,
                 *, max_idle: int = 64) -> None:
        self.configs = {k: for_batch(v) for k, v in configs.items()}
        self.limiter = limiter
        self.max_idle = max_idle
        self._idle: OrderedDict[tuple[str, str | None], list[Agent]] = OrderedDict()
        self._count = 0
        self._warm: dict[str, asyncio.Lock] = {}
        self._keys = {k: limit_key_of(v.backend.model_dump(exclude_unset=True))
                      for k, v in configs.items()}

    async def take(self, agent_id: str, system_message: str | None) -> Agent:
        key = (agent_id, system_message)
        idle = self._idle.get(key)
        if idle:
            agent = idle.pop()
            self._count -= 1
            return agent
        config = self.configs[agent_id]
        if system_message is not None:
            config = dataclasses.replace(config, system_message=system_message)
        warm = self._warm.get(agent_id)
        if warm is None:
            # The first agent of a config is built and opened alone, off the loop where it
            # imports its SDK, so that the client it builds (an SSL context, the SDK's
            # modules) is cached for the others instead of built N times at once.
            warm = self._warm[agent_id] = asyncio.Lock()
            async with warm:
                agent = self._wrap(await asyncio.to_thread(_create, config), agent_id)
                with contextlib.suppress(Exception):  # its task's turn reports the failure
                    await agent.open()
            return agent
        if warm.locked():
            async with warm:
                pass
        return self._wrap(_create(config), agent_id)

    def _wrap(self, agent: Agent, agent_id: str) -> Agent:
        if self.limiter is not None:
            provider, model = self._keys[agent_id]
            agent.backend = _LimitedBackend(agent.backend, self.limiter, provider, model)
        return agent  # opened by its first turn, where a failure is the task's to report

    async def give_back(self, agent: Agent, system_message: str | None) -> None:
        await agent.reset()
        key = (agent.id, system_message)
        self._idle.setdefault(key, []).append(agent)
        self._idle.move_to_end(key)
        self._count += 1
        while self._count > self.max_idle:
            oldest_key = next(iter(self._idle))
            agents = self._idle[oldest_key]
            victim = agents.pop(0)
            if not agents:
                del self._idle[oldest_key]
            self._count -= 1
            await _close_quietly(victim)

    async def discard(self, agent: Agent) -> None:
        await _close_quietly(agent)

    async def close(self) -> None:
        agents = [a for group in self._idle.values() for a in group]
        self._idle.clear()
        self._count = 0
        await asyncio.gather(*(_close_quietly(a) for a in agents))


def _create(config: AgentConfig) -> Agent:
    from ..build import create_agent

    return create_agent(config)


async def _close_quietly(agent: Agent) -> None:
    with contextlib.suppress(Exception):  # closing a broken agent must not fail the batch
        await agent.close()


NODE = f"{socket.gethostname()}:{os.getpid()}"


async def run_job(job: Job, pool: AgentPool, policy: RetryPolicy, *, events: bool = False,
                  node: str | None = None) -> dict[str, Any]:
    """Run one task to its result record; a failure is recorded, not raised (a caller's
    mistake such as a missing key is raised: every task would fail the same way)."""
    with tracing.span(f"batch_task {job.id}", {"agentplug.batch.task_id": job.id,
                                               "gen_ai.agent.name": job.agent}):
        return await _attempts(job, pool, policy, events=events, node=node)


async def _attempts(job: Job, pool: AgentPool, policy: RetryPolicy, *, events: bool,
                    node: str | None) -> dict[str, Any]:
    started, t0 = time.time(), time.perf_counter()
    usage = Usage()
    seen: list[dict[str, Any]] | None = [] if events else None
    done: Done | None = None
    error: ErrorEvent | None = None
    attempt = 0
    while True:
        attempt += 1
        agent = await pool.take(job.agent, job.system_message)
        done = error = output = None
        cause: BaseException | None = None
        try:
            async for event in agent.stream(job.message):
                if seen is not None:
                    seen.append(event_to_dict(event))
                if isinstance(event, UsageEvent):
                    usage = usage + event.usage
                elif isinstance(event, Done):
                    done = event
                elif isinstance(event, StructuredOutput) and not event.partial:
                    output = event.value
                elif isinstance(event, ErrorEvent):
                    error, cause = event, agent.last_error
        except UsageError:
            await pool.discard(agent)
            raise
        except Exception as exc:  # opening the agent failed (an MCP server, a session)
            await pool.discard(agent)
            error, cause = ErrorEvent.from_exception(exc), exc
        except BaseException:
            await pool.discard(agent)
            raise
        else:  # a failed turn is rolled back and leaves the agent usable
            await pool.give_back(agent, job.system_message)
        if done is not None:
            break
        if isinstance(cause, UsageError):
            raise cause
        if error is None:
            error = ErrorEvent("the turn ended without an answer", "BackendError")
        if not error.retryable or attempt > policy.retries:
            break
        await asyncio.sleep(policy.delay(attempt, cause))
    record = result_record(job, done, None if done else error, usage, attempt, started,
                           time.perf_counter() - t0, node, output)
    if seen is not None:
        record["events"] = seen
    return record


def result_record(job: Job, done: Done | None, error: ErrorEvent | None, usage: Usage,
                  attempts: int, started: float, duration: float, node: str | None = None,
                  output: Any = None) -> dict[str, Any]:
    """A task's result line (see docs/batch.md); ``output``: the validated JSON of an agent
    with an ``output_schema``."""
    return {
        "id": job.id, "agent": job.agent, "status": "ok" if done else "failed",
        "text": done.text if done else None, "output": to_jsonable_python(output),
        "stop_reason": done.stop_reason if done else "error",
        "usage": _usage_dict(usage), "cost_usd": usage.cost_usd,
        "attempts": attempts,
        "started_at": _iso(started), "duration_s": round(duration, 6),
        "error": None if error is None else {
            "type": error.error_type, "message": error.message, "status": error.status,
            "retryable": error.retryable},
        "metadata": job.metadata, "node": node or NODE,
    }


def _usage_dict(usage: Usage) -> dict[str, Any]:
    out = {f.name: getattr(usage, f.name) for f in _USAGE_FIELDS}
    out.pop("cost_usd")
    return out


_USAGE_FIELDS = dataclasses.fields(Usage)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"

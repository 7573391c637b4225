"""The ``claude_code`` backend: one Claude Code session per agent, streamed as agentplug events.

The session opens on the first turn and stays open: a follow-up sends only the new user
message. A turn that does not finish (cancelled, or the CLI failed) closes the session; the
next turn reopens it with ``resume`` = the session id, so the conversation carries on.
``reset`` forgets the session id: the next turn starts a fresh session.

A typed answer uses the CLI's own structured output (``--json-schema``, the SDK's
``output_format``): the model answers through the CLI's ``StructuredOutput`` tool, the CLI
checks it against the schema, and the result carries it. The schema is fixed per CLI process,
so a turn with another schema (or none) reopens the session, resuming the conversation.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentplug.core.backend import BaseBackend
from agentplug.core.errors import BackendError, ProviderConnectionError, UsageError
from agentplug.core.events import Done, Event, StopReason, TextDelta, UsageEvent
from agentplug.core.messages import (
    AssistantMessage, Message, SystemMessage, TextPart, UserMessage,
)
from agentplug.core.requirements import require, resolve_api_key
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef, ToolRunner
from .params import ClaudeCodeParams
from .events import PROVIDER, TurnState, convert, result_error, result_usage
from .options import build_options
from .session import Session, SessionClosedError

_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn", "max_tokens": "max_tokens", "stop_sequence": "stop_sequence",
    "refusal": "refusal", "pause_turn": "pause_turn", "tool_use": "end_turn",
}


class ClaudeCodeBackend(BaseBackend):
    stateful = True
    params: ClaudeCodeParams

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self.session_id: str | None = params.resume
        self._session: Session | None = None
        self._runner: ToolRunner | None = None
        self._system: str | None = None
        self._api_key: str | None = None
        self._stderr: deque[str] = deque(maxlen=20)
        self._cost_so_far = 0.0  # the CLI process's running total_cost_usd
        self._in_turn = False  # a call is streaming (or was abandoned without being closed)
        # The agentplug tools the open session serves, and the schema it answers in.
        self._served: tuple[tuple[str, ...], str | None] = ((), None)

    # lifecycle ---------------------------------------------------------------------------
    def bind_tools(self, runner: ToolRunner) -> None:
        """The agent's tool runner: its tools become the ``agentplug`` MCP server's tools."""
        self._runner = runner

    async def open(self) -> None:
        await asyncio.to_thread(require, "claude_agent_sdk", "claude-code")  # a slow import
        # The key from the config or the environment; without one the CLI uses the
        # logged-in Claude account. Either way it reaches only the CLI process.
        self._api_key = resolve_api_key(self.params, self.spec.env_vars, self.name,
                                        required=False)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def reset(self) -> None:
        await self.close()
        self.session_id = None

    @property
    def pid(self) -> int | None:
        """The running CLI's process id (None when no session is open)."""
        return self._session.pid if self._session is not None else None

    async def _ensure_session(self, tools: Sequence[ToolDef], output: OutputSpec | None
                              ) -> Session:
        schema = None if output is None else json.dumps(output.schema, sort_keys=True)
        served = (tuple(td.name for td in tools), schema)
        if self._session is not None and self._session.alive and served == self._served:
            return self._session
        # No session yet, a dead one, or the agent's tools or the answer's schema changed
        # (both are fixed when the CLI starts): (re)open, resuming the conversation.
        await self.close()
        if tools and self._runner is None:
            raise UsageError("claude_code runs agentplug tools through the Agent: create it "
                             "with Agent(...) or create_agent(..., tools=...)")
        agent_runner, resume, system = self._runner, self.session_id, self._system

        def make_options(bridge: Any) -> Any:
            # Runs in the session's own loop; agentplug tools must run on the agent's loop.
            async def runner(name: str, arguments: Any) -> Any:
                return await bridge(agent_runner, name, arguments)

            return build_options(self.params, api_key=self._api_key, agent_system=system,
                                 tools=tools, runner=runner if agent_runner else None,
                                 resume=resume, stderr=self._stderr.append,
                                 output_schema=None if output is None else output.schema)

        session = Session(make_options)
        try:
            await session.start()
        except Exception as exc:
            raise self._failure(exc, "could not start Claude Code") from exc
        self._session, self._served = session, served
        self._cost_so_far = 0.0
        return session

    # turns -------------------------------------------------------------------------------
    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        for m in messages:
            if isinstance(m, SystemMessage):
                self._system = m.text
        prompt = "\n\n".join(m.text for m in messages if isinstance(m, UserMessage))
        if not prompt:
            raise UsageError("claude_code needs a user message to send")
        if self._in_turn:
            # The previous call was dropped unclosed: its messages would mix with ours.
            await self.close()
        if output is not None and output.strategy != "native":
            output = None  # the tool strategy's output tool is served like the agent's own
        session = await self._ensure_session(tools, output)
        state = TurnState(session_id=self.session_id)
        finished = False
        self._in_turn = True
        try:
            async for message in session.turn(prompt):
                for event in convert(message, state):
                    # A typed answer is the structured output, given once the result is in.
                    if output is None or not isinstance(event, TextDelta):
                        yield event
                self.session_id = state.session_id or self.session_id
            finished = True
        except Exception as exc:
            if state.result is None:
                raise self._failure(exc, "Claude Code failed") from exc
            # The SDK may raise after an error result: the result says why.
        finally:
            self._in_turn = False
            if not finished:
                await self.close()  # cancelled or broken: the next turn resumes the session
        result = state.result
        if result is None:
            raise BackendError("Claude Code ended the turn without a result")
        usage = result_usage(result, self._cost_so_far, state.requests)
        self._cost_so_far = result.total_cost_usd or self._cost_so_far
        yield UsageEvent(usage)
        if (error := result_error(result)) is not None:
            raise error
        stop = _STOP_REASONS.get(str(getattr(result, "stop_reason", None) or ""), "end_turn")
        parts = state.parts
        if output is not None:
            # The answer as the CLI checked it (its StructuredOutput call stays in the
            # parts); without one, the model's text, for the agent to judge and retry.
            data = getattr(result, "structured_output", None)
            text = state.text if data is None else json.dumps(data, ensure_ascii=False)
            parts = [p for p in parts if not isinstance(p, TextPart)] + [TextPart(text)]
            yield TextDelta(text)
        message = AssistantMessage(parts, provider=PROVIDER,
                                   provider_data={"session_id": self.session_id})
        yield Done(message, stop, usage)

    def _failure(self, exc: Exception, what: str) -> BackendError:
        if isinstance(exc, BackendError | UsageError):
            return exc  # type: ignore[return-value]
        detail = str(exc) or type(exc).__name__
        tail = " | ".join(line.strip() for line in list(self._stderr)[-5:] if line.strip())
        if isinstance(exc, SessionClosedError) and self.params.base_url and "ECONNREFUSED" in tail:
            return ProviderConnectionError(self.params.base_url, tail)
        return BackendError(f"{what}: {detail}" + (f" (CLI stderr: {tail})" if tail else ""))

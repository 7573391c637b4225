"""The ``ag2`` backend's runtime: a classic AG2 agent, its executor and its model, streamed.

AG2 runs in a worker thread (its chats and executors are synchronous); model calls come back
to this event loop through the agentplug backend under ``llm:``; code runs and replies
reach ``stream`` through a queue as they happen.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from agentplug.core.agent import Agent
from agentplug.core.backend import BaseBackend
from agentplug.core.errors import AgentplugError, BackendError, ProviderError, RateLimitError
from agentplug.core.pricing import PriceRef, price_ref
from agentplug.core.events import Done, Event, Notice, TextDelta, UsageEvent
from agentplug.core.messages import AssistantMessage, Message, SystemMessage, TextPart, UserMessage
from agentplug.core.params import reveal_secrets
from agentplug.core.requirements import require
from agentplug.core.tools import RunnerToolset, ToolDef, ToolRunner, Toolset
from agentplug.core.usage import Usage
from agentplug.sdk.errors import map_error
from .params import AG2Params

_END = object()


class AG2Backend(BaseBackend):
    stateful = True
    params: AG2Params

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self.chat: Any = None
        self.executor_handle: Any = None
        self.model: Agent | None = None
        self._queue: asyncio.Queue[Any] | None = None
        self._driver: Any = None
        self._system_set = "system_message" in params.agent_config
        self._runner: ToolRunner | None = None
        self._mcp: Any = None
        self._tools_offered = False

    # lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        await asyncio.to_thread(require, "autogen", "ag2")
        loop = asyncio.get_running_loop()
        try:
            if self.params.llm is not None:
                self.model = self._model()
                await self.model.open()
            await asyncio.to_thread(self._build, loop)
            if self.model is None and self.params.mcp_servers:
                await self._mcp_for_ag2_model()
        except BaseException:
            await self.close()
            raise

    def _model(self) -> Agent:
        from agentplug.build import create_agent

        p = self.params
        llm = reveal_secrets(p.llm or {})
        if p.mcp_servers and "mcp_servers" not in llm:
            llm["mcp_servers"] = [s.model_dump() for s in p.mcp_servers]
        return create_agent(llm, id=f"{p.agent_config.get('name', 'assistant')}_model")

    def _build(self, loop: asyncio.AbstractEventLoop) -> None:
        from agentplug.adapters.ag2._bridge import threadsafe_sink
        from agentplug.adapters.ag2.coding_chat import CodingChat, build_agent
        from agentplug.adapters.ag2.executors import open_executor
        from agentplug.adapters.ag2.wrap import drive_with

        p = self.params
        sink = threadsafe_sink(loop, self._emit)
        agent = build_agent(p.agent_config, reveal_secrets(p.llm_config))
        if self.model is not None:
            self._driver = drive_with(agent, self.model, on_event=self._emit, loop=loop)
        else:
            agent.register_hook("process_message_before_send", self._sent_by_ag2(sink))
        code = p.code_execution_config
        if code is not None:
            cwd = Path(p.cwd or os.getcwd())
            self.executor_handle = open_executor(code.executor, cwd=cwd, name=agent.name,
                                                 sink=sink)
        executor = self.executor_handle.executor if self.executor_handle else None
        self.chat = CodingChat(agent, executor, p.max_rounds,
                               last_n_messages=code.last_n_messages if code else "auto")

    def _sent_by_ag2(self, sink: Any) -> Any:
        """With AG2's own llm_config, whole replies are all there is to stream."""
        def hook(sender: Any, message: Any, recipient: Any, silent: bool) -> Any:
            from agentplug.adapters.ag2.messages import content_text

            text = content_text(message.get("content") if isinstance(message, dict) else message)
            if text:
                sink(TextDelta(text))
            return message
        return hook

    def price_ref(self) -> PriceRef:
        """The model under ``llm:`` makes this agent's calls: its declaration prices them
        (with AG2's own ``llm_config`` there is no table to read)."""
        if self.model is not None:
            return price_ref(self.model.backend)
        return PriceRef(None, None)

    def bind_tools(self, runner: ToolRunner) -> None:
        self._runner = runner

    async def _mcp_for_ag2_model(self) -> None:
        """With AG2's own llm_config, AG2 calls the MCP tools: its model is offered them and
        the executor partner runs them (under ``llm:`` the model's agent has them instead)."""
        # The MCP SDK's first import is slow: off the loop.
        mcp = await asyncio.to_thread(require, "agentplug.adapters.mcp", "mcp")
        self._mcp = mcp.MCPToolset.from_params(self.params)
        await self._mcp.open()
        await self._register_with_ag2(self._mcp)

    async def _register_with_ag2(self, toolset: Toolset) -> None:
        from agentplug.adapters.mcp.ag2 import register_toolset

        await register_toolset(toolset, caller=self.chat.agent, executor=self.chat.partner)

    async def _offer_tools(self, tools: Sequence[ToolDef]) -> None:
        """The agent's own tools go to whichever model runs: the agentplug one under ``llm:``
        (its tool loop runs them), or AG2's own (the executor partner runs them)."""
        if self._tools_offered or not tools or self._runner is None:
            return
        self._tools_offered = True
        toolset = RunnerToolset(tools, self._runner)
        if self.model is not None:
            await self.model.add_toolset(toolset)
        else:
            await self._register_with_ag2(toolset)

    async def close(self) -> None:
        handle, self.executor_handle = self.executor_handle, None
        model, self.model = self.model, None
        mcp, self._mcp = self._mcp, None
        if mcp is not None:
            await mcp.close()
        if handle is not None:
            await asyncio.to_thread(handle.close)
        if model is not None:
            await model.close()

    async def reset(self) -> None:
        if self.chat is not None:
            self.chat.reset()

    # turns -------------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        if self._queue is not None:
            self._queue.put_nowait(event)

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        from agentplug.adapters.ag2._bridge import in_quiet_thread

        if self.chat is None:
            await self.open()
        self._apply_system(messages)
        await self._offer_tools(tools)
        task = "\n\n".join(m.text for m in messages if isinstance(m, UserMessage))
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._queue = queue
        loop = asyncio.get_running_loop()
        usage = Usage()

        def run() -> str:
            try:
                return in_quiet_thread(lambda: self.chat.run(task))()
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        runner = asyncio.ensure_future(asyncio.to_thread(run))
        try:
            while (event := await queue.get()) is not _END:
                if isinstance(event, UsageEvent):
                    usage = usage + event.usage
                yield event
            final = await runner
        except AgentplugError:
            raise
        except Exception as exc:  # from AG2's own model client (llm_config): its SDK's error
            raise _model_client_error(exc) from None
        finally:
            self._queue = None
            if not runner.done():
                if self._driver is not None:
                    self._driver.cancelled = True
                await asyncio.gather(runner, return_exceptions=True)
                if self._driver is not None:
                    self._driver.cancelled = False
        if self.model is None:
            usage = self._ag2_usage()
            yield UsageEvent(usage)
        if self.chat.rounds_hit:
            yield Notice(f"stopped after {self.params.max_rounds} replies (raise max_rounds to "
                         "allow more)", level="warning")
        yield Done(AssistantMessage([TextPart(final)], provider=self.name), "end_turn", usage)

    def _apply_system(self, messages: Sequence[Message]) -> None:
        # The agent's system_message (agentplug config) applies unless agent_config has one.
        for m in messages:
            if isinstance(m, SystemMessage) and not self._system_set:
                self.chat.agent.update_system_message(m.text)
                self._system_set = True

    def _ag2_usage(self) -> Usage:
        client = getattr(self.chat.agent, "client", None)
        summary = (client.actual_usage_summary or {}) if client is not None else {}
        total = Usage(cost_usd=summary.get("total_cost"))
        for u in summary.values():
            if isinstance(u, dict):
                total = total + Usage(input_tokens=u.get("prompt_tokens", 0),
                                      output_tokens=u.get("completion_tokens", 0), requests=1)
        if client is not None:
            client.clear_usage_summary()
        return total


def _model_client_error(exc: Exception) -> BackendError:
    """An exception from AG2's own model client as an agentplug error, redacted and not
    chained: the SDK's text quotes the provider's error body, which may echo the key."""
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        cls = RateLimitError if status == 429 else ProviderError
        return cls(f"{type(exc).__name__}: {exc}", status=status)
    return map_error(exc, "AG2's model client")


def create_backend(params: AG2Params, spec: Any) -> BaseBackend:
    """The declaration's factory: one AG2 agent, or a whole group chat (``group_config``)."""
    if params.group_config is not None:
        from .group_backend import AG2GroupBackend

        return AG2GroupBackend(params, spec)
    return AG2Backend(params, spec)

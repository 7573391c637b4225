"""The ``ag2_agent`` backend's runtime: an ``ag2.Agent`` (AG2 1.x), one turn per call.

ag2 1.x is async: it runs on agentplug's own event loop. The agent keeps the conversation
(each turn continues its last reply); ag2 runs the tool loop, agentplug's tools included.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ...core.backend import BaseBackend
from ...core.errors import UsageError
from ...core.events import Done, Event, UsageEvent
from ...core.messages import Message, SystemMessage, UserMessage
from ...core.params import reveal_secrets
from ...core.requirements import require
from ...core.tools import RunnerToolset, ToolDef, ToolRunner
from ...core.usage import Usage
from .params import AG2AgentParams


class AG2AgentBackend(BaseBackend):
    stateful = True
    params: AG2AgentParams

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self.session: Any = None  # adapters.ag2.v1.AG2Turn
        self.model: Any = None  # AgentplugModel under llm:
        self._mcp: Any = None
        self._runner: ToolRunner | None = None
        self._tools: list[Any] | None = None  # agentplug's tools, as ag2 tools
        self._usage: list[UsageEvent] = []
        self._opened = False

    async def open(self) -> None:
        if self._opened:
            return
        await asyncio.to_thread(require, "ag2", "ag2")  # a slow first import: off the loop
        from ...adapters.ag2.v1 import AgentplugModel

        self._opened = True
        try:
            if self.params.llm is not None:
                self.model = AgentplugModel(reveal_secrets(self.params.llm),
                                            on_event=self._priced)
                await self.model.open()
            if self.params.mcp_servers:
                # The MCP SDK's first import is slow: off the loop.
                mcp = await asyncio.to_thread(require, "agentplug.adapters.mcp", "mcp")
                self._mcp = mcp.MCPToolset.from_params(self.params)
                await self._mcp.open()
        except BaseException:
            await self.close()
            raise

    def _agent(self, system: str | None) -> Any:
        """Built on the first turn: the agentplug agent's system_message is its prompt then
        (unless ``prompt:`` is given)."""
        import ag2

        if self.params.agent is None:
            prompt = self.params.prompt or system
            return ag2.Agent(self.params.name, prompt or (), config=self.model)
        from ...core.registry import load_object

        found = load_object(self.params.agent)
        agent = found if isinstance(found, ag2.Agent) else found()
        if not isinstance(agent, ag2.Agent):
            raise UsageError(f"agent: {self.params.agent!r} gave a {type(agent).__name__}, not "
                             "an ag2.Agent (or a function returning one)")
        return agent

    def _priced(self, event: Event) -> None:
        if isinstance(event, UsageEvent):
            self._usage.append(event)

    def bind_tools(self, runner: ToolRunner) -> None:
        self._runner = runner

    def _extra_tools(self, tools: Sequence[ToolDef]) -> list[Any]:
        from ...adapters.ag2.v1 import ag2_tools

        if self._tools is None:
            self._tools = []
            if tools and self._runner is not None:
                self._tools += ag2_tools(RunnerToolset(tools, self._runner))
            if self._mcp is not None:
                self._tools += ag2_tools(self._mcp)
        return self._tools

    async def close(self) -> None:
        model, self.model = self.model, None
        mcp, self._mcp = self._mcp, None
        self.session, self._tools, self._opened = None, None, False
        results = await asyncio.gather(*(x.close() for x in (mcp, model) if x is not None),
                                       return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    async def reset(self) -> None:
        if self.session is not None:
            self.session.reset()

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        from ...adapters.ag2.v1 import AG2Turn, run_turn

        await self.open()
        if self.session is None:
            system = next((m.text for m in messages if isinstance(m, SystemMessage)), None)
            self.session = AG2Turn(self._agent(system))
        text = "\n\n".join(m.text for m in messages if isinstance(m, UserMessage))
        own_usage = self.model is not None
        usage = Usage()
        self._usage.clear()
        async for event in run_turn(self.session, text, tools=self._extra_tools(tools),
                                    config=self.model if self.params.agent else None,
                                    priced=not own_usage):
            while self._usage:  # the model's priced usage, in the order it came
                priced = self._usage.pop(0)
                usage = usage + priced.usage
                yield priced
            if isinstance(event, Done) and own_usage:
                event = Done(event.message, event.stop_reason, usage)
            yield event

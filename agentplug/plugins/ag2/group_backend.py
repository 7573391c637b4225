"""The ``ag2`` backend with ``group_config``: a whole AG2 group chat answers each prompt.

Every member is an agentplug agent on the backend its ``llm_config`` maps to (a member with
``code_execution_config`` is itself an ``ag2`` agent that runs its code in its own turn);
``adapters.ag2.group_chat.PatternChat`` runs them under AG2's pattern. Each prompt starts a
new group chat; the members remember the earlier ones (their histories are kept until
``reset``). The backend's ``mcp_servers`` and the agent's Python tools reach every member.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentplug.core.agent import Agent
from agentplug.core.backend import BaseBackend
from agentplug.core.events import Event
from agentplug.core.messages import Message, UserMessage
from agentplug.core.requirements import require
from agentplug.core.tools import RunnerToolset, ToolDef, ToolRunner

from .params import AG2Params
from .group_params import GroupConfig, GroupMember


class AG2GroupBackend(BaseBackend):
    stateful = True
    params: AG2Params

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self.chat: Any = None  # PatternChat
        self._runner: ToolRunner | None = None
        self._tools_offered = False

    @property
    def group(self) -> GroupConfig:
        assert self.params.group_config is not None
        return self.params.group_config

    async def open(self) -> None:
        if self.chat is not None:
            return
        await asyncio.to_thread(require, "autogen", "ag2")
        if self.params.mcp_servers:  # the members' MCP toolsets: a slow first import
            await asyncio.to_thread(require, "agentplug.adapters.mcp", "mcp")
        from agentplug.adapters.ag2.group_chat import Member, PatternChat

        g = self.group
        members = [Member(m.name, self._member(m), m.description or m.system_message)
                   for m in g.agents]
        user = None
        if g.user_agent is not None and g.user_agent.backend(g) is not None:
            user = Member(g.user_agent.name, self._agent(
                g.user_agent.backend(g) or {}, g.user_agent.name, g.user_agent.system_message),
                g.user_agent.description or g.user_agent.system_message)
        manager = None
        args = g.pattern.group_manager_args
        if g.pattern.type == "auto":
            manager = self._agent(args.backend(g) or {}, args.name, None, tools=False)
        chat = PatternChat(members, pattern=g.pattern.type, initial_agent=g.pattern.initial_agent,
                           user=user, manager=manager, manager_name=args.name,
                           max_rounds=g.max_rounds,
                           exclude_transit_message=g.pattern.exclude_transit_message)
        try:
            await chat.open()
        except BaseException:
            await chat.close()
            raise
        self.chat = chat

    def _member(self, member: GroupMember) -> Agent:
        g = self.group
        backend = member.backend(g) or {}
        if member.code_execution_config is None:
            return self._agent(backend, member.name, member.system_message)
        from agentplug.build import create_agent

        agent_config: dict[str, Any] = {"type": member.type, "name": member.name}
        if member.system_message is not None:
            agent_config["system_message"] = member.system_message
        if member.description is not None:
            agent_config["description"] = member.description
        return create_agent({
            "type": "ag2", "agent_config": agent_config, "llm": backend,
            "code_execution_config": member.code_execution_config,
            "max_rounds": member.max_code_rounds, "cwd": self.params.cwd,
            "mcp_servers": [s.model_dump() for s in self.params.mcp_servers]}, id=member.name)

    def _agent(self, backend: dict[str, Any], name: str, system: str | None, *,
               tools: bool = True) -> Agent:
        from agentplug.build import create_agent

        config = dict(backend)
        if tools and self.params.mcp_servers and "mcp_servers" not in config:
            config["mcp_servers"] = [s.model_dump() for s in self.params.mcp_servers]
        return create_agent(config, id=name, system_message=system)

    def bind_tools(self, runner: ToolRunner) -> None:
        self._runner = runner

    async def _offer_tools(self, tools: Sequence[ToolDef]) -> None:
        if self._tools_offered or not tools or self._runner is None or self.chat is None:
            return
        self._tools_offered = True
        for member in self.chat.members:
            await member.agent.add_toolset(RunnerToolset(tools, self._runner))

    async def close(self) -> None:
        chat, self.chat = self.chat, None
        self._tools_offered = False
        if chat is not None:
            await chat.close()

    async def reset(self) -> None:
        if self.chat is not None:
            await self.chat.reset()

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        await self.open()
        await self._offer_tools(tools)
        task = "\n\n".join(m.text for m in messages if isinstance(m, UserMessage))
        async for event in self.chat.stream(task):
            yield event

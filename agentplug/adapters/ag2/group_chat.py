"""A group chat run by AG2's own patterns (``autogen.agentchat.group.patterns``), its members
agentplug agents, streamed as one agent's events.

``PatternChat`` is what ``type: ag2`` with ``group_config`` runs: the members are agentplug
agents adapted with ``to_ag2`` (each turn streams as a ``SpeakerEvent`` and the speaker's
events), ``initiate_group_chat`` drives the chat with ``AutoPattern``, ``RoundRobinPattern``
or ``RandomPattern``, and in ``auto`` the group manager's choice of the next speaker is made
by AG2's speaker-selection agent whose model is an agentplug agent (``model_client_for``).
The chat ends as AG2 ends it: a message ending with ``TERMINATE`` (the manager's
``is_termination_msg``), or ``max_rounds``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from ...core.agent import Agent
from ...core.events import Done, Event, Notice
from ...core.messages import AssistantMessage, TextPart
from ._bridge import in_quiet_thread
from .messages import content_text, is_terminate, strip_terminate
from .model_client import llm_config_for, model_client_for
from .team import AgentGroup, _minus

_END = object()


@dataclass
class Member:
    """A speaker of the chat: an agentplug agent under an AG2 name."""

    name: str
    agent: Agent
    description: str | None = None


class PatternChat(AgentGroup):
    def __init__(self, members: list[Member], *, pattern: str = "auto",
                 initial_agent: str | None = None, user: Member | None = None,
                 manager: Agent | None = None, manager_name: str = "chat_manager",
                 max_rounds: int = 10, exclude_transit_message: bool = True) -> None:
        if pattern == "auto" and manager is None:
            raise ValueError("pattern auto needs a manager agent (it picks each speaker)")
        self.members = members
        self.pattern = pattern
        self.initial_agent = initial_agent or members[0].name
        self.user = user
        self.manager = manager
        self.manager_name = manager_name
        self.max_rounds = max_rounds
        self.exclude_transit_message = exclude_transit_message
        self.turns: list[str] = []  # who spoke, in order, in the last run

    @property
    def agents(self) -> list[Agent]:
        found = [m.agent for m in self.members]
        found += [self.user.agent] if self.user is not None else []
        return found + ([self.manager] if self.manager is not None else [])

    async def reset(self) -> None:
        await asyncio.gather(*(a.reset() for a in self.agents))

    async def stream(self, task: str) -> AsyncIterator[Event]:
        await self.open()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        before = self.usage
        pattern, speakers = await asyncio.to_thread(self._build, loop, queue.put_nowait)
        outcome: dict[str, Any] = {}

        def run() -> None:
            from autogen.agentchat import initiate_group_chat

            try:
                outcome["result"] = in_quiet_thread(lambda: initiate_group_chat(
                    pattern=pattern, messages=task, max_rounds=self.max_rounds))()
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        runner = asyncio.ensure_future(asyncio.to_thread(run))
        try:
            while (event := await queue.get()) is not _END:
                yield event
            await runner  # a member's error ends the chat and is raised here
        finally:
            if not runner.done():  # the consumer left early: stop at the next reply
                drivers = [d for s in speakers
                           if (d := getattr(s, "agentplug_driver", None)) is not None]
                for d in drivers:
                    d.cancelled = True
                await asyncio.gather(runner, return_exceptions=True)
                for d in drivers:
                    d.cancelled = False
        result, _context, _last = outcome["result"]
        history = [m for m in result.chat_history if content_text(m.get("content")).strip()]
        names = {s.name for s in speakers}
        self.turns = [str(m.get("name")) for m in history if m.get("name") in names]
        usage = _minus(self.usage, before)
        yield Notice(f"group chat finished after {len(self.turns)} turn(s): "
                     f"{' → '.join(self.turns)}; {usage.summary()}")
        answer = next((strip_terminate(content_text(m.get("content")))
                       for m in reversed(history[1:])
                       if strip_terminate(content_text(m.get("content")))), "")
        yield Done(AssistantMessage([TextPart(answer)], provider="ag2"), "end_turn", usage)

    def _build(self, loop: asyncio.AbstractEventLoop, sink: Callable[[Event], None]
               ) -> tuple[Any, list[Any]]:
        """The AG2 pattern over the members (blocking: AG2 builds model clients)."""
        from .wrap import to_ag2

        speakers = [to_ag2(m.agent, name=m.name, description=m.description, on_event=sink,
                           loop=loop) for m in self.members]
        user = None
        if self.user is not None:
            user = to_ag2(self.user.agent, name=self.user.name,
                          description=self.user.description, on_event=sink, loop=loop)
        by_name = {s.name: s for s in speakers + ([user] if user is not None else [])}
        manager_args: dict[str, Any] = {"name": self.manager_name,
                                        "is_termination_msg": is_terminate}
        client_cls = None
        if self.manager is not None:
            client_cls = model_client_for(self.manager, loop, on_event=sink)
            manager_args["llm_config"] = llm_config_for(client_cls)
        pattern = _pattern(self.pattern, client_cls)(
            initial_agent=by_name[self.initial_agent], agents=speakers, user_agent=user,
            group_manager_args=manager_args,
            **({"exclude_transit_message": self.exclude_transit_message}
               if self.pattern == "auto" else {}))
        return pattern, speakers + ([user] if user is not None else [])


def _pattern(kind: str, client_cls: type | None) -> Any:
    """AG2's pattern class; with an agentplug model for the manager, one whose group chat
    registers that model client with AG2's speaker-selection agent (AG2 creates that agent
    anew for every choice, from the group chat's ``select_speaker_auto_*`` settings)."""
    from autogen import Agent as AG2Agent
    from autogen.agentchat.group.patterns import AutoPattern, RandomPattern, RoundRobinPattern
    from autogen.agentchat.groupchat import GroupChat, GroupChatManager

    base: Any = {"auto": AutoPattern, "round_robin": RoundRobinPattern,
                 "random": RandomPattern}[kind]
    if client_cls is None:
        return base
    chosen: type = client_cls

    class WithAgentplugManager(base):  # type: ignore[misc,valid-type]
        def prepare_group_chat(self, *args: Any, **kwargs: Any) -> Any:
            parts = super().prepare_group_chat(*args, **kwargs)
            groupchat = parts[7]
            groupchat.select_speaker_auto_llm_config = llm_config_for(chosen)
            groupchat.select_speaker_auto_model_client_cls = chosen
            manager = parts[8]
            manager.register_model_client(chosen)  # the manager's config names it too
            # The manager's reply functions hold a copy of the group chat taken when AG2
            # built the manager: register them again, so their copies carry these settings.
            manager.register_reply(AG2Agent, GroupChatManager.run_chat, config=groupchat,
                                   reset_config=GroupChat.reset)
            manager.register_reply(AG2Agent, GroupChatManager.a_run_chat, config=groupchat,
                                   reset_config=GroupChat.reset,
                                   ignore_async_in_sync_chat=True)
            return parts

    return WithAgentplugManager


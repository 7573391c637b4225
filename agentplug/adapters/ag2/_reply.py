"""Reply functions that let an agentplug agent speak for an AG2 ConversableAgent.

Both a synchronous and an asynchronous reply function are registered: AG2 uses the
synchronous one in ``initiate_chat`` (it then waits on the agent's event loop from the chat's
thread) and the asynchronous one in ``a_initiate_chat``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ...core.agent import Agent
from ...core.errors import BackendError
from ...core.events import Done, ErrorEvent, SpeakerEvent
from ._bridge import EventSink, discard, private_loop, run_in_loop, running_loop


class ReplyDriver:
    """Runs one agentplug turn per AG2 reply and streams its events to ``sink``."""

    def __init__(self, agent: Agent, *, sink: EventSink = discard,
                 loop: asyncio.AbstractEventLoop | None = None, announce: bool = True) -> None:
        self.agent = agent
        self.sink = sink
        self.loop = loop or running_loop()
        self.announce = announce  # emit SpeakerEvent before each reply (group chats)
        self.cancelled = False

    def register(self, ag2_agent: Any) -> None:
        from autogen import Agent as AG2Agent

        ag2_agent.register_reply([AG2Agent, None], self.agentplug_reply, position=0)
        ag2_agent.register_reply([AG2Agent, None], self.a_agentplug_reply, position=0,
                                 ignore_async_in_sync_chat=True)

    # AG2 pairs the sync and async versions by name: "a_" + name.
    def agentplug_reply(self, recipient: Any, messages: list[dict[str, Any]] | None = None,
                        sender: Any = None, config: Any = None) -> tuple[bool, str]:
        if self.loop is None:
            self.loop = private_loop()
        return True, run_in_loop(self.loop, self._turn(recipient, messages or []))

    async def a_agentplug_reply(self, recipient: Any, messages: list[dict[str, Any]] | None = None,
                                sender: Any = None, config: Any = None) -> tuple[bool, str]:
        here = asyncio.get_running_loop()
        if self.loop is None:
            self.loop = here
        coro = self._turn(recipient, messages or [])
        if self.loop is here:
            return True, await coro
        return True, await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    async def _turn(self, recipient: Any, messages: list[dict[str, Any]]) -> str:
        if self.cancelled:
            raise asyncio.CancelledError("the chat was cancelled")
        prompt = self.prepare(recipient, messages)
        if self.announce:
            self.sink(SpeakerEvent(recipient.name))
        done: Done | None = None
        async for event in self.agent.stream(prompt):
            if isinstance(event, Done):
                done = event
            elif isinstance(event, ErrorEvent):
                raise self.agent.last_error or BackendError(event.message)
            else:
                self.sink(event)
        assert done is not None
        return self.finish(done)

    def prepare(self, recipient: Any, messages: list[dict[str, Any]]) -> str:
        """The prompt for this turn (and any state the agent needs first)."""
        raise NotImplementedError

    def finish(self, done: Done) -> str:
        return done.text

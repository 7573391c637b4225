"""Direction 2: an agentplug agent as an AG2 ConversableAgent (``to_ag2``), and direction 1's
piece: an AG2 agent whose model is an agentplug backend (``drive_with``)."""

from __future__ import annotations

import asyncio
from typing import Any

from ...core.agent import Agent
from ...core.events import Done
from ...core.messages import UserMessage
from ._bridge import EventSink, discard
from ._reply import ReplyDriver
from .messages import new_messages, prompt_from, to_messages


class _AgentplugOwned(ReplyDriver):
    """The agentplug agent keeps its own history (and tools); AG2 sees its answers."""

    def prepare(self, recipient: Any, messages: list[dict[str, Any]]) -> str:
        return prompt_from(new_messages(messages)) or "(continue)"


class _AG2Owned(ReplyDriver):
    """AG2 keeps the history: each reply replays AG2's view of the chat to the model."""

    def prepare(self, recipient: Any, messages: list[dict[str, Any]]) -> str:
        history = to_messages(recipient.system_message, messages)
        last = history.pop() if history and isinstance(history[-1], UserMessage) else None
        self.agent.history = history
        return last.text if last is not None else "(continue)"

    def finish(self, done: Done) -> str:
        self.agent.history.clear()  # AG2 holds the conversation
        return done.text


def to_ag2(agent: Agent, *, name: str | None = None, description: str | None = None,
           on_event: EventSink = discard, loop: asyncio.AbstractEventLoop | None = None,
           announce: bool = True) -> Any:
    """A ConversableAgent whose replies come from ``agent`` (its tools run, its usage counts).

    Events of each reply go to ``on_event`` (called on the agent's event loop), preceded by a
    ``SpeakerEvent`` when ``announce``. The agent is opened on first use; close it yourself.
    Works in ``a_initiate_chat`` and, from a thread other than the agent's loop, in
    ``initiate_chat``.
    """
    from autogen import ConversableAgent

    ag2_agent = ConversableAgent(
        name=name or agent.id,
        system_message=agent.system_message or "",
        description=description or agent.system_message or f"agentplug agent {agent.id}",
        llm_config=False, code_execution_config=False, human_input_mode="NEVER")
    driver = _AgentplugOwned(agent, sink=on_event, loop=loop, announce=announce)
    driver.register(ag2_agent)
    ag2_agent.agentplug_driver = driver  # type: ignore[attr-defined]  # Team streams via it
    return ag2_agent


def drive_with(ag2_agent: Any, model: Agent, *, on_event: EventSink = discard,
               loop: asyncio.AbstractEventLoop | None = None, announce: bool = False
               ) -> ReplyDriver:
    """Make ``model`` (an agentplug agent on a model backend) write ``ag2_agent``'s replies."""
    driver = _AG2Owned(model, sink=on_event, loop=loop, announce=announce)
    driver.register(ag2_agent)
    ag2_agent.agentplug_driver = driver  # a Team streams through it
    return driver

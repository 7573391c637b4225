"""An agentplug agent as a classic AG2 *model client* (``autogen/llm_config/client.py``).

The reply-function route (``to_ag2`` / ``drive_with``) serves agents agentplug builds. AG2
also makes agents of its own that need a model — the internal speaker-selection agent of an
``auto`` group chat is created afresh for every choice — and those only take a model through
their ``llm_config``: ``{"model": ..., "model_client_cls": <name>}`` plus the class
registered with AG2. ``model_client_for(agent, loop)`` makes that class.

``create`` is synchronous (AG2 calls it from the chat's thread): it runs one turn of the
agent on its event loop and waits for it.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from ...core.agent import Agent
from ...core.events import UsageEvent
from ...core.messages import Message, SystemMessage, UserMessage
from ...core.usage import Usage
from ._bridge import EventSink, discard, run_in_loop
from .messages import content_text, to_messages


@dataclass
class _Message:
    content: str
    role: str = "assistant"
    tool_calls: Any = None
    function_call: Any = None


@dataclass
class _Choice:
    message: _Message
    finish_reason: str = "stop"


@dataclass
class _Response:
    choices: list[_Choice]
    model: str
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0


def model_client_for(agent: Agent, loop: asyncio.AbstractEventLoop, *,
                     on_event: EventSink = discard) -> type:
    """An AG2 ``ModelClient`` class whose every ``create`` is one turn of ``agent``; its
    ``__name__`` (unique per agent) is what ``llm_config["model_client_cls"]`` names.
    ``on_event`` gets each turn's usage (called on ``loop``)."""
    lock = threading.Lock()  # one turn at a time: the agent's history is set per call

    class AgentplugModelClient:
        def __init__(self, config: dict[str, Any], **kwargs: Any) -> None:
            self.model = str(config.get("model") or agent.id)

        def create(self, params: dict[str, Any]) -> _Response:
            with lock:
                text, usage = run_in_loop(loop, _turn(agent, params.get("messages") or [],
                                                      on_event))
            return _Response([_Choice(_Message(text))], self.model, usage,
                             usage.cost_usd or 0.0)

        def message_retrieval(self, response: _Response) -> list[str]:
            return [c.message.content for c in response.choices]

        def cost(self, response: _Response) -> float:
            return response.cost

        @staticmethod
        def get_usage(response: _Response) -> dict[str, Any]:
            u = response.usage
            return {"prompt_tokens": u.input_tokens, "completion_tokens": u.output_tokens,
                    "total_tokens": u.input_tokens + u.output_tokens, "cost": response.cost,
                    "model": response.model}

    AgentplugModelClient.__name__ = "AgentplugModelClient_" + re.sub(r"\W", "_", agent.id)
    AgentplugModelClient.__qualname__ = AgentplugModelClient.__name__
    return AgentplugModelClient


def llm_config_for(client_cls: type) -> dict[str, Any]:
    """The classic ``llm_config`` that names ``client_cls`` (register it on each agent)."""
    return {"config_list": [{"model": "agentplug", "model_client_cls": client_cls.__name__}]}


async def _turn(agent: Agent, messages: list[dict[str, Any]], on_event: EventSink
                ) -> tuple[str, Usage]:
    """One answer to AG2's OpenAI-style messages; AG2 keeps the conversation, not the agent."""
    system = "\n\n".join(content_text(m.get("content")) for m in messages
                         if m.get("role") == "system")
    history: list[Message] = to_messages(system or None, [
        m for m in messages if m.get("role") != "system"])
    last = history.pop() if history and isinstance(history[-1], UserMessage) else None
    if not any(isinstance(m, SystemMessage) for m in history) and agent.system_message:
        history.insert(0, SystemMessage(agent.system_message))
    agent.history = history
    try:
        result = await agent.run(last.text if last is not None else "(continue)")
    finally:
        agent.history = []
    on_event(UsageEvent(result.usage))
    return result.text, result.usage

"""One turn of an ``ag2.Agent`` (ag2 1.x), streamed as agentplug events as it happens.

ag2 publishes a turn's events on its stream; an *interrupter* subscription sees each one
before the agent's own subscribers act on it (a plain subscriber would see a tool's result
before the call that caused it), so the events come out in the order they happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from ....core.events import Done, Event, TextDelta, UsageEvent
from ....core.messages import AssistantMessage, TextPart
from ....core.usage import Usage
from .convert import to_event

_END = object()


@dataclass
class AG2Turn:
    """An ag2 agent and its conversation so far (the last reply, which continues it)."""

    agent: Any
    reply: Any = None

    def reset(self) -> None:
        self.reply = None


async def run_turn(session: AG2Turn, text: str, *, tools: Iterable[Any] = (),
                   config: Any = None, priced: bool = True) -> AsyncIterator[Event]:
    """Send ``text`` to the agent (continuing its conversation) and stream the turn.

    ``priced=False``: the model reports its own usage to the caller (an ``AgentplugModel``
    prices each call), so ag2's token counts are not repeated as ``UsageEvent``.
    """
    queue: asyncio.Queue[Any] = asyncio.Queue()
    streamed = False
    usage = Usage()

    def observe(event: Any) -> Any:
        converted = to_event(event)
        if converted is not None and (priced or not isinstance(converted, UsageEvent)):
            queue.put_nowait(converted)
        return event  # an interrupter passes the event on

    source = session.reply if session.reply is not None else session.agent
    async with source.run(text, tools=list(tools), config=config) as run:
        sub = run.stream.subscribe(observe, interrupt=True, sync_to_thread=False)
        task = asyncio.ensure_future(run.result())
        task.add_done_callback(lambda _: queue.put_nowait(_END))
        try:
            while (event := await queue.get()) is not _END:
                if isinstance(event, TextDelta):
                    streamed = True
                if isinstance(event, UsageEvent):
                    usage = usage + event.usage
                yield event
            reply = task.result()
        finally:
            run.stream.unsubscribe(sub)
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    session.reply = reply
    answer = reply.body or ""
    if answer and not streamed:
        yield TextDelta(answer)  # a model that does not stream: its answer, whole
    yield Done(AssistantMessage([TextPart(answer)], provider="ag2"), "end_turn", usage)

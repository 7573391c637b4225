"""The conformance kit: the contract every backend's event stream must keep.

Plugin authors call these from their own tests, against their provider's simulator:

    from agentplug.testing.conformance import check_model_call

    events = await check_model_call(backend, [UserMessage.of("hi")], tools=[])

Each check raises ``ConformanceError`` naming the broken rule.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.protocol import Backend
from ..core.events import (
    Done, ErrorEvent, Event, ReasoningDelta, TextDelta, ToolCallRequested, UsageEvent,
)
from ..core.messages import Message
from ..core.tools import ToolDef


class ConformanceError(AssertionError):
    pass


def check_call_events(events: Sequence[Event], *, stateful: bool = False) -> Done:
    """Rules for the events of ONE model call, as a backend yields them."""
    if not events or not isinstance(events[-1], Done):
        raise ConformanceError("a model call must end with exactly one Done event")
    done = events[-1]
    if sum(isinstance(e, Done) for e in events) != 1:
        raise ConformanceError("a model call must yield exactly one Done")
    if any(isinstance(e, ErrorEvent) for e in events):
        raise ConformanceError("backends raise agentplug errors; they do not yield ErrorEvent")
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    if text != done.message.text:
        raise ConformanceError(f"text deltas {text!r} differ from the final message "
                               f"{done.message.text!r}")
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    if reasoning and reasoning != done.message.reasoning:
        raise ConformanceError("reasoning deltas differ from the final message's reasoning")
    requested = [e.call.id for e in events if isinstance(e, ToolCallRequested)]
    if not stateful and requested != [c.id for c in done.message.tool_calls]:
        raise ConformanceError("every tool call in the final message must be announced "
                               "once by a ToolCallRequested event, in order")
    if not stateful and done.message.tool_calls and done.stop_reason != "tool_calls":
        raise ConformanceError("a message with tool calls must stop with 'tool_calls'")
    if not any(isinstance(e, UsageEvent) for e in events):
        raise ConformanceError("a model call must report its usage with a UsageEvent")
    if done.usage.requests < 1:
        raise ConformanceError("Done.usage must count the request (requests >= 1)")
    return done


async def check_model_call(backend: Backend, messages: Sequence[Message],
                           tools: Sequence[ToolDef] = ()) -> list[Event]:
    """Run one call on an opened backend and check its events; return them."""
    events = [e async for e in backend.stream(list(messages), list(tools))]
    check_call_events(events, stateful=backend.stateful)
    return events

"""The `echo` backend: a complete, if simple, agentplug backend.

It repeats the last user message word by word. A prompt `call NAME {json}` makes it request
that tool; after a tool result it answers with the result, so the agent's tool loop runs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

from agentplug import (
    AssistantMessage, BaseBackend, Done, Event, Message, TextDelta, TextPart, ToolCallPart,
    ToolCallRequested, ToolDef, ToolResultMessage, Usage, UsageEvent, UserMessage,
)


class EchoBackend(BaseBackend):
    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                     ) -> AsyncIterator[Event]:
        last = messages[-1]
        usage = Usage(input_tokens=sum(len(getattr(m, "text", "").split()) for m in messages),
                      requests=1)
        if isinstance(last, UserMessage) and last.text.startswith("call "):
            _, name, *rest = last.text.split(" ", 2)
            arguments = json.loads(rest[0] if rest else "{}")
            call = ToolCallPart(f"echo_{len(messages)}", name, arguments)
            yield ToolCallRequested(call)
            yield UsageEvent(usage)
            yield Done(AssistantMessage([call], provider=self.name), "tool_calls", usage)
            return
        text = last.text if isinstance(last, (UserMessage, ToolResultMessage)) else ""
        if self.params.uppercase:
            text = text.upper()
        answer = self.params.prefix + text
        for word in answer.split(" "):
            yield TextDelta(word + " ")
        usage.output_tokens = len(answer.split())
        yield UsageEvent(usage)
        yield Done(AssistantMessage([TextPart(answer)], provider=self.name), "end_turn", usage)

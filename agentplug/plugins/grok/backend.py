"""``grok`` runtime: Chat Completions, or xAI's Responses API when web search is on.

xAI retired Live Search (``search_parameters`` on Chat Completions now answers
``410 Gone: Live search is deprecated. Please switch to the Agent Tools API``). Its
server-side search is the ``web_search`` agent tool, which xAI serves on its
OpenAI-compatible Responses endpoint (``POST {base}/responses``,
``tools: [{"type": "web_search"}]``), where it combines with function tools. So an agent
with ``enable_web_search`` talks Responses through the openai SDK; any other agent talks
Chat Completions. Sources: https://docs.x.ai/docs/guides/tools/search-tools and the 410
reports collected in vercel/ai PR #15713.

Sources come back three ways: ``web_search_call`` items, ``url_citation`` annotations on
the answer (both handled by the shared Responses turn), and xAI's top-level
``citations`` list on the final response (always sent), reported here when nothing else
named a source.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentplug.core.protocol import Backend
from agentplug.core.events import BuiltinToolEvent, Event, Source
from agentplug.core.messages import Message
from agentplug.core.params import BackendParams
from agentplug.core.registry import BackendSpec
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef
from agentplug.formats import responses as fmt
from agentplug.sdk.chat_completions import ChatCompletionsBackend
from agentplug.plugins.openai.backend import OpenAIResponsesBackend
from . import BASE_URL
from .params import GrokParams


def create(params: BackendParams, spec: BackendSpec) -> Backend:
    if params.enable_web_search:
        return GrokSearchBackend(params, spec)
    return GrokChatBackend(params, spec)


class GrokChatBackend(ChatCompletionsBackend):
    params: GrokParams
    default_base_url = BASE_URL

    def request_options(self) -> dict[str, Any]:
        opts = super().request_options()
        if self.params.reasoning_effort:
            opts["reasoning_effort"] = self.params.reasoning_effort
        return opts


class GrokSearchBackend(OpenAIResponsesBackend):
    default_base_url = BASE_URL
    key_needed = "remote"  # as on its Chat Completions side

    def build_request(self, messages: Sequence[Message], tools: Sequence[ToolDef]
                      ) -> dict[str, Any]:
        p: Any = self.params
        tool_list = fmt.tools(tools)
        tool_list.append({"type": "web_search", **(p.web_search_options or {})})
        # store=false: every request carries the whole conversation, nothing is kept at xAI.
        request: dict[str, Any] = {
            "model": self.model_name,
            "input": fmt.input_items(messages, self.name, stored=False),
            "tools": tool_list, "store": False, "stream": True,
        }
        if instructions := fmt.instructions(messages):
            request["instructions"] = instructions
        if p.max_tokens is not None:
            request["max_output_tokens"] = p.max_tokens
        if p.reasoning_effort:
            request["reasoning"] = {"effort": p.reasoning_effort}
        for key in ("temperature", "top_p", "extra_body"):
            if (value := getattr(p, key)) is not None:
                request[key] = value
        return request

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        client = self.client()
        request = self.output_request(messages, tools, output)
        turn = self.new_turn(self.url_of(client))
        sourced = False
        async for out in self.call(client, request, turn):
            sourced = sourced or bool(getattr(out, "sources", None))
            yield out
        final_events = turn.finish()
        citations = (turn.final or {}).get("citations") or []
        urls = [c if isinstance(c, str) else c.get("url") for c in citations]
        if not sourced and any(urls):
            yield BuiltinToolEvent("web_search", "completed", name="citations",
                                   call_id=turn.last_search,
                                   sources=[Source(u) for u in urls if u],
                                   data={"citations": citations})
        for out in final_events:
            yield out

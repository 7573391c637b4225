"""The runtime shared by ``vllm`` and ``sglang``: find the server, then talk Chat Completions.

``open`` probes ``GET {url}/models`` on the configured ``base_url``, then on localhost at the
probe ports (the engine's own default port first: vLLM 8000, SGLang 30000), and keeps the
first that answers. The choice is logged and reported once as a ``Notice`` at the start of
the first model call. Without ``model:``, the first model the server serves is used.

Reasoning: SGLang separates it when asked per request (``separate_reasoning``); vLLM does
when started with ``--reasoning-parser`` and then always does. Both stream it as
``reasoning_content`` (newer vLLM: ``reasoning``). With ``separate_reasoning: false`` the
thinking is delivered as answer text, as the server would without a parser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

from agentplug.core.errors import ProviderConnectionError
from agentplug.core.events import Done, Event, Notice, ReasoningDelta, TextDelta
from agentplug.core.messages import AssistantMessage, Message, Part, ReasoningPart, TextPart
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef
from .openai_sdk import openai_module
from .chat_completions import ChatCompletionsBackend
from .inference_server_params import InferenceServerParams

log = logging.getLogger(__name__)
VLLM_PORT, SGLANG_PORT = 8000, 30000


class InferenceServerBackend(ChatCompletionsBackend):
    engine: ClassVar[str] = ""
    ports: ClassVar[tuple[int, ...]] = ()
    key_needed = "never"
    params: InferenceServerParams

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self._found: str | None = None
        self._model: str | None = params.model
        self._notice: Notice | None = None

    def base_url(self) -> str | None:
        return self._found or self.candidates()[0]

    def candidates(self) -> list[str]:
        ports = self.ports if self.params.probe_ports is None else self.params.probe_ports
        urls = [self.params.base_url.rstrip("/")] if self.params.base_url else []
        urls += [f"http://127.0.0.1:{port}/v1" for port in ports]
        return list(dict.fromkeys(urls))

    async def open(self) -> None:
        await asyncio.to_thread(openai_module)
        tried: list[str] = []
        for url in self.candidates():
            tried.append(url)
            served = await self._probe(url)
            if served is None:
                continue
            self._found = url
            ids = [m.id for m in served]
            owners = sorted({str(getattr(m, "owned_by", "") or "") for m in served} - {""})
            self._model = self._model or (ids[0] if ids else None)
            text = (f"{self.name}: using the server at {url} (serves "
                    f"{', '.join(ids) or 'no models'}; engine: {', '.join(owners) or '?'})")
            other = [o for o in owners if o in ("vllm", "sglang") and o != self.name]
            self._notice = Notice(text + (f"; it looks like {other[0]}, not {self.name}"
                                          if other else ""),
                                  "warning" if other else "info")
            log.info(self._notice.message)
            await super().open()  # the shared Chat Completions client, for the URL found
            return
        raise ProviderConnectionError(
            " or ".join(tried),
            f"no {self.engine} server answered GET /models; start one (e.g. "
            f"{self.start_hint()}) or set base_url / probe_ports")

    async def _probe(self, url: str) -> list[Any] | None:
        openai = openai_module()
        # Off the loop: a new client builds its SSL context, which can block for ~0.5 s.
        client = await asyncio.to_thread(
            openai.AsyncOpenAI, base_url=url, api_key=self.api_key(), max_retries=0,
            timeout=self.params.probe_timeout, default_headers=self.params.headers)
        try:
            page = await client.models.list()
            return list(page.data)
        except openai.APIError as exc:
            log.debug("%s: no server at %s: %s", self.name, url, exc)
            return None
        finally:
            await client.close()

    def start_hint(self) -> str:
        raise NotImplementedError

    def extra_body(self) -> dict[str, Any]:
        p = self.params
        extra = {k: v for k in ("top_k", "min_p", "repetition_penalty", "chat_template_kwargs")
                 if (v := getattr(p, k)) is not None}
        return extra

    def request_options(self) -> dict[str, Any]:
        opts = super().request_options()
        if self._model:
            opts["model"] = self._model
        return opts

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        if self._notice is not None:
            notice, self._notice = self._notice, None
            yield notice
        inline = not self.params.separate_reasoning
        async for event in super().stream(messages, tools, output):
            if inline and isinstance(event, ReasoningDelta):
                yield TextDelta(event.text)
            elif inline and isinstance(event, Done):
                yield Done(_inline_reasoning(event.message), event.stop_reason, event.usage)
            else:
                yield event


def _inline_reasoning(message: AssistantMessage) -> AssistantMessage:
    """The thinking as leading answer text, the way it streamed."""
    thought = "".join(p.text for p in message.parts if isinstance(p, ReasoningPart))
    rest: list[Part] = [p for p in message.parts if not isinstance(p, ReasoningPart)]
    if not thought:
        return message
    if rest and isinstance(rest[0], TextPart):
        rest[0] = TextPart(thought + rest[0].text)
    else:
        rest.insert(0, TextPart(thought))
    return AssistantMessage(rest, message.provider, message.provider_data)

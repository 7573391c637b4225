"""``lmstudio`` runtime: Chat Completions to LM Studio's server, set up by ``lms``.

With ``manage_server`` (the default) ``open`` makes sure the server runs and the model is
downloaded and loaded, and ``close`` stops or unloads only what ``open`` started: a server
or model the user had running stays as it was. The server's port comes from
``lms server status`` unless ``base_url`` is given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentplug.core.events import Event, Notice
from agentplug.core.messages import Message
from agentplug.core.structured import OutputSpec
from agentplug.core.tools import ToolDef
from .lms_cli import Lifecycle, Lms, bootstrap, locate
from agentplug.sdk.backend import is_local
from agentplug.sdk.chat_completions import ChatCompletionsBackend
from . import DEFAULT_PORT
from .params import LMStudioParams


class LMStudioBackend(ChatCompletionsBackend):
    params: LMStudioParams
    default_base_url = f"http://localhost:{DEFAULT_PORT}/v1"
    key_needed = "never"

    def __init__(self, params: Any, spec: Any) -> None:
        super().__init__(params, spec)
        self._port: int | None = None
        self.lifecycle: Lifecycle | None = None
        self.notices: list[Notice] = []

    def base_url(self) -> str | None:
        if self.params.base_url or self._port is None:
            return super().base_url()
        return f"http://localhost:{self._port}/v1"

    def manages(self) -> bool:
        # A server on another machine is not ours to start or load models into.
        return self.params.manage_server and (not self.params.base_url
                                              or is_local(self.params.base_url))

    async def open(self) -> None:
        if self.manages():
            executable, needs_bootstrap = locate(self.params.lms_path)
            lms = Lms(executable, self.params.cli_timeout)
            if needs_bootstrap:
                await bootstrap(lms)
                self.notices.append(Notice(f"lmstudio: ran `{executable} bootstrap` so that "
                                           "`lms` is on PATH in new shells"))
            self.lifecycle = Lifecycle(lms, self.params.download_timeout)
            try:
                self._port = await self.lifecycle.up(self.params.model or "")
            except BaseException:
                await self.close()
                raise
        await super().open()

    async def stream(self, messages: Sequence[Message], tools: Sequence[ToolDef],
                     output: OutputSpec | None = None) -> AsyncIterator[Event]:
        while self.notices:
            yield self.notices.pop(0)
        async for event in super().stream(messages, tools, output):
            yield event

    async def close(self) -> None:
        if self.lifecycle is not None:
            lifecycle, self.lifecycle = self.lifecycle, None
            await lifecycle.down()

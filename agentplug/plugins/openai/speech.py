"""``enable_audio_generation`` on ``openai``: a ``generate_speech`` tool over OpenAI's Speech
API (``POST /v1/audio/speech``), since the Responses API itself returns no audio. Each clip
is saved as an MP3 under the agent's ``cwd``; the tool's result names the file."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from agentplug.core.requirements import resolve_api_key
from agentplug.core.tools import FunctionTool, FunctionToolset

from .params import OpenAIParams

VOICES = "alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse"


class SpeechToolset(FunctionToolset):
    """The tool, and the client it made: closed with the agent (an unclosed client would be
    closed by the garbage collector on whatever loop runs then)."""

    def __init__(self, tool: FunctionTool, clients: dict[str, Any]) -> None:
        super().__init__([tool])
        self._clients = clients

    async def close(self) -> None:
        client = self._clients.pop("c", None)
        if client is not None:
            await client.close()


def speech_toolset(params: OpenAIParams) -> FunctionToolset:
    clients: dict[str, Any] = {}  # one client, made on first use (not per call)

    async def client() -> Any:
        if "c" not in clients:
            from agentplug.sdk.openai_sdk import openai_module

            key = resolve_api_key(params, ("OPENAI_API_KEY",), "openai")
            # A new client loads the CA bundle: blocking work, not on the event loop.
            clients["c"] = await asyncio.to_thread(
                openai_module().AsyncOpenAI, api_key=key, base_url=params.base_url,
                max_retries=params.max_retries if params.max_retries is not None else 2,
                timeout=params.timeout or 120.0)
        return clients["c"]

    async def generate_speech(text: str, voice: str = "alloy",
                              instructions: str | None = None) -> str:
        """Read text aloud: synthesize it as speech and save it as an MP3 file.

        Args:
            text: What to say, word for word
            voice: The voice (one of alloy, ash, ballad, coral, echo, fable, nova, onyx,
                sage, shimmer, verse)
            instructions: How to say it: tone, emotion, accent, pace
        """
        extra = {"instructions": instructions} if instructions else {}
        speech = await (await client()).audio.speech.create(
            model=params.speech_model, voice=voice, input=text, response_format="mp3", **extra)
        folder = Path(params.cwd or ".").expanduser()
        path = (folder / f"speech_{uuid.uuid4().hex[:12]}.mp3").resolve()
        data = speech.content

        def save() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await asyncio.to_thread(save)
        return f"Saved the speech ({len(data)} bytes, voice {voice}) to {path}"

    return SpeechToolset(FunctionTool(generate_speech), clients)

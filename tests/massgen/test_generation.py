"""Generation flags: ``enable_image_generation`` is the Responses ``image_generation`` tool,
its image saved under the agent's cwd and reported with its path; ``enable_audio_generation``
a speech tool over OpenAI's Speech API; the flags a provider has no API for are refused with
the reason."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from agentplug import create_agent, load_config
from agentplug.core.errors import ConfigError
from agentplug.core.events import BuiltinToolEvent, ToolResult
from agentplug.testing import (
    BuiltinSpec, GeminiSimulator, Reply, ResponsesSimulator, ToolCallSpec,
)

import agentplug.plugins.gemini.backend  # noqa: F401  (SDK imports off the loop)
import agentplug.plugins.openai.backend  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


async def test_image_generation_tool_and_the_saved_image(tmp_path):
    work = tmp_path / "workspace1"
    spec = BuiltinSpec("image_generation", id="ig_1", query="a cat in space",
                       image=base64.b64encode(PNG).decode())
    with ResponsesSimulator(Reply("Here is your cat.", builtins=[spec])) as sim:
        path = tmp_path / "agent.yaml"
        path.write_text(f"agent:\n  backend:\n    type: openai\n    model: gpt-4o\n"
                        f"    api_key: sk-test\n    base_url: {sim.base_url}\n"
                        f"    cwd: {work}\n    enable_image_generation: true\n")
        agent = await asyncio.to_thread(create_agent, load_config(path).agents[0])
        async with agent:
            events = [e async for e in agent.stream("Draw a cat in space")]
    assert {"type": "image_generation"} in sim.requests[0].body["tools"]
    done = [e for e in events if isinstance(e, BuiltinToolEvent) and e.status == "completed"]
    (event,) = done
    assert event.tool == "image_generation" and event.call_id == "ig_1"
    saved = work / "ig_1.png"
    assert event.data["path"] == str(saved.resolve()) and saved.read_bytes() == PNG
    assert event.data["revised_prompt"] == "a cat in space"
    assert [e.status for e in events if isinstance(e, BuiltinToolEvent)] == [
        "started", "in_progress", "completed"]
    assert events[-1].text == "Here is your cat."


async def test_gemini_image_model_images_are_saved(tmp_path):
    work = tmp_path / "out"
    spec = BuiltinSpec("image_generation", image=base64.b64encode(PNG).decode())
    with GeminiSimulator(Reply("A cat, in space.", builtins=[spec])) as sim:
        path = tmp_path / "agent.yaml"
        path.write_text(f"agent:\n  backend:\n    type: gemini\n"
                        f"    model: gemini-2.5-flash-image\n    api_key: gm-test\n"
                        f"    base_url: {sim.base_url}\n    cwd: {work}\n"
                        f"    enable_image_generation: true\n")
        agent = await asyncio.to_thread(create_agent, load_config(path).agents[0])
        async with agent:
            events = [e async for e in agent.stream("Draw a cat in space")]
    config = sim.requests[0].body["generationConfig"]
    assert config["responseModalities"] == ["TEXT", "IMAGE"] and "thinkingConfig" not in config
    (event,) = [e for e in events if isinstance(e, BuiltinToolEvent)]
    assert event.tool == "image_generation" and event.status == "completed"
    saved = Path(event.data["path"])
    assert saved.parent == work.resolve() and saved.read_bytes() == PNG
    assert events[-1].text == "A cat, in space."


def test_gemini_image_generation_needs_an_image_model(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text("agent:\n  backend: {type: gemini, model: gemini-2.5-flash, "
                    "enable_image_generation: true}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "use a Gemini image model" in err.value.issues[0].message


async def test_audio_generation_is_a_speech_tool_over_the_speech_api(tmp_path):
    work = tmp_path / "workspace1"
    call = ToolCallSpec("generate_speech", {"text": "Elementary.", "voice": "onyx",
                                            "instructions": "dry, amused"}, id="call_1")
    with ResponsesSimulator(Reply(tool_calls=[call]), Reply("Listen to it.")) as sim:
        path = tmp_path / "agent.yaml"
        path.write_text(f"agent:\n  backend:\n    type: openai\n    model: gpt-4o\n"
                        f"    api_key: sk-test\n    base_url: {sim.base_url}\n"
                        f"    cwd: {work}\n    enable_audio_generation: true\n")
        agent = await asyncio.to_thread(create_agent, load_config(path).agents[0])
        async with agent:
            events = [e async for e in agent.stream("Say it like Holmes")]
    offered = [t["name"] for t in sim.requests[0].body["tools"]]
    assert offered == ["generate_speech"]
    (speech,) = [r for r in sim.requests if r.path.endswith("/audio/speech")]
    assert speech.body == {"model": "gpt-4o-mini-tts", "voice": "onyx", "input": "Elementary.",
                           "response_format": "mp3", "instructions": "dry, amused"}
    (result,) = [e for e in events if isinstance(e, ToolResult)]
    (saved,) = work.glob("speech_*.mp3")
    assert saved.read_bytes() == sim.speech_audio and str(saved) in result.output
    assert events[-1].text == "Listen to it."


@pytest.mark.parametrize(("backend", "flag", "reason"), [
    ("openai", "enable_video_generation", "Videos API"),
    ("openai", "enable_file_generation", "no file generation tool"),
    ("claude", "enable_image_generation", "no image generation tool"),
    ("gemini", "enable_audio_generation", "Live API and its TTS models"),
    ("gemini", "enable_video_generation", "Veo"),
])
def test_flags_without_a_provider_api_are_refused_with_the_reason(tmp_path, backend, flag,
                                                                  reason):
    path = tmp_path / "agent.yaml"
    path.write_text(f"agent:\n  backend:\n    type: {backend}\n    {flag}: true\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (issue,) = err.value.issues
    assert issue.key_path == f"agent.backend.{flag}" and issue.line == 4
    assert f"not supported by the {backend!r} backend" in issue.message
    assert reason in issue.message

"""``upload_files``: an image and a PDF reach each provider as its own input parts (through
the real SDKs, checked on the simulators' wire); what a backend cannot take is refused by
the config check, before any request."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from agentplug import create_agent, load_config
from agentplug.core.errors import ConfigError
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
)

import agentplug.plugins.chatcompletion.backend  # noqa: F401  (SDK imports off the loop)
import agentplug.plugins.claude.backend  # noqa: F401
import agentplug.plugins.gemini.backend  # noqa: F401
import agentplug.plugins.openai.backend  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
B64_PNG, B64_PDF = base64.b64encode(PNG).decode(), base64.b64encode(PDF).decode()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "chart.png").write_bytes(PNG)
    (tmp_path / "res" / "paper.pdf").write_bytes(PDF)
    return tmp_path


def config(root: Path, backend: str, uploads: str = "") -> Path:
    path = root / "agent.yaml"
    path.write_text(f"agent:\n  backend:\n{backend}    upload_files:\n"
                    "      - image_path: res/chart.png\n      - file_path: res/paper.pdf\n"
                    + uploads)
    return path


async def ask(path: Path, prompt: str = "What is in these?") -> None:
    agent = await asyncio.to_thread(create_agent, load_config(path).agents[0])
    async with agent:
        await agent.run(prompt)
        await agent.run("And again?")  # attachments go with the first prompt only


async def test_openai_responses(files):
    with ResponsesSimulator(Reply("a chart"), Reply("same")) as sim:
        await ask(config(files, f"    type: openai\n    api_key: sk-test\n"
                                f"    base_url: {sim.base_url}\n",
                         "      - file_path: https://example.com/report.pdf\n"))
    (first,) = [i for i in sim.requests[0].body["input"] if i.get("role") == "user"]
    assert first["content"] == [
        {"type": "input_image", "detail": "auto", "image_url": f"data:image/png;base64,{B64_PNG}"},
        {"type": "input_file", "filename": "paper.pdf",
         "file_data": f"data:application/pdf;base64,{B64_PDF}"},
        {"type": "input_file", "file_url": "https://example.com/report.pdf"},
        {"type": "input_text", "text": "What is in these?"}]
    last = [i for i in sim.requests[1].body["input"] if i.get("role") == "user"][-1]
    assert last["content"] == "And again?"


async def test_chat_completions(files):
    with ChatCompletionsSimulator(Reply("a chart"), Reply("same")) as sim:
        await ask(config(files, f"    type: chatcompletion\n    model: m\n"
                                f"    base_url: {sim.base_url}\n"))
    user = sim.requests[0].body["messages"][0]
    assert user["content"] == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64_PNG}"}},
        {"type": "file", "file": {"filename": "paper.pdf",
                                  "file_data": f"data:application/pdf;base64,{B64_PDF}"}},
        {"type": "text", "text": "What is in these?"}]


async def test_anthropic(files):
    with AnthropicSimulator(Reply("a chart"), Reply("same")) as sim:
        await ask(config(files, f"    type: claude\n    api_key: sk-ant-test\n"
                                f"    base_url: {sim.base_url}\n",
                         "      - image_path: https://example.com/cat.jpg\n"))
    blocks = sim.requests[0].body["messages"][0]["content"]
    assert blocks == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": B64_PNG}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                        "data": B64_PDF}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "text", "text": "What is in these?"}]


async def test_gemini(files):
    with GeminiSimulator(Reply("a chart"), Reply("same")) as sim:
        await ask(config(files, f"    type: gemini\n    api_key: gm-test\n"
                                f"    base_url: {sim.base_url}\n"))
    parts = sim.requests[0].body["contents"][0]["parts"]
    blobs = [p.get("inlineData") or p.get("inline_data") for p in parts[:2]]
    assert [(b.get("mimeType") or b.get("mime_type"), b["data"]) for b in blobs] == [
        ("image/png", B64_PNG), ("application/pdf", B64_PDF)]
    assert parts[2] == {"text": "What is in these?"}


@pytest.mark.parametrize(("backend", "upload", "reason"), [
    ("gemini", "file_path: https://example.com/a.pdf", "not from a web URL"),
    ("chatcompletion\n    model: m\n    base_url: http://127.0.0.1:9/v1",
     "file_path: https://example.com/a.pdf", "documents by content only"),
    ("openai", "audio_path: res/chart.png", "image"),  # a PNG is an image whatever its key
    ("claude", "video_path: res/clip.mp4", "the Messages API takes no video input"),
    ("grok", "file_path: res/notes.docx", "documents are sent as PDF"),
    ("claude_code", "image_path: res/chart.png", "sends no attachments"),
])
def test_what_a_backend_cannot_take_is_refused_by_the_check(files, backend, upload, reason):
    path = files / "bad.yaml"
    path.write_text(f"agent:\n  backend:\n    type: {backend}\n    upload_files:\n"
                    f"      - {upload}\n")
    if backend == "openai":  # the PNG given as audio_path is sent as the image it is
        assert load_config(path).agents[0].backend.upload_files[0].kind == "audio"
        return
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (issue,) = err.value.issues
    line = path.read_text().splitlines().index(f"      - {upload}") + 1
    assert issue.key_path.startswith("agent.backend.upload_files[0].") and issue.line == line
    assert reason in issue.message


def test_a_missing_file_is_located(files):
    path = files / "missing.yaml"
    path.write_text("agent:\n  backend:\n    type: openai\n    upload_files:\n"
                    "      - image_path: massgen/configs/resources/multimodality.jpg\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (issue,) = err.value.issues
    assert issue.key_path == "agent.backend.upload_files[0].image_path"
    assert "not found" in issue.message and issue.line == 5

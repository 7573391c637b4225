"""The four native wires, each with its simulator, a backend config and where its request
carries the schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from agentplug import create_agent
from agentplug.testing import (
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, ResponsesSimulator,
)


class City(BaseModel):
    name: str
    size: Literal["small", "large"]
    sights: list[str]


GOOD = '{"name": "Lyon", "size": "large", "sights": ["Fourviere", "Vieux Lyon"]}'
BAD = '{"name": "Lyon", "size": "huge", "sights": []}'


@dataclass(frozen=True)
class Wire:
    name: str
    simulator: Callable[..., Any]
    config: Callable[[str], dict[str, Any]]
    schema_of: Callable[[dict[str, Any]], Any]  # the request's native schema, None if absent
    env: dict[str, str] = field(default_factory=dict)

    def agent(self, sim: Any, **kw: Any) -> Any:
        return create_agent({**self.config(sim.base_url), "max_retries": 0}, **kw)

    def environ(self, monkeypatch: Any) -> Wire:
        """This wire's keys set, and the endpoints a shell may export cleared; the wire."""
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        for name in ("ANTHROPIC_BASE_URL", "GOOGLE_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name, raising=False)
        return self


def _chat(body: dict[str, Any]) -> Any:
    fmt = body.get("response_format")
    return fmt and {"name": fmt["json_schema"]["name"], "strict": fmt["json_schema"]["strict"],
                    "schema": fmt["json_schema"]["schema"]}


def _responses(body: dict[str, Any]) -> Any:
    fmt = (body.get("text") or {}).get("format")
    return fmt and {"name": fmt["name"], "strict": fmt["strict"], "schema": fmt["schema"]}


def _anthropic(body: dict[str, Any]) -> Any:
    fmt = (body.get("output_config") or {}).get("format")
    return fmt and {"schema": fmt["schema"]}


def _gemini(body: dict[str, Any]) -> Any:
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema")
    return schema and {"schema": schema, "mime": config.get("responseMimeType")}


WIRES = [
    Wire("chat_completions", ChatCompletionsSimulator,
         lambda url: {"type": "chatcompletion", "model": "sim-model", "base_url": url}, _chat),
    Wire("responses", ResponsesSimulator,
         lambda url: {"type": "openai", "model": "gpt-5-mini", "base_url": url}, _responses,
         {"OPENAI_API_KEY": "sk-test"}),
    Wire("anthropic", AnthropicSimulator,
         lambda url: {"type": "claude", "model": "claude-sonnet-4-6", "base_url": url},
         _anthropic, {"ANTHROPIC_API_KEY": "sk-ant-test"}),
    Wire("gemini", GeminiSimulator,
         lambda url: {"type": "gemini", "model": "gemini-2.5-flash", "base_url": url}, _gemini,
         {"GEMINI_API_KEY": "gm-test"}),
]

"""Helpers of the openai_compat tests (imported by module name, as pytest puts this folder
on sys.path)."""

from __future__ import annotations

import socket

from agentplug.testing import ChatCompletionsSimulator

AZURE_VERSION = "2024-10-21"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there


def backend_config(kind: str, sim: ChatCompletionsSimulator, **extra) -> dict:
    """A config of backend ``kind`` pointed at ``sim`` (an Azure-shaped one for azure)."""
    base = {
        "azure_openai": {"model": "my-gpt4o", "azure_endpoint": sim.url,
                         "api_version": AZURE_VERSION, "api_key": "azure-key"},
        "grok": {"base_url": sim.base_url, "api_key": "xai-key"},
        "zai": {"base_url": sim.base_url, "api_key": "zai-key"},
        "lmstudio": {"base_url": sim.base_url, "model": "sim-model", "manage_server": False},
        "vllm": {"base_url": sim.base_url, "probe_ports": []},
        "sglang": {"base_url": sim.base_url, "probe_ports": []},
    }[kind]
    return {"type": kind, "max_retries": 0, **base, **extra}


async def collect(agent, prompt):
    return [e async for e in agent.stream(prompt)]

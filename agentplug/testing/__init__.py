"""Test doubles shipped for plugin authors: wire-level provider simulators and scripts.

    from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec, Fault

    with ChatCompletionsSimulator(Reply("Hello!")) as sim:
        ...  # point any OpenAI-compatible client at sim.base_url
"""

from .chat_completions import ChatCompletionsSimulator
from .script import BuiltinSpec, Fault, RawResponse, Reply, ToolCallSpec
from .server import RecordedRequest, Response, Simulator

__all__ = [
    "BuiltinSpec", "ChatCompletionsSimulator", "Fault", "RawResponse", "RecordedRequest", "Reply",
    "Response", "Simulator", "ToolCallSpec",
]

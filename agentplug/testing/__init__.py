"""Test doubles shipped for plugin authors: wire-level provider simulators and scripts.

    from agentplug.testing import ChatCompletionsSimulator, Reply, ToolCallSpec, Fault

    with ChatCompletionsSimulator(Reply("Hello!")) as sim:
        ...  # point any OpenAI-compatible client at sim.base_url
"""

from .anthropic import AnthropicSimulator
from .chat_completions import ChatCompletionsSimulator
from .conformance import ConformanceError, check_call_events, check_model_call
from .faults import FaultSuite
from .gemini import GeminiSimulator
from .responses import ResponsesSimulator
from .script import BuiltinSpec, Fault, RawResponse, Reply, ToolCallSpec
from .server import RecordedRequest, Response, Simulator
from .transcript import transcript

__all__ = [
    "AnthropicSimulator",
    "GeminiSimulator",
    "BuiltinSpec", "ChatCompletionsSimulator", "ConformanceError", "Fault", "FaultSuite",
    "RawResponse",
    "RecordedRequest", "Reply", "Response", "ResponsesSimulator", "Simulator", "ToolCallSpec",
    "check_call_events", "check_model_call", "transcript",
]

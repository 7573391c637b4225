from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from agentplug.core import pricing, tracing  # noqa: E402
from agentplug.core.host import default_host  # noqa: E402
from agentplug.testing import (  # noqa: E402
    AnthropicSimulator, ChatCompletionsSimulator, ResponsesSimulator,
)
from wire_support import simulator_fixture  # noqa: E402

default_host()
pricing.warm()
import agentplug.plugins.fallback.backend  # noqa: E402,F401


def _spans_in_memory(capture_content: bool):
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracing.enable(provider, capture_content=capture_content)
    yield memory
    tracing.disable()
    provider.shutdown()


@pytest.fixture
def exporter():
    """Spans go to memory for this test only; tracing is off again afterwards."""
    yield from _spans_in_memory(capture_content=False)


@pytest.fixture
def content():
    """The same, with prompt and completion content recorded (the opt-in)."""
    yield from _spans_in_memory(capture_content=True)


openai_sim = simulator_fixture(ResponsesSimulator)
claude_sim = simulator_fixture(AnthropicSimulator, model="claude-sonnet-4-5")
chat_sim = simulator_fixture(ChatCompletionsSimulator)

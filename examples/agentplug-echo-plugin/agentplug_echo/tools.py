"""The `text_tools` toolset: plain Python functions, given to any agent by name in YAML."""

from __future__ import annotations

from agentplug import FunctionToolset


def text_tools(repeat: int = 2) -> FunctionToolset:
    def reverse(text: str) -> str:
        """Reverse a piece of text.

        Args:
            text: the text to reverse
        """
        return text[::-1]

    def echo_n(text: str) -> str:
        """Repeat a piece of text a fixed number of times (set in the config)."""
        return " ".join([text] * repeat)

    return FunctionToolset([reverse, echo_n])

"""The `echo` plugin's declarations: a backend, a toolset and a command, one hook each.

Kept cheap: agentplug imports this module whenever it loads plugins, so the runtime code
lives in `agentplug_echo.backend` and `agentplug_echo.tools`, imported on first use.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from pydantic import Field

from agentplug import BackendParams, BackendSpec, CommandSpec, ToolsetSpec, hookimpl


class EchoParams(BackendParams):
    prefix: str = Field("", description="text put before every answer")
    uppercase: bool = False


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="echo",
        title="Echo (example plugin)",
        factory="agentplug_echo.backend:EchoBackend",
        params=EchoParams,
        capabilities=frozenset({"function_tools"}),
        setup="nothing: pip install agentplug-echo",
        notes="Repeats the prompt; `call <tool> <json>` calls a tool",
        pricing="free",
    ))


@hookimpl
def register_toolsets(register: Callable[[ToolsetSpec], None]) -> None:
    # In YAML: `toolsets: [text_tools]` or `toolsets: [{name: text_tools, repeat: 3}]`.
    register(ToolsetSpec(
        name="text_tools",
        title="Text tools (example plugin)",
        factory="agentplug_echo.tools:text_tools",
        description="reverse and repeat a piece of text",
    ))


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help="the text to reverse")


def _reverse(args: argparse.Namespace) -> int:
    print(args.text[::-1])
    return 0


@hookimpl
def register_commands(register: Callable[[CommandSpec], None]) -> None:
    register(CommandSpec(name="reverse", help="print a text reversed (example plugin)",
                         configure=_configure, run=_reverse))

"""agentplug: one async agent protocol over every model backend and agent framework.

Public names are loaded on first use, so ``import agentplug`` (and ``agentplug --help``)
stay fast and never import a provider SDK.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Agent": "agentplug.core.agent",
    "RunResult": "agentplug.core.agent",
    "Backend": "agentplug.core.protocol",
    "ToolBinder": "agentplug.core.protocol",
    "BaseBackend": "agentplug.core.backend",
    "BackendParams": "agentplug.core.params",
    "MCPServerConfig": "agentplug.core.params",
    "BackendSpec": "agentplug.core.registry",
    "FlagSupport": "agentplug.core.registry",
    "Preset": "agentplug.core.registry",
    "ToolsetSpec": "agentplug.core.registry",
    "CommandSpec": "agentplug.core.registry",
    "hookimpl": "agentplug.core.hookspecs",
    "PluginHost": "agentplug.core.host",
    "default_host": "agentplug.core.host",
    "load_config": "agentplug.core.config",
    "parse_config": "agentplug.core.config",
    "Config": "agentplug.core.config",
    "AgentConfig": "agentplug.core.config",
    "create_agent": "agentplug.build",
    "tool": "agentplug.core.tools",
    "FunctionTool": "agentplug.core.tools",
    "FunctionToolset": "agentplug.core.tools",
    "Toolset": "agentplug.core.tools",
    "NoticeSource": "agentplug.core.tools",
    "ToolDef": "agentplug.core.tools",
    "ToolOutput": "agentplug.core.tools",
    "Usage": "agentplug.core.usage",
    "Budget": "agentplug.core.usage",
    "StructuredOutputError": "agentplug.core.structured",
    "OutputSpec": "agentplug.core.structured",
}
for _name in (
    "TextDelta", "ReasoningDelta", "ToolCallDelta", "ToolCallRequested", "ToolResult",
    "BuiltinToolEvent",
    "PlannedToolCall", "UsageEvent", "Notice", "SpeakerEvent", "Done", "ErrorEvent", "Event",
    "Source", "StructuredOutput",
):
    _EXPORTS[_name] = "agentplug.core.events"
for _name in (
    "TextPart", "ImagePart", "ReasoningPart", "ToolCallPart", "BuiltinToolPart", "SystemMessage",
    "UserMessage", "AssistantMessage", "ToolResultMessage", "Message",
):
    _EXPORTS[_name] = "agentplug.core.messages"
for _name in (
    "AgentplugError", "UsageError", "ConfigError", "UnknownBackendError",
    "UnsupportedCapabilityError", "MissingKeyError", "MissingExtraError", "PluginError",
    "BackendError", "ProviderError", "RateLimitError", "ProviderConnectionError",
    "ProviderTimeoutError", "StreamError", "BudgetExceededError",
):
    _EXPORTS[_name] = "agentplug.core.errors"

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agentplug' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from .build import create_agent
    from .core.agent import Agent, RunResult
    from .core.backend import BaseBackend
    from .core.protocol import Backend, ToolBinder
    from .core.config import AgentConfig, Config, load_config, parse_config
    from .core.errors import *  # noqa: F403
    from .core.events import *  # noqa: F403
    from .core.hookspecs import hookimpl
    from .core.host import PluginHost, default_host
    from .core.messages import *  # noqa: F403
    from .core.params import BackendParams, MCPServerConfig
    from .core.registry import BackendSpec, CommandSpec, FlagSupport, Preset, ToolsetSpec
    from .core.structured import OutputSpec, StructuredOutputError
    from .core.tools import (
        FunctionTool, FunctionToolset, NoticeSource, ToolDef, ToolOutput, Toolset, tool,
    )
    from .core.usage import Budget, Usage

"""Pydantic models for backend parameters: the common keys every backend shares.

A plugin's params model subclasses ``BackendParams`` and adds its own keys; unknown keys are
rejected (with a did-you-mean suggestion made by the config loader).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MCPServerConfig(StrictModel):
    """One MCP server, in MassGen's shape."""

    name: str
    type: Literal["stdio", "streamable-http", "http", "sse"] = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(30.0, gt=0, description="seconds per tool call")
    startup_timeout: float = Field(30.0, gt=0, description="seconds to start and initialize")
    required: bool = Field(False, description="fail the agent if this server cannot start")
    allowed_tools: list[str] | None = None
    disallowed_tools: list[str] | None = None
    exclude_tools: list[str] | None = None

    @model_validator(mode="after")
    def _transport_fields(self) -> MCPServerConfig:
        if self.type == "stdio" and not self.command:
            raise ValueError(f"MCP server {self.name!r}: type stdio needs `command`")
        if self.type != "stdio" and not self.url:
            raise ValueError(f"MCP server {self.name!r}: type {self.type} needs `url`")
        return self


class BackendParams(StrictModel):
    """Keys every backend accepts (MassGen's common backend keys)."""

    type: str
    model: str | None = None
    api_key: str | None = None
    base_url: str | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, gt=0)
    enable_web_search: bool = False
    enable_code_execution: bool = False
    enable_code_interpreter: bool = False
    mcp_servers: list[MCPServerConfig] = Field(default_factory=list)
    allowed_tools: list[str] | None = None
    disallowed_tools: list[str] | None = None
    exclude_tools: list[str] | None = None
    planning_mode: bool = False
    planning_mode_blocked_tools: list[str] | None = None
    cwd: str | None = None
    max_retries: int | None = Field(None, ge=0, description="SDK retries on 408/429/5xx")
    timeout: float | None = Field(None, gt=0, description="seconds per request")

    @model_validator(mode="after")
    def _unique_mcp_server_names(self) -> BackendParams:
        names = [s.name for s in self.mcp_servers]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two MCP servers are named {name!r} (their tools are "
                                 "named mcp__<name>__<tool>: give each server its own name)")
        return self


TOOL_FLAGS = ("enable_web_search", "enable_code_execution", "enable_code_interpreter")

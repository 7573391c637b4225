"""Pydantic models for backend parameters: the common keys every backend shares.

A plugin's params model subclasses ``BackendParams`` and adds its own keys; unknown keys are
rejected (with a did-you-mean suggestion made by the config loader).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationInfo,
    field_validator, model_validator,
)

from .custom_tools import CustomToolConfig
from .redact import looks_secret, register

CWD_PLACEHOLDER = "${cwd}"


class StrictModel(BaseModel):
    # Validators are built on first use, not at import: the CLI imports every backend's
    # params to list them, and building all of them costs ~0.3 s it rarely needs.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class SecretValues(dict[str, str]):
    """A plain ``dict`` (readers pass it on unchanged) whose repr hides the values: MCP
    servers' ``env`` and ``headers`` carry tokens. Credential-looking entries are registered
    for redaction."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: '**********'" for k in self) + "}"

    __str__ = __repr__


def _secret_values(value: dict[str, str]) -> dict[str, str]:
    for k, v in value.items():
        if looks_secret(k):
            register(v)
    return SecretValues(value)


SecretMap = Annotated[dict[str, str], AfterValidator(_secret_values)]
"""``env:`` / ``headers:`` values, hidden in reprs."""
Secret = SecretStr | None
"""A key: ``**********`` in reprs and dumps; ``resolve_api_key`` hands out the value (and
registers it for redaction)."""


def hide_secrets(value: Any) -> Any:
    """A free-form config (AG2's ``llm_config``, a backend config held as a dict) with each
    string under a credential-looking key, at any depth, as a ``SecretStr``, registered for
    redaction: hidden in reprs, dumps and validation errors until ``reveal_secrets``."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if looks_secret(k) and isinstance(v, str):
                register(v)
                out[k] = SecretStr(v)
            else:
                out[k] = hide_secrets(v)
        return out
    if isinstance(value, list):
        return [hide_secrets(v) for v in value]
    return value


def reveal_secrets(value: Any) -> Any:
    """``hide_secrets`` undone: for the validator or library the config is handed to, at the
    last moment."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: reveal_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal_secrets(v) for v in value]
    return value


SecurityLevel = Literal["strict", "moderate", "permissive"]
# MassGen's guides also write these; MassGen reads any unknown level as strict.
SECURITY_LEVEL_ALIASES = {"high": "strict", "medium": "moderate", "low": "permissive"}


class MCPEnvPolicy(StrictModel):
    """``security.env``: which of the server's ``env`` entries it is given."""

    mode: Literal["allowlist", "denylist"] = "denylist"
    allowed_vars: list[str] = Field(default_factory=list)
    denied_vars: list[str] = Field(default_factory=list)
    max_key_length: int = Field(100, gt=0)
    max_value_length: int = Field(1000, gt=0)


class MCPSecurity(StrictModel):
    """``security:`` of an MCP server (MassGen's security levels); checked before the server
    starts by ``agentplug.adapters.mcp.security``."""

    level: SecurityLevel = "strict"
    allowed_executables: list[str] | None = None
    allow_localhost: bool | None = Field(None, description="default: only at permissive")
    allow_private_ips: bool | None = Field(None, description="default: only at permissive")
    allowed_hostnames: list[str] | None = None
    resolve_dns: bool = False
    env: MCPEnvPolicy | None = None
    max_command_length: int = Field(1000, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _level_alias(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("level"), str):
            level = value["level"].lower()
            value = {**value, "level": SECURITY_LEVEL_ALIASES.get(level, level)}
        return value


class MCPServerConfig(StrictModel):
    """One MCP server, in MassGen's shape."""

    name: str
    type: Literal["stdio", "streamable-http", "http", "sse"] = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: SecretMap = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: SecretMap = Field(default_factory=dict)
    timeout: float = Field(30.0, gt=0, description="seconds per tool call")
    startup_timeout: float = Field(30.0, gt=0, description="seconds to start and initialize")
    required: bool = Field(False, description="fail the agent if this server cannot start")
    allowed_tools: list[str] | None = None
    disallowed_tools: list[str] | None = None
    exclude_tools: list[str] | None = None
    security: MCPSecurity | None = None

    @model_validator(mode="after")
    def _transport_fields(self) -> MCPServerConfig:
        if self.type == "stdio" and not self.command:
            raise ValueError(f"MCP server {self.name!r}: type stdio needs `command`")
        if self.type != "stdio" and not self.url:
            raise ValueError(f"MCP server {self.name!r}: type {self.type} needs `url`")
        return self


class UploadFile(StrictModel):
    """One ``upload_files`` entry (MassGen's shape): a local path or an http(s) URL under
    the key that says what it is."""

    file_path: str | None = None
    image_path: str | None = None
    audio_path: str | None = None
    video_path: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> UploadFile:
        given = [k for k in type(self).model_fields if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of file_path, image_path, audio_path, "
                             "video_path")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k)).split("_")[0]

    @property
    def location(self) -> str:
        return str(getattr(self, f"{self.kind}_path"))

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))


class DockerPackageLists(StrictModel):
    python: list[str] = Field(default_factory=list)
    npm: list[str] = Field(default_factory=list)
    system: list[str] = Field(default_factory=list)


class DockerPackages(StrictModel):
    """``command_line_docker_packages``: installed when the container starts."""

    preinstall: DockerPackageLists = Field(default_factory=DockerPackageLists)
    auto_install_deps: bool = Field(
        False, description="install what the workspace's requirements.txt, pyproject.toml, "
        "setup.py, Pipfile, package.json (and apt-packages.txt with sudo) name")
    auto_install_on_clone: bool = False

    @field_validator("auto_install_on_clone")
    @classmethod
    def _no_clone_trigger(cls, value: bool) -> bool:
        if value:
            raise ValueError("MassGen installs a repository's dependencies after its own "
                             "clone step, and agentplug never clones for the agent: set "
                             "auto_install_deps: true to install the workspace's dependencies "
                             "when the container starts")
        return value


class DockerMount(StrictModel):
    bind: str
    mode: Literal["ro"] = Field("ro", description="credentials are always mounted read-only")


class DockerCredentials(StrictModel):
    """``command_line_docker_credentials``: names and paths only; values never printed."""

    env_vars: list[str] = Field(default_factory=list)
    env_file: str | None = None
    env_vars_from_file: list[str] | None = None
    pass_all_env: bool = False
    mount: list[Literal["ssh_keys", "git_config", "gh_config", "npm_config", "pypi_config"]] = (
        Field(default_factory=list))
    additional_mounts: dict[str, DockerMount] = Field(default_factory=dict)


class CommandLineParams(StrictModel):
    """MassGen's code-execution keys (``agentplug.toolsets.command_line`` reads them)."""

    enable_mcp_command_line: bool = False
    command_line_execution_mode: Literal["local", "docker"] = "local"
    command_execution_prefix: str | None = Field(
        None, description='put before every command, e.g. "uv run", "conda run -n env"')
    command_execution_venv_path: str | None = Field(
        None, description="a virtualenv whose bin/ leads PATH (docker mode: a path in the "
        "container); unset, a .venv in the command's directory is used (local mode)")
    command_line_allowed_commands: list[str] | None = Field(
        None, validation_alias=AliasChoices("command_line_allowed_commands",
                                            "command_line_whitelist_patterns"))
    command_line_blocked_commands: list[str] | None = Field(
        None, validation_alias=AliasChoices("command_line_blocked_commands",
                                            "command_line_blacklist_patterns"))
    command_line_context_paths: list[str] = Field(
        default_factory=list, description="more paths, mounted read-only in docker mode")
    command_line_docker_image: str | None = None
    command_line_docker_memory_limit: str | None = Field(None, pattern=r"^\d+[bkmgBKMG]?$")
    command_line_docker_cpu_limit: float | None = Field(None, gt=0)
    command_line_docker_network_mode: Literal["none", "bridge"] = "none"
    command_line_docker_enable_sudo: bool = False
    command_line_docker_credentials: DockerCredentials = Field(default_factory=DockerCredentials)
    command_line_docker_packages: DockerPackages = Field(default_factory=DockerPackages)

    @field_validator("command_line_allowed_commands", "command_line_blocked_commands")
    @classmethod
    def _regexes(cls, value: list[str] | None) -> list[str] | None:
        import re

        for pattern in value or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({exc})"
                                 ) from None
        return value

    @field_validator("command_execution_prefix")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        import shlex

        if value is None:
            return None
        if not value.strip():
            raise ValueError("is empty: give the wrapper every command runs under (\"uv "
                             "run\", \"conda run -n myenv\", \"poetry run\"), or drop the key")
        if "\n" in value or "\r" in value:
            raise ValueError("is more than one line: a prefix is one wrapper command")
        try:
            shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a shell word list ({exc})") from None
        return value.strip()

    @field_validator("command_execution_venv_path")
    @classmethod
    def _venv_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("is empty: give the virtualenv's directory (the one holding "
                             "bin/), or drop the key to use a .venv in the workspace")
        if (info.data.get("command_line_execution_mode") == "docker"
                and not value.startswith("/")):
            raise ValueError(f"{value!r}: in docker mode this is a path inside the container, "
                             "and it must be absolute (e.g. /opt/venv)")
        return value

    @field_validator("command_line_docker_packages")
    @classmethod
    def _packages_need_network(cls, value: DockerPackages, info: ValidationInfo
                               ) -> DockerPackages:
        pre = value.preinstall
        if ((pre.python or pre.npm or pre.system)
                and info.data.get("command_line_docker_network_mode", "none") == "none"):
            raise ValueError("packages are installed from the network, and "
                             "command_line_docker_network_mode is none: set it to bridge, or "
                             "build an image with them (command_line_docker_image)")
        return value


class HTTPClientParams(StrictModel):
    """The choice of HTTP client the openai and anthropic SDKs leave to the caller."""

    http_client: Literal["httpx", "aiohttp"] = Field(
        "httpx", description="the SDK's HTTP client: httpx (its default) or its aiohttp "
                             "transport, 20 to 50 % less CPU per streamed chunk "
                             "(pip install 'agentplug[aiohttp]'; docs/performance.md)")


class BackendParams(CommandLineParams):
    """Keys every backend accepts (MassGen's common backend keys)."""

    # The enable_*_generation flags a backend honours ("yes"); any other is refused with the
    # reason given here or a general one. A class attribute, not a config key.
    generation_support: ClassVar[dict[str, str]] = {}
    # The upload_files a backend sends ("yes"), by kind: image, document (PDF), audio, video,
    # each also with "_url"; any other is refused with the reason given here.
    upload_support: ClassVar[dict[str, str]] = {}
    # Generation flags honoured by giving the agent a tool: flag -> "module:factory", the
    # factory called with the params and returning a Toolset.
    generation_toolsets: ClassVar[dict[str, str]] = {}

    type: str
    model: str | None = None
    api_key: Secret = None
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
    custom_tools: list[CustomToolConfig] = Field(
        default_factory=list, description="Python functions as tools (MassGen's shape)")
    tools: list[CustomToolConfig] = Field(
        default_factory=list, description='short form: ["pkg.mod:fn", "./tools.py:fn"]')
    upload_files: list[UploadFile] = Field(
        default_factory=list, description="images and documents sent with the first prompt")
    enable_image_generation: bool = False
    enable_audio_generation: bool = False
    enable_video_generation: bool = False
    enable_file_generation: bool = False
    fast_stream: bool = Field(True, description="decode the stream off the wire, not through "
                              "the SDK's models (docs/performance.md)")

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _server_mapping(cls, value: Any) -> Any:
        # Claude Code's own shape: {name: {type, command, ...}}
        if isinstance(value, dict):
            return [{"name": k, **v} if isinstance(v, dict) else v for k, v in value.items()]
        return value

    @model_validator(mode="after")
    def _cwd_placeholder(self) -> BackendParams:
        # MassGen's ${cwd} in a server's args/env/cwd is the agent's working directory.
        if not any(CWD_PLACEHOLDER in x for s in self.mcp_servers
                   for x in [*s.args, *s.env.values(), s.cwd or ""]):
            return self
        here = str(Path(self.cwd).expanduser().resolve()) if self.cwd else os.getcwd()
        for s in self.mcp_servers:
            s.args = [a.replace(CWD_PLACEHOLDER, here) for a in s.args]
            if s.cwd:
                s.cwd = s.cwd.replace(CWD_PLACEHOLDER, here)
            for k, v in s.env.items():
                s.env[k] = v.replace(CWD_PLACEHOLDER, here)
        return self

    @model_validator(mode="after")
    def _unique_mcp_server_names(self) -> BackendParams:
        names = [s.name for s in self.mcp_servers]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two MCP servers are named {name!r} (their tools are "
                                 "named mcp__<name>__<tool>: give each server its own name)")
        return self


GENERATION_FLAGS = ("enable_image_generation", "enable_audio_generation",
                    "enable_video_generation", "enable_file_generation")

"""What one command-line server runs with, and how it travels to the server process.

``CommandLineSettings`` is built from a backend's ``enable_mcp_command_line`` /
``command_line_*`` keys (``from_params``) and handed to the server as command-line arguments
(``to_args`` / ``parse_args``). Credential *values* never appear in the arguments: only the
names of the environment variables to pass and the paths of files to mount, so nothing secret
shows in ``ps``, in Claude Code's MCP config or in an error message.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ...core.params import BackendParams

DEFAULT_IMAGE = "local/python:bookworm"  # built offline by scripts/docker-engine.sh
DEFAULT_TIMEOUT = 60.0  # seconds, MassGen's default
MAX_TIMEOUT = 600.0  # the most a model may ask for one command
DEFAULT_MAX_OUTPUT = 32 * 1024
MAX_BACKGROUND = 10  # concurrent background shells, as MassGen

# MassGen's credential mounts: name -> (file under the host's home, path under the
# container's home).
CREDENTIAL_MOUNTS = {
    "ssh_keys": ".ssh",
    "git_config": ".gitconfig",
    "gh_config": ".config/gh",
    "npm_config": ".npmrc",
    "pypi_config": ".pypirc",
}
CONTAINER_HOME = "/home/agentplug"


@dataclass(frozen=True, slots=True)
class DockerSettings:
    image: str = DEFAULT_IMAGE
    network_mode: Literal["none", "bridge"] = "none"
    memory_limit: str | None = None
    cpu_limit: float | None = None
    enable_sudo: bool = False
    packages: dict[str, list[str]] = field(default_factory=dict)  # python / npm / system
    auto_install_deps: bool = False  # the workspace's requirement files, at container start
    env_vars: tuple[str, ...] = ()  # names, resolved from the server's environment
    env_file: str | None = None
    env_vars_from_file: tuple[str, ...] | None = None
    pass_all_env: bool = False
    mounts: tuple[tuple[str, str], ...] = ()  # (host path, container path), read-only


@dataclass(frozen=True, slots=True)
class CommandLineSettings:
    cwd: str
    mode: Literal["local", "docker"] = "local"
    agent_id: str = "agent"
    allowed_commands: tuple[str, ...] = ()
    blocked_commands: tuple[str, ...] = ()
    context_paths: tuple[str, ...] = ()  # read-only in docker mode
    timeout: float = DEFAULT_TIMEOUT
    max_output_bytes: int = DEFAULT_MAX_OUTPUT
    max_background: int = MAX_BACKGROUND
    docker: DockerSettings = field(default_factory=DockerSettings)
    command_prefix: str | None = None  # put before every command ("uv run")
    venv_path: str | None = None  # leads PATH; in docker mode a path in the container

    @classmethod
    def from_params(cls, params: BackendParams, agent_id: str = "agent",
                    base: Path | None = None) -> CommandLineSettings:
        """The settings a backend's keys describe; relative paths resolve against ``base``
        (default: this process's working directory)."""
        base = base or Path.cwd()
        cwd = _absolute(params.cwd or ".", base)
        creds = params.command_line_docker_credentials
        pre = params.command_line_docker_packages.preinstall
        venv = params.command_execution_venv_path
        mounts = [(str(Path.home() / CREDENTIAL_MOUNTS[name]),
                   f"{CONTAINER_HOME}/{CREDENTIAL_MOUNTS[name]}") for name in creds.mount]
        mounts += [(_absolute(host, base), m.bind) for host, m in creds.additional_mounts.items()]
        docker = DockerSettings(
            image=params.command_line_docker_image or DEFAULT_IMAGE,
            network_mode=params.command_line_docker_network_mode,
            memory_limit=params.command_line_docker_memory_limit,
            cpu_limit=params.command_line_docker_cpu_limit,
            enable_sudo=params.command_line_docker_enable_sudo,
            packages={k: list(v) for k, v in
                      (("system", pre.system), ("python", pre.python), ("npm", pre.npm)) if v},
            auto_install_deps=params.command_line_docker_packages.auto_install_deps,
            env_vars=tuple(creds.env_vars),
            env_file=_absolute(creds.env_file, base) if creds.env_file else None,
            env_vars_from_file=(tuple(creds.env_vars_from_file)
                                if creds.env_vars_from_file is not None else None),
            pass_all_env=creds.pass_all_env,
            mounts=tuple(mounts),
        )
        return cls(
            cwd=cwd, mode=params.command_line_execution_mode, agent_id=agent_id,
            allowed_commands=tuple(params.command_line_allowed_commands or ()),
            blocked_commands=tuple(params.command_line_blocked_commands or ()),
            context_paths=tuple(_absolute(p, base) for p in params.command_line_context_paths),
            docker=docker, command_prefix=params.command_execution_prefix,
            venv_path=(venv if venv is None or params.command_line_execution_mode == "docker"
                       else _absolute(venv, base)),
        )

    # the server's command line ---------------------------------------------------------
    def to_args(self) -> list[str]:
        args = ["--cwd", self.cwd, "--mode", self.mode, "--agent-id", self.agent_id,
                "--timeout", str(self.timeout), "--max-output-bytes", str(self.max_output_bytes),
                "--max-background", str(self.max_background)]
        for p in self.allowed_commands:
            args += ["--allow", p]
        for p in self.blocked_commands:
            args += ["--block", p]
        for p in self.context_paths:
            args += ["--context-path", p]
        if self.command_prefix:
            args.append(f"--command-prefix={self.command_prefix}")  # "=": it may start "-"
        if self.venv_path:
            args.append(f"--venv-path={self.venv_path}")
        if self.mode == "docker":
            args += ["--docker", json.dumps(asdict(self.docker), separators=(",", ":"))]
        return args

    @classmethod
    def parse_args(cls, argv: Sequence[str] | None = None) -> CommandLineSettings:
        ns = parser().parse_args(argv)
        docker = DockerSettings()
        if ns.docker:
            raw: dict[str, Any] = json.loads(ns.docker)
            for key in ("env_vars", "env_vars_from_file"):
                if raw.get(key) is not None:
                    raw[key] = tuple(raw[key])
            raw["mounts"] = tuple(tuple(m) for m in raw.get("mounts", ()))
            docker = DockerSettings(**raw)
        if ns.docker_image:
            docker = _replace(docker, image=ns.docker_image)
        return cls(cwd=_absolute(ns.cwd, Path.cwd()), mode=ns.mode, agent_id=ns.agent_id,
                   allowed_commands=tuple(ns.allow), blocked_commands=tuple(ns.block),
                   context_paths=tuple(_absolute(p, Path.cwd()) for p in ns.context_path),
                   timeout=ns.timeout, max_output_bytes=ns.max_output_bytes,
                   max_background=ns.max_background, docker=docker,
                   command_prefix=ns.command_prefix,
                   venv_path=(ns.venv_path if ns.venv_path is None or ns.mode == "docker"
                              else _absolute(ns.venv_path, Path.cwd())))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="agentplug mcp serve command-line",
        description="An MCP server (stdio) with MassGen's command tools: execute_command and "
                    "the background shells, run in --cwd locally or in a Docker container.")
    p.add_argument("--cwd", default=".", help="where commands run (created if missing)")
    p.add_argument("--mode", choices=("local", "docker"), default="local")
    p.add_argument("--agent-id", default="agent", help="names and labels the container")
    p.add_argument("--allow", action="append", default=[], metavar="REGEX",
                   help="command_line_allowed_commands pattern (repeatable)")
    p.add_argument("--block", action="append", default=[], metavar="REGEX",
                   help="command_line_blocked_commands pattern (repeatable)")
    p.add_argument("--context-path", action="append", default=[], metavar="PATH",
                   help="another path mounted read-only in docker mode (repeatable)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="default seconds per command (a call may ask for up to "
                        f"{MAX_TIMEOUT:.0f})")
    p.add_argument("--max-output-bytes", type=int, default=DEFAULT_MAX_OUTPUT,
                   help="bytes of stdout and of stderr kept per command (head and tail)")
    p.add_argument("--max-background", type=int, default=MAX_BACKGROUND,
                   help="background shells that may run at once")
    p.add_argument("--command-prefix", metavar="WORDS",
                   help='put before every command, e.g. "uv run" (command_execution_prefix)')
    p.add_argument("--venv-path", metavar="DIR",
                   help="a virtualenv whose bin/ leads PATH (docker mode: a container path); "
                        "unset, a .venv in the command's directory is used in local mode")
    p.add_argument("--docker-image", help=f"docker mode's image (default {DEFAULT_IMAGE})")
    p.add_argument("--docker", help=argparse.SUPPRESS)  # the full docker settings, as JSON
    return p


def _replace(docker: DockerSettings, **changes: Any) -> DockerSettings:
    return DockerSettings(**{**asdict(docker), **changes})


def _absolute(path: str, base: Path) -> str:
    p = Path(os.path.expanduser(path))
    return str(p if p.is_absolute() else (base / p).resolve())

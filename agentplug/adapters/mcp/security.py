"""MCP server ``security:`` levels (MassGen's), checked before a server starts.

A server with a ``security`` block is checked against its level; one without it at
MassGen's default level, ``strict`` (``validate_server_security`` reads a missing level as
strict), except that it is given its ``env`` as written: MassGen's code passes such a server
its tokens, and a config naming a token in a server's ``env`` means to give it. Each
violation names its rule and level. The rules, by level (``strict`` ⊂ ``moderate`` ⊂
``permissive`` in what they allow):

=====================  ========  ========  ==========
rule                   strict    moderate  permissive
=====================  ========  ========  ==========
control characters     refused   refused   refused
shell metacharacters   refused   refused   in args only
  (in the command)
dangerous executable   refused   refused   refused
  (rm, sudo, dd, ...)
shell as command       refused   refused   allowed
relative command path  refused   allowed   allowed
  (``./server``)
``..`` in command/args refused   refused   allowed
command not on PATH    refused   allowed   allowed
  (run time only)
sensitive env names    withheld  given     given
  (*TOKEN*, *KEY*, ...)
shell syntax in env    refused   refused   allowed
  values
URL scheme http(s)     https     http(s)   http(s)
localhost / private    refused   refused   allowed
  addresses (unless allow_localhost / allow_private_ips)
dangerous ports        refused   refused   refused
  (22, 23, 25, 3389...)
=====================  ========  ========  ==========

``allowed_executables`` and ``allowed_hostnames``, when given, are exact allowlists at every
level; ``env.mode`` ``allowlist`` / ``denylist`` filters which ``env`` entries the server gets,
and a strict server is not given credential-looking variables unless they are listed in
``env.allowed_vars`` (``filtered_env``; ``withheld`` names them for a warning).
``resolve_dns`` resolves the host and checks every address (run time).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from ...core.config import AgentConfig
from ...core.errors import ConfigError
from ...core.params import MCPSecurity, MCPServerConfig

_SHELL_META = set(";|&$`()<>\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_DANGEROUS_EXE = {"rm", "sudo", "su", "dd", "mkfs", "shutdown", "reboot", "halt", "chmod",
                  "chown", "kill", "killall", "format", "del", "rmdir", "doas"}
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh", "cmd", "powershell",
           "pwsh"}
_SENSITIVE = ("*PASSWORD*", "*SECRET*", "*TOKEN*", "*KEY*", "AWS_*", "GITHUB_*",
              "*CREDENTIAL*")
_ENV_VALUE_SHELL = re.compile(r"[;|`]|\$\(|&&|\|\|")
_DANGEROUS_PORTS = {21, 22, 23, 25, 110, 135, 139, 143, 445, 1433, 1521, 3306, 3389, 5432,
                    5900, 6379, 11211, 27017}
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``key`` is the server field at fault (``args[2]``, ``env.X``)."""

    key: str
    rule: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} (rule: {self.rule}, security level {self.level})"


def _exe_name(command: str) -> str:
    name = os.path.basename(command).lower()
    for ext in (".exe", ".bat", ".cmd", ".ps1"):
        name = name.removesuffix(ext)
    return name


DEFAULT = MCPSecurity()
"""The level of a server without ``security``: MassGen's default, strict."""
# An unset ${VAR} (reported on its own by the loader) is not shell syntax in an argument.
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def check_server(server: MCPServerConfig, *, run_time: bool = False) -> list[Violation]:
    """Every violation of the server's security level (``DEFAULT`` without ``security``).
    ``run_time`` adds the checks that depend on this machine (PATH, DNS)."""
    sec = server.security or DEFAULT
    out: list[Violation] = []
    if not _NAME.match(server.name):
        out.append(Violation("name", "server name", sec.level,
                             f"server name {server.name!r} may only hold letters, digits, "
                             "`_`, `.` and `-`"))
    if server.type == "stdio":
        out += _check_stdio(server, sec, run_time)
    else:
        out += _check_url(str(server.url), sec, run_time)
    out += _check_env(server, sec)
    return out


def _check_stdio(server: MCPServerConfig, sec: MCPSecurity, run_time: bool) -> list[Violation]:
    level, out = sec.level, []
    command = server.command or ""
    v = lambda key, rule, msg: out.append(Violation(key, rule, level, msg))  # noqa: E731
    line = " ".join([command, *server.args])
    if len(line) > sec.max_command_length:
        v("args", "command length", f"the command line is {len(line)} characters (limit "
                                    f"{sec.max_command_length})")
    for key, value in [("command", command), *((f"args[{i}]", a)
                                                for i, a in enumerate(server.args))]:
        if _CONTROL.search(value) or "\x00" in value:
            v(key, "control characters", f"{key} holds a control character or null byte")
    meta = sorted(_SHELL_META & set(command))
    if meta:
        v("command", "shell metacharacters", f"the command holds {' '.join(meta)!r}: it is "
                                             "run without a shell; put arguments in `args`")
    if level != "permissive":
        for i, a in enumerate(server.args):
            meta = sorted(_SHELL_META & set(_PLACEHOLDER.sub("", a)))
            if meta:
                v(f"args[{i}]", "shell metacharacters",
                  f"argument {a!r} holds {' '.join(meta)!r}")
    exe = _exe_name(command)
    if exe in _DANGEROUS_EXE:
        v("command", "dangerous executable", f"{exe!r} is never run as an MCP server")
    if exe in _SHELLS and level != "permissive":
        v("command", "shell as command", f"a shell ({exe}) runs arbitrary commands: "
                                         "allowed only at level permissive")
    if sec.allowed_executables is not None and exe not in {
            _exe_name(e) for e in sec.allowed_executables}:
        v("command", "allowed_executables", f"{exe!r} is not in allowed_executables "
                                            f"({', '.join(sec.allowed_executables)})")
    is_path = "/" in command or "\\" in command
    if level == "strict" and is_path and not os.path.isabs(os.path.expanduser(command)):
        v("command", "relative command path", f"{command!r} is a relative path: give a "
                                              "command on PATH or an absolute path")
    if level != "permissive":
        for key, value in [("command", command), *((f"args[{i}]", a)
                                                    for i, a in enumerate(server.args))]:
            if re.search(r"(^|[/\\=])\.\.([/\\]|$)", value):
                v(key, "path traversal", f"{key} {value!r} climbs out with `..`")
    if run_time and level == "strict" and not is_path and shutil.which(command) is None:
        v("command", "command on PATH", f"{command!r} is not on PATH")
    return out


def _check_env(server: MCPServerConfig, sec: MCPSecurity) -> list[Violation]:
    level, out = sec.level, []
    policy = sec.env
    for name, value in filtered_env(server).items():
        key = f"env.{name}"
        if policy and len(name) > policy.max_key_length:
            out.append(Violation(key, "env name length", level, f"variable name longer than "
                                                                 f"{policy.max_key_length}"))
        if policy and len(value) > policy.max_value_length:
            out.append(Violation(key, "env value length", level, f"{name}'s value is longer "
                                                                 f"than {policy.max_value_length}"))
        if level != "permissive" and (_ENV_VALUE_SHELL.search(value) or _CONTROL.search(value)):
            out.append(Violation(key, "shell syntax in env value", level,
                                 f"{name}'s value holds shell syntax or control characters"))
    return out


def filtered_env(server: MCPServerConfig) -> dict[str, str]:
    """The ``env`` entries the server is given under its security level and policy."""
    sec = server.security
    if sec is None:
        return dict(server.env)
    policy = sec.env
    env = dict(server.env)
    if policy is not None and policy.mode == "allowlist":
        return {k: v for k, v in env.items() if k in policy.allowed_vars}
    if policy is not None:
        env = {k: v for k, v in env.items() if k not in policy.denied_vars}
    if sec.level == "strict":
        allowed = set(policy.allowed_vars) if policy else set()
        env = {k: v for k, v in env.items() if k in allowed or not any(
            fnmatchcase(k.upper(), p) for p in _SENSITIVE)}
    return env


def withheld(server: MCPServerConfig) -> list[str]:
    """The ``env`` names written in the config that the server is not given."""
    kept = filtered_env(server)
    return [k for k in server.env if k not in kept]


def _check_url(url: str, sec: MCPSecurity, run_time: bool) -> list[Violation]:
    level, out = sec.level, []
    v = lambda rule, msg: out.append(Violation("url", rule, level, msg))  # noqa: E731
    parts = urlsplit(url)
    schemes = ("https",) if level == "strict" else ("http", "https")
    host = (parts.hostname or "").lower()
    allow_local = sec.allow_localhost if sec.allow_localhost is not None else (
        level == "permissive")
    allow_private = sec.allow_private_ips if sec.allow_private_ips is not None else (
        level == "permissive")
    local = host in ("localhost", "localhost.localdomain") or host.endswith(".localhost")
    if parts.scheme not in schemes and not (parts.scheme == "http" and local and allow_local):
        v("URL scheme", f"scheme {parts.scheme or 'none'!r} is not allowed (allowed: "
                        f"{', '.join(schemes)})")
    if not host:
        v("URL host", "the URL has no host")
        return out
    if sec.allowed_hostnames is not None and host not in {
            h.lower() for h in sec.allowed_hostnames}:
        v("allowed_hostnames", f"host {host!r} is not in allowed_hostnames")
    try:
        port = parts.port
    except ValueError:
        v("URL port", "the URL's port is not a number")
        port = None
    if port in _DANGEROUS_PORTS:
        v("dangerous port", f"port {port} belongs to a system service, not an MCP server")
    addresses = [host]
    if run_time and sec.resolve_dns and not local:
        try:
            addresses = sorted({str(i[4][0]) for i in socket.getaddrinfo(host, port or 443)})
        except OSError as exc:
            v("DNS resolution", f"cannot resolve {host!r}: {exc}")
            addresses = []
    for addr in addresses:
        out += _check_address(addr, local, allow_local, allow_private, level)
    return out


def _check_address(host: str, local: bool, allow_local: bool, allow_private: bool,
                   level: str) -> list[Violation]:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if local or (ip is not None and ip.is_loopback):
        if not allow_local:
            return [Violation("url", "localhost", level, f"{host} is this machine: set "
                                                         "security.allow_localhost: true")]
        return []
    if ip is None:
        return []
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_link_local:
        return [Violation("url", "reserved address", level, f"{host} is not a server address")]
    if ip.is_private and not allow_private:
        return [Violation("url", "private address", level, f"{host} is a private network "
                                                           "address: set "
                                                           "security.allow_private_ips: true")]
    return []


def violation_path(v: Violation) -> tuple[str | int, ...]:
    """``args[2]`` -> ("args", 2); ``env.X`` -> ("env", "X"): under the server's key path."""
    return tuple(int(x) if x.isdigit() else x for x in re.findall(r"[^.\[\]]+", v.key))


def enforce(agent: AgentConfig) -> None:
    """Before anything starts: refuse the agent's servers that break their security level
    (a located ``ConfigError`` naming rule and level), and give each server only the ``env``
    entries its ``security.env`` policy lets through."""
    issues = [agent.issue(("mcp_servers", i, *violation_path(v)), str(v),
                          "fix it, or choose a laxer security level if you trust this server")
              for i, server in enumerate(agent.backend.mcp_servers)
              for v in check_server(server, run_time=True)]
    if issues:
        raise ConfigError(issues)
    for server in agent.backend.mcp_servers:
        if server.security is not None:
            keep = filtered_env(server)
            for name in [k for k in server.env if k not in keep]:
                del server.env[name]

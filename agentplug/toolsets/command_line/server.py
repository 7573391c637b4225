"""The command-line MCP server: MassGen's ``execute_command`` and background-shell tools over
one runner (local or docker), for any MCP client.

    python -m agentplug.toolsets.command_line --cwd DIR [--mode local|docker] ...
    agentplug mcp serve command-line --cwd DIR ...

A refused command, a timeout, a failure of the sandbox itself (no engine, no image) and an
unknown shell id are tool errors (``is_error``) whose text says what happened; a command that
ran and failed is a normal result with its exit code. The runner opens (the container starts)
while the MCP handshake goes on, and closes when the client goes away (stdin closes) or on
SIGTERM; a ``kill -9`` leaves the container to the next server's reaping.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from .environment import prefixed
from .policy import CommandPolicy, CommandRefusedError
from .process import Runner, SandboxError, run_to_end
from .settings import MAX_TIMEOUT, CommandLineSettings
from .shells import BackgroundShells, ShellError

SERVER_NAME = "command_line"
INSTRUCTIONS = (
    "Run shell commands in the agent's working directory with execute_command; for servers "
    "and long jobs use start_background_shell, then get_background_shell_output / "
    "get_background_shell_status, and kill_background_shell when done.")


def make_runner(settings: CommandLineSettings) -> Runner:
    if settings.mode == "docker":
        from .docker_runner import DockerRunner

        return DockerRunner(settings)
    from .local import LocalRunner

    # MassGen's order: a prefix picks the environment itself, so no venv goes with it.
    prefix = bool(settings.command_prefix)
    return LocalRunner(settings.cwd, venv_path=None if prefix else settings.venv_path,
                       detect_venv=not prefix)


class CommandLine:
    """The tools' behaviour, independent of MCP (the server below only exposes it)."""

    def __init__(self, settings: CommandLineSettings, runner: Runner | None = None) -> None:
        self.settings = settings
        self.policy = CommandPolicy(settings.allowed_commands, settings.blocked_commands,
                                    mode=settings.mode)
        self.runner = runner or make_runner(settings)
        self.shells = BackgroundShells(self.runner, max_running=settings.max_background,
                                       max_output_bytes=settings.max_output_bytes)
        self._opened = False
        self._opening: asyncio.Future[None] | None = None

    async def open(self) -> None:
        await self.runner.open()
        self._opened = True

    def start_opening(self) -> asyncio.Future[None]:
        """Open the runner in the background: the MCP handshake does not wait for a
        container to start (Claude Code gives its servers a deadline)."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(self.open())
        return self._opening

    async def ready(self) -> None:
        """Wait for the runner; a failed open is this call's tool error, and the next call
        tries again (the engine may be back)."""
        if self._opened:
            return
        try:
            await asyncio.shield(self.start_opening())
        except SandboxError as exc:
            self._opening = None
            raise ToolFailure(str(exc)) from None

    async def close(self) -> None:
        if self._opening is not None and not self._opening.done():
            with contextlib.suppress(Exception):
                await self._opening
        try:
            await self.shells.close()
        finally:
            await self.runner.close()

    def work_dir(self, work_dir: str | None) -> str:
        base = Path(self.settings.cwd)
        path = (base / work_dir).resolve() if work_dir else base
        if not path.is_dir():
            raise ToolFailure(f"work_dir {path} is not a directory")
        return str(path)

    async def execute(self, command: str, timeout: float | None = None,
                      work_dir: str | None = None) -> dict[str, Any]:
        self._check(command)
        await self.ready()
        seconds = self.settings.timeout if timeout is None else float(timeout)
        seconds = min(max(seconds, 0.1), MAX_TIMEOUT)
        try:
            result = await run_to_end(self.runner, self.prefixed(command),
                                      self.work_dir(work_dir), seconds,
                                      self.settings.max_output_bytes)
        except SandboxError as exc:
            raise ToolFailure(str(exc)) from None
        if result.timed_out:
            raise ToolFailure(_timeout_text(result.as_dict()))
        out = result.as_dict()
        if self.runner.notices:  # told once, with the first command after they happened
            out["sandbox_setup"] = list(self.runner.notices)
            self.runner.notices.clear()
        return out

    async def start_background(self, command: str, work_dir: str | None = None
                               ) -> dict[str, Any]:
        self._check(command)
        await self.ready()
        try:
            shell = await self.shells.start(self.prefixed(command), self.work_dir(work_dir))
        except (SandboxError, ShellError) as exc:
            raise ToolFailure(str(exc)) from None
        return shell.summary()

    def prefixed(self, command: str) -> str:
        """What runs: the policy checked ``command`` as the model wrote it (MassGen checks
        before prefixing too), the configured wrapper goes in front."""
        return prefixed(command, self.settings.command_prefix)

    def _check(self, command: str) -> None:
        try:
            self.policy.check(command)
        except CommandRefusedError as exc:
            raise ToolFailure(str(exc)) from None

    def shell_call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except ShellError as exc:
            raise ToolFailure(str(exc)) from None


class ToolFailure(Exception):
    """Reported to the model as a tool error."""


def _timeout_text(result: dict[str, Any]) -> str:
    lines = [f"Command timed out: {result['note']}. Output so far:"]
    for name in ("stdout", "stderr"):
        if result[name]:
            lines.append(f"[{name}]\n{result[name]}")
    return "\n".join(lines)


def build_server(tools: CommandLine) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    server = MCPServer(SERVER_NAME, instructions=INSTRUCTIONS)

    async def guarded(coro: Any) -> Any:
        try:
            return await coro
        except ToolFailure as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    async def execute_command(command: str, timeout: float | None = None,
                              work_dir: str | None = None) -> dict[str, Any]:
        """Execute a shell command in the working directory and return its output.

        Shell features (pipes, redirection, &&) work. Returns success, exit_code, stdout,
        stderr, execution_time, command and work_dir; long output keeps its head and tail.

        Args:
            command: The command line to run, e.g. "python test.py" or "ls -la".
            timeout: Seconds before the command and everything it started are killed
                (default 60, at most 600).
            work_dir: A directory relative to the working directory (default: itself).
        """
        return await guarded(tools.execute(command, timeout, work_dir))  # type: ignore[no-any-return]

    @server.tool()
    async def start_background_shell(command: str, work_dir: str | None = None
                                     ) -> dict[str, Any]:
        """Start a command in the background (a server, a long job) and return its shell_id
        at once. Read it with get_background_shell_output; stop it with kill_background_shell.

        Args:
            command: The command line to run.
            work_dir: A directory relative to the working directory (default: itself).
        """
        return await guarded(tools.start_background(command, work_dir))  # type: ignore[no-any-return]

    @server.tool()
    async def get_background_shell_output(shell_id: str) -> dict[str, Any]:
        """The stdout and stderr a background shell has written so far (last 10,000 lines).

        Args:
            shell_id: The id start_background_shell returned.
        """
        return tools.shell_call(tools.shells.output, shell_id)  # type: ignore[no-any-return]

    @server.tool()
    async def get_background_shell_status(shell_id: str) -> dict[str, Any]:
        """Whether a background shell is running, stopped (exit 0), failed or killed.

        Args:
            shell_id: The id start_background_shell returned.
        """
        return tools.shell_call(lambda i: tools.shells.get(i).summary(), shell_id)  # type: ignore[no-any-return]

    @server.tool()
    async def kill_background_shell(shell_id: str) -> dict[str, Any]:
        """Kill a background shell and every process it started.

        Args:
            shell_id: The id start_background_shell returned.
        """
        try:
            return await tools.shells.kill(shell_id)
        except ShellError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    async def list_background_shells() -> dict[str, Any]:
        """Every background shell started here, with its status."""
        return {"shells": [s.summary() for s in tools.shells.shells.values()]}

    return server


async def serve(settings: CommandLineSettings) -> None:
    """Serve MCP over stdio (the runner opens meanwhile) until the client leaves, then clean
    up."""
    tools = CommandLine(settings)
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    assert task is not None
    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, task.cancel)
    opening = tools.start_opening()
    opening.add_done_callback(_report_open_failure)
    try:
        server = build_server(tools)
        with contextlib.suppress(asyncio.CancelledError):
            await server.run_stdio_async()
    finally:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(tools.close())


def _report_open_failure(opening: asyncio.Future[None]) -> None:
    # Said on stderr too (MCP clients keep a server's stderr); the model gets it as the
    # first tool call's error.
    if not opening.cancelled() and opening.exception() is not None:
        print(f"command_line: {opening.exception()}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    settings = CommandLineSettings.parse_args(argv)
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:
        return 130
    return 0

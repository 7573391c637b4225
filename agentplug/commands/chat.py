"""``agentplug chat``: an interactive multi-turn session with one agent.

The agent is opened once (its client, local server and MCP servers stay up) and the history
is kept across turns. Ctrl-C cancels the answer being written, not the session: the agent
rolls that turn back, so the conversation is as it was before the message. With stdin piped,
each line is one message, so a session can be scripted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from .run import add_agent_arguments

COMMANDS = {"!reset": "start a new conversation (the system message is kept)",
            "!exit": "end the session (also Ctrl-D)",
            "!help": "show these commands"}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "chat", help="an interactive multi-turn session with an agent",
        description="Chat with an agent: the same backend choice as `run` (-c CONFIG "
                    "[--agent ID], -b BACKEND, or the key found in the environment). "
                    "Commands: " + "; ".join(f"{c} {h}" for c, h in COMMANDS.items())
                    + ". Ctrl-C cancels the current answer. With stdin piped, each line is "
                    "one message.")
    add_agent_arguments(p)
    p.set_defaults(handler=chat)


def chat(args: argparse.Namespace) -> int:
    import asyncio

    from ..build import create_agent
    from ._render import TerminalRenderer, is_tty
    from .run import agent_config_from_args

    config = agent_config_from_args(args)
    agent = create_agent(config)
    interactive = is_tty(sys.stdin)
    render = TerminalRenderer(show_reasoning=not args.no_reasoning,
                              markdown=False if args.plain else None)
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())

        model = config.backend.model or config.spec.default_model or "default model"
        print(f"agentplug chat: {config.id} on {config.spec.type} ({model}). "
              "!help lists the commands; Ctrl-C cancels an answer, Ctrl-D quits.",
              file=sys.stderr)
    read = _prompt if interactive else _line
    # One event loop for the whole session: the agent's clients and servers live on it.
    with asyncio.Runner() as runner:
        runner.run(agent.open())
        try:
            return _session(runner, agent, render, read, interactive)
        finally:
            runner.run(agent.close())


def _prompt() -> str:
    return input("> ")


def _line() -> str:
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


def _session(runner: Any, agent: Any, render: Any, read: Callable[[], str],
             interactive: bool) -> int:
    failed = False
    while True:
        try:
            text = read().strip()
        except EOFError:
            if interactive:
                print(file=sys.stderr)
            break
        except KeyboardInterrupt:  # at the prompt: a fresh line, as in a shell
            print(file=sys.stderr)
            continue
        if not text:
            continue
        if text.startswith("!"):
            if text == "!exit":
                break
            _command(runner, agent, render, text)
            continue
        try:
            ok = runner.run(_turn(agent, text, render))
        except KeyboardInterrupt:
            render.note("answer cancelled; the conversation is as it was before "
                               "that message")
            continue
        failed = failed or not ok
    # Scripted sessions report a failed turn in the exit code; at a prompt the user saw it.
    return 1 if failed and not interactive else 0


def _command(runner: Any, agent: Any, render: Any, text: str) -> None:
    if text == "!reset":
        runner.run(agent.reset())
        render.note("new conversation")
    elif text == "!help":
        for name, help_text in COMMANDS.items():
            print(f"  {name:<8} {help_text}", file=sys.stderr)
    else:
        render.note(f"unknown command {text!r}; try !help")


async def _turn(agent: Any, text: str, render: Any) -> bool:
    ok = True
    try:
        async for event in agent.stream(text):
            render(event)
            ok = ok and event.type != "error"
    finally:
        render.close()
    return ok

"""``agentplug team``: a team of agents in an AG2 group chat, streamed turn by turn."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "team", help="run a task with a team of agents (AG2 group chat)",
        description="Run a task with the agents of a config's `team:` section in a classic "
                    "AG2 GroupChat. Streams who speaks and what they say; ends with a summary "
                    "and the total usage.")
    p.add_argument("task", help="the task for the team")
    p.add_argument("-c", "--config", required=True, help="YAML config with agents: and team:")
    p.add_argument("--max-rounds", type=int, help="override team.max_rounds")
    p.add_argument("--json", action="store_true", help="print events as JSON lines")
    p.add_argument("--plain", action="store_true", help="no Markdown rendering on a terminal")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from ..adapters.ag2 import team_from_config
    from ..core.config import load_config, load_dotenv_once
    from ..core.host import default_host
    from ._render import JsonRenderer, TerminalRenderer

    load_dotenv_once()
    host = default_host()
    for problem in host.problems:
        print(f"agentplug: warning: {problem}", file=sys.stderr)
    team = team_from_config(load_config(args.config, host.registry))
    if args.max_rounds:
        team.max_rounds = args.max_rounds
    render = JsonRenderer() if args.json else TerminalRenderer(
        markdown=False if args.plain else None)
    return asyncio.run(_stream(team, args.task, render, summary=not args.json))


async def _stream(team: Any, task: str, render: Any, *, summary: bool) -> int:
    failed = False
    try:
        async with team:
            async for event in team.stream(task):
                if event.type == "done" and summary:
                    render.write_answer(event.text, heading="summary")
                render(event)
                failed = failed or event.type == "error"
    finally:
        render.close()
    return 1 if failed else 0

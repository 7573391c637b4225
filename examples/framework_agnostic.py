"""One script, two runtimes: an agentplug agent alone, then the same agent in an AG2 group chat.

    python examples/framework_agnostic.py            # offline: a built-in simulated model
    python examples/framework_agnostic.py claude claude-sonnet-4-6   # a real backend

Nothing in ``solve`` knows whether it drives one agent or a team: both stream agentplug events.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from agentplug import SpeakerEvent, TextDelta, create_agent
from agentplug.adapters.ag2 import Team

TASK = "Name one prime number between 20 and 30, then stop."


async def solve(runner: Any, task: str) -> str:
    """Stream any agentplug runner (an Agent or a Team) and return its final answer."""
    async for event in runner.stream(task):
        if isinstance(event, SpeakerEvent):
            print(f"\n[{event.agent}]", end=" ", flush=True)
        elif isinstance(event, TextDelta):
            print(event.text, end="", flush=True)
        elif event.type == "done":
            print(f"\n({event.usage.summary()})")
            return str(event.text)
        elif event.type == "error":
            raise SystemExit(f"error: {event.message}")
    return ""


async def main(backend: dict[str, Any]) -> None:
    solver = create_agent(backend, id="solver", system_message="You answer briefly.")
    checker = create_agent(backend, id="checker",
                           system_message="You check the answer in one sentence, then write "
                                          "TERMINATE.")
    async with solver:
        print("== agentplug agent alone ==")
        await solve(solver, TASK)
    await solver.reset()
    async with Team([solver, checker], max_rounds=4) as team:
        print("\n== the same agent in an AG2 GroupChat ==")
        await solve(team, TASK)


def demo_backend() -> tuple[dict[str, Any], Any]:
    from agentplug.testing import ChatCompletionsSimulator, Reply

    def answer(request: Any) -> Reply:
        system = request.body["messages"][0]["content"]
        if "check" in system:
            return Reply("Correct: 23 has no divisor but 1 and itself. TERMINATE")
        return Reply("23 is prime.")

    sim = ChatCompletionsSimulator(default=answer).start()
    return {"type": "chatcompletion", "model": "demo", "base_url": sim.base_url}, sim


if __name__ == "__main__":
    if len(sys.argv) > 1:
        asyncio.run(main({"type": sys.argv[1], **({"model": sys.argv[2]} if sys.argv[2:] else {})}))
    else:
        config, simulator = demo_backend()
        try:
            asyncio.run(main(config))
        finally:
            simulator.stop()

"""Load with faults: 100 concurrent agents x 20 turns against the Chat Completions simulator,
10% of responses faulty (429 with Retry-After, 500, a dropped stream, a malformed chunk, a
stall past the timeout), through the real openai SDK.

Every turn ends in exactly one ``Done`` or ``ErrorEvent``; a failed turn leaves no trace in
the history, so each agent can take another turn; file descriptors, sockets, threads and
child processes return to their starting counts; memory after 2,000 turns stays within a
bound of memory after 200.
"""

from __future__ import annotations

import asyncio
import gc
import os
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import openai  # noqa: F401  imported before the counts are taken, as a program would
import pytest

from agentplug import Done, ErrorEvent, create_agent
from agentplug.core.messages import AssistantMessage, UserMessage
from agentplug.testing import ChatCompletionsSimulator, Reply

AGENTS, TURNS, FAULT_RATE = 100, 20, 0.10
TIMEOUT = 2.0  # the SDK's timeout; a stall waits past it
MEMORY_BOUND = 64 * 1024 * 1024  # bytes of RSS growth allowed from turn 200 to turn 2,000
SERVER = Path(__file__).parent / "faulty_server.py"


def resources() -> dict[str, int]:
    fds = list(Path("/proc/self/fd").iterdir())
    sockets = 0
    for fd in fds:
        try:
            sockets += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    kids = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            kids += int(stat.read_text().rsplit(")", 1)[1].split()[1]) == os.getpid()
        except (OSError, IndexError, ValueError):
            continue
    return {"fds": len(fds), "sockets": sockets, "threads": threading.active_count(),
            "children": kids}


def rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def drive(server: subprocess.Popen[str], base_url: str) -> dict[str, Any]:
    config = {"type": "chatcompletion", "model": "sim-model", "base_url": base_url,
              "api_key": "sk-load-not-a-real-key", "max_retries": 1, "timeout": TIMEOUT}
    agents = [create_agent(config, id=f"a{i}") for i in range(AGENTS)]
    outcomes: Counter[str] = Counter()
    done_turns = Counter[int]()
    memory: dict[int, int] = {}
    finished = 0

    async def one(i: int) -> None:
        nonlocal finished
        agent = agents[i]
        for turn in range(TURNS):
            events = [e async for e in agent.stream(f"ping {turn}")]
            terminal = [e for e in events if isinstance(e, Done | ErrorEvent)]
            assert len(terminal) == 1 and terminal[0] is events[-1], events
            outcomes[type(terminal[0]).__name__ if isinstance(terminal[0], Done)
                     else terminal[0].error_type] += 1
            done_turns[i] += isinstance(terminal[0], Done)
            finished += 1
            if finished in (AGENTS * TURNS // 10, AGENTS * TURNS):
                gc.collect()
                memory[finished] = rss()

    for agent in agents:
        await agent.open()
    try:
        await asyncio.gather(*(one(i) for i in range(AGENTS)))
        # A failed turn was rolled back: one user and one assistant message per good turn.
        for i, agent in enumerate(agents):
            kinds = [type(m) for m in agent.history]
            assert kinds == [UserMessage, AssistantMessage] * done_turns[i], kinds
        assert server.stdin is not None
        server.stdin.write("clean\n")  # faults off: every agent takes one more turn
        server.stdin.flush()
        extra = await asyncio.gather(*(a.run("one more") for a in agents))
        assert all(r.text.startswith("pong") for r in extra)
    finally:
        await asyncio.gather(*(a.close() for a in agents))
    return {"outcomes": outcomes, "memory": memory}


@pytest.fixture(scope="module")
def load_run() -> dict[str, Any]:
    """The load itself, once: what the tests below check."""
    asyncio.run(_warm_up())  # SDK imports and first-use caches are not a leak
    gc.collect()
    before = resources()
    start = time.monotonic()
    server = subprocess.Popen([sys.executable, str(SERVER), "14", str(FAULT_RATE),
                               str(TIMEOUT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              # its handler threads print every reset of a timed-out client
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None and server.stdin is not None
        port = int(server.stdout.readline())
        # Not in asyncio debug mode: its per-callback bookkeeping halves the loop's
        # throughput, and 100 agents then miss their own timeouts on a loaded 2-core
        # machine. Blocking calls are the other suites' concern; this one counts resources.
        result = asyncio.run(drive(server, f"http://127.0.0.1:{port}/v1"))
        server.stdin.close()
        result["served"] = json.loads(server.stdout.readline())
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for pipe in (server.stdin, server.stdout):
            if pipe is not None:
                pipe.close()
    result["elapsed"] = time.monotonic() - start
    gc.collect()
    # Taken at once: each loop's SDK clients are closed before asyncio.run returns, and a
    # stopped simulator has ended its connections and handler threads.
    result["before"], result["after"] = before, resources()
    first, last = AGENTS * TURNS // 10, AGENTS * TURNS
    memory = result["memory"]
    print(f"\n{last} turns in {result['elapsed']:.1f} s; served {result['served']}; outcomes "
          f"{dict(result['outcomes'])}; rss at {first} / {last} turns: "
          f"{memory[first] / 2**20:.0f} / {memory[last] / 2**20:.0f} MiB; resources "
          f"{before} -> {result['after']}")
    return result


@pytest.mark.timeout(600)  # ~30 s on a quiet machine; shared CI machines run several suites
def test_every_turn_ends_once_and_faults_were_served(load_run: dict[str, Any]) -> None:
    outcomes, served = load_run["outcomes"], load_run["served"]
    total = AGENTS * TURNS
    assert sum(outcomes.values()) == total  # and drive() checked one terminal event each
    faulty = sum(n for kind, n in served.items() if kind != "ok")
    assert faulty >= total * FAULT_RATE * 0.6, served
    # Faults (and, on a loaded machine, timeouts) fail turns; most still succeed.
    assert outcomes["Done"] >= total * 0.5, outcomes


def test_threads_and_child_processes_are_back(load_run: dict[str, Any]) -> None:
    before, after = load_run["before"], load_run["after"]
    assert (after["threads"], after["children"]) == (before["threads"], before["children"])


def test_file_descriptors_and_sockets_are_back(load_run: dict[str, Any]) -> None:
    before, after = load_run["before"], load_run["after"]
    assert (after["fds"], after["sockets"]) == (before["fds"], before["sockets"])


def test_memory_after_2000_turns_is_within_a_bound_of_200(load_run: dict[str, Any]) -> None:
    memory = load_run["memory"]
    assert memory[AGENTS * TURNS] - memory[AGENTS * TURNS // 10] < MEMORY_BOUND, memory


async def _warm_up() -> None:
    with ChatCompletionsSimulator(default=Reply("warm")) as sim:
        agent = create_agent({"type": "chatcompletion", "model": "m", "base_url": sim.base_url,
                              "api_key": "sk-load-not-a-real-key", "max_retries": 0})
        async with agent:
            await agent.run("hi")

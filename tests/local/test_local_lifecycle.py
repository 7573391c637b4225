"""The server's lifecycle, checked by PID: start, share, stop, crash, cancel, timeout, a
corrupt model, a taken port, and the death of the process that owns it (no orphan, ever)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from agentplug import Done, ErrorEvent, Notice, TextDelta, UsageError, create_agent
from agentplug.plugins.local.server import POOL
from local_support import needs_model
from local_support import alive, kill_quietly, keyless_env, wait_gone

pytestmark = needs_model


async def test_crash_mid_stream_is_an_error_with_the_log_and_the_next_turn_restarts():
    # n_ctx differs from the session server's: this agent gets a server of its own.
    agent = create_agent({"type": "local", "n_ctx": 1024, "max_tokens": 64, "temperature": 0})
    async with agent:
        events, pid = [], None
        async for event in agent.stream("Count from one to thirty in words."):
            events.append(event)
            if isinstance(event, TextDelta) and pid is None:
                pid = agent.backend.lease.server.pid
                os.kill(pid, signal.SIGKILL)
        assert isinstance(events[0], Notice) and "starting the local model" in events[0].message
        assert "SmolLM2-135M-Instruct" in events[0].message
        error = events[-1]
        assert isinstance(error, ErrorEvent), events
        assert "exited with code -9 during the request" in error.message
        assert "server log (last lines)" in error.message
        assert pid is not None and not alive(pid) and agent.backend.lease is None
        assert agent.history == []
        # The next turn starts a fresh server and answers.
        events = [e async for e in agent.stream("Say hi.")]
        assert isinstance(events[0], Notice) and isinstance(events[-1], Done), events
        second = agent.backend.lease.server.pid
        assert second != pid and alive(second)
    assert wait_gone(second, 5)


async def test_start_timeout_names_the_fix_and_leaves_no_process():
    agent = create_agent({"type": "local", "n_ctx": 256, "startup_timeout": 0.3})
    await agent.open()
    pid = agent.backend.lease.server.pid
    try:
        events = [e async for e in agent.stream("hi")]
    finally:
        await agent.close()
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.error_type == "ProviderTimeoutError"
    assert "was not ready after 0.3 s" in error.message and "startup_timeout" in error.message
    assert not alive(pid)


async def test_cancelled_start_leaves_no_process():
    import asyncio

    agent = create_agent({"type": "local", "n_ctx": 384})
    await agent.open()
    pid = agent.backend.lease.server.pid

    async def first_turn():
        return [e async for e in agent.stream("hi")]

    task = asyncio.create_task(first_turn())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await agent.close()
    assert not alive(pid) and all(s.pid != pid for s in POOL.servers())


async def test_corrupt_model_file_reports_the_server_log(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + os.urandom(256))
    agent = create_agent({"type": "local", "model": str(bad)})
    async with agent:
        pid = agent.backend.lease.server.pid
        events = [e async for e in agent.stream("hi")]
    error = events[-1]
    assert isinstance(error, ErrorEvent), events
    assert "exited with code" in error.message and "before it was ready" in error.message
    assert str(bad) in error.message and "server log (last lines)" in error.message
    assert not alive(pid)


async def test_a_taken_port_is_refused_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        agent = create_agent({"type": "local", "port": port})
        before = len(POOL.servers())
        with pytest.raises(UsageError, match=f"port {port} on 127.0.0.1 is already in use"):
            await agent.open()
        assert len(POOL.servers()) == before


async def test_shared_server_stops_with_its_last_agent(tmp_path):
    # Two agents share one server (same settings); it lives until the last one closes.
    config = {"type": "local", "n_ctx": 640, "startup_timeout": 120}
    a, b = create_agent(config), create_agent(config)
    await a.open()
    await b.open()
    server = a.backend.lease.server
    assert b.backend.lease.server is server
    await a.close()
    assert alive(server.pid) and server in POOL.servers()
    await b.close()
    assert not alive(server.pid) and server not in POOL.servers()


PARENT = textwrap.dedent("""
    import asyncio, sys
    from agentplug import TextDelta, create_agent

    async def main():
        agent = create_agent({"type": "local", "n_ctx": 512, "max_tokens": 200})
        async with agent:
            async for event in agent.stream("Count from one to a hundred in words."):
                if isinstance(event, TextDelta):
                    print(agent.backend.lease.server.pid, flush=True)
                    await asyncio.sleep(60)

    asyncio.run(main())
""")


def test_killing_the_owner_with_sigkill_takes_the_server_down():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=keyless_env())
    try:
        line = parent.stdout.readline()  # type: ignore[union-attr]
        assert line.strip().isdigit(), parent.stderr.read()  # type: ignore[union-attr]
        server = int(line)
        assert alive(server)
        parent.kill()  # SIGKILL: no atexit, no close, no finally
        parent.wait(10)
        assert wait_gone(server, 10), "the llama.cpp server outlived its owner"
    finally:
        kill_quietly(parent.pid)
        parent.wait(10)


async def test_an_exception_inside_async_with_stops_the_server():
    agent = create_agent({"type": "local", "n_ctx": 768})
    with pytest.raises(RuntimeError, match="boom"):
        async with agent:
            pid = agent.backend.lease.server.pid
            assert alive(pid)
            raise RuntimeError("boom")
    assert not alive(pid)


def test_agents_on_other_event_loops_share_the_server(llama):
    import asyncio
    import threading

    seen: dict[str, object] = {}

    def in_thread(name: str) -> None:
        async def turn() -> None:
            async with create_agent({"type": "local", "max_tokens": 3}) as agent:
                seen[name] = agent.backend.lease.server
                result = await agent.run("Count from one to ten in words.")
                seen[name + ":stop"] = result.stop_reason

        asyncio.run(turn())

    threads = [threading.Thread(target=in_thread, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert seen["a"] is seen["b"] is llama
    # Concurrent requests queue on the shared server: neither stream is cut short (the
    # server's default would end the first one with a bare [DONE] when the second arrives).
    assert seen["a:stop"] == seen["b:stop"] == "max_tokens" and alive(llama.pid)


async def test_a_free_port_taken_before_the_server_binds_it_moves_to_another():
    from dataclasses import replace

    from agentplug.plugins.local.backend import default_key
    from agentplug.plugins.local.server import LlamaServer

    server = LlamaServer(replace(default_key(), n_ctx=896))
    with socket.socket() as thief:
        thief.bind(("127.0.0.1", server.port))
        thief.listen()
        taken = server.port
        server.start()
        first = server.pid
        try:
            await server.wait_ready(120)
            assert server.port != taken and server.pid != first and not alive(first)
            status, _ = await server.request("GET", "/v1/models")
            assert status == 200
        finally:
            server.stop()
    assert not alive(server.pid)


async def test_agents_sharing_a_server_that_died_get_a_new_one_without_an_error():
    config = {"type": "local", "n_ctx": 1152, "max_tokens": 3}
    async with create_agent(config) as a, create_agent(config) as b:
        await a.run("Say hi.")
        old = a.backend.lease.server
        os.kill(old.pid, signal.SIGKILL)
        assert old.exits_within(10)
        events = [e async for e in b.stream("Say hi.")]  # b never saw the crash
        assert isinstance(events[0], Notice) and isinstance(events[-1], Done), events
        new = b.backend.lease.server
        assert new is not old and alive(new.pid)
        await a.run("Say hi.")
        assert a.backend.lease.server is new
    assert wait_gone(new.pid, 5) and not alive(old.pid)

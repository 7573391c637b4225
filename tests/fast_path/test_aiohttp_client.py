"""``http_client: aiohttp``: the openai and anthropic SDKs on their own aiohttp transport. Every
simulator script and every fault of tests/fast_path gives the same events on both stream
paths over aiohttp, and the same as over httpx: only a broken stream's transport detail (each
client words it its own way) may differ."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from typing import Any

import pytest

from agentplug import create_agent
from agentplug.core.errors import ConfigError
from agentplug.testing import Reply
from paths_support import WIRES, turn_events, without_ids
from test_same_events import FAULTS, _scripts

CHOICE = ("chat_completions", "responses", "anthropic")  # the wires whose SDK offers aiohttp
_DETAIL = re.compile(r"broke off: [^\"]*")


def _norm(events: list[str]) -> list[str]:
    return [_DETAIL.sub("broke off: <detail>", without_ids(e)) for e in events]


async def _runs(wire: str, script: list[Any], prompts: tuple[str, ...], url: str | None = None,
                **backend: Any) -> dict[str, list[str]]:
    """The events of httpx's fast path and of aiohttp's fast and SDK paths, one simulator
    serving all three (so the URLs in error messages agree)."""
    runs = {"httpx": ("httpx", True), "aiohttp": ("aiohttp", True),
            "aiohttp, SDK path": ("aiohttp", False)}
    out = {}
    with WIRES[wire].simulator(default=Reply("recovered")) as sim:
        for name, (client, fast) in runs.items():
            sim.script(*script)
            config = {**WIRES[wire].backend(url or sim.base_url), **backend,
                      "http_client": client, "fast_stream": fast}
            out[name] = _norm(await turn_events(config, prompts))
            while sim.pending:
                sim.next_reply(None)  # type: ignore[arg-type]
    return out


def _same(runs: dict[str, list[str]]) -> None:
    assert runs["aiohttp"] == runs["aiohttp, SDK path"]
    assert runs["aiohttp"] == runs["httpx"]
    assert len(runs["aiohttp"]) > 1


SCRIPTS = [(wire, name) for wire in CHOICE for name in ("text", "tool_loop", "usage")]


@pytest.mark.parametrize(("wire", "script"), SCRIPTS, ids=[f"{w}-{s}" for w, s in SCRIPTS])
async def test_scripts(wire, script):
    _same(await _runs(wire, _scripts(wire)[script], ("hi",)))


FAULT_CASES = [(wire, name) for wire in CHOICE for name in FAULTS]


@pytest.mark.parametrize(("wire", "fault"), FAULT_CASES, ids=[f"{w}-{f}" for w, f in FAULT_CASES])
async def test_faults(wire, fault):
    entry, backend = FAULTS[fault]
    runs = await _runs(wire, [entry, Reply("recovered")], ("hi", "again"), **backend)
    _same(runs)
    assert "recovered" in runs["aiohttp"][-2]


async def test_cut_stream_is_a_broken_stream():
    """aiohttp words a body cut short as a payload error: it is still a broken stream, not a
    server that could not be reached."""
    entry, _ = FAULTS["cut_stream"]
    runs = await _runs("chat_completions", [entry], ("hi",))
    assert '"error_type": "StreamError"' in runs["aiohttp"][-2]
    assert "broke off" in runs["aiohttp"][-2]


@pytest.mark.parametrize("wire", CHOICE)
async def test_nothing_listening(wire):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    runs = await _runs(wire, [], ("hi",), url=url)
    assert runs["aiohttp"] == runs["aiohttp, SDK path"]
    assert '"error_type": "ProviderConnectionError"' in runs["aiohttp"][0]


async def test_clients_are_shared_and_closed():
    """Agents with the same settings share one aiohttp session, closed with its loop."""
    sessions = []

    async def run() -> None:
        with WIRES["anthropic"].simulator(default=Reply("hello")) as sim:
            config = {**WIRES["anthropic"].backend(sim.base_url), "http_client": "aiohttp"}
            for _ in range(2):
                async with create_agent(config) as agent:
                    assert (await agent.run("hi")).text == "hello"
                    transport = agent.backend.client()._client._transport
                    sessions.append(transport.client)

    await asyncio.to_thread(asyncio.run, run())
    assert sessions[0] is sessions[1]
    assert sessions[0].closed


def test_only_where_the_sdk_offers_it():
    with pytest.raises(ConfigError, match="http_client"):
        create_agent({**WIRES["gemini"].backend("http://127.0.0.1:9"), "http_client": "aiohttp"})


def test_without_aiohttp_the_error_names_the_extra():
    # aiohttp hidden the way Python models an absent module (its sys.modules entry None).
    code = ("import sys, asyncio; sys.modules['aiohttp'] = None\n"
            "from agentplug import create_agent\n"
            "async def main():\n"
            "    async with create_agent({'type': 'claude', 'api_key': 'k',\n"
            "                             'base_url': 'http://127.0.0.1:9',\n"
            "                             'http_client': 'aiohttp'}):\n"
            "        pass\n"
            "asyncio.run(main())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert "pip install 'agentplug[aiohttp]'" in result.stderr

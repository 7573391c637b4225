"""The local backend against the real llama.cpp server and the real embedded model.

One server for the whole session (``llama``): it is leased from the backend's own pool with
the default settings, so ``type: local`` agents in these tests share it, and the
``chatcompletion`` tests talk to the same process through its URL. Tests that need their own
server (crash, timeout, parent death) use other settings, hence another server.
"""

from __future__ import annotations

import asyncio

import pytest

from local_support import HAVE_LOCAL, PROVIDER_KEYS


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch):
    for name in PROVIDER_KEYS:
        monkeypatch.delenv(name, raising=False)


async def _warm_up_sdk(base_url: str | None = None) -> None:
    # The first client of a process loads the SDK's HTTP/SSL stack (~0.3 s in one go): do
    # it here rather than inside the first test's event loop.
    import openai

    async with openai.AsyncOpenAI(base_url=base_url, api_key="local") as client:
        if base_url:
            await client.models.list()


@pytest.fixture(scope="session", autouse=True)
def _plugins_and_sdk_loaded():
    # Loading every plugin declaration (the first create_agent) and the SDK's HTTP stack take
    # ~0.3 s each: outside any test's event loop, which flags steps over 0.25 s.
    from agentplug.core.host import default_host

    default_host()
    if HAVE_LOCAL:
        asyncio.run(_warm_up_sdk())


@pytest.fixture(scope="session")
def llama():
    """The session's llama.cpp server (default local settings), ready."""
    if not HAVE_LOCAL:
        pytest.skip("the local extra is not installed (bash scripts/setup.sh)")
    from agentplug.plugins.local.backend import default_key
    from agentplug.plugins.local.server import POOL

    lease = POOL.acquire(default_key())
    try:
        asyncio.run(lease.server.wait_ready(120))
        asyncio.run(_warm_up_sdk(lease.server.base_url))
        yield lease.server
    finally:
        lease.release()

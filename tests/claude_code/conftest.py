"""The real Claude Code CLI (bundled with claude-agent-sdk), offline against the simulator.

Every CLI gets its own HOME and config directory, the simulator's URL and a fake key through
the backend's `env:` / `api_key:` (never this process's environment), no settings files and
no non-essential traffic: nothing leaves 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentplug import create_agent
from agentplug.testing import AnthropicSimulator

pytest.importorskip("claude_agent_sdk")
# Load the plugins and the runtime once, outside the event loop that the slow-callback
# guard watches (the first test would otherwise pay for the imports inside it).
import agentplug.plugins.claude_code.backend  # noqa: E402,F401
from agentplug.core.host import default_host  # noqa: E402

from cc_support import KEY, cli_children, offline_env  # noqa: E402

default_host()


@pytest.fixture(autouse=True)
def _no_cli_left_behind():
    """No Claude Code process outlives its test (every agent here is closed by then)."""
    yield
    assert cli_children() == [], "a Claude Code CLI process outlived its agent"


@pytest.fixture
def sim():
    with AnthropicSimulator(model="claude-sonnet-4-6") as simulator:
        yield simulator


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work" / "not-yet-created"


@pytest.fixture
def make_agent(sim, home, workdir):
    def make(tools=(), system_message=None, **backend):
        config = {"type": "claude_code", "model": "claude-sonnet-4-6", "base_url": sim.base_url,
                  "api_key": KEY, "cwd": str(workdir), "max_retries": 0,
                  "env": offline_env(home), **backend}
        return create_agent(config, tools=tools, system_message=system_message)
    return make

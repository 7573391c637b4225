"""The CLI as users run it: a child process (a pipe or a real pseudo-terminal) against the
Chat Completions simulator on 127.0.0.1."""

from __future__ import annotations

import sys

import pytest
from cli_support import SERVERS

from agentplug.testing import ChatCompletionsSimulator


@pytest.fixture
def sim():
    with ChatCompletionsSimulator() as simulator:
        yield simulator


AGENT = """\
agents:
  - id: helper
    system_message: Be brief.
    backend:
      type: chatcompletion
      model: sim-model
      base_url: "{url}"
      max_retries: 0
"""


@pytest.fixture
def config(tmp_path, sim):
    """One chatcompletion agent on the simulator."""
    path = tmp_path / "agent.yaml"
    path.write_text(AGENT.format(url=sim.base_url))
    return path


@pytest.fixture
def tool_config(tmp_path, sim):
    """The same agent with the tool of a real stdio MCP server."""
    path = tmp_path / "tools.yaml"
    path.write_text(AGENT.format(url=sim.base_url) + f"""\
      mcp_servers:
        - name: weather
          command: "{sys.executable}"
          args: ["{SERVERS / 'weather_server.py'}"]
""")
    return path

"""agentplug and ag2 1.x (``import ag2``: the rewritten AG2 with ``ag2.Agent``), both ways.

- ``AgentplugModel(backend)``: any agentplug backend as an ``ag2.Agent``'s model, through
  ag2's ``ModelConfig`` / ``LLMClient`` interface.
- ``ag2_tools(toolset)``: agentplug tools (Python functions, MCP servers) as ag2 tools.
- ``run_turn(agent, ...)``: one turn of an ``ag2.Agent``, streamed as agentplug events (the
  ``ag2_agent`` backend is built on it).

Importing this package does not import ``ag2``; using it does.
"""

from .model import AgentplugClient, AgentplugModel
from .run import AG2Turn, run_turn
from .tools import ToolCallError, ag2_tools

__all__ = ["AG2Turn", "AgentplugClient", "AgentplugModel", "ToolCallError", "ag2_tools",
           "run_turn"]

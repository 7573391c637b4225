"""``ag2_agent``: an ``ag2.Agent`` — AG2 1.x, the rewritten generation (``import ag2``) — run
as an agentplug backend.

A separate type from ``ag2`` (classic ``autogen`` ConversableAgents): the two generations
share no configuration keys. The agent is either built here (``name``, ``prompt``, its model
an agentplug backend under ``llm:``) or built by your code (``agent: "pkg.mod:attr"``, an
``ag2.Agent`` or a function returning one, with its own tools and middleware). The
agentplug agent's Python tools and the ``mcp_servers:`` tools are added to it for every turn.
Declaration only: the runtime is ``agentplug.plugins.ag2_agent.backend`` (imports ``ag2``).
"""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, FlagSupport

NA = FlagSupport("n/a", "give the ag2 agent tools, or the model under llm: its own flags")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="ag2_agent",
        structured_output="prompted",
        title="AG2 1.x agent (ag2.Agent)",
        factory="agentplug.plugins.ag2_agent.backend:AG2AgentBackend",
        params="agentplug.plugins.ag2_agent.params:AG2AgentParams",
        capabilities=frozenset({"stateful", "mcp"}),
        tool_flags={"enable_web_search": NA, "enable_code_execution": NA,
                    "enable_code_interpreter": NA},
        setup="pip install 'agentplug[ag2]' + the API key of the backend under `llm:`",
        notes="AG2 1.x (the `ag2` distribution, `import ag2`): ag2.Agent with its tools and "
              "middleware; classic ConversableAgents are `type: ag2`",
        extra="ag2",
    ))

"""``ag2``: classic AG2 (the ``autogen`` 0.14 distribution) run as an agentplug backend.

Two shapes, MassGen's both:

- one agent (``agent_config``): a ConversableAgent or AssistantAgent driven by any agentplug
  backend (``llm:``) or by AG2's own ``llm_config``; code it writes runs in an AG2 executor
  (local, Jupyter, Docker, or a cloud one: Daytona, YepCode, Remyx) that agentplug starts and
  stops;
- a whole group chat (``group_config``, see ``group_params.py``), run by AG2's patterns, its
  members' AG2-style ``llm_config`` mapped onto agentplug backends.

Declaration only: the runtime is ``agentplug.plugins.ag2.backend`` (imports ``autogen``).
"""

from __future__ import annotations

from collections.abc import Callable

from agentplug.core.hookspecs import hookimpl
from agentplug.core.registry import BackendSpec, FlagSupport

NA = FlagSupport("n/a", "Uses AG2 code execution config (code_execution_config.executor)")


@hookimpl
def register_backends(register: Callable[[BackendSpec], None]) -> None:
    register(BackendSpec(
        type="ag2",
        structured_output="prompted",
        title="AG2 Framework (ag2)",
        factory="agentplug.plugins.ag2.backend:create_backend",
        params="agentplug.plugins.ag2.params:AG2Params",
        capabilities=frozenset({"stateful", "code_execution", "mcp"}),
        tool_flags={"enable_web_search": NA, "enable_code_execution": NA,
                    "enable_code_interpreter": NA},
        setup="pip install 'agentplug[ag2]' + the API key of the backend under `llm:` "
              "(cloud executors: 'agentplug[daytona]' / '[yepcode]' / '[remyx]')",
        notes="Classic AG2 (the `autogen` 0.14 distribution): ConversableAgent / "
              "AssistantAgent or a group chat (group_config, patterns auto / round_robin / "
              "random); executors local, docker, jupyter, daytona, yepcode, remyx",
        extra="ag2",
    ))

"""agentplug and classic AG2 (the ``autogen`` 0.14 distribution), both ways.

- ``to_ag2(agent)``: an agentplug agent as an AG2 ConversableAgent (its tools run inside).
- ``drive_with(ag2_agent, model)``: an AG2 agent whose replies an agentplug backend writes.
- ``Team`` / ``team_from_config``: agents in an AG2 GroupChat, streamed as agentplug events.
- ``open_executor``: AG2's local, Jupyter and Docker executors, started, observed, stopped.
  (The ``type: ag2`` backend itself lives in ``agentplug.plugins``.)

Importing this package does not import ``autogen``; using it does.
"""

from .executors import ExecutorHandle, ExecutorUnavailableError, ObservedExecutor, open_executor
from .team import Team, team_from_config
from .team_config import TeamSpec, parse_team
from .wrap import drive_with, to_ag2

__all__ = ["ExecutorHandle", "ExecutorUnavailableError", "ObservedExecutor", "Team", "TeamSpec",
           "drive_with", "open_executor", "parse_team", "team_from_config", "to_ag2"]

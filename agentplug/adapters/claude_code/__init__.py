"""Claude Code as an agentplug backend: the runtime of the ``claude_code`` plugin.

``backend`` (the stateful backend), ``session`` (one CLI session owned by one task),
``options`` (params → ``ClaudeAgentOptions``), ``events`` (SDK messages → agentplug events),
``tools`` (agentplug tools as an in-process SDK MCP server). Importing these modules imports
``claude_agent_sdk``; the plugin declaration in ``agentplug.plugins.claude_code`` does not.
"""

"""Toolsets agentplug offers to every backend (as MCP servers it runs, or in-process)."""

"""What the declarations of the self-hosted inference servers (vllm, sglang) share. No
pydantic here: the CLI imports every declaration to list the backends."""

from __future__ import annotations

from agentplug.core.registry import refuse_all

SETUP = "Local inference server on port 8000 (vLLM) or 30000 (SGLang)"
FLAGS = refuse_all("Local inference server: self-hosted engines run no built-in tools; use "
                   "function tools or MCP servers")

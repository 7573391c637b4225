"""Direction 1's conversation: the configured AG2 agent and a silent executor partner.

The partner sends each task, runs the code blocks of every reply in the AG2 executor (and the
tool calls of AG2's own model) and sends the output back; the chat ends when a reply carries
neither (or says TERMINATE), or after ``max_rounds`` replies.
"""

from __future__ import annotations

from typing import Any, Literal

from .messages import content_text, is_terminate, strip_terminate


def build_agent(agent_config: dict[str, Any], llm_config: Any) -> Any:
    """The ConversableAgent or AssistantAgent described by ``agent_config`` (kwargs pass
    through; ``human_input_mode`` defaults to NEVER since a backend has nobody to ask)."""
    from autogen import AssistantAgent, ConversableAgent

    kwargs = dict(agent_config)
    cls = AssistantAgent if kwargs.pop("type", "conversable") == "assistant" else ConversableAgent
    kwargs.setdefault("name", "assistant")
    kwargs.setdefault("human_input_mode", "NEVER")
    return cls(llm_config=llm_config if llm_config is not None else False,
               code_execution_config=False, **kwargs)


class CodingChat:
    def __init__(self, agent: Any, executor: Any | None, max_rounds: int, *,
                 last_n_messages: int | str = "auto") -> None:
        from autogen import ConversableAgent

        self.agent = agent
        self.executor = executor
        exec_config: dict[str, Any] | Literal[False] = False
        if executor is not None:
            exec_config = {"executor": executor, "last_n_messages": last_n_messages}
        self.partner = ConversableAgent(
            name=f"{agent.name}_executor", llm_config=False, human_input_mode="NEVER",
            code_execution_config=exec_config, max_consecutive_auto_reply=max_rounds - 1,
            is_termination_msg=self._done, default_auto_reply="")
        self.fresh = True
        self.rounds_hit = False

    def _done(self, message: dict[str, Any]) -> bool:
        if message.get("tool_calls"):
            return False  # the partner runs them (AG2's own model calling registered tools)
        if is_terminate(message) or self.executor is None:
            return True
        blocks = self.executor.code_extractor.extract_code_blocks(
            content_text(message.get("content")))
        return not blocks

    def run(self, task: str) -> str:
        """One agentplug turn (blocking: call it in a worker thread)."""
        self.partner.initiate_chat(self.agent, message=task, clear_history=self.fresh,
                                   silent=True, summary_method="last_msg")
        self.fresh = False
        replies = [m for m in self.partner.chat_messages[self.agent]
                   if m.get("role") == "user"]  # the partner's view: the agent's replies
        last = replies[-1] if replies else {}
        self.rounds_hit = not self._done(last) if last else False
        return strip_terminate(content_text(last.get("content")))

    def reset(self) -> None:
        self.fresh = True

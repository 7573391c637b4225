"""An AG2 group chat of agentplug agents (classic ``autogen`` running the turns, in its own
threads): every member's turn is an invoke_agent span in the trace of the span the team runs
in, each with its own chat span."""

from __future__ import annotations

import pytest

from agentplug import create_agent
from agentplug.core import tracing
from agentplug.testing import ChatCompletionsSimulator, Reply

pytest.importorskip("autogen")
from agentplug.adapters.ag2 import Team  # noqa: E402


async def test_group_chat_turns_join_the_teams_trace(exporter):
    with ChatCompletionsSimulator(Reply("Draft."), Reply("Final. TERMINATE")) as wsim, \
            ChatCompletionsSimulator(Reply("Add a number.")) as csim:
        def member(name, sim):
            return create_agent({"type": "chatcompletion", "model": f"{name}-model",
                                 "base_url": sim.base_url, "max_retries": 0}, id=name)

        with tracing.span("invoke_workflow team",
                          {"gen_ai.operation.name": "invoke_workflow"}) as team_span:
            async with Team([member("writer", wsim), member("critic", csim)],
                            max_rounds=6) as team:
                events = [e async for e in team.stream("Write one line about cats.")]
    assert events[-1].type == "done"
    spans = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in spans}
    turns = [s for s in spans if s.name.startswith("invoke_agent ")]
    assert sorted(s.name for s in turns) == ["invoke_agent critic", "invoke_agent writer",
                                             "invoke_agent writer"]
    for turn in turns:
        assert turn.context.trace_id == team_span.context.trace_id
        up = turn
        while up.parent is not None and up.parent.span_id != team_span.context.span_id:
            up = by_id[up.parent.span_id]
        assert up.parent is not None, f"{turn.name} is outside the team's span"
        (chat,) = [s for s in spans if s.parent is not None
                   and s.parent.span_id == turn.context.span_id]
        model = turn.name.split()[-1] + "-model"
        assert chat.name == f"chat {model}"

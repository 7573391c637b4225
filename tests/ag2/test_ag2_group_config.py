"""A whole AG2 group chat as one backend (``type: ag2`` + MassGen's ``group_config``): real
AG2 patterns, members on different agentplug backends (each over its own simulator), AG2's
``auto`` speaker selection made by an agentplug model, code run locally by a member."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("autogen")

from agentplug import (  # noqa: E402
    BuiltinToolEvent, Done, Notice, SpeakerEvent, create_agent, parse_config,
)
from agentplug.testing import (  # noqa: E402
    AnthropicSimulator, ChatCompletionsSimulator, GeminiSimulator, Reply, ResponsesSimulator,
    transcript,
)

FACT = "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)"


@pytest.fixture
def started():
    sims = []

    def start(sim):
        sims.append(sim.start())
        return sim
    yield start
    for sim in sims:
        sim.stop()


def group_yaml(body: str) -> str:
    return "agents:\n  - id: ag2_team\n    backend:\n      type: ag2\n" + textwrap.indent(
        textwrap.dedent(body), " " * 6)


async def test_massgen_group_chat_with_three_backends_ends_on_terminate(started, tmp_path):
    coder = started(ResponsesSimulator(Reply(f"Here it is:\n{FACT}")))
    tester = started(AnthropicSimulator(
        Reply(f"Testing:\n```python\n{FACT}\nassert fact(5) == 120\nprint('tests passed')\n```"),
        Reply("All tests passed.")))
    reviewer = started(GeminiSimulator(Reply("LGTM. TERMINATE")))
    manager = started(ChatCompletionsSimulator(Reply("Tester"), Reply("Reviewer")))
    config = parse_config(group_yaml(f"""\
        cwd: {tmp_path}
        group_config:
          llm_config:            # the default: AG2's openai api_type -> the openai backend
            api_type: openai
            model: gpt-5
            base_url: {coder.base_url}
            api_key: sk-test
          agents:
            - type: assistant
              name: Coder
              system_message: You are an expert programmer.
            - type: assistant
              name: Reviewer
              description: Code reviewer. Should be selected after Tester.
              system_message: Review the code; say LGTM and TERMINATE when it is good.
              llm_config: {{api_type: google, model: gemini-2.5-flash,
                            base_url: "{reviewer.base_url}", api_key: gm-test}}
            - type: assistant
              name: Tester
              description: QA engineer who writes and runs tests.
              llm_config: {{api_type: anthropic, model: claude-sonnet-4-6,
                            base_url: "{tester.base_url}", api_key: sk-ant-test}}
              code_execution_config:
                executor: {{type: LocalCommandLineCodeExecutor, timeout: 30}}
          pattern:
            type: auto
            initial_agent: Coder
            group_manager_args:
              llm: {{type: chatcompletion, model: m, base_url: "{manager.base_url}"}}
          max_rounds: 10
        """), source="group.yaml")
    agent = create_agent(config.agents[0])
    async with agent:
        events = [e async for e in agent.stream("Write a factorial function.")]
    speakers = [e.agent for e in events if isinstance(e, SpeakerEvent)]
    assert speakers == ["Coder", "Tester", "Reviewer"]
    turns = transcript(events)
    assert turns[0] == ("Coder", f"Here it is:\n{FACT}")
    assert turns[-1] == ("Reviewer", "LGTM. TERMINATE")
    run = next(e for e in events if isinstance(e, BuiltinToolEvent) and e.status != "started")
    assert run.status == "completed" and run.stdout.strip() == "tests passed"
    # AG2's auto selection asked the manager's model, with the roster and the conversation
    choice = manager.requests[0].body["messages"]
    assert "Code reviewer. Should be selected after Tester." in choice[0]["content"]
    assert any(FACT in str(m.get("content")) for m in choice)
    assert len(manager.requests) == 2  # the TERMINATE ended the chat: no third choice
    # the reviewer (Gemini) saw the tester's report
    assert "All tests passed." in str(reviewer.requests[0].body)
    summary = [e for e in events if isinstance(e, Notice)][-1]
    assert "3 turn(s): Coder → Tester → Reviewer" in summary.message
    done = events[-1]
    assert isinstance(done, Done) and done.text == "LGTM."
    assert done.usage.requests == 6  # coder 1, tester 2, reviewer 1, manager 2


def cc(sim) -> dict:
    return {"type": "chatcompletion", "model": "m", "base_url": sim.base_url, "max_retries": 0}


async def test_round_robin_takes_turns_until_max_rounds(started):
    a = started(ChatCompletionsSimulator(Reply("a1"), Reply("a2")))
    b = started(ChatCompletionsSimulator(Reply("b1"), Reply("b2")))
    agent = create_agent({"type": "ag2", "group_config": {
        "agents": [{"name": "A", "llm": cc(a)}, {"name": "B", "llm": cc(b)}],
        "pattern": {"type": "round_robin", "initial_agent": "B"}, "max_rounds": 4}})
    async with agent:
        done = await agent.run("count")
        speakers = agent.backend.chat.turns
    # max_rounds counts AG2's messages, the task included
    assert speakers == ["B", "A", "B"]
    assert done.text == "b2"
    assert [m["content"] for m in a.requests[0].body["messages"] if m["role"] == "user"][-1] \
        .endswith("b1")


async def test_a_user_agent_with_a_model_can_end_the_chat(started):
    coder = started(ChatCompletionsSimulator(Reply("print('hi')")))
    user = started(ChatCompletionsSimulator(Reply("Well answered. TERMINATE")))
    manager = started(ChatCompletionsSimulator(Reply("User")))
    agent = create_agent({"type": "ag2", "group_config": {
        "llm": cc(coder),
        "agents": [{"name": "Coder"}],
        "user_agent": {"name": "User", "description": "Selected when the task is answered.",
                       "llm": cc(user)},
        "pattern": {"type": "auto", "group_manager_args": {"llm": cc(manager)}}}})
    async with agent:
        events = [e async for e in agent.stream("say hi")]
    assert [e.agent for e in events if isinstance(e, SpeakerEvent)] == ["Coder", "User"]
    assert "User: Selected when the task is answered." in \
        manager.requests[0].body["messages"][0]["content"]
    assert events[-1].text == "Well answered."


async def test_a_member_failure_is_the_turns_error_and_the_agent_stays_usable(started):
    from agentplug import ErrorEvent
    from agentplug.testing import Fault

    a = started(ChatCompletionsSimulator(Fault.http(400, message="bad request from A"),
                                         Reply("fine now")))
    b = started(ChatCompletionsSimulator(Reply("ok TERMINATE")))
    agent = create_agent({"type": "ag2", "group_config": {
        "agents": [{"name": "A", "llm": cc(a)}, {"name": "B", "llm": cc(b)}],
        "pattern": {"type": "round_robin"}}})
    async with agent:
        events = [e async for e in agent.stream("go")]
        assert isinstance(events[-1], ErrorEvent) and "bad request from A" in events[-1].message
        done = await agent.run("again")
    assert done.text == "ok"

"""Budgets: a turn that would start over budget is refused, the turn that crosses finishes.

gpt-4o at 1000 in + 500 out tokens costs 1000*2.5 + 500*10 = 7500 µ$ per call here."""

from __future__ import annotations

import pytest

from agentplug import Budget, BudgetExceededError, Done, ErrorEvent, Notice, create_agent

from agentplug.testing import Fault, Reply, ToolCallSpec

CALL = {"input": 1000, "output": 500}


def config(sim, model: str = "gpt-4o") -> dict:
    return {"type": "openai", "model": model, "base_url": sim.base_url, "api_key": "k",
            "max_retries": 0}


async def test_max_cost_usd_stops_a_multi_turn_run_after_the_turn_that_crosses(responses_sim):
    responses_sim.script(*(Reply(f"answer {i}", usage=CALL) for i in range(1, 5)))
    async with create_agent(config(responses_sim), max_cost_usd=0.02) as agent:
        texts = [(await agent.run(f"q{i}")).text for i in range(1, 4)]  # $0.0075, 0.015, 0.0225
        events = [e async for e in agent.stream("q4")]
    assert texts == ["answer 1", "answer 2", "answer 3"]  # the third crossed and finished
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.error_type == "BudgetExceededError"
    assert error.message == ("turn refused: agent 'agent' budget spent: $0.022500 of "
                             "max_cost_usd $0.02 (raise the limit, or start a new run)")
    assert len(responses_sim.requests) == 3  # the refused turn sent nothing
    assert agent.usage.cost_usd == pytest.approx(0.0225)
    with pytest.raises(BudgetExceededError):
        await agent.run("q5")
    assert len(agent.history) == 6  # three committed turns, nothing from the refused ones


async def test_max_tokens_total_counts_input_and_output(responses_sim):
    responses_sim.script(Reply("a", usage=CALL), Reply("b", usage=CALL))
    async with create_agent(config(responses_sim), max_tokens_total=3000) as agent:
        await agent.run("1")
        await agent.run("2")  # 3000 tokens: the limit is reached
        with pytest.raises(BudgetExceededError, match="3000 tokens used of max_tokens_total "
                                                      "3000"):
            await agent.run("3")


async def test_a_run_budget_is_shared_by_its_agents(responses_sim, anthropic_sim):
    run = Budget(max_cost_usd=0.01)
    responses_sim.script(Reply("openai", usage=CALL))
    anthropic_sim.script(Reply("claude", usage=CALL))
    claude = {"type": "claude", "model": "claude-sonnet-4-5", "base_url": anthropic_sim.base_url,
              "api_key": "k", "max_retries": 0}
    async with create_agent(config(responses_sim), budget=run) as first, \
            create_agent(claude, budget=run) as second:
        await first.run("a")  # $0.0075
        await second.run("b")  # + 1000*3 + 500*15 µ$ = $0.018: crosses, finishes
        with pytest.raises(BudgetExceededError, match="run budget spent: \\$0.018000"):
            await first.run("c")
    assert run.spent.cost_usd == pytest.approx(0.018)


async def test_the_crossing_turn_runs_its_remaining_tool_rounds(responses_sim):
    def lookup(key: str) -> str:
        """Look a key up."""
        return key.upper()

    responses_sim.script(Reply(tool_calls=[ToolCallSpec("lookup", {"key": "x"})], usage=CALL),
                         Reply("done looking", usage=CALL))
    async with create_agent(config(responses_sim), tools=[lookup], max_cost_usd=0.005) as agent:
        result = await agent.run("look x up")
        assert result.text == "done looking" and result.usage.requests == 2
        with pytest.raises(BudgetExceededError):
            await agent.run("again")


async def test_a_cost_limit_warns_once_when_calls_are_unpriced(responses_sim):
    responses_sim.script(Reply("a", usage=CALL), Reply("b", usage=CALL))
    async with create_agent(config(responses_sim, "gpt-99-preview"), max_cost_usd=1.0,
                            max_tokens_total=10_000) as agent:
        first = [e async for e in agent.stream("1")]
        second = [e async for e in agent.stream("2")]
    warnings = [e.message for e in first if isinstance(e, Notice)]
    assert warnings == ["max_cost_usd cannot count unpriced calls (gpt-99-preview (no price in "
                        "genai-prices for provider 'openai')); max_tokens_total still applies"]
    assert not [e for e in second if isinstance(e, Notice)]
    assert isinstance(second[-1], Done)


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="max_cost_usd must be > 0"):
        Budget(max_cost_usd=0)


async def test_a_failed_turn_still_counts_what_its_calls_cost(responses_sim):
    def lookup(key: str) -> str:
        """Look a key up."""
        return key

    responses_sim.script(Reply(tool_calls=[ToolCallSpec("lookup", {"key": "x"})], usage=CALL),
                         Fault.http(500))
    run = Budget(max_tokens_total=1500)
    async with create_agent(config(responses_sim), tools=[lookup], budget=run) as agent:
        events = [e async for e in agent.stream("x")]
        assert isinstance(events[-1], ErrorEvent) and events[-1].status == 500
        assert agent.usage.total_tokens == 0  # the turn was rolled back...
        assert run.spent.total_tokens == 1500  # ...but its first call was paid for
        with pytest.raises(BudgetExceededError):
            await agent.run("y")


async def test_budgets_from_yaml_stop_a_config_agent(responses_sim):
    from agentplug import ConfigError, parse_config

    text = (f"agent:\n  id: spender\n  max_cost_usd: 0.01\n  backend: {{type: openai, "
            f"model: gpt-4o, base_url: '{responses_sim.base_url}', api_key: k, "
            f"max_retries: 0}}\n")
    responses_sim.script(Reply("one", usage=CALL), Reply("two", usage=CALL))
    async with create_agent(parse_config(text).agent()) as agent:
        await agent.run("1")  # $0.0075
        await agent.run("2")  # $0.015: crosses, finishes
        with pytest.raises(BudgetExceededError, match="agent 'spender' budget spent"):
            await agent.run("3")
    with pytest.raises(ConfigError) as info:
        parse_config(text.replace("max_cost_usd: 0.01", "max_tokens_total: -5"),
                     source="b.yaml")
    (issue,) = info.value.issues
    assert (issue.file, issue.line, issue.key_path) == ("b.yaml", 3, "agent.max_tokens_total")

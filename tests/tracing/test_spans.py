"""Spans per the OpenTelemetry GenAI conventions, captured with the SDK's in-memory exporter:
names, kinds, attributes, parentage and error status for a tool-using turn, MCP tools, a
failover and a batch of concurrent turns."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from opentelemetry.trace import SpanKind, StatusCode

from agentplug import create_agent
from agentplug.core import tracing
from agentplug.core.params import MCPServerConfig
from agentplug.testing import Fault, Reply, ToolCallSpec

SHOUT_SERVER = str(Path(__file__).parent / "servers" / "trace_tools.py")
CALL = {"input": 1000, "output": 500}


def openai(sim, **extra):
    return {"type": "openai", "model": "gpt-4o", "base_url": sim.base_url, "api_key": "k",
            "max_retries": 0, **extra}


def by_name(spans):
    out = {}
    for s in spans:
        out.setdefault(s.name, []).append(s)
    return out


def parent_of(span):
    return span.parent.span_id if span.parent is not None else None


def weather(city: str) -> str:
    """Weather for a city; makes a span of its own, which must nest under execute_tool."""
    with tracing.span("lookup weather"):
        return f"{city}: sunny"


async def test_a_tool_using_turn(exporter, openai_sim):
    openai_sim.script(
        Reply(tool_calls=[ToolCallSpec("weather", {"city": "Oslo"}, id="call_1")], usage=CALL),
        Reply("Sunny in Oslo.", usage=CALL))
    async with create_agent(openai(openai_sim), tools=[weather], id="helper") as agent:
        await agent.run("Weather in Oslo?")
    spans = by_name(exporter.get_finished_spans())
    (turn,) = spans["invoke_agent helper"]
    chats = spans["chat gpt-4o"]
    (tool,) = spans["execute_tool weather"]
    (inner,) = spans["lookup weather"]
    assert turn.parent is None and turn.kind is SpanKind.INTERNAL
    assert len(chats) == 2 and all(c.kind is SpanKind.CLIENT for c in chats)
    assert {parent_of(c) for c in chats} == {parent_of(tool)} == {turn.context.span_id}
    assert parent_of(inner) == tool.context.span_id  # the tool's own work nests under it
    assert chats[0].end_time <= tool.start_time <= tool.end_time <= chats[1].start_time
    assert dict(turn.attributes) == {
        "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper",
        "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
        "agentplug.backend": "openai",
        "gen_ai.usage.input_tokens": 2000, "gen_ai.usage.output_tokens": 1000,
        "agentplug.cost_usd": 0.015, "agentplug.cost": "$0.015000"}
    first = dict(chats[0].attributes)
    assert first["gen_ai.operation.name"] == "chat"
    assert first["gen_ai.provider.name"] == "openai"
    assert (first["server.address"], first["server.port"]) == ("127.0.0.1", openai_sim.port)
    assert first["gen_ai.usage.input_tokens"] == 1000
    assert first["agentplug.cost_usd"] == 0.0075
    assert first["gen_ai.response.finish_reasons"] == ("tool_calls",)
    assert dict(chats[1].attributes)["gen_ai.response.finish_reasons"] == ("end_turn",)
    assert dict(tool.attributes) == {
        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "weather",
        "gen_ai.tool.call.id": "call_1", "gen_ai.tool.type": "function"}
    # Content is opt-in: nothing of the prompt, the answer or the tool's data by default.
    recorded = json.dumps([dict(s.attributes) for s in exporter.get_finished_spans()])
    assert "Oslo" not in recorded and "sunny" not in recorded
    assert all(s.status.status_code is StatusCode.UNSET for s in exporter.get_finished_spans())


async def test_content_is_recorded_only_on_opt_in(content, openai_sim):
    openai_sim.script(Reply(tool_calls=[ToolCallSpec("weather", {"city": "Oslo"})]),
                      Reply("Sunny in Oslo."))
    async with create_agent(openai(openai_sim), tools=[weather],
                            system_message="Be brief.") as agent:
        await agent.run("Weather in Oslo?")
    spans = by_name(content.get_finished_spans())
    turn = dict(spans["invoke_agent agent"][0].attributes)
    assert json.loads(turn["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}]
    first, second = (dict(s.attributes) for s in spans["chat gpt-4o"])
    assert json.loads(first["gen_ai.input.messages"])[1] == {
        "role": "user", "parts": [{"type": "text", "content": "Weather in Oslo?"}]}
    assert json.loads(second["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Sunny in Oslo."}]}]
    assert json.loads(second["gen_ai.input.messages"])[-1]["role"] == "tool"
    tool = dict(spans["execute_tool weather"][0].attributes)
    assert json.loads(tool["gen_ai.tool.call.arguments"]) == {"city": "Oslo"}
    assert tool["gen_ai.tool.call.result"] == "Oslo: sunny"


async def test_errors_mark_the_call_and_the_turn(exporter, openai_sim):
    openai_sim.script(Fault.http(400, message="unsupported parameter"))
    async with create_agent(openai(openai_sim)) as agent:
        events = [e async for e in agent.stream("x")]
    assert events[-1].type == "error"
    spans = by_name(exporter.get_finished_spans())
    for span in (spans["invoke_agent agent"][0], spans["chat gpt-4o"][0]):
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes["error.type"] == "ProviderError"
        assert "unsupported parameter" in span.status.description


async def test_a_failing_tool_is_an_error_span_in_a_turn_that_succeeds(exporter, openai_sim):
    def broken() -> str:
        """Always fails."""
        raise RuntimeError("disk on fire")

    openai_sim.script(Reply(tool_calls=[ToolCallSpec("broken", {})]), Reply("Sorry."))
    async with create_agent(openai(openai_sim), tools=[broken]) as agent:
        await agent.run("x")
    spans = by_name(exporter.get_finished_spans())
    tool = spans["execute_tool broken"][0]
    assert tool.status.status_code is StatusCode.ERROR
    assert tool.attributes["error.type"] == "tool_error"
    assert spans["invoke_agent agent"][0].status.status_code is StatusCode.UNSET


async def test_mcp_tools_are_execute_tool_spans_of_the_turn(exporter, chat_sim):
    chat_sim.script(Reply(tool_calls=[ToolCallSpec("mcp__t__shout", {"text": "hi"})]),
                    Reply("HI"))
    config = {"type": "chatcompletion", "model": "m", "base_url": chat_sim.base_url,
              "max_retries": 0,
              "mcp_servers": [MCPServerConfig(name="t", command=sys.executable,
                                              args=[SHOUT_SERVER]).model_dump()]}
    async with create_agent(config) as agent:
        assert (await agent.run("shout hi")).text == "HI"
    spans = by_name(exporter.get_finished_spans())
    (turn,) = spans["invoke_agent agent"]
    (tool,) = spans["execute_tool mcp__t__shout"]
    assert parent_of(tool) == turn.context.span_id
    assert tool.status.status_code is StatusCode.UNSET
    # A chatcompletion endpoint no table prices: the span says so instead of a $0.
    assert spans["chat m"][0].attributes["agentplug.cost"].startswith("unpriced: m")
    assert "agentplug.cost_usd" not in spans["chat m"][0].attributes


async def test_a_failover_is_two_chat_spans_under_the_turn(exporter, openai_sim, claude_sim):
    openai_sim.script(Fault.http(429))
    claude_sim.script(Reply("from claude", usage=CALL))
    config = {"type": "fallback", "backends": [
        {"type": "openai", "model": "gpt-4o", "base_url": openai_sim.base_url, "api_key": "a"},
        {"type": "claude", "model": "claude-sonnet-4-5", "base_url": claude_sim.base_url,
         "api_key": "b"}]}
    async with create_agent(config) as agent:
        await agent.run("x")
    spans = by_name(exporter.get_finished_spans())
    (turn,) = spans["invoke_agent agent"]
    (failed,) = spans["chat gpt-4o"]
    (answered,) = spans["chat claude-sonnet-4-5"]
    assert set(spans) == {"invoke_agent agent", "chat gpt-4o", "chat claude-sonnet-4-5"}
    assert parent_of(failed) == parent_of(answered) == turn.context.span_id
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.attributes["error.type"] == "RateLimitError"
    assert answered.status.status_code is StatusCode.UNSET
    assert answered.attributes["gen_ai.provider.name"] == "anthropic"
    assert answered.attributes["agentplug.cost_usd"] == 0.0105  # 1000*3 + 500*15 µ$
    assert turn.attributes["agentplug.cost_usd"] == 0.0105
    assert turn.status.status_code is StatusCode.UNSET  # the chain recovered


async def test_a_batch_of_concurrent_turns_nests_under_the_callers_spans(exporter, chat_sim):
    chat_sim.default = Reply("ok")
    config = {"type": "chatcompletion", "model": "m", "base_url": chat_sim.base_url,
              "max_retries": 0}

    async def task(n: int) -> None:
        with tracing.span(f"batch_task {n}", {"agentplug.batch.task_id": str(n)}):
            async with create_agent(config, id=f"worker{n}") as agent:
                await agent.run(f"task {n}")

    with tracing.span("invoke_workflow batch", {"gen_ai.operation.name": "invoke_workflow"}):
        await asyncio.gather(*(task(n) for n in range(3)))
    spans = by_name(exporter.get_finished_spans())
    (batch,) = spans["invoke_workflow batch"]
    for n in range(3):
        (task_span,) = spans[f"batch_task {n}"]
        (turn,) = spans[f"invoke_agent worker{n}"]
        (chat,) = [c for c in spans["chat m"] if parent_of(c) == turn.context.span_id]
        assert parent_of(task_span) == batch.context.span_id
        assert parent_of(turn) == task_span.context.span_id
        assert chat.context.trace_id == batch.context.trace_id


REMOTE = """
import json, sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from agentplug import tracing

memory = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(memory))
tracing.enable(provider)
with tracing.span("batch_task remote", carrier=json.loads(sys.argv[1])):
    pass
(span,) = memory.get_finished_spans()
print(f"{span.context.trace_id:032x} {span.parent.span_id:016x}")
"""


def test_work_in_another_process_joins_the_trace_through_a_carrier(exporter):
    import subprocess

    with tracing.span("invoke_workflow batch") as batch:
        carrier = tracing.carrier()
    assert tracing.carrier() == {}  # nothing is current any more
    done = subprocess.run([sys.executable, "-c", REMOTE, json.dumps(carrier)],
                          capture_output=True, text=True, timeout=60, check=True)
    trace_id, parent_id = done.stdout.split()
    assert (int(trace_id, 16), int(parent_id, 16)) == (batch.context.trace_id,
                                                       batch.context.span_id)


def test_provider_names_follow_the_conventions_list():
    from agentplug.core.pricing import FREE, PriceRef
    from agentplug.core.tracing import provider_name

    assert provider_name(PriceRef("google", "gemini-2.5-flash"), "gemini") == "gcp.gemini"
    assert provider_name(PriceRef("x-ai", "grok-4"), "grok") == "x_ai"
    assert provider_name(PriceRef("azure", "gpt-4o"), "azure_openai") == "azure.ai.openai"
    assert provider_name(PriceRef("anthropic", "claude-sonnet-4-5"), "claude") == "anthropic"
    assert provider_name(PriceRef(FREE, "qwen"), "vllm") == "vllm"


async def test_the_batch_runners_turns_nest_under_the_span_it_runs_in(exporter, chat_sim,
                                                                       tmp_path):
    from agentplug.batch import run_batch

    chat_sim.default = Reply("ok")
    (tmp_path / "a.yaml").write_text(
        f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {chat_sim.base_url}}}\n")
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"id": str(i), "prompt": f"task {i}"}) + "\n"
                             for i in range(4)))
    with tracing.span("invoke_workflow batch") as batch:
        stats = await run_batch(tmp_path / "a.yaml", tasks, tmp_path / "out.jsonl",
                                concurrency=2)
    assert stats.ok == 4
    spans = exporter.get_finished_spans()
    turns = [s for s in spans if s.name == "invoke_agent agent"]
    chats = [s for s in spans if s.name == "chat m"]
    assert len(turns) == len(chats) == 4
    assert all(s.context.trace_id == batch.context.trace_id for s in turns + chats)
    assert {parent_of(c) for c in chats} == {t.context.span_id for t in turns}
    # Each turn descends from the batch's span (through a per-task span, once the runner
    # makes one).
    by_id = {s.context.span_id: s for s in spans}
    for turn in turns:
        up = turn
        while up.parent is not None and up.parent.span_id != batch.context.span_id:
            up = by_id[up.parent.span_id]
        assert up.parent is not None, "a turn outside the batch's trace"


async def test_the_batch_runner_gives_each_task_a_span_under_the_batch(exporter, chat_sim,
                                                                      tmp_path):
    from agentplug.batch import run_batch

    chat_sim.default = Reply("done")
    config = tmp_path / "agent.yaml"
    config.write_text(f"agent:\n  backend: {{type: chatcompletion, model: m, "
                      f"base_url: '{chat_sim.base_url}', max_retries: 0}}\n")
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"id": f"t{n}", "prompt": f"task {n}"}) + "\n"
                             for n in range(3)))
    stats = await run_batch(config, tasks, tmp_path / "results.jsonl", concurrency=2)
    assert stats.ok == 3
    spans = by_name(exporter.get_finished_spans())
    (batch,) = spans["invoke_workflow batch"]
    turns = spans["invoke_agent agent"]
    for n in range(3):
        (task_span,) = spans[f"batch_task t{n}"]
        assert parent_of(task_span) == batch.context.span_id
        assert task_span.attributes["agentplug.batch.task_id"] == f"t{n}"
        (turn,) = [t for t in turns if parent_of(t) == task_span.context.span_id]
        assert turn.context.trace_id == batch.context.trace_id

"""The batch runner through its Python API, against the simulator over real HTTP."""

from __future__ import annotations

import base64
import json
from collections import Counter

import pytest

from agentplug import ConfigError, load_config
from agentplug.batch import Batch, run_batch
from batch_support import BatchSim, read_results, refused, write_tasks


async def test_faulty_batch_gives_one_line_per_id_and_a_rerun_skips_them(tmp_path):
    # 10% of tasks always fail (HTTP 400); 10% of all other responses fail transiently
    # (503, a dropped stream, a malformed chunk) and are retried by the batch. (1,000 tasks
    # run through the CLI in test_batch_cli.py; in process, the loop runs in debug mode.)
    n = 200
    tasks = write_tasks(tmp_path / "tasks.jsonl", n)
    out = tmp_path / "results.jsonl"
    with BatchSim(refuse=True, transient=0.10, seed=15) as sim:
        (tmp_path / "a.yaml").write_text(
            f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {sim.base_url}}}\n")
        stats = await run_batch(tmp_path / "a.yaml", tasks, out, concurrency=32)
        results = read_results(out)
        assert len(results) == n
        assert sorted(int(r["id"]) for r in results) == list(range(n))
        failed = {r["id"] for r in results if r["status"] == "failed"}
        assert failed == {str(i) for i in range(n) if refused(str(i))}
        for r in results:
            if r["status"] == "failed":
                assert r["error"]["type"] == "ProviderError"
                assert r["error"]["status"] == 400 and f"task {r['id']} refused" in \
                    r["error"]["message"]
                assert r["attempts"] == 1  # a 400 is not worth a retry
                assert sim.requests_for(r["id"]) == 1
            else:
                assert r["text"] == f"answer {r['id']}"
                assert r["stop_reason"] == "end_turn"
                assert r["attempts"] == sim.requests_for(r["id"])
                assert r["usage"]["input_tokens"] >= 10
        retried = [r for r in results if r["status"] == "ok" and r["attempts"] > 1]
        assert retried, "the transient faults were retried"
        assert (stats.ok, stats.failed) == (n - n // 10, n // 10)
        assert stats.failures == Counter({"ProviderError": n // 10})

        # A rerun with the same output has nothing left to do.
        before = len(sim.arrivals)
        again = await run_batch(tmp_path / "a.yaml", tasks, out, concurrency=32)
        assert (again.skipped, again.finished, len(sim.arrivals)) == (n, 0, before)
        assert len(read_results(out)) == n


async def test_result_fields_per_task_agent_system_message_and_events(tmp_path, sim, config):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        json.dumps({"id": 1, "prompt": "task 1", "metadata": {"row": 7}}) + "\n"
        + json.dumps({"id": "2", "prompt": "task 2", "agent": "other"}) + "\n"
        + json.dumps({"id": "3", "prompt": "task 3", "system_message": "Be terse."}) + "\n")
    out = tmp_path / "out.jsonl"
    await run_batch(config, tasks, out, events=True)
    by_id = {r["id"]: r for r in read_results(out)}
    assert by_id["1"]["metadata"] == {"row": 7}
    assert by_id["1"]["agent"] == "main" and by_id["2"]["agent"] == "other"
    first = by_id["1"]
    assert first["usage"]["input_tokens"] == 10 and first["usage"]["output_tokens"] == 5
    assert first["duration_s"] > 0 and first["started_at"].endswith("Z")
    assert [e["type"] for e in first["events"]][-1] == "done"
    assert "".join(e["text"] for e in first["events"] if e["type"] == "text_delta") == \
        "answer 1"
    bodies = {r.body["messages"][-1]["content"]: r.body for r in sim.requests}
    assert bodies["task 2"]["model"] == "other-model"
    assert bodies["task 2"]["messages"][0] == {"role": "system",
                                               "content": "You are the other agent."}
    assert bodies["task 3"]["messages"][0] == {"role": "system", "content": "Be terse."}
    assert bodies["task 1"]["messages"][0]["role"] == "user"  # main has no system message


async def test_attachments_are_sent_with_the_prompt(tmp_path, sim, config):
    (tmp_path / "notes.txt").write_text("the notes")
    png = base64.b64encode(b"\x89PNG fake").decode()
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"id": "1", "prompt": "task 1", "attachments": [
        {"path": "notes.txt"}, {"data": png, "mime_type": "image/png"}]}) + "\n")
    await run_batch(config, tasks, tmp_path / "out.jsonl")
    content = sim.requests[0].body["messages"][-1]["content"]
    assert content[0]["text"] == "task 1"
    assert "the notes" in content[1]["text"]
    assert content[2]["image_url"]["url"] == f"data:image/png;base64,{png}"


async def test_duplicate_ids_are_an_error_before_anything_runs(tmp_path, sim, config):
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "a", "prompt": "task 1"}\n{"id": "b", "prompt": "task 2"}\n'
                     '{"id": "a", "prompt": "task 3"}\n')
    with pytest.raises(ConfigError) as err:
        await run_batch(config, tasks, tmp_path / "out.jsonl")
    assert f"{tasks}:3: id: duplicate id 'a' (first on line 1)" in str(err.value)
    assert not sim.requests and not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("line,message", [
    ('{"id": "1", "promt": "x"}', ":1: prompt: Field required"),
    ('{"id": "1", "prompt": "x", "extra": 1}', "put your own fields under metadata"),
    ('{"id": "1", "prompt": "x", "agent": "nobody"}', "no agent 'nobody' in the config"),
    ('not json', ":1: not a JSON object"),
    ('{"id": "1", "prompt": "x", "attachments": [{"path": "missing.png"}]}',
     "attachments.0: file not found"),
    (None, "task file not found"),
])
async def test_bad_task_lines_name_file_line_and_key(tmp_path, sim, config, line, message):
    tasks = tmp_path / "tasks.jsonl"
    if line is not None:
        tasks.write_text(line + "\n")
    with pytest.raises(ConfigError, match="tasks.jsonl") as err:
        await run_batch(config, tasks, tmp_path / "out.jsonl")
    assert message in str(err.value)
    assert not sim.requests


async def test_max_cost_stops_starting_tasks(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 50)
    out = tmp_path / "out.jsonl"
    with BatchSim(cost=0.01) as sim:
        config = load_config_for(tmp_path, sim)
        stats = await run_batch(config, tasks, out, concurrency=2, max_cost=0.05)
    results = read_results(out)
    # Tasks running when the budget ran out still finish and are recorded.
    assert 5 <= len(results) <= 5 + 2
    assert all(r["cost_usd"] == pytest.approx(0.01) for r in results)
    assert stats.stopped and "--max-cost" in stats.stopped
    assert stats.cost_usd == pytest.approx(0.01 * len(results))


async def test_a_missing_key_stops_the_batch_and_records_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    (tmp_path / "a.yaml").write_text(
        "agent:\n  backend: {type: chatcompletion, provider: groq, model: m}\n")
    tasks = write_tasks(tmp_path / "tasks.jsonl", 20)
    from agentplug import MissingKeyError

    with pytest.raises(MissingKeyError):
        await run_batch(tmp_path / "a.yaml", tasks, tmp_path / "out.jsonl", concurrency=4)
    assert read_results(tmp_path / "out.jsonl") == []


async def test_stop_lets_running_tasks_finish_within_the_grace(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 40)
    out = tmp_path / "out.jsonl"
    with BatchSim(chunk_delay=0.05) as sim:
        config = load_config_for(tmp_path, sim)
        batch = Batch(config, tasks, out, concurrency=4, grace=5.0)

        class StopAfterThree:
            def start(self, stats): pass
            def update(self, stats):
                if stats.finished >= 3:
                    batch.stop("test")
            def finish(self, stats): pass

        batch.reporter = StopAfterThree()
        stats = await batch.run()
    results = read_results(out)
    assert 3 <= len(results) <= 3 + 4 and all(r["status"] == "ok" for r in results)
    assert stats.stopped == "test" and stats.remaining == 40 - len(results)


async def test_stop_twice_cancels_running_tasks_and_records_none_of_them(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 8)
    out = tmp_path / "out.jsonl"
    with BatchSim(chunk_delay=2.0) as sim:  # every answer takes seconds
        config = load_config_for(tmp_path, sim)
        batch = Batch(config, tasks, out, concurrency=4, grace=30.0)

        class StopTwiceOnFirstTick:
            def start(self, stats): pass
            def update(self, stats):
                batch.stop("test")
                batch.stop("test")
            def finish(self, stats): pass

        batch.reporter = StopTwiceOnFirstTick()
        stats = await batch.run()
        assert len(sim.arrivals) == 4  # four started, none finished
    assert read_results(out) == []
    assert stats.remaining == 8


def load_config_for(tmp_path, sim):
    path = tmp_path / "a.yaml"
    path.write_text(
        f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {sim.base_url}}}\n")
    return load_config(path)


def test_default_concurrency_comes_from_the_backend_declaration():
    from agentplug import parse_config
    from agentplug.batch.runner import (
        STATEFUL_CONCURRENCY, STATELESS_CONCURRENCY, agents_of, default_concurrency,
    )

    config = parse_config("agents:\n"
                          "  - {id: api, backend: {type: chatcompletion, model: m, "
                          "base_url: 'http://127.0.0.1:9/v1'}}\n"
                          "  - {id: session, backend: {type: claude_code}}\n")
    agents, first = agents_of(config)
    assert first == "api"
    assert default_concurrency(agents, {"api"}) == STATELESS_CONCURRENCY == 16
    # a Claude Code session is a process of ~200 MB: a batch that uses one runs few at once
    assert default_concurrency(agents, {"api", "session"}) == STATEFUL_CONCURRENCY == 2

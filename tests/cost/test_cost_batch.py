"""Cost in batch results: each task's line carries what its calls cost by the table."""

from __future__ import annotations

import json

import pytest

from agentplug.testing import Reply


async def test_batch_results_carry_each_tasks_cost(tmp_path, responses_sim, monkeypatch):
    from agentplug.batch import run_batch

    monkeypatch.setenv("OPENAI_API_KEY", "sk-batch")
    responses_sim.default = Reply("done", usage={"input": 1000, "output": 500})
    (tmp_path / "a.yaml").write_text(
        "agent:\n  backend: {type: openai, model: gpt-4o, base_url: "
        f"{responses_sim.base_url}}}\n")
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps({"id": str(i), "prompt": f"task {i}"}) + "\n"
                             for i in range(3)))
    out = tmp_path / "out.jsonl"
    stats = await run_batch(tmp_path / "a.yaml", tasks, out, concurrency=2)
    results = [json.loads(line) for line in out.read_text().splitlines()]
    # gpt-4o: 1000*2.5 + 500*10 µ$ per task
    assert [r["cost_usd"] for r in results] == [pytest.approx(0.0075)] * 3
    assert stats.cost_usd == pytest.approx(0.0225)

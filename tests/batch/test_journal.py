"""The results file as a journal: whole lines, a torn tail cut off, one line per id."""

from __future__ import annotations

import json
import time

import pytest

from agentplug import ConfigError
from agentplug.batch import run_batch
from agentplug.batch.journal import Journal
from agentplug.testing import Fault, Reply
from batch_support import BatchSim, read_results, write_tasks


def test_a_torn_last_line_is_cut_off_and_its_task_runs_again(tmp_path):
    out = tmp_path / "r.jsonl"
    out.write_text('{"id": "1", "status": "ok"}\n{"id": "2", "sta')
    with Journal(out) as journal:
        assert journal.done == {"1"}
        assert journal.repaired_bytes == len('{"id": "2", "sta')
        journal.write({"id": "2", "status": "ok"})
    assert [r["id"] for r in read_results(out)] == ["1", "2"]


def test_an_id_is_written_once(tmp_path):
    with Journal(tmp_path / "r.jsonl") as journal:
        journal.write({"id": "a"})
        with pytest.raises(RuntimeError, match="already has a result"):
            journal.write({"id": "a"})
    with Journal(tmp_path / "r.jsonl") as journal:
        assert journal.done == {"a"}
        with pytest.raises(RuntimeError):
            journal.write({"id": "a"})


def test_a_file_that_is_not_a_results_file_is_refused(tmp_path):
    out = tmp_path / "notes.jsonl"
    out.write_text('{"id": "1"}\nhello\n')
    with pytest.raises(ConfigError, match=r"notes.jsonl:2: not a result line"):
        Journal(out).open()
    assert out.read_text() == '{"id": "1"}\nhello\n'  # left as it was


async def test_rerun_after_a_partial_run_runs_only_the_rest(tmp_path, sim, config):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 10)
    out = tmp_path / "out.jsonl"
    out.write_text("".join(json.dumps({"id": str(i), "status": "ok"}) + "\n" for i in (0, 4, 9)))
    stats = await run_batch(config, tasks, out)
    assert stats.skipped == 3 and stats.ok == 7
    assert sorted(r.body["messages"][-1]["content"] for r in sim.requests) == \
        sorted(f"task {i}" for i in range(10) if i not in (0, 4, 9))
    assert sorted(int(r["id"]) for r in read_results(out)) == list(range(10))


async def test_retry_after_is_honoured(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 1)
    with BatchSim() as sim:
        sim.script(Fault.http(429, retry_after=0.6), Fault.http(503), Reply("finally"))
        (tmp_path / "a.yaml").write_text(
            f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {sim.base_url}}}\n")
        t0 = time.monotonic()
        await run_batch(tmp_path / "a.yaml", tasks, tmp_path / "out.jsonl")
        times = [t for t, _ in sim.arrivals]
    (result,) = read_results(tmp_path / "out.jsonl")
    assert (result["status"], result["text"], result["attempts"]) == ("ok", "finally", 3)
    assert len(times) == 3 and times[1] - times[0] >= 0.6  # as the provider asked
    assert time.monotonic() - t0 < 10


async def test_retries_give_up_and_record_the_last_error(tmp_path):
    tasks = write_tasks(tmp_path / "tasks.jsonl", 1)
    with BatchSim() as sim:
        sim.script(*[Fault.http(503, retry_after=0, message="still down")] * 3)
        (tmp_path / "a.yaml").write_text(
            f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {sim.base_url}}}\n")
        await run_batch(tmp_path / "a.yaml", tasks, tmp_path / "out.jsonl", retries=2)
        assert len(sim.arrivals) == 3
    (result,) = read_results(tmp_path / "out.jsonl")
    assert result["status"] == "failed" and result["attempts"] == 3
    assert result["error"]["status"] == 503 and result["error"]["retryable"] is True
    assert "still down" in result["error"]["message"]

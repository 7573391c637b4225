"""The batch on a real multi-node Ray cluster on 127.0.0.1 (a head and two worker nodes):
tasks spread over the nodes, one global rate limit, a worker node removed mid-batch."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Any

import pytest

from agentplug.batch import Batch, RateLimit
from agentplug.batch.ray_driver import RayExecutor
from agentplug import load_config
from batch_support import BatchSim, config_text, max_in_window, read_results, run_cli, write_tasks

pytestmark = [pytest.mark.ray, pytest.mark.timeout(240)]
ray = pytest.importorskip("ray")


def ray_pids(root: str) -> set[int]:
    """Every process of the Ray cluster under ``root`` (its own temp dir): the GCS server,
    raylets, their agents and monitors. Another run's cluster is never matched."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout
    return {int(line.split(None, 1)[0]) for line in out.splitlines()
            if root in line and "ps -eo" not in line}


def stop_ray(root: str) -> set[int]:
    """Wait for the cluster's processes to go; kill (by PID) and return any still there."""
    deadline = time.monotonic() + 20
    while ray_pids(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = ray_pids(root)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while ray_pids(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def remove_root(root: str) -> None:
    shutil.rmtree(root, ignore_errors=True)
    # Clusters whose start failed in earlier runs may have written their logs after their
    # run removed the dir: clear such dirs, old and used by no process (not a concurrent
    # run's new one).
    for name in os.listdir("/tmp"):
        stale = os.path.join("/tmp", name)
        if name.startswith("agentplug-ray-") and time.time() - os.path.getmtime(stale) > 600 \
                and not ray_pids(stale):
            shutil.rmtree(stale, ignore_errors=True)


def start_cluster(root: str) -> Any:
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "include_dashboard": False, "temp_dir": root})
    workers = [c.add_node(num_cpus=1, temp_dir=root) for _ in range(2)]
    c.wait_for_nodes()
    return c, workers


@pytest.fixture(scope="module")
def cluster():
    os.environ["RAY_DISABLE_USAGE_STATS"] = "1"
    root = tempfile.mkdtemp(prefix="agentplug-ray-", dir="/tmp")  # short: socket paths
    try:
        try:
            c, workers = start_cluster(root)
        except Exception as exc:
            # Ray gives a node 30 s to register (hard-coded in ray._private.node); a machine
            # loaded far beyond its cores cannot start one in time.
            stop_ray(root)
            pytest.skip(f"Ray could not start a node here (load {os.getloadavg()[0]:.1f} on "
                        f"{os.cpu_count()} cores): {exc}")
        try:
            yield c, workers
        finally:
            ray.shutdown()
            c.shutdown()
            left = stop_ray(root)
        assert not left, f"Ray processes were left running: {left}"
    finally:
        remove_root(root)


@pytest.fixture
def ray_sim():
    with BatchSim(chunk_delay=0.05) as simulator:
        yield simulator


def test_cli_spreads_tasks_over_the_nodes(tmp_path, cluster, ray_sim):
    c, _ = cluster
    config = tmp_path / "agents.yaml"
    config.write_text(config_text(ray_sim.base_url))
    tasks = write_tasks(tmp_path / "tasks.jsonl", 60)
    out = tmp_path / "results.jsonl"
    done = run_cli("--ray", c.address, "-c", str(config), str(tasks), "-o", str(out), "-j", "4",
                   timeout=180)
    assert done.returncode == 0, done.stderr
    results = read_results(out)
    assert sorted(int(r["id"]) for r in results) == list(range(60))
    nodes = {r["node"] for r in results}
    assert len(nodes) == 3  # the head and both workers ran tasks
    assert all(r["status"] == "ok" and r["text"] == f"answer {r['id']}" for r in results)


async def test_a_node_lost_mid_batch_loses_nothing_and_the_limit_stays_global(
        tmp_path, cluster, ray_sim):
    c, workers = cluster
    config = tmp_path / "agents.yaml"
    config.write_text(config_text(ray_sim.base_url))
    agents = {a.id: a for a in load_config(config).agents}
    n = 120
    tasks = write_tasks(tmp_path / "tasks.jsonl", n)
    out = tmp_path / "results.jsonl"
    limits = {"chatcompletion": RateLimit(requests=30, period=1.0)}
    from agentplug.batch.runner import _limits

    executor = RayExecutor(agents, _limits(limits), address=c.address, per_node=6)
    batch = Batch(agents, tasks, out, executor=executor)
    removal: list[asyncio.Task[None]] = []
    victim = workers[0]

    class RemoveANodeAtAQuarter:
        def start(self, stats): pass
        def update(self, stats):
            if stats.finished >= n // 4 and not removal:
                removal.append(asyncio.create_task(asyncio.to_thread(c.remove_node, victim)))
        def finish(self, stats): pass

    batch.reporter = RemoveANodeAtAQuarter()
    stats = await batch.run()
    await asyncio.gather(*removal)
    results = read_results(out)
    ids = [r["id"] for r in results]
    assert len(ids) == n and set(ids) == {str(i) for i in range(n)}  # none lost, none twice
    assert stats.ok == n
    nodes = {r["node"] for r in results}
    assert victim.node_id in nodes and len(nodes) == 3
    late = results[n // 2:]
    assert victim.node_id not in {r["node"] for r in late}  # the rest ran elsewhere
    requeued = [r for r in results if r.get("requeued")]
    assert requeued, "tasks in flight on the lost node ran again elsewhere"
    assert all(r["node"] != victim.node_id for r in requeued)
    # one limiter for the whole cluster: 30 requests in any second, over all nodes
    assert max_in_window([t for t, _ in ray_sim.arrivals], 1.0) <= 30

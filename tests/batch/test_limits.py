"""Rate limits: MassGen's file shape, sliding windows, and the limits holding on the wire."""

from __future__ import annotations

import pytest

from agentplug import ConfigError
from agentplug.batch import RateLimit, RateLimits, parse_rate_limits, run_batch
from agentplug.batch.limits import LimitKey, WindowLimiter
from batch_support import BatchSim, max_in_window, write_tasks

# massgen/configs/rate_limits/rate_limits.yaml as MassGen ships it (comments trimmed)
MASSGEN = """\
gemini:
  # Gemini 2.5 Flash Model
  gemini-2.5-flash:
    rpm: 9        # Conservative: 9 instead of 10
    tpm: 240000
    rpd: 245
  gemini-2.5-pro:
    rpm: 2
    tpm: 120000
    rpd: 48
  default:
    rpm: 7
    tpm: 100000
    rpd: 100
# openai:
#   gpt-4:
#     rpm: 500
"""


def test_massgen_rate_limits_file_is_accepted():
    limits = parse_rate_limits(MASSGEN)
    flash = limits.for_call("gemini", "gemini-2.5-flash")
    assert {(str(k), lim) for k, lim in flash} == {
        ("gemini/gemini-2.5-flash", RateLimit(requests=9, period=60)),
        ("gemini/gemini-2.5-flash", RateLimit(tokens=240000, period=60)),
        ("gemini/gemini-2.5-flash", RateLimit(requests=245, period=86400)),
    }
    # a model not listed gets the provider's default limits, on its own window
    other = limits.for_call("gemini", "gemini-3-pro")
    assert {lim.requests for _, lim in other if lim.period == 60} == {7, None}
    assert all(k == LimitKey("gemini", "gemini-3-pro") for k, _ in other)
    assert limits.for_call("openai", "gpt-5") == []


def test_provider_wide_limits_add_to_model_limits():
    limits = parse_rate_limits("openai:\n  rpm: 100\n  gpt-5: {tpm: 5000}\n")
    keys = {str(k): lim for k, lim in limits.for_call("openai", "gpt-5")}
    assert keys == {"openai": RateLimit(requests=100), "openai/gpt-5": RateLimit(tokens=5000)}


@pytest.mark.parametrize("text,message", [
    ("gemini:\n  flash:\n    rpm: 9\n    rpmm: 3\n", "<f>:4: gemini.flash.rpmm: unknown key"),
    ("gemini:\n  flash:\n    rpm: -1\n", "<f>:3: gemini.flash.rpm: must be a positive whole"),
    ("gemini: 5\n", "<f>:1: gemini: a provider maps model names to limits"),
    ("- a\n", "rate limits are a mapping"),
    ("gemini: [\n", "invalid YAML"),
])
def test_bad_rate_limits_are_located(text, message):
    with pytest.raises(ConfigError) as err:
        parse_rate_limits(text, source="<f>")
    assert message in str(err.value)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_request_window_slides_from_each_calls_first_byte():
    clock = Clock()
    limiter = WindowLimiter(RateLimits({LimitKey("p"): [RateLimit(requests=2, period=10)]}, {}),
                            clock=clock)
    wait, first = limiter.try_acquire("p", "m")
    assert wait == 0
    clock.now += 1
    limiter.mark_started(first)  # answered at 1001: it leaves the window at 1011
    clock.now += 3
    wait, second = limiter.try_acquire("p", "m")
    assert wait == 0
    # the second call has no answer yet: it holds its place however long it takes
    assert limiter.try_acquire("p", "m") == (7.0, None)  # until the first leaves
    clock.now += 7
    assert limiter.try_acquire("p", "m")[0] == 0
    assert limiter.try_acquire("p", "m")[0] > 0  # the pending second still counts
    limiter.settle(second, None)  # it failed without an answer, dated by its end
    clock.now += 9.99
    assert limiter.try_acquire("p", "m")[0] > 0
    clock.now += 0.01
    assert limiter.try_acquire("p", "m")[0] == 0


def test_token_reservations_are_settled_to_the_real_count():
    clock = Clock()
    limiter = WindowLimiter(RateLimits({LimitKey("p", "m"): [RateLimit(tokens=200, period=60)]},
                                       {}), clock=clock)
    _, first = limiter.try_acquire("p", "m", estimate=10)
    limiter.settle(first, 90)  # it really used 90
    wait, second = limiter.try_acquire("p", "m", estimate=5)
    assert wait == 0 and second[0][2].tokens == 90  # the mean of what calls really used
    limiter.settle(second, 10)  # 100 in the window; the mean is now 50
    wait, third = limiter.try_acquire("p", "m")
    assert wait == 0 and third[0][2].tokens == 50
    assert limiter.try_acquire("p", "m")[0] == 0  # 100 + 50 + 50 pending fits 200
    assert limiter.try_acquire("p", "m")[0] == 60  # not one more until the first leaves
    clock.now += 60
    assert limiter.try_acquire("p", "m")[0] == 0


async def test_request_limit_holds_in_the_simulators_request_log(tmp_path):
    # 5 requests per second, shared by 8 concurrent tasks and their retries: the requests
    # the simulator received never exceed 5 in any second.
    tasks = write_tasks(tmp_path / "tasks.jsonl", 15)
    with BatchSim(transient=0.2, seed=3) as sim:
        (tmp_path / "a.yaml").write_text(
            f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {sim.base_url}}}\n")
        stats = await run_batch(tmp_path / "a.yaml", tasks, tmp_path / "out.jsonl",
                                concurrency=8,
                                rate_limits={"chatcompletion": RateLimit(requests=5, period=1.0)})
        times = [t for t, _ in sim.arrivals]
    assert stats.ok == 15
    assert len(times) > 15  # some were retried
    assert max_in_window(times, 1.0) <= 5
    assert max(times) - min(times) < len(times) / 5 + 3  # and it did not crawl either


async def test_token_limit_holds_in_the_simulators_request_log(tmp_path):
    # each call uses 15 tokens (10 in, 5 out); 45 per second allows 3 calls a second once
    # the first call's real count is known
    tasks = write_tasks(tmp_path / "tasks.jsonl", 12)
    with BatchSim() as sim:
        (tmp_path / "a.yaml").write_text(
            f"agent:\n  backend: {{type: chatcompletion, model: m, base_url: {sim.base_url}}}\n")
        await run_batch(tmp_path / "a.yaml", tasks, tmp_path / "out.jsonl", concurrency=1,
                        rate_limits={"chatcompletion/m": RateLimit(tokens=45, period=1.0)})
        times = [t for t, _ in sim.arrivals]
    assert len(times) == 12
    assert max_in_window(times, 1.0) <= 3

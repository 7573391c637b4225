"""Hostile configs: generated, mutated and damaged YAML through ``parse_config`` and
``agentplug check``. The only outcomes are a config or a located ``ConfigError``, in time."""

from __future__ import annotations

import contextlib
import io
import time
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from agentplug import ConfigError, parse_config
from agentplug.cli import main
from fuzz_support import REPO, budget

SOURCE = "fuzz.yaml"
SECONDS = 5.0  # generous on a shared 2-core machine; a bomb or a hang takes far longer
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
SEEDS = [p.read_text(encoding="utf-8") for p in EXAMPLES]
KEYS = ["agent", "agents", "id", "backend", "type", "model", "api_key", "base_url",
        "temperature", "max_tokens", "max_tool_rounds", "system_message", "mcp_servers",
        "name", "command", "args", "env", "url", "headers", "timeout", "enable_web_search",
        "enable_code_execution", "code_execution_config", "executor", "llm", "team",
        "provider", "thinking_budget", "reasoning_effort", "agent_config", "toolsets"]
YAML_BITS = ["[", "]", "{", "}", ":", ": ", ",", "-", "- ", "&a", "*a", "!!", "!!float",
             "!!int", "!!binary", "!!timestamp", "!!python/object", "|", ">", "'", '"', "#",
             "%YAML 1.1\n", "---\n", "...\n", "? ", "<<: *a", "\t", "\n", "  ", "${X}",
             "${AP_FUZZ_UNSET:-d}", "\x00", "\x07", "\ufeff", "\u2028", "é", "💥"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=40), st.sampled_from(["", "*", "~", "null", "yes", "0x1F", "1e999",
                                           "${HOME}", "${AP_FUZZ_UNSET}", "nope", "-1"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8),
                                                 inner, max_size=4)), max_leaves=12)


def check_outcome(text: str) -> None:
    """One parse: a Config, or a ConfigError whose every issue names the file (and its line
    wherever it names a key), within SECONDS."""
    start = time.monotonic()
    try:
        parse_config(text, source=SOURCE)
    except ConfigError as exc:
        assert exc.issues, "a ConfigError with no issue"
        for issue in exc.issues:
            assert issue.file == SOURCE, issue
            assert issue.message, issue
            if issue.key_path:
                assert issue.line is not None, issue
        str(exc)  # renders
    elapsed = time.monotonic() - start
    assert elapsed < SECONDS, f"parse took {elapsed:.1f}s"


def mutate_data(data: Any, draw: Any) -> Any:
    """Type confusion, deleted and misspelt keys, odd values, anywhere in the tree."""
    if isinstance(data, dict) and data:
        key = draw(st.sampled_from(sorted(data, key=str)))
        action = draw(st.sampled_from(["delete", "misspell", "replace", "recurse", "add"]))
        data = dict(data)
        if action == "delete":
            del data[key]
        elif action == "misspell" and isinstance(key, str) and key:
            i = draw(st.integers(0, len(key) - 1))
            typo = key[:i] + draw(st.sampled_from(["", "_", key[i] * 2, "x"])) + key[i + 1:]
            data[typo] = data.pop(key)
        elif action == "replace":
            data[key] = draw(values)
        elif action == "add":
            data[draw(st.sampled_from(KEYS))] = draw(values)
        else:
            data[key] = mutate_data(data[key], draw)
        return data
    if isinstance(data, list) and data:
        i = draw(st.integers(0, len(data) - 1))
        data = list(data)
        data[i] = mutate_data(data[i], draw) if draw(st.booleans()) else draw(values)
        return data
    return draw(values)


@st.composite
def mutated_configs(draw: Any) -> str:
    data = yaml.safe_load(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        data = mutate_data(data, draw)
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()), sort_keys=False)


@st.composite
def damaged_text(draw: Any) -> str:
    """Raw-text damage to a real config: cut, duplicated, spliced with YAML syntax."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 80)))
        action = draw(st.sampled_from(["cut", "dup", "insert", "replace", "truncate"]))
        if action == "cut":
            text = text[:i] + text[j:]
        elif action == "dup":
            text = text[:j] + text[i:j] * draw(st.integers(1, 50)) + text[j:]
        elif action == "truncate":
            text = text[:i]
        else:
            bit = draw(st.sampled_from(YAML_BITS) | st.text(max_size=5))
            text = text[:i] + bit + text[j if action == "replace" else i:]
    return text


@st.composite
def hostile_constructs(draw: Any) -> str:
    """The shapes that knock naive loaders over: alias fan-outs, deep nesting, bad tags."""
    kind = draw(st.sampled_from(["aliases", "flow", "block", "tag", "long", "merge"]))
    if kind == "aliases":
        levels, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
        lines = ["a0: &a0 [" + draw(st.sampled_from(["x", "'" + "y" * 1000 + "'"])) + "]"]
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]"
                  for i in range(1, levels + 1)]
        return "agent:\n  backend: {type: chatcompletion, model: m}\n" + "\n".join(lines)
    if kind == "merge":
        n = draw(st.integers(1, 10))
        lines = ["b0: &b0 {k: v}"] + [f"b{i}: &b{i} {{<<: [*b{i - 1}, *b{i - 1}], k{i}: v}}"
                                      for i in range(1, n)]
        return "\n".join(lines) + f"\nagent: {{backend: *b{n - 1}}}\n"
    if kind == "flow":
        depth = draw(st.integers(1, 6000))
        open_, close = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
        return "agent: " + open_ * depth + "1" * (open_ == "{a: ") + close * depth
    if kind == "block":
        depth = draw(st.integers(1, 600))
        return "agent:\n" + "".join(" " * i + "k:\n" for i in range(1, depth))
    if kind == "long":
        piece = draw(st.sampled_from(["x", "${A:-", "${", "'", "\\", "é"]))
        n = draw(st.integers(1, 300_000))
        return "agent:\n  backend: {type: chatcompletion, model: m}\n  system_message: '" + \
            piece * n + "'\n"
    tag = draw(st.sampled_from(["!!float", "!!int", "!!bool", "!!timestamp", "!!binary",
                                "!!null", "!!str", "!!map", "!!seq", "!!set", "!!omap",
                                "!!python/name:os.system", "!custom"]))
    value = draw(st.sampled_from(["nope", "1", "[1]", "{a: 1}", "2026-13-45", "===", "''"]))
    key = draw(st.sampled_from(["max_tool_rounds", "id", "system_message", "backend"]))
    return f"agent:\n  backend: {{type: chatcompletion, model: m}}\n  {key}: {tag} {value}\n"


@budget(normal=150, long=4_000)
@given(mutated_configs())
def test_mutated_configs_parse_or_fail_located(text: str) -> None:
    check_outcome(text)


@budget(normal=150, long=4_000)
@given(damaged_text())
def test_damaged_text_parses_or_fails_located(text: str) -> None:
    check_outcome(text)


@budget(normal=60, long=2_000)
@given(hostile_constructs())
def test_hostile_constructs_are_located_errors(text: str) -> None:
    check_outcome(text)


@budget(normal=40, long=1_000)
@given(st.one_of(mutated_configs(), damaged_text(), hostile_constructs()))
def test_agentplug_check_exits_0_or_1(tmp_path_factory: Any, text: str) -> None:
    path = tmp_path_factory.mktemp("cfg") / SOURCE
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path)])
    assert time.monotonic() - start < SECONDS
    assert code in (0, 1), (code, err.getvalue()[-2000:])
    assert "Traceback" not in err.getvalue()
    if code == 1:
        assert f"{path}" in err.getvalue()

"""``agentplug check`` over a MassGen checkout's shipped configs: how many pass, and why the
others fail.

    .venv/bin/python bench/massgen_configs.py CHECKOUT [--json]

CHECKOUT is a MassGen checkout (the directory holding ``massgen/configs``), a directory
holding ``configs/`` (the test suite's sample), or any directory of MassGen YAML files.
Each file is checked from CHECKOUT, as MassGen's users run it from their checkout (its
configs name tool files and attachments from the repository root), with no provider key or
token in the environment.

Each file lands in one class:

- ``pass``: ``check`` exits 0;
- ``must-fail``: it fails, and every reason is one MassGen ships on purpose (a misspelt tool
  function, a tool of MassGen's own library named with no path, a path on its author's
  machine, an attachment left as a placeholder, a tool entry naming more tools than
  functions, which MassGen's own loader skips with an error) -- not counted in the figure;
- ``not-an-agent-config``: ``rate_limits/`` (rate limits, not agents);
- ``fail``: anything else, listed with its first reason.

The figure is ``pass / (pass + fail)``: of the agent configs that should pass, how many do.
A traceback anywhere is a failure of the script (exit 2).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Reasons MassGen's own files fail with on purpose; a file is `must-fail` when all of its
# problems match one of these (so a real gap in agentplug is never hidden behind them).
MUST_FAIL = {
    "misspelt tool function": re.compile(r"\.function(\[\d+\])?: no function 'wrong_"),
    "library tool with no path": re.compile(r"\.function(\[\d+\])?: custom tool .* has no "
                                            r"`path` or `module`"),
    "path on its author's machine": re.compile(r": tool file '/(Users|home)/[^']*' not found"),
    "placeholder attachment": re.compile(r"upload_files\[\d+\]\.\w+_path: file "
                                         r"'[^'/]* or [^']*' not found"),
    # MassGen's loader logs this as an error and skips the tool (_process_field_for_functions)
    "name list longer than its functions": re.compile(
        r"custom_tools\[\d+\]: Value error, `name` lists \d+ entries for \d+ function"),
}
NOT_AGENT_CONFIG = ("rate_limits/",)
_PROBLEM = re.compile(r"^  \S+?:\d+: (\S+): (.+)$", re.M)
_SECRET_VARS = re.compile(r"(_API_KEY|_TOKEN|_TOKEN_\w+|_SECRET|_SECRET_KEY)$")


@dataclass(slots=True)
class Result:
    file: str
    verdict: str  # pass | must-fail | not-an-agent-config | fail | traceback
    reasons: list[str] = field(default_factory=list)
    must_fail_as: str | None = None


def config_files(root: Path) -> tuple[Path, list[Path]]:
    """(the directory files are named from, the YAML files) under ``root``."""
    base = next((d for d in (root / "massgen" / "configs", root / "configs") if d.is_dir()),
                root)
    return base, sorted(p for p in base.rglob("*.yaml") if p.is_file())


def check_one(path: Path) -> tuple[int, str]:
    """``agentplug check`` in this process: (exit code, stderr + stdout)."""
    from agentplug.commands.check import check

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = check(argparse.Namespace(config=str(path), strict=False, massgen=False))
    return code, err.getvalue() + out.getvalue()


def classify(rel: str, code: int, text: str) -> Result:
    if rel.startswith(NOT_AGENT_CONFIG):
        return Result(rel, "not-an-agent-config")
    if code == 0:
        return Result(rel, "pass")
    problems = [f"{key}: {msg}" for key, msg in _PROBLEM.findall(text)] or [text.strip()]
    kinds = set()
    for problem in problems:
        kind = next((k for k, rx in MUST_FAIL.items() if rx.search(problem)), None)
        if kind is None:
            return Result(rel, "fail", problems)
        kinds.add(kind)
    return Result(rel, "must-fail", problems, ", ".join(sorted(kinds)))


def measure(root: Path) -> list[Result]:
    base, files = config_files(root)
    saved = dict(os.environ)
    here = Path.cwd()
    for var in list(os.environ):
        if _SECRET_VARS.search(var):
            del os.environ[var]
    os.chdir(root)
    results = []
    try:
        for path in files:
            rel = path.relative_to(base).as_posix()
            try:
                code, text = check_one(path)
            except Exception as exc:  # what the CLI would print as a traceback
                results.append(Result(rel, "traceback", [f"{type(exc).__name__}: {exc}"]))
                continue
            if "Traceback (most recent call last)" in text:
                results.append(Result(rel, "traceback", [text.strip()]))
                continue
            results.append(classify(rel, code, text))
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)
    return results


def summary(results: list[Result]) -> dict[str, int]:
    counts = Counter(r.verdict for r in results)
    should = counts["pass"] + counts["fail"] + counts["traceback"]
    return {"files": len(results), "pass": counts["pass"], "fail": counts["fail"],
            "traceback": counts["traceback"], "must_fail": counts["must-fail"],
            "not_an_agent_config": counts["not-an-agent-config"], "should_pass": should}


def report(results: list[Result]) -> str:
    s = summary(results)
    pct = 100 * s["pass"] / s["should_pass"] if s["should_pass"] else 100.0
    lines = [f"{s['files']} files: {s['pass']} of {s['should_pass']} agent configs that "
             f"should pass do ({pct:.1f}%); {s['must_fail']} fail as MassGen ships them "
             f"(on purpose); {s['not_an_agent_config']} not an agent config; "
             f"{s['traceback']} traceback(s)"]
    for verdict in ("traceback", "fail", "must-fail"):
        for r in (r for r in results if r.verdict == verdict):
            why = r.must_fail_as or r.reasons[0]
            lines.append(f"  {verdict}: {r.file}: {why}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a MassGen checkout or a directory of "
                                                    "MassGen YAML files")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    args = parser.parse_args(argv)
    root = args.checkout.resolve()
    if not root.is_dir():
        parser.error(f"{root} is not a directory")
    results = measure(root)
    if args.json:
        for r in results:
            print(json.dumps(asdict(r)))
    else:
        print(report(results))
    return 2 if any(r.verdict == "traceback" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

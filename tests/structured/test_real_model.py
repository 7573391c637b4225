"""The embedded SmolLM2-135M behind the real llama.cpp server (llama-cpp-python), its
decoding constrained by the schema's grammar: a small schema (three fields, one enum, one
list) validates in at least 9 runs of 10."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field

from agentplug import create_agent
from agentplug.core.messages import UserMessage
from agentplug.core.structured import Output, StructuredOutputError

# ~15 s a run on 2 busy cores; the server starts once (~10 s).
pytestmark = [pytest.mark.real_model, pytest.mark.timeout(900)]


def _have_model() -> bool:
    if importlib.util.find_spec("llama_cpp") is None:
        return False
    from agentplug.plugins.local.model import embedded_model_path

    return embedded_model_path() is not None


needs_model = pytest.mark.skipif(not _have_model(), reason="the local extra is not installed "
                                 "(bash scripts/setup.sh)")


class Pet(BaseModel):
    # Bounded, so the grammar closes the object within max_tokens (a 135M model otherwise
    # lists toys until the budget cuts the JSON off: 8 of 10 valid, seen here).
    name: str = Field(max_length=20)
    kind: Literal["cat", "dog", "bird"]
    toys: list[Annotated[str, Field(max_length=20)]] = Field(max_length=3)


@needs_model
async def test_the_embedded_model_constrained_by_the_schema_answers_valid_objects():
    prompts = [f"Invent a pet number {i} with a name, a kind and its toys, as JSON."
               for i in range(10)]
    valid, seen = 0, []
    agent = create_agent({"type": "local", "temperature": 0.7, "max_tokens": 128,
                          "seed": 7}, output_retries=0)
    async with agent:
        for prompt in prompts:
            await agent.reset()
            try:
                pet = await agent.run(prompt, output_type=Pet)
            except StructuredOutputError as exc:
                seen.append(exc.raw)
                continue
            valid += isinstance(pet, Pet)
            seen.append(pet)
        # what the server got: the schema as its grammar's source, in the shape it knows
        shaped = agent.backend.output_request([UserMessage.of("x")], [],
                                              Output(Pet).spec("native"))
        assert shaped["response_format"]["type"] == "json_object"
        assert shaped["response_format"]["schema"]["properties"]["kind"]["enum"] == [
            "cat", "dog", "bird"]
    assert valid >= 9, seen


@needs_model
def test_the_real_servers_request_model_takes_json_object_with_a_schema_only():
    """What the llama_cpp dialect of the simulator mirrors: json_schema is refused (the server
    answers 422), json_object carries the schema."""
    from llama_cpp.server.types import CreateChatCompletionRequest
    from pydantic import ValidationError

    from agentplug.testing.structured import llama_cpp_problem

    messages = [{"role": "user", "content": "x"}]
    refused = {"messages": messages, "response_format": {
        "type": "json_schema", "json_schema": {"name": "Pet", "schema": {"type": "object"}}}}
    with pytest.raises(ValidationError, match="'text' or 'json_object'"):
        CreateChatCompletionRequest.model_validate(refused)
    assert llama_cpp_problem(refused) is not None
    taken = {"messages": messages, "response_format": {"type": "json_object",
                                                       "schema": {"type": "object"}}}
    assert CreateChatCompletionRequest.model_validate(taken).response_format == taken[
        "response_format"]
    assert llama_cpp_problem(taken) is None


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@needs_model
def test_the_examples_answer_with_a_valid_pet():
    """examples/structured_output.yaml through `agentplug run`, and the Python example."""
    schema = json.loads((EXAMPLES / "pet.schema.json").read_text())
    done = subprocess.run([str(Path(sys.executable).parent / "agentplug"), "run", "-c",
                           str(EXAMPLES / "structured_output.yaml"), "Invent a pet, as JSON."],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    Output(schema).parse_data(json.loads(done.stdout))  # raises unless it validates
    script = subprocess.run([sys.executable, str(EXAMPLES / "structured_output.py")],
                            capture_output=True, text=True, timeout=600)
    assert script.returncode == 0, script.stderr
    lines = script.stdout.splitlines()
    assert lines[0].startswith("Pet(") and lines[-1].startswith("final ")

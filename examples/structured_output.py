"""Typed answers from Python (docs/structured_output.md): a pydantic model in, an instance
out, on the embedded local model (no key needed).

Run: .venv/bin/python examples/structured_output.py
"""

import asyncio
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from agentplug import StructuredOutput, create_agent


class Pet(BaseModel):
    # Bounded: a grammar-constrained small model stops only when the schema lets it.
    name: str = Field(max_length=20)
    kind: Literal["cat", "dog", "bird"]
    toys: list[Annotated[str, Field(max_length=20)]] = Field(max_length=3)


async def main() -> None:
    async with create_agent({"type": "local", "max_tokens": 128}) as agent:
        pet = await agent.run("Invent a pet, as JSON.", output_type=Pet)
        print(repr(pet))
        # Streamed: the object as it grows, then the validated instance.
        async for event in agent.stream("Invent another one.", output_type=Pet):
            if isinstance(event, StructuredOutput):
                print("partial" if event.partial else "final", event.value)


if __name__ == "__main__":
    asyncio.run(main())

from __future__ import annotations

from wire_support import wire_fixtures

from gemini_support import WIRE

sim, make_agent = wire_fixtures(WIRE, unset=("GOOGLE_API_KEY",))

"""Conversions from agentplug's neutral messages and tools to each provider's wire format.

One module per format; none imports a provider SDK (they build plain dicts).
"""

"""The built-in plugins: one package per backend type, loaded through the same hooks as any
third-party plugin.

``plugins/<type>/__init__.py`` is the backend's declaration (its ``BackendSpec``, registered
by a ``register_backends`` hook; it imports no SDK and no pydantic, so that the CLI starts
fast), ``plugins/<type>/params.py`` its params model, named in the spec by its path, and
``plugins/<type>/backend.py`` its runtime. Code several backends share is named for what it
shares: ``agentplug.formats.<wire>`` and ``agentplug.testing.<wire>`` for a wire format, and
``agentplug.sdk`` for the runtime over provider SDKs (see docs/plugins.md).
"""

"""Runtime plumbing shared by the backends that speak through a provider SDK."""

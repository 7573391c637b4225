"""CLI subcommands: each public module here defines ``register(subparsers)``."""

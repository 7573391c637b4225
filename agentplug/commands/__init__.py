"""CLI subcommands: each public module here defines ``register(subparsers)``; its handler
returns one of the exit codes below."""

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

"""The command line. ``main`` is the console script."""

from goalplan.cli.main import cli, main

__all__ = ["cli", "main"]

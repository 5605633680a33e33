"""The ``planner`` command line: one module per pipeline stage registers its commands.

Each module stays thin: parse options, call the library, write files.
"""

from __future__ import annotations

# Importing a module registers its commands on ``app``.
from planner.cli import (  # noqa: F401
    data,
    forecast,
    hiring,
    plan,
    requirement,
    risk,
    schedule,
)
from planner.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``planner`` console script."""
    app()

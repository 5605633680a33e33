"""`planner` commands of the requirement stage."""

from __future__ import annotations

from planner.cli._app import app, friendly_errors  # noqa: F401

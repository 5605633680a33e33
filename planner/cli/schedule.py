"""`planner` commands of the schedule stage."""

from __future__ import annotations

from planner.cli._app import app, friendly_errors  # noqa: F401

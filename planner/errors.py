"""The one family of user-facing errors.

Every problem a user can fix (a bad file, a bad setting, an impossible target) is raised as a
subclass of :class:`PlannerError`, whose message is a single line naming what is at fault and how
to fix it. The CLI and the app print that line instead of a traceback.
"""

from __future__ import annotations

__all__ = ["DataError", "InfeasibleError", "PlannerError", "ScenarioError"]


class PlannerError(ValueError):
    """Base class of every error the planner reports to a person."""


class ScenarioError(PlannerError):
    """A scenario setting is missing or invalid; the message names its YAML path."""


class DataError(PlannerError):
    """An input table is unusable; the message names the file, column and row at fault."""


class InfeasibleError(PlannerError):
    """No plan satisfies the hard rules; ``explanation`` says which rules and people conflict."""

    def __init__(self, message: str, explanation: object | None = None) -> None:
        super().__init__(message)
        self.explanation = explanation

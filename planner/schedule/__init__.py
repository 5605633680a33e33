"""The schedule stage: build a rota with CP-SAT (``patterns`` holds the shared day-level rules)."""

from planner.schedule.explain import Conflict, Explanation, explain_infeasibility
from planner.schedule.solve import RotaResult, build_rota

__all__ = ["Conflict", "Explanation", "RotaResult", "build_rota", "explain_infeasibility"]

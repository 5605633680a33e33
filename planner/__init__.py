"""Holiday staffing and workload planner for customer-support teams.

The pipeline, one module per stage, data flowing one way::

    history -> forecast -> requirement -> schedule -> hiring / risk -> report

Every stage takes and returns long-format pandas tables (see docs/conventions.md); settings live in
one typed :class:`planner.scenario.Scenario`.
"""

from planner.errors import DataError, InfeasibleError, PlannerError, ScenarioError
from planner.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "InfeasibleError",
    "PlannerError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
]

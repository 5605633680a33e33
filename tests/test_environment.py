"""environment.yml (conda) describes the same runtime as pyproject.toml (pip)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[1]
#: conda-forge names that differ from the PyPI names
CONDA_TO_PYPI = {"ortools-python": "ortools"}


def _split(requirement: str) -> tuple[str, str]:
    """``"pandas>=2.2"`` -> ``("pandas", ">=2.2")`` with a normalised name."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(2).split("#")[0].strip().replace(" ", "")


def test_conda_environment_names_the_runtime_packages_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pip = dict(_split(r) for r in project["project"]["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    conda: dict[str, str] = {}
    pip_section: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            pip_section.extend(item.get("pip", []))
            continue
        name, spec = _split(item)
        conda[CONDA_TO_PYPI.get(name, name)] = spec
    assert conda.pop("python") == "=3.11"
    assert conda.pop("pip") == ""
    assert set(conda) == set(pip), (
        f"only in environment.yml: {sorted(set(conda) - set(pip))}; "
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}"
    )
    assert conda == pip  # same minimum versions too
    assert "-e ." in pip_section  # the planner itself

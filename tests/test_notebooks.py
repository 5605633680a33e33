"""The notebooks run top to bottom (executed with nbclient, so they never rot)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _run(name: str, timeout: int) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_bring_your_own_export_notebook():
    nb = _run("02_bring_your_own_export.ipynb", timeout=120)
    text = _text(nb)
    assert "queues: ['email/normal', 'email/urgent']" in text
    assert "'Opened'" in text  # the deliberate mapping mistake is reported in one line


@pytest.mark.slow
def test_walkthrough_notebook():
    nb = _run("01_walkthrough.ipynb", timeout=240)
    text = _text(nb)
    assert "status:" in text
    assert "labour cost USD" in text
    assert "calendars)" in text

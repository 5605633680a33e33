"""Run every benchmark module in turn: ``.venv/bin/python -m bench``."""

from __future__ import annotations

import importlib
import sys

#: Benchmark modules, in pipeline order; each has a ``main()`` that prints a table.
MODULES = ["history", "forecast", "requirement", "schedule", "hiring", "curtois", "curtois_large"]


def main() -> int:
    """Run each module's ``main()`` with no arguments; return 1 if any failed."""
    failed = []
    for name in MODULES:
        print(f"\n=== bench.{name} ===", flush=True)
        saved = sys.argv
        sys.argv = [f"bench.{name}"]
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as exc:  # one failing benchmark must not hide the others
            print(f"bench.{name} failed: {type(exc).__name__}: {exc}")
            failed.append(name)
        finally:
            sys.argv = saved
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

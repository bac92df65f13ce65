"""Runs every benchmark module in `bench/` (or the ones named), writes JSON and prints a table.

    python -m bench [module ...]      results in bench/results/<module>.json
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import bench
from bench import Result

RESULTS = Path(__file__).parent / "results"


def main(names: list[str]) -> None:
    modules = names or sorted(info.name for info in pkgutil.iter_modules(bench.__path__))
    RESULTS.mkdir(exist_ok=True)
    for name in modules:
        results: list[Result] = importlib.import_module(f"bench.{name}").run()
        document = {"benchmark": name, "at": datetime.now(UTC).isoformat(), "results": [r.as_dict() for r in results]}
        (RESULTS / f"{name}.json").write_text(json.dumps(document, indent=2))
        for result in results:
            figures = "  ".join(f"{key}={value:.4g}{result.unit.get(key, '')}" for key, value in result.figures.items())
            print(f"{name:12} {result.name:40} {figures}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])

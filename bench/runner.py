"""Runs the benchmarks, writes `bench/results.json` and prints a table.

    python -m bench                     every figure, full scale (make bench)
    python -m bench events gateway      only these modules
    BENCH_SCALE=tiny python -m bench    everything at a toy scale, to check the harness works
    BENCH_RESULTS=path                  write the results there instead

The modules are named here, in the order they run (the invoice run, the longest, last), rather than
discovered: discovering them would also import this package's `__main__`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import Figure, Scale
from bench.infra import load, machine

MODULES = ("brokerage", "readmodel", "events", "request_path", "gateway", "sourcing", "providers", "visits", "packages")
RESULTS = Path(__file__).parent / "results.json"


def run(names: list[str], scale: Scale) -> dict[str, Any]:
    unknown = sorted(set(names) - set(MODULES))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(MODULES)}")
    started, load_before = time.perf_counter(), load()
    figures: list[Figure] = []
    seconds_by_module: dict[str, float] = {}
    for name in [module for module in MODULES if module in names] if names else MODULES:
        print(f"-- {name} (load {load()})", file=sys.stderr, flush=True)  # noqa: T201
        module_started = time.perf_counter()
        figures += importlib.import_module(f"bench.{name}").figures(scale)
        seconds_by_module[name] = round(time.perf_counter() - module_started, 1)
    return {
        "machine": {**asyncio.run(machine()), "load_before": load_before, "load_after": load()},
        "scale": scale.name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "seconds_by_module": seconds_by_module,
        "figures": [figure.as_dict() for figure in figures],
    }


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table, as docs/performance.md quotes it."""
    lines = ["| figure | value | floor | ratio | goal | met |", "| --- | ---: | ---: | ---: | --- | --- |"]
    for figure in results["figures"]:
        met = {True: "yes", False: "no", None: "-"}[figure["meets_goal"]]
        floor_unit = figure["detail"].get("floor_unit", figure["unit"])
        floor = "-" if figure["floor"] is None else f"{figure['floor']:.4g} {floor_unit}"
        ratio = "-" if figure["ratio"] is None else f"{figure['ratio']:.3g}"
        lines.append(f"| {figure['name']} | {figure['value']:.4g} {figure['unit']} | {floor} | {ratio} | "
                     f"{figure['goal'] or '-'} | {met} |")
    described = ", ".join(f"{key} {value}" for key, value in results["machine"].items())
    return "\n".join([*lines, "", f"Machine: {described}; {results['seconds']} s, scale {results['scale']}."])


def main(names: list[str]) -> None:
    results = run(names, Scale.chosen())
    path = Path(os.environ.get("BENCH_RESULTS", RESULTS))
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))  # noqa: T201
    print(f"\nwritten to {path}", file=sys.stderr)  # noqa: T201

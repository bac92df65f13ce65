"""`make bench` keeps working: the whole harness at a toy scale (no timed assertion: figures taken in a test
run say nothing), and results.json has the shape issue 17 asks for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIGURE_KEYS = {"name", "value", "unit", "floor", "ratio", "goal", "meets_goal"}
MACHINE_KEYS = {"cores", "memory_gb", "python", "postgresql", "rabbitmq"}


@pytest.mark.postgres
@pytest.mark.rabbitmq
def test_the_benchmarks_run_end_to_end_at_a_tiny_scale(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    env = {**os.environ, "BENCH_SCALE": "tiny", "BENCH_RESULTS": str(results)}
    env.pop("BENCH_PACKAGES", None)
    done = subprocess.run([sys.executable, "-m", "bench"], env=env, capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stderr[-5000:]
    document = json.loads(results.read_text())
    assert set(document["machine"]) >= MACHINE_KEYS
    figures = document["figures"]
    names = " ".join(figure["name"] for figure in figures)
    for subject in ("cascade", "event pipeline", "end-to-end sourcing", "invoice run", "gateway", "memory",
                    "registry import", "request path", "visit reports"):
        assert subject in names, f"no {subject} figure"
    for figure in figures:
        assert set(figure) >= FIGURE_KEYS, figure
        assert isinstance(figure["value"], float), figure
        assert isinstance(figure["floor"], float), figure
        assert figure["meets_goal"] in (True, False, None)
        assert (figure["goal"] is None) == (figure["meets_goal"] is None), figure
    [invoice_run] = [figure for figure in figures if figure["name"].startswith("invoice run")]
    assert invoice_run["detail"]["totals"] == "match the floor's"
    assert invoice_run["detail"]["lines"] > 0
    assert invoice_run["detail"]["writing_the_lines_again_seconds"] > 0
    [snapshot] = [figure for figure in figures if figure["name"].startswith("cascade: one area's snapshot")]
    assert snapshot["detail"]["candidates_read"] == snapshot["detail"]["providers_in_area"]
    assert snapshot["detail"]["candidates_with_hours_in_the_area"] == snapshot["detail"]["providers_in_area"]
    assert snapshot["detail"]["hours_placed_since_declared"] > 0
    [events] = [figure for figure in figures if figure["name"].startswith("event pipeline")]
    assert events["detail"]["backlog_events_per_s"] > 0
    [sourcing] = [figure for figure in figures if figure["name"].startswith("end-to-end sourcing")]
    assert set(sourcing["detail"]["stages_p50_ms"]) == {"referral_posted", "offer_seen", "offer_accepted",
                                                         "package_seen"}
    assert all(ms > 0 for ms in sourcing["detail"]["stages_p50_ms"].values())
    assert sourcing["detail"]["requests_per_referral_measured"] >= 4  # the POST, a poll, the accept, a poll
    cpu_by_process = sourcing["detail"]["cpu_ms_per_referral"]
    assert {"gateway", "packages", "postgresql", "rabbitmq", "bench_client"} <= set(cpu_by_process)
    for visits in [figure for figure in figures if figure["name"].startswith("visit reports")]:
        assert visits["detail"]["visits_in_the_database_after_all_runs"] > 0
        assert visits["detail"]["service_cpu_ms_per_visit"] > 0
    assert "| figure | value | floor |" in done.stdout

"""`make bench` keeps working: the whole harness at a toy scale (no timed assertion: figures taken in a test
run say nothing), and results.json has the shape issue 17 asks for."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bench.infra import temporary_database
from bench.packages import PERIOD, package_id, populate, rate_cards
from bench.runner import MODULES
from services.packages.app import MIGRATIONS_DIR
from services.packages.models import INFRA
from shared import migrations
from shared.db import Database

FIGURE_KEYS = {"name", "value", "unit", "floor", "ratio", "goal", "meets_goal"}
MACHINE_KEYS = {"cores", "memory_gb", "python", "postgresql", "rabbitmq"}
VISITS_KEYS_AND_INDEXES = """
    SELECT string_agg(definition, E'\\n' ORDER BY definition) FROM (
        SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS definition
        FROM pg_constraint WHERE conrelid IN ('visits'::regclass, 'visit_revisions'::regclass)
        UNION ALL
        SELECT pg_get_indexdef(indexrelid) FROM pg_index
        WHERE indrelid IN ('visits'::regclass, 'visit_revisions'::regclass)) AS catalogue
"""


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
    assert list(document["seconds_by_module"]) == list(MODULES)
    assert sum(document["seconds_by_module"].values()) <= document["seconds"] + 1  # each rounded to 0.1 s
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


@pytest.mark.postgres
async def test_the_invoice_benchs_visits_get_their_keys_back_as_the_migrations_made_them_and_enforced() -> None:
    """The bench loads its millions of visits with their keys and indexes made afterwards (`keys_made_after`):
    the table must end as the migrations left it, every key enforced again."""
    async with temporary_database("keys") as url:
        await asyncio.to_thread(migrations.upgrade, service="packages", migrations_dir=MIGRATIONS_DIR, url=url)
        database = Database(url, schema="packages", session_info=INFRA.session_info("packages"))
        try:
            async with database.sessionmaker() as session:
                migrated = (await session.execute(text(VISITS_KEYS_AND_INDEXES))).scalar_one()
            await populate(database, 30, rate_cards())
            async with database.sessionmaker() as session:
                assert (await session.execute(text(VISITS_KEYS_AND_INDEXES))).scalar_one() == migrated
                assert "fk_visit_revisions_visit_id_visits" in migrated
                assert "uq_visits_package_slot" in migrated
                assert (await session.execute(text("SELECT count(*) FROM visits"))).scalar_one() == 30 * 28 * 2
            kept = ("provider_id, date, weekend, planned_start, actual_start, planned_minutes, actual_minutes, carers, "
                    "outcome, late_by_minutes, paid_minutes, rule, version, week_start, recorded_at")
            copy_of_a_visit = (f"INSERT INTO visits (id, package_id, provider_visit_id, {kept}) "
                               f"SELECT {{id}}, {{package}}, provider_visit_id || '-again', {kept} "
                               "FROM visits WHERE date = :day LIMIT 1")
            for refused_for in ({"id": "id", "package": "package_id"},  # the primary key
                                {"id": "gen_random_uuid()", "package": "package_id"},  # the slot held already
                                {"id": "gen_random_uuid()", "package": "gen_random_uuid()"}):  # no such package
                with pytest.raises(IntegrityError):
                    async with database.sessionmaker() as session, session.begin():
                        await session.execute(text(copy_of_a_visit.format(**refused_for)), {"day": PERIOD.start})
            async with database.sessionmaker() as session:
                assert (await session.scalar(text("SELECT count(*) FROM visits WHERE package_id = :id"),
                                             {"id": package_id(0)})) == 28 * 2
        finally:
            await database.dispose()


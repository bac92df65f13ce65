"""The invoice-run command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.packages.cli import invoice_run, main
from services.packages.invoices.domain import Period
from services.packages.invoices.service import run_invoices
from services.packages.models import INFRA
from services.packages.settings import PackagesSettings
from shared.db import Database
from tests.harness import Suite
from tests.packages.conftest import PERIOD, seed_council


async def test_the_cli_issues_the_period_and_the_api_shows_it(suite: Suite) -> None:
    await seed_council(suite)
    settings = PackagesSettings(database_url=suite.backend.database_url_of("packages"))
    period = Period(date.fromisoformat(PERIOD["period_start"]), date.fromisoformat(PERIOD["period_end"]))
    result = await invoice_run(period, settings=settings)
    assert len(result.issued) == 2
    listed = (await suite.http.get("/api/v1/invoices", headers=await suite.staff("finance"))).json()["items"]
    assert sorted(item["number"] for item in listed) == ["INV-000001", "INV-000002"]


class Stopped(Exception):
    """What an operator's interrupt raises through the run's progress callback."""


async def test_a_run_stopped_part_way_keeps_nothing_and_the_next_run_issues_every_invoice(suite: Suite) -> None:
    """The run writes each provider's invoice while it prices the next: stopped after the first provider's
    documents were handed to the writer, the run raises the stop itself, with nothing left writing in its
    transaction, and rolling that back leaves no invoice and no number taken."""
    await seed_council(suite)
    settings = PackagesSettings(database_url=suite.backend.database_url_of("packages"))
    period = Period(date.fromisoformat(PERIOD["period_start"]), date.fromisoformat(PERIOD["period_end"]))

    def stop_at_the_second(done: int, total: int) -> None:
        if done == 2:
            raise Stopped

    database = Database(settings.resolved_database_url(), schema="packages",
                        session_info=INFRA.session_info("packages"))
    try:
        with pytest.raises(Stopped):
            async with database.sessionmaker() as session, session.begin():
                await run_invoices(session, actor=None, period=period, now=datetime.now(UTC),
                                   progress=stop_at_the_second)
    finally:
        await database.dispose()
    finance = await suite.staff("finance")
    assert (await suite.http.get("/api/v1/invoices", headers=finance)).json()["items"] == []
    assert sorted(item.number for item in (await invoice_run(period, settings=settings)).issued) == [
        "INV-000001", "INV-000002"]


def test_the_cli_refuses_a_period_that_is_not_one_in_a_line_not_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoice-run", "--period-start", "2026-11-29", "--period-end", "2026-11-02"]) == 2
    assert capsys.readouterr().err.startswith("error: Value error, the period runs")


def test_the_cli_refuses_a_period_not_yet_over_in_a_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "PACKAGES_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    today = datetime.now(UTC).date()
    assert main(["invoice-run", "--period-start", str(today - timedelta(days=20)),
                 "--period-end", str(today + timedelta(days=7))]) == 2
    printed = capsys.readouterr()
    assert printed.err.splitlines()[-1].startswith("error: A period is invoiced once it is over")
    assert "Traceback" not in printed.err

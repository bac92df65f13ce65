"""The invoice-run command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.packages.cli import invoice_run, main
from services.packages.invoices.domain import Period
from services.packages.settings import PackagesSettings
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

"""The invoice-run command line."""

from __future__ import annotations

from datetime import date

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


def test_the_cli_refuses_a_period_that_is_not_one() -> None:
    with pytest.raises(ValueError, match="the period runs"):
        main(["invoice-run", "--period-start", "2026-11-29", "--period-end", "2026-11-02"])

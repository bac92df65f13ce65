"""Invoice issuing under concurrency, on PostgreSQL + RabbitMQ: no duplicates, no gaps, no skipped pulls."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from shared.pagination import encode_cursor
from tests.harness import Backend, running_suite
from tests.packages.conftest import PERIOD, SEED_CARD, START, place, seed_council, weekly


async def test_two_invoice_runs_for_the_same_period_at_once_create_no_duplicates(pg_backend: Backend) -> None:
    async with running_suite(pg_backend) as suite:
        await seed_council(suite)
        finance = await suite.staff("finance")
        answers = await asyncio.gather(*(suite.http.post("/api/v1/invoice-runs", json=PERIOD, headers=finance)
                                         for _ in range(3)))
        assert all(answer.status_code in {201, 409} for answer in answers), [a.text for a in answers]
        issued = [item for answer in answers if answer.status_code == 201 for item in answer.json()["issued"]]
        assert sorted(item["number"] for item in issued) == ["INV-000001", "INV-000002"]
        listed = (await suite.http.get("/api/v1/invoices", headers=finance)).json()["items"]
        assert [item["sequence"] for item in listed] == [1, 2]


async def _pull_everything(suite: Any, headers: dict[str, str], issuing: asyncio.Future[Any]) -> list[int]:
    """A finance system pulling by cursor, two at a time, while runs are still issuing; at the end of the
    list it keeps the position of the last invoice it saw (the cursor is that invoice's sequence)."""
    pulled: list[int] = []
    cursor: str | None = None
    while True:
        finished = issuing.done()
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await suite.http.get("/api/v1/invoices", params=params, headers=headers)).json()
        pulled += [item["sequence"] for item in page["items"]]
        if page["items"]:
            cursor = page["next_cursor"] or encode_cursor([page["items"][-1]["sequence"]])
        elif finished:
            return pulled
        else:
            await asyncio.sleep(0.01)


async def test_the_finance_pull_never_skips_or_repeats_while_invoices_are_being_issued(pg_backend: Backend) -> None:
    async with running_suite(pg_backend) as suite:
        commissioner, broker = await suite.staff("commissioner"), await suite.staff("broker")
        await suite.http.post("/api/v1/rate-cards", json=SEED_CARD, headers=commissioner)
        for _ in range(3):
            await place(suite, broker, provider_id=uuid.uuid4(), visits=weekly(30), start_on=START)
        finance = await suite.staff("finance")
        weeks = [{"period_start": str(START + timedelta(days=7 * n)),
                  "period_end": str(START + timedelta(days=7 * n + 6))} for n in range(4)]
        issuing = asyncio.ensure_future(asyncio.gather(*(
            suite.http.post("/api/v1/invoice-runs", json=week, headers=finance) for week in weeks)))
        pulled = await _pull_everything(suite, finance, issuing)
        assert all(answer.status_code == 201 for answer in issuing.result())
        assert pulled == list(range(1, 13))

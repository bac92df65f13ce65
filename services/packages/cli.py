"""Operations from the command line.

    python -m services.packages.cli invoice-run --period-start 2026-11-02 --period-end 2026-11-29

Uses the service's own database settings (PACKAGES_DATABASE_URL, DATABASE_URL or the embedded default);
the invoices' events go to the outbox and the running service relays them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date

from pydantic import ValidationError
from tqdm import tqdm

from services.packages.invoices.domain import Period
from services.packages.invoices.schemas import InvoiceRunIn, InvoiceRunOut
from services.packages.invoices.service import run_invoices
from services.packages.models import INFRA
from services.packages.settings import PackagesSettings
from shared.clock import SystemClock
from shared.db import Database
from shared.errors import SuiteError


async def invoice_run(period: Period, *, settings: PackagesSettings) -> InvoiceRunOut:
    database = Database(settings.resolved_database_url(), schema="packages",
                        session_info=INFRA.session_info("packages"))
    try:
        with tqdm(desc="providers invoiced", unit="provider") as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            async with database.sessionmaker() as session, session.begin():
                return await run_invoices(session, actor=None, period=period, now=SystemClock().now(),
                                          policy=settings.run_policy, progress=progress)
    finally:
        await database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.packages.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("invoice-run", help="issue the period's invoices, one per provider")
    run.add_argument("--period-start", type=date.fromisoformat, required=True)
    run.add_argument("--period-end", type=date.fromisoformat, required=True)
    args = parser.parse_args(argv)
    try:
        period = InvoiceRunIn(period_start=args.period_start, period_end=args.period_end)
        result = asyncio.run(invoice_run(Period(period.period_start, period.period_end), settings=PackagesSettings()))
    except ValidationError as invalid:
        return _refused("; ".join(str(error["msg"]) for error in invalid.errors()))
    except SuiteError as refused:
        return _refused(refused.detail)
    sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    return 0


def _refused(reason: str) -> int:
    """A refusal is one line on standard error and exit status 2, never a traceback."""
    sys.stderr.write(f"error: {reason}\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())

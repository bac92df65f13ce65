"""Figure 4, the invoice run at scale (issue 5): BENCH_PACKAGES active packages (100,000 by default) with four weeks of
delivered visits (two a day: about 5.6 million) on PostgreSQL, beside the floor: the same totals from
one SQL aggregate query in the same database.

Needs a PostgreSQL server (`bench.infra`'s BENCH_PG_HOST, BENCH_PG_PORT, BENCH_PG_USER; the test defaults);
a temporary database is created and dropped. Reports seconds and the process's peak memory growth for the run.
Goal: within 1.5x of the floor. The run, its code and the floor query belong to the packages service's
owners; this module only times them.
"""

from __future__ import annotations

import asyncio
import hashlib
import resource
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from bench import Figure, Goal, Scale
from bench.infra import keys_made_after, temporary_database
from services.packages.app import MIGRATIONS_DIR
from services.packages.costing.domain import PriceKind, pricing_of
from services.packages.costing.models import RateCard
from services.packages.costing.service import cost_model
from services.packages.invoices.domain import Period, RunPolicy
from services.packages.invoices.repository import tune_for_batch
from services.packages.invoices.service import run_invoices
from services.packages.models import INFRA
from shared import migrations
from shared.db import Database

AREAS = ("OAK", "UPP", "KET", "COT", "EMP")
PERIOD = Period(date(2026, 9, 7), date(2026, 10, 4))
PACKAGES_PER_PROVIDER = 1000
SCHEDULE = ('[{"day": "%s", "start": "08:00", "minutes": 30, "carers": 1},'
            ' {"day": "%s", "start": "18:00", "minutes": 45, "carers": 1}]')


def _card(area: str, rural: bool) -> RateCard:
    return RateCard(
        id=uuid.uuid4(), area=area, effective_from=date(2026, 4, 1), care_worker_hourly_pay=Decimal("12.60"),
        travel_minutes_per_visit=20 if rural else 10, travel_hourly_pay=None,
        mileage_per_visit_miles=Decimal("6.0") if rural else Decimal("2.0"), mileage_rate=Decimal("0.45"),
        on_cost_percent=Decimal(20), training_supervision_percent=Decimal(5), overhead_percent=Decimal(25),
        surplus_percent=Decimal(3), weekend_uplift_percent=Decimal(5), night_uplift_percent=Decimal(0),
        bank_holiday_uplift_percent=Decimal(0), client_hourly_charge_cap=Decimal("13.00"),
        client_weekly_charge_cap=Decimal("422.00"))


def rate_cards() -> list[RateCard]:
    """One card per area, the last three rural."""
    return [_card(area, rural=index >= 2) for index, area in enumerate(AREAS)]


def provider_id(number: int) -> uuid.UUID:
    """The id `populate` gives the provider of packages `number * PACKAGES_PER_PROVIDER` onwards."""
    return uuid.UUID(hashlib.md5(f"prov{number}".encode()).hexdigest())


def package_id(number: int) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"pkg{number}".encode()).hexdigest())


async def populate(database: Database, packages: int, cards: list[RateCard]) -> None:
    """Packages (from `PERIOD.start` - 30 days, two visits every day), one term each, and every visit of
    `PERIOD`, generated inside PostgreSQL; package i is `package_id(i)`, its provider
    `provider_id(i // PACKAGES_PER_PROVIDER)`. The visits' keys and indexes are made after they are all in
    (2.4 times as fast at 20,000 packages)."""
    schedule = "'[' || " + " || ',' || ".join(
        f"'{SCHEDULE[1:-1] % (day, day)}'" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")) + " || ']'"
    async with database.sessionmaker() as session, session.begin():
        session.add_all(cards)
        await session.flush()
        params = {"n": packages, "per": PACKAGES_PER_PROVIDER, "start": PERIOD.start, "end": PERIOD.end}
        await session.execute(text("""
            INSERT INTO packages (id, referral_id, client_ref, provider_id, area, tier, status, start_on, created_at)
            SELECT md5('pkg' || i)::uuid, md5('ref' || i)::uuid, 'C-' || i, md5('prov' || (i / :per))::uuid,
                   (ARRAY['OAK','UPP','KET','COT','EMP'])[1 + i % 5], 'framework', 'active',
                   CAST(:start AS date) - 30, now()
            FROM generate_series(0, :n - 1) AS i;
            """), params)
        await session.execute(text(f"""
            INSERT INTO package_terms (id, package_id, effective_from, effective_to, visits, weekday_visits,
                                       weekday_minutes, health_share_percent)
            SELECT md5('term' || i)::uuid, md5('pkg' || i)::uuid, CAST(:start AS date) - 30, NULL,
                   CAST({schedule} AS json), '2 2 2 2 2 2 2', '75 75 75 75 75 75 75',
                   (ARRAY[0, 0, 0, 50, 75, 100])[1 + i % 6]
            FROM generate_series(0, :n - 1) AS i;
            """), params)
        async with keys_made_after(session, "visits"):
            await session.execute(text("""
                WITH package AS MATERIALIZED (
                         SELECT i, md5('pkg' || i)::uuid AS id, md5('prov' || (i / :per))::uuid AS provider_id
                         FROM generate_series(0, :n - 1) AS i),
                     day AS MATERIALIZED (
                         SELECT d, CAST(:start AS date) + d AS date,
                                extract(isodow FROM CAST(:start AS date) + d) >= 6 AS weekend,
                                CAST(:start AS date) + d - CAST(extract(isodow FROM CAST(:start AS date) + d) AS int)
                                + 1 AS week_start
                         FROM generate_series(0, 27) AS d)
                INSERT INTO visits (id, provider_id, provider_visit_id, package_id, date, weekend, planned_start,
                                    actual_start, planned_minutes, actual_minutes, carers, outcome, late_by_minutes,
                                    paid_minutes, rule, version, week_start, recorded_at)
                SELECT gen_random_uuid(), package.provider_id, i || '-' || d || '-' || s, package.id, day.date,
                       day.weekend, CASE s WHEN 0 THEN TIME '08:00' ELSE TIME '18:00' END,
                       CASE WHEN missed THEN NULL ELSE CASE s WHEN 0 THEN TIME '08:05' ELSE TIME '18:10' END END,
                       planned, CASE WHEN missed THEN NULL ELSE planned - short END,
                       CASE WHEN i % 10 = 0 THEN 2 ELSE 1 END, CASE WHEN missed THEN 'missed' ELSE 'delivered' END,
                       CASE WHEN missed THEN 0 ELSE 5 + 5 * s END,
                       CASE WHEN missed THEN 0 ELSE planned END,
                       CASE WHEN missed THEN NULL ELSE 'delivered_within_tolerance' END, 1, day.week_start, now()
                FROM package, day, generate_series(0, 1) AS s,
                     LATERAL (SELECT (i * 7 + d * 3 + s) % 97 = 0 AS missed, CASE s WHEN 0 THEN 30 ELSE 45 END
                                     AS planned, (i + d) % 5 AS short) AS visit;
                """), params)
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))


def _floor_query(cards: list[RateCard]) -> str:
    """Per provider, the sum of every line's amount (a quantity at a published price rounded once, per
    package, funder and kind of price): all in one SQL statement."""
    prices = ", ".join(
        f"('{card.area}', {weekend}, {p.contact_hour}::numeric, {p.per_visit}::numeric)"
        for card in cards for weekend, kind in ((False, PriceKind.STANDARD), (True, PriceKind.WEEKEND))
        for p in [pricing_of(cost_model(card)).prices(kind)])
    return f"""
        WITH price(area, weekend, contact_hour, per_visit) AS (VALUES {prices}),
        care AS (
            SELECT v.package_id, v.weekend, sum(v.paid_minutes * v.carers) AS minutes, sum(v.carers) AS visits
            FROM visits v
            WHERE v.date BETWEEN '{PERIOD.start}' AND '{PERIOD.end}' AND v.rule IS NOT NULL
            GROUP BY v.package_id, v.weekend),
        shares AS (
            SELECT p.provider_id, care.*, price.contact_hour, price.per_visit,
                   care.minutes * t.health_share_percent / 100.0 AS health_minutes,
                   care.visits * t.health_share_percent / 100.0 AS health_visits
            FROM care JOIN packages p ON p.id = care.package_id JOIN package_terms t ON t.package_id = p.id
            JOIN price ON price.area = p.area AND price.weekend = care.weekend)
        SELECT provider_id, sum(
            round(round((minutes - health_minutes) / 60.0, 4) * contact_hour, 2)
            + round(round(health_minutes / 60.0, 4) * contact_hour, 2)
            + round((visits - health_visits) * per_visit, 2) + round(health_visits * per_visit, 2))
        FROM shares GROUP BY provider_id
    """


async def _floor(database: Database, cards: list[RateCard]) -> tuple[float, dict[uuid.UUID, Decimal]]:
    """The floor runs with the settings the run gives its own transactions."""
    async with database.sessionmaker() as session:
        await tune_for_batch(session, work_mem=RunPolicy().work_mem)
        started = time.perf_counter()
        rows = (await session.execute(text(_floor_query(cards)))).all()
        return time.perf_counter() - started, {provider: total for provider, total in rows}


async def _writing_the_lines(database: Database) -> tuple[int, float]:
    """The lines the run wrote and the seconds the database alone takes to write them again, inside it, into
    a table of the same shape (indexes, foreign keys): the least any run that keeps its lines pays on top of
    the floor, which totals without writing one."""
    async with database.sessionmaker() as session, session.begin():
        await session.execute(text("CREATE TABLE lines_again (LIKE invoice_lines INCLUDING INDEXES)"))
        await session.execute(text("ALTER TABLE lines_again ADD FOREIGN KEY (invoice_id) REFERENCES invoices (id), "
                                   "ADD FOREIGN KEY (reverses_line_id) REFERENCES lines_again (id)"))
    async with database.sessionmaker() as session, session.begin():
        started = time.perf_counter()
        written = await session.execute(text("INSERT INTO lines_again SELECT * FROM invoice_lines"))
        return int(getattr(written, "rowcount", 0)), time.perf_counter() - started


async def _invoice_run(database: Database) -> tuple[float, float, dict[uuid.UUID, Decimal]]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    async with database.sessionmaker() as session, session.begin():
        result = await run_invoices(session, actor=None, period=PERIOD,
                                    now=datetime.combine(PERIOD.end + timedelta(days=1), datetime.min.time(), UTC))
    seconds = time.perf_counter() - started
    growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return seconds, growth_mb, {invoice.provider_id: invoice.total for invoice in result.issued}


async def _bench(packages: int) -> list[Figure]:
    async with temporary_database("packages") as url:
        await asyncio.to_thread(migrations.upgrade, service="packages", migrations_dir=MIGRATIONS_DIR, url=url)
        database = Database(url, schema="packages", session_info=INFRA.session_info("packages"))
        try:
            cards = rate_cards()
            started = time.perf_counter()
            await populate(database, packages, cards)
            populate_seconds = time.perf_counter() - started
            await _floor(database, cards)  # warms the cache for both
            run_seconds, memory_mb, invoiced = await _invoice_run(database)
            floor_seconds, floor_totals = await _floor(database, cards)
            async with database.sessionmaker() as session:  # sized before the lines are written again beside it
                visits = int((await session.execute(text("SELECT count(*) FROM visits"))).scalar_one())
                database_mb = int((await session.execute(text("SELECT pg_database_size(current_database())"))
                                   ).scalar_one()) / 2**20
            lines, writing_seconds = await _writing_the_lines(database)
        finally:
            await database.dispose()
    return [Figure(
        name=f"invoice run: {packages} packages, four weeks of visits (PostgreSQL); floor: one SQL aggregate",
        value=run_seconds, unit="s", floor=floor_seconds, goal=Goal("ratio <= 1.5", ratio_at_most=1.5),
        detail={"visits": visits, "invoices": len(invoiced), "populate_seconds": populate_seconds,
                "peak_memory_growth_mb": memory_mb, "lines": lines,
                "writing_the_lines_again_seconds": writing_seconds,
                "ratio_to_the_floor_and_writing_the_lines": run_seconds / (floor_seconds + writing_seconds),
                "database_mb": database_mb,
                "totals": "match the floor's" if invoiced == floor_totals else "DIFFER FROM THE FLOOR'S"},
    )]


def figures(scale: Scale) -> list[Figure]:
    return asyncio.run(_bench(scale.packages))

"""The read model follows the registry's and packages' events: newer versions only, hours placed kept right."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, text

from services.brokerage.models import KnownProvider, Placement
from services.brokerage.readmodel.service import area_snapshot, known_area
from services.brokerage.referrals.schemas import ReferralCreate
from services.brokerage.referrals.service import create_referral, retry_waiting_lists
from services.brokerage.settings import BrokerageSettings
from shared.auth import Principal, Role
from shared.contracts.brokerage import ReferralStatus
from shared.contracts.common import EmbargoScope, ImposedBy, Tier
from shared.contracts.packages import (
    PackageChanged,
    PackageEnded,
    PackageFacts,
    PackageResumed,
    PackageSuspended,
)
from shared.contracts.providers import ContractsChanged, EmbargoImposed, EmbargoLifted, EmbargoState
from tests.brokerage.conftest import TODAY, Market, referral_body
from tests.brokerage.test_offers import market_of
from tests.brokerage.test_referrals import answer, events_of, open_offers, refer, referral
from tests.harness import Backend, Suite, eventually, running_suite

BROKER = Principal(subject="broker-in-test", kind="user", name="Broker", roles=frozenset({Role.BROKER}))


async def test_an_older_provider_version_never_replaces_a_newer_one(suite: Suite, market: Market) -> None:
    await market.area()
    provider = await market.provider(Tier.PRIMARY)
    await market.declare_capacity(provider, "5.00")
    stale = market.states[uuid.UUID(provider)].model_copy(update={"version": 1, "name": "Stale name"})
    await market.publish(ContractsChanged(provider=stale))
    async with market.database.sessionmaker() as session:
        row = await session.get(KnownProvider, uuid.UUID(provider))
    assert row is not None
    assert (row.version, row.state["capacity"][0]["weekly_hours"]) == (2, "5.00")


async def test_hours_placed_follow_package_changes_suspensions_and_ends(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY, cap="15.00")
    await market.provider(Tier.FRAMEWORK)
    broker = await suite.staff("broker")
    placed = await refer(suite, broker)
    await answer(suite, primary, (await open_offers(suite, primary))[0]["id"], "accept", {"start_on": None})
    capped = await refer(suite, broker)
    assert events_of(capped["history"], primary) == [("skipped", "cap_exceeded")]

    facts = PackageFacts(
        package_id=uuid.uuid4(), referral_id=uuid.UUID(placed["id"]), client_ref="C-123",
        provider_id=uuid.UUID(primary), area="OAK", status="active", weekly_hours=Decimal("4.00"),
        weekly_cost=Decimal("80.00"), visits=[], effective_from=datetime.now(UTC).date() + timedelta(days=7))
    await market.publish(PackageChanged(package=facts))
    assert await hours_with(market, primary) == (Decimal("4.00"), "active")
    await market.publish(PackageSuspended(package=facts, reason="hospital stay"))
    assert await hours_with(market, primary) == (Decimal("4.00"), "suspended")
    smaller = await refer(suite, broker)
    assert events_of(smaller["history"], primary)[-1] == ("offered", None)
    await market.publish(PackageEnded(package=facts, reason="moved away"))
    assert await hours_with(market, primary) == (Decimal("4.00"), "ended")


async def test_a_package_event_older_than_the_last_applied_changes_nothing(suite: Suite, market: Market) -> None:
    """Two replicas sharing the queue may apply a package's events out of order: the later one stands."""
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    placed = await refer(suite, await suite.staff("broker"))
    await answer(suite, primary, (await open_offers(suite, primary))[0]["id"], "accept", {"start_on": None})
    facts = PackageFacts(
        package_id=uuid.uuid4(), referral_id=uuid.UUID(placed["id"]), client_ref="C-123",
        provider_id=uuid.UUID(primary), area="OAK", status="active", weekly_hours=Decimal("10.50"),
        weekly_cost=Decimal("220.50"), visits=[], effective_from=TODAY + timedelta(days=7))
    suspended_at = datetime.now(UTC)
    await market.publish(PackageResumed(package=facts), at=suspended_at + timedelta(milliseconds=5))
    await market.publish(PackageSuspended(package=facts, reason="hospital stay"), at=suspended_at)
    assert await hours_with(market, primary) == (Decimal("10.50"), "active")
    await market.publish(PackageEnded(package=facts, reason="moved away"), at=suspended_at + timedelta(days=1))
    assert await hours_with(market, primary) == (Decimal("10.50"), "ended")


async def test_an_areas_snapshot_sums_each_providers_counted_hours_by_area_and_since_it_declared_capacity(
    suite: Suite, market: Market
) -> None:
    """The sums the cascade checks caps and capacity against, added up by the database to the penny
    (SQLite adds NUMERIC as floats): active and suspended packages count, ended ones do not."""
    await market.area()
    declared = uuid.UUID(await market.provider(Tier.FRAMEWORK, capacity="40.00"))
    undeclared = uuid.UUID(await market.provider(Tier.FRAMEWORK, capacity=None))
    idle = uuid.UUID(await market.provider(Tier.FRAMEWORK))
    async with market.database.sessionmaker() as session:
        row = await session.get(KnownProvider, declared)
        assert row is not None
        declared_at = datetime.fromisoformat(row.capacity_since["OAK"])
    before, after = declared_at - timedelta(days=3), declared_at + timedelta(seconds=1)
    await place(market, declared, [("OAK", "0.10", "active", before), ("OAK", "0.20", "active", after),
                                   ("OAK", "7.35", "suspended", after), ("OAK", "9.00", "ended", after),
                                   ("UPP", "2.05", "active", after)])
    await place(market, undeclared, [("OAK", "1.10", "active", after), ("UPP", "2.20", "suspended", before)])

    assert await placed_sums(market) == {declared: (Decimal("9.70"), Decimal("7.65"), Decimal("7.55")),
                                         undeclared: (Decimal("3.30"), Decimal("1.10"), Decimal("0.00")),
                                         idle: (Decimal(0), Decimal(0), Decimal(0))}

    later = after + timedelta(seconds=1)
    await market.declare_capacity(str(declared), "40.00", at=later)
    assert (await placed_sums(market))[declared][2] == Decimal("7.55"), "the same hours again keep their date"
    await market.declare_capacity(str(declared), "45.00", at=later)
    assert (await placed_sums(market))[declared] == (Decimal("9.70"), Decimal("7.65"), Decimal("0.00"))


async def placed_sums(market: Market) -> dict[uuid.UUID, tuple[Decimal, Decimal, Decimal]]:
    """Each candidate's hours in OAK's snapshot: everywhere, in OAK, in OAK since it declared its capacity."""
    async with market.database.sessionmaker() as session:
        area = await known_area(session, code="OAK")
        assert area is not None
        snapshot = await area_snapshot(session, area=area, now=datetime.now(UTC), declines_window=timedelta(days=28))
    return {each.id: (each.placed_total, each.placed_in_area, each.placed_since_declared)
            for each in snapshot.candidates}


async def place(market: Market, provider_id: uuid.UUID, placements: list[tuple[str, str, str, datetime]]) -> None:
    async with market.database.sessionmaker() as session, session.begin():
        session.add_all(Placement(referral_id=uuid.uuid4(), provider_id=provider_id, area=area,
                                  weekly_hours=Decimal(hours), status=status, placed_at=at)
                        for area, hours, status, at in placements)


async def hours_with(market: Market, provider_id: str) -> tuple[Decimal, str]:
    async with market.database.sessionmaker() as session:
        row = await session.scalar(select(Placement).where(Placement.provider_id == uuid.UUID(provider_id)))
    assert row is not None
    return row.weekly_hours, row.status


async def test_an_embargo_withdraws_open_offers_and_lifting_it_retries_the_waiting_list(
    suite: Suite, market: Market
) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY)
    broker = await suite.staff("broker")
    created = await refer(suite, broker)
    [offer] = await open_offers(suite, primary)
    clear = market.states[uuid.UUID(primary)]
    embargo = EmbargoState(id=uuid.uuid4(), scope=EmbargoScope.ALL, imposed_by=ImposedBy.REGULATOR,
                           starts_on=datetime.now(UTC).date(), reason="enforcement action")
    embargoed = clear.model_copy(update={"version": 2, "embargoes": [embargo]})
    await market.publish(EmbargoImposed(provider=embargoed, embargo=embargo))
    assert await open_offers(suite, primary) == []
    waiting = await referral(suite, broker, created["id"])
    assert waiting["status"] == "unsourced"
    assert ("withdrawn", None) in events_of(waiting["history"], primary)
    refused = await answer(suite, primary, offer["id"], "accept", {})
    assert refused.status_code == 409

    lifted = clear.model_copy(update={"version": 3})
    await market.publish(EmbargoLifted(provider=lifted, embargo=embargo))
    assert [each["referral_id"] for each in await open_offers(suite, primary)] == [created["id"]]
    assert (await referral(suite, broker, created["id"]))["status"] == "sourcing"


async def test_the_waiting_list_worker_offers_a_referral_once_a_providers_ramp_up_has_ended(
    suite: Suite, market: Market
) -> None:
    """Nothing happens on the day a new provider's ramp-up ends (no event): the periodic pass finds it."""
    await market.area()
    newcomer = await market.provider(Tier.PRIMARY, registered_days_ago=12 * 7 - 1)
    broker = await suite.staff("broker")
    long_days = [{"day": day, "start": "08:00", "minutes": 360, "carers": 1}
                 for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    created = await refer(suite, broker, visits=long_days)  # 42 hours a week, over the ramp-up's 40
    waiting = await referral(suite, broker, created["id"])
    assert (waiting["status"], events_of(waiting["history"], newcomer)) == ("unsourced", [("skipped", "ramp_up_limit")])
    now = datetime.now(UTC)
    assert await retry_waiting_lists(market.database, settings=BrokerageSettings(), now=now) == 0
    assert await open_offers(suite, newcomer) == []

    ramped_up = now + timedelta(days=2)
    assert await retry_waiting_lists(market.database, settings=BrokerageSettings(), now=ramped_up) == 1
    assert [each["referral_id"] for each in await open_offers(suite, newcomer)] == [created["id"]]
    retried = await referral(suite, broker, created["id"])
    assert retried["status"] == "sourcing"
    assert any("waiting list" in (entry.get("detail") or "") for entry in retried["history"])


async def test_one_pass_of_the_waiting_list_offers_every_referral_waiting_in_the_area(
    suite: Suite, market: Market
) -> None:
    """The pass reads the area's snapshot once, and it serves every referral waiting there."""
    await market.area()
    broker = await suite.staff("broker")
    waiting = [await refer(suite, broker, client_ref=f"C-{number}") for number in range(3)]
    assert {(await referral(suite, broker, each["id"]))["status"] for each in waiting} == {"unsourced"}
    arrived = await market.provider(Tier.FRAMEWORK)
    assert {each["referral_id"] for each in await open_offers(suite, arrived)} == {each["id"] for each in waiting}


async def test_a_package_that_ends_frees_its_hours_for_the_waiting_list(suite: Suite, market: Market) -> None:
    await market.area()
    primary = await market.provider(Tier.PRIMARY, cap="15.00")
    broker = await suite.staff("broker")
    placed = await refer(suite, broker)
    await answer(suite, primary, (await open_offers(suite, primary))[0]["id"], "accept", {"start_on": None})
    capped = await refer(suite, broker)
    assert (await referral(suite, broker, capped["id"]))["status"] == "unsourced"

    facts = PackageFacts(
        package_id=uuid.uuid4(), referral_id=uuid.UUID(placed["id"]), client_ref="C-123",
        provider_id=uuid.UUID(primary), area="OAK", status="ended", weekly_hours=Decimal("10.50"),
        weekly_cost=Decimal("220.50"), visits=[], effective_from=TODAY + timedelta(days=7))
    await market.publish(PackageEnded(package=facts, reason="moved away"))
    assert [each["referral_id"] for each in await open_offers(suite, primary)] == [capped["id"]]


async def test_a_referral_sourced_while_a_provider_arrives_in_its_area_is_not_left_waiting(
    pg_backend: Backend,
) -> None:
    """The race two brokerage replicas (or a request and the consumer) can run: a referral finds nobody
    and goes on the waiting list while, at the same moment, the provider it needs is registered. Without
    the area's lock the registration's retry of the waiting list cannot see the referral (not committed
    yet) and the referral cannot see the provider, so it waits for a change nobody makes. With it, the
    registration waits for the referral's transaction and then offers it the work."""
    async with running_suite(pg_backend) as suite, market_of(pg_backend) as market:
        await market.area()
        async with market.database.sessionmaker() as session, session.begin():
            made = await create_referral(session, actor=BROKER, data=ReferralCreate.model_validate(referral_body()),
                                         settings=BrokerageSettings(), now=datetime.now(UTC))
            assert made.referral.status == ReferralStatus.UNSOURCED
            registering = asyncio.create_task(market.provider(Tier.PRIMARY))
            await eventually(lambda: waiting_on_a_lock(market), timeout=10, interval=0.05)
        provider = await registering
        [offer] = await open_offers(suite, provider)
        assert offer["referral_id"] == str(made.referral.id)


async def waiting_on_a_lock(market: Market) -> bool:
    async with market.database.sessionmaker() as session:
        waiting = await session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                            "AND datname = current_database()"))
    return bool(waiting)

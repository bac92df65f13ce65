"""Use cases of costing: rate cards, financial assessments, and pricing a schedule (quotes, packages)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.packages.contracts.models import ProviderContracts
from services.packages.contracts.service import contract_in_area
from services.packages.costing import domain
from services.packages.costing.exceptions import (
    AssessmentExists,
    AssessmentNotFound,
    BelowMinimumWage,
    NoRateCard,
    RateCardExists,
    RateCardNotFound,
)
from services.packages.costing.models import FinancialAssessment, RateCard
from services.packages.costing.schemas import (
    AssessmentIn,
    AssessmentOut,
    CostOut,
    PublishedPrices,
    QuoteIn,
    RateCardIn,
    RateCardOut,
)
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.brokerage import ScheduledVisit
from shared.contracts.packages import PriceLine
from shared.contracts.providers import ContractState
from shared.pagination import PageRequest

T = TypeVar("T")


def cost_model(card: RateCard | RateCardIn) -> domain.CostModel:
    return domain.CostModel(
        care_worker_hourly_pay=card.care_worker_hourly_pay,
        travel_minutes_per_visit=card.travel_minutes_per_visit,
        travel_hourly_pay=card.travel_hourly_pay,
        mileage_per_visit_miles=card.mileage_per_visit_miles,
        mileage_rate=card.mileage_rate,
        on_cost_percent=card.on_cost_percent,
        training_supervision_percent=card.training_supervision_percent,
        overhead_percent=card.overhead_percent,
        surplus_percent=card.surplus_percent,
        weekend_uplift_percent=card.weekend_uplift_percent,
        bank_holiday_uplift_percent=card.bank_holiday_uplift_percent,
        night_uplift_percent=card.night_uplift_percent,
    )


PRICE_FIELD_PREFIX = {domain.PriceKind.STANDARD: "", domain.PriceKind.WEEKEND: "weekend_",
                      domain.PriceKind.BANK_HOLIDAY: "bank_holiday_", domain.PriceKind.NIGHT: "night_"}


def published_prices(pricing: domain.Pricing) -> PublishedPrices:
    prices: dict[str, Decimal] = {}
    for kind, prefix in PRICE_FIELD_PREFIX.items():
        unit_prices = pricing.prices(kind)
        prices |= {f"{prefix}contact_hour": unit_prices.contact_hour, f"{prefix}per_visit": unit_prices.per_visit}
    return PublishedPrices(**prices)


def price_line_out(line: domain.PriceLine) -> PriceLine:
    return PriceLine(description=line.description, quantity=line.quantity, unit=line.unit, unit_price=line.unit_price,
                     amount=line.amount)


def cost_out(cost: domain.WeeklyCost) -> CostOut:
    """A week's cost as the API shows it."""
    return CostOut(**{name: getattr(cost, name) for name in CostOut.model_fields if name != "price_lines"},
                   price_lines=[price_line_out(line) for line in cost.price_lines])


def rate_card_view(card: RateCard) -> RateCardOut:
    model = cost_model(card)
    breakdown = domain.rate_breakdown(model)
    fields = {name: getattr(card, name) for name in RateCardIn.model_fields}
    return RateCardOut(id=card.id, **fields, hourly_rate=breakdown.hourly_rate, breakdown=breakdown.components,
                       prices=published_prices(domain.pricing_of(model)))


async def create_rate_card(
    session: AsyncSession, *, actor: Principal, data: RateCardIn, minimum_wage: Decimal
) -> RateCard:
    model = cost_model(data)
    if not domain.pays_at_least_minimum_wage(model, minimum_wage):
        pay = domain.effective_hourly_pay(model).quantize(Decimal("0.01"))
        raise BelowMinimumWage(
            f"Once travel time is counted a care worker earns {pay} an hour, below the minimum wage of "
            f"{minimum_wage}.", effective_hourly_pay=str(pay), minimum_wage=str(minimum_wage))
    card = RateCard(**data.model_dump())
    session.add(card)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise RateCardExists(f"Area {data.area} has a rate card from {data.effective_from}.") from None
    await record_audit(session, actor=actor, action="rate_card.created", entity_type="rate_card",
                       entity_id=card.id, after=data.model_dump(mode="json"))
    return card


async def get_rate_card(session: AsyncSession, *, card_id: uuid.UUID) -> RateCard:
    card = await session.get(RateCard, card_id)
    if card is None:
        raise RateCardNotFound()
    return card


async def list_rate_cards(session: AsyncSession, *, page: PageRequest, area: str | None) -> list[RateCard]:
    """Ordered by area then effective date; the cursor is the last (area, date, id)."""
    query = select(RateCard).order_by(RateCard.area, RateCard.effective_from, RateCard.id).limit(page.limit + 1)
    if area is not None:
        query = query.where(RateCard.area == area)
    if page.cursor:
        last_area, last_date, last_id = page.cursor
        key = (RateCard.area, RateCard.effective_from, RateCard.id)
        query = query.where(
            (key[0] > last_area)
            | ((key[0] == last_area) & (key[1] > date.fromisoformat(last_date)))
            | ((key[0] == last_area) & (key[1] == date.fromisoformat(last_date)) & (key[2] > uuid.UUID(last_id)))
        )
    return list(await session.scalars(query))


async def create_assessment(session: AsyncSession, *, actor: Principal, data: AssessmentIn) -> FinancialAssessment:
    assessment = FinancialAssessment(**data.model_dump())
    session.add(assessment)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise AssessmentExists(f"An assessment from {data.effective_from} exists for that person.") from None
    await record_audit(session, actor=actor, action="financial_assessment.created",
                       entity_type="financial_assessment", entity_id=assessment.id,
                       after=data.model_dump(mode="json"))
    return assessment


async def read_assessment(session: AsyncSession, *, actor: Principal, assessment_id: uuid.UUID) -> AssessmentOut:
    """A person's financial record: every read is audited."""
    assessment = await session.get(FinancialAssessment, assessment_id)
    if assessment is None:
        raise AssessmentNotFound()
    await record_audit(session, actor=actor, action="financial_assessment.read",
                       entity_type="financial_assessment", entity_id=assessment.id)
    return AssessmentOut.model_validate(assessment, from_attributes=True)


@dataclass(frozen=True)
class PriceList:
    """How care in an area, by a provider, on a date is priced, and what the person may be charged."""

    pricing: domain.Pricing
    caps: domain.ChargeCaps | None


@dataclass
class PriceBook:
    """Rate cards and agreed rates loaded once, so an invoice run prices 100,000 packages in memory."""

    cards: dict[str, list[RateCard]]
    contracts: dict[uuid.UUID, list[ContractState]]
    _priced: dict[tuple[str, date, uuid.UUID | None], PriceList | None] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, *, area: str | None = None,
                   provider_id: uuid.UUID | None = None) -> PriceBook:
        query = select(RateCard).order_by(RateCard.effective_from.desc())
        contracts_query = select(ProviderContracts)
        if area is not None:
            query = query.where(RateCard.area == area)
        if provider_id is not None:
            contracts_query = contracts_query.where(ProviderContracts.provider_id == provider_id)
        cards: dict[str, list[RateCard]] = {}
        for card in await session.scalars(query):
            cards.setdefault(card.area, []).append(card)
        contracts = {row.provider_id: [ContractState.model_validate(item) for item in row.contracts]
                     for row in await session.scalars(contracts_query)}
        return cls(cards, contracts)

    def card(self, area: str, on: date) -> RateCard | None:
        """The area's card with the latest effective date on or before `on`; for care that began before the
        area's first card (a placement brought in at go-live), that first card."""
        cards = self.cards.get(area, [])
        return next((card for card in cards if card.effective_from <= on), cards[-1] if cards else None)

    def agreed_rate(self, provider_id: uuid.UUID | None, area: str, on: date) -> Decimal | None:
        """The provider's contract rate in the area that day, when the registry sets one."""
        if provider_id is None:
            return None
        contract = contract_in_area(self.contracts.get(provider_id, []), area=area, on=on)
        return None if contract is None else contract.hourly_rate

    def price_list(self, *, area: str, on: date, provider_id: uuid.UUID | None) -> PriceList | None:
        """The area's rate card in force, overridden by the provider's agreed contract rate where the
        registry sets one (the card's uplifts and charge caps still apply)."""
        key = (area, on, provider_id)
        if key not in self._priced:
            self._priced[key] = self._price_list(area, on, provider_id)
        return self._priced[key]

    def _price_list(self, area: str, on: date, provider_id: uuid.UUID | None) -> PriceList | None:
        card, agreed = self.card(area, on), self.agreed_rate(provider_id, area, on)
        if card is None:
            return None if agreed is None else PriceList(domain.Pricing.agreed(agreed), None)
        caps = domain.ChargeCaps(card.client_hourly_charge_cap, card.client_weekly_charge_cap)
        if agreed is not None:
            return PriceList(domain.Pricing.agreed(agreed, weekend_uplift_percent=card.weekend_uplift_percent,
                                                   bank_holiday_uplift_percent=card.bank_holiday_uplift_percent,
                                                   night_uplift_percent=card.night_uplift_percent), caps)
        return PriceList(domain.pricing_of(cost_model(card)), caps)

    def hourly_rate(self, *, area: str, on: date, provider_id: uuid.UUID | None) -> Decimal | None:
        prices = self.price_list(area=area, on=on, provider_id=provider_id)
        return None if prices is None else prices.pricing.hourly_rate


class Placement(NamedTuple):
    """Where and for whom care is priced: the area (its rate card), the provider (its agreed rate, if any)
    and the person (their financial assessment, if named)."""

    area: str
    provider_id: uuid.UUID | None
    client_ref: str | None


def _shared_value(values: set[T]) -> T | None:
    """The value when there is only one, else None: `PriceBook.load` then loads one area's cards or one
    provider's contracts, as for a single placement, and every area's or provider's for a mixed set."""
    return next(iter(values)) if len(values) == 1 else None


async def _assessments_newest_first(
    session: AsyncSession, *, client_refs: set[str]
) -> dict[str, list[FinancialAssessment]]:
    if not client_refs:
        return {}
    assessments: dict[str, list[FinancialAssessment]] = {}
    for assessment in await session.scalars(
            select(FinancialAssessment).where(FinancialAssessment.client_ref.in_(client_refs))
            .order_by(FinancialAssessment.effective_from.desc())):
        assessments.setdefault(assessment.client_ref, []).append(assessment)
    return assessments


@dataclass(frozen=True)
class CostingInputs:
    """What costing schedules needs, loaded once for a set of placements (a quote is a set of one, a page
    of packages a set of many): the rate cards and agreed rates that may apply, the people's financial
    assessments (newest first), and the council's calendar (its bank holidays and night window)."""

    book: PriceBook
    assessments: dict[str, list[FinancialAssessment]]
    calendar: domain.Calendar

    @classmethod
    async def load(cls, session: AsyncSession, *, placements: Collection[Placement],
                   calendar: domain.Calendar) -> CostingInputs:
        """Three queries at most, however many placements there are."""
        book = await PriceBook.load(session, area=_shared_value({placement.area for placement in placements}),
                                    provider_id=_shared_value({placement.provider_id for placement in placements}))
        client_refs = {placement.client_ref for placement in placements if placement.client_ref is not None}
        return cls(book, await _assessments_newest_first(session, client_refs=client_refs), calendar)

    def contribution(self, client_ref: str | None, *, on: date) -> Decimal | None:
        """The weekly contribution the person's assessment in force on `on` sets; None when no person is
        named or they have no assessment in force yet."""
        if client_ref is None:
            return None
        return next((assessment.assessed_weekly_contribution for assessment in self.assessments.get(client_ref, [])
                     if assessment.effective_from <= on), None)

    def weekly_cost(self, placement: Placement, *, visits: Sequence[ScheduledVisit], health_share_percent: int,
                    rates_on: date, assessed_on: date) -> domain.WeeklyCost | None:
        """The weekly cost of a schedule at the rates in force on `rates_on` and its split under the person's
        assessment in force on `assessed_on`, or None when no rate applies."""
        prices = self.book.price_list(area=placement.area, on=rates_on, provider_id=placement.provider_id)
        if prices is None:
            return None
        return domain.weekly_cost(visits=visits, pricing=prices.pricing, health_share_percent=health_share_percent,
                                  assessed_contribution=self.contribution(placement.client_ref, on=assessed_on),
                                  caps=prices.caps, calendar=self.calendar)



async def quote(session: AsyncSession, *, actor: Principal, data: QuoteIn, today: date,
                calendar: domain.Calendar) -> CostOut:
    """Costs a schedule; naming a client applies (and so reads, audited) their financial assessment."""
    on = data.on or today
    if data.client_ref is not None:
        await record_audit(session, actor=actor, action="financial_assessment.read_for_quote",
                           entity_type="client", entity_id=data.client_ref)
    placement = Placement(data.area, data.provider_id, data.client_ref)
    costing = await CostingInputs.load(session, placements={placement}, calendar=calendar)
    cost = costing.weekly_cost(placement, visits=data.visits, health_share_percent=data.health_share_percent,
                               rates_on=on, assessed_on=on)
    if cost is None:
        raise NoRateCard(f"Area {data.area} has no rate card in force on {on}.")
    return cost_out(cost)

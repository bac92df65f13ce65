import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.packages.costing import service
from services.packages.costing.exceptions import (
    AssessmentExists,
    AssessmentNotFound,
    BelowMinimumWage,
    NoRateCard,
    RateCardExists,
    RateCardNotFound,
)
from services.packages.costing.schemas import AssessmentIn, AssessmentOut, CostOut, QuoteIn, RateCardIn, RateCardOut
from services.packages.deps import AssessmentReader, CareWriter, Commissioner, SettingsDep
from shared.auth import StaffPrincipal
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.errors import Forbidden, Unauthorized, problem_responses
from shared.pagination import Page, PageDep, next_cursor

router = APIRouter(prefix="/api/v1", tags=["costing"], responses=problem_responses(Unauthorized, Forbidden))


@router.post("/rate-cards", status_code=status.HTTP_201_CREATED, response_model=RateCardOut,
             responses=problem_responses(BelowMinimumWage, RateCardExists))
async def create_rate_card(data: RateCardIn, session: SessionDep, actor: Commissioner,
                           settings: SettingsDep) -> RateCardOut:
    card = await service.create_rate_card(session, actor=actor, data=data, minimum_wage=settings.minimum_wage)
    return service.rate_card_view(card)


@router.get("/rate-cards", response_model=Page[RateCardOut])
async def list_rate_cards(session: SessionDep, _staff: StaffPrincipal, page: PageDep,
                          area: Annotated[str | None, Query(max_length=20)] = None) -> Page[RateCardOut]:
    cards = await service.list_rate_cards(session, page=page, area=area)
    return Page(items=[service.rate_card_view(card) for card in cards[: page.limit]],
                next_cursor=next_cursor(cards, page.limit, lambda c: (c.area, str(c.effective_from), str(c.id))))


@router.get("/rate-cards/{card_id}", response_model=RateCardOut, responses=problem_responses(RateCardNotFound))
async def get_rate_card(card_id: uuid.UUID, session: SessionDep, _staff: StaffPrincipal) -> RateCardOut:
    return service.rate_card_view(await service.get_rate_card(session, card_id=card_id))


@router.post("/quotes", response_model=CostOut, responses=problem_responses(NoRateCard))
async def quote(data: QuoteIn, session: SessionDep, actor: StaffPrincipal, settings: SettingsDep,
                clock: ClockDep) -> CostOut:
    return await service.quote(session, actor=actor, data=data, today=clock.today(), calendar=settings.calendar)


@router.post("/financial-assessments", status_code=status.HTTP_201_CREATED, response_model=AssessmentOut,
             responses=problem_responses(AssessmentExists))
async def create_assessment(data: AssessmentIn, session: SessionDep, actor: CareWriter) -> AssessmentOut:
    assessment = await service.create_assessment(session, actor=actor, data=data)
    return AssessmentOut.model_validate(assessment, from_attributes=True)


@router.get("/financial-assessments/{assessment_id}", response_model=AssessmentOut,
            responses=problem_responses(AssessmentNotFound))
async def get_assessment(assessment_id: uuid.UUID, session: SessionDep, actor: AssessmentReader) -> AssessmentOut:
    return await service.read_assessment(session, actor=actor, assessment_id=assessment_id)

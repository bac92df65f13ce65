"""Contract areas: created and changed by commissioners, each change published with its event."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.providers.areas.exceptions import AreaCodeTaken, AreaNotFound
from services.providers.areas.models import Area
from services.providers.areas.schemas import AreaIn, AreaPatch
from shared.audit import record_audit
from shared.auth import Principal
from shared.contracts.common import FrameworkOfferMode
from shared.contracts.providers import AreaChanged, AreaCreated, AreaState
from shared.events.outbox import record_event
from shared.pagination import PageRequest, next_cursor


def area_state(area: Area) -> AreaState:
    return AreaState(code=area.code, name=area.name, rural=area.rural,
                     framework_offer_mode=FrameworkOfferMode(area.framework_offer_mode))


async def create_area(session: AsyncSession, *, actor: Principal, data: AreaIn) -> AreaState:
    if await session.get(Area, data.code) is not None:
        raise AreaCodeTaken(f"The area code {data.code} is taken.")
    area = Area(code=data.code, name=data.name, rural=data.rural, framework_offer_mode=data.framework_offer_mode)
    session.add(area)
    await session.flush()
    state = area_state(area)
    await record_audit(session, actor=actor, action="area.created", entity_type="area", entity_id=area.code,
                       after=state.model_dump(mode="json"))
    await record_event(session, AreaCreated(area=state))
    return state


async def update_area(session: AsyncSession, *, actor: Principal, code: str, data: AreaPatch) -> AreaState:
    """Changing an area (its name, or how framework providers are offered) is announced with
    `providers.area.changed.v1`; a patch that changes nothing is not a change."""
    area = await session.get(Area, code, with_for_update=True)
    if area is None:
        raise AreaNotFound()
    before = area_state(area)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(area, name, value)
    after = area_state(area)
    if after != before:
        await session.flush()
        await record_audit(session, actor=actor, action="area.changed", entity_type="area", entity_id=code,
                           before=before.model_dump(mode="json"), after=after.model_dump(mode="json"))
        await record_event(session, AreaChanged(area=after))
    return after


async def get_area(session: AsyncSession, *, code: str) -> AreaState:
    area = await session.get(Area, code)
    if area is None:
        raise AreaNotFound()
    return area_state(area)


async def list_areas(session: AsyncSession, *, page: PageRequest) -> tuple[list[AreaState], str | None]:
    query = select(Area).order_by(Area.code).limit(page.limit + 1)
    if page.cursor:
        query = query.where(Area.code > str(page.cursor[0]))
    rows = list(await session.scalars(query))
    return [area_state(area) for area in rows[: page.limit]], next_cursor(rows, page.limit, lambda a: [a.code])

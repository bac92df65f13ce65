"""Packages' internal calls about people (not in the public API; the gateway makes them): the person's
record and the erasure report as every holder answers them, and the data protection officer's erasure."""

from fastapi import status

from services.packages.people.service import erase_on_request, person_record
from shared.clock import ClockDep
from shared.db import SessionDep
from shared.personal import ClientRefPath, DataProtectionOfficer, people_router

router = people_router(person_record)


@router.post("/{client_ref:path}/erasure", status_code=status.HTTP_201_CREATED)
async def erase(client_ref: ClientRefPath, session: SessionDep, officer: DataProtectionOfficer,
                clock: ClockDep) -> dict[str, str]:
    erasure_id = await erase_on_request(session, client_ref=client_ref, actor=officer, today=clock.today())
    return {"erasure_id": str(erasure_id)}

"""Gateway dependencies: the caller's token must still belong to an active account."""

from typing import Annotated

from fastapi import Depends

from services.gateway.auth.service import ensure_still_active
from shared.auth import CurrentPrincipal, Principal, Role
from shared.db import SessionDep
from shared.errors import Forbidden


async def active_principal(principal: CurrentPrincipal, session: SessionDep) -> Principal:
    await ensure_still_active(session, principal)
    return principal


ActivePrincipal = Annotated[Principal, Depends(active_principal)]


async def admin_principal(principal: ActivePrincipal) -> Principal:
    if Role.ADMIN not in principal.roles:
        raise Forbidden("This needs the admin role.")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]

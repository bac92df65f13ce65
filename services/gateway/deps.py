"""Gateway dependencies: the caller's token must still belong to an active account holding the route's roles."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from services.gateway.auth.service import ensure_still_active
from shared.auth import CurrentPrincipal, Principal, Role
from shared.db import SessionDep
from shared.errors import Forbidden
from shared.personal import PEOPLE_ROLES


async def active_principal(principal: CurrentPrincipal, session: SessionDep) -> Principal:
    await ensure_still_active(session, principal)
    return principal


ActivePrincipal = Annotated[Principal, Depends(active_principal)]


def _active_holding(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)

    async def check(principal: ActivePrincipal) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden("This needs one of the roles: " + ", ".join(sorted(allowed)) + ".")
        return principal

    return check


AdminPrincipal = Annotated[Principal, Depends(_active_holding(Role.ADMIN))]
OfficerPrincipal = Annotated[Principal, Depends(_active_holding(*PEOPLE_ROLES))]
"""The data protection officer (or an admin): a person's whole record and the erasure report."""

"""Names of the people and systems behind the ids the services record (`recorded_by`, `lifted_by`...), so
screens say "lifted by Jo Patel" (UI.md: names, never ids)."""

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.auth.models import Client, User
from services.gateway.directory.schemas import Me, Person
from shared.auth import Principal
from shared.errors import NotFound


async def people(session: AsyncSession, *, ids: Collection[uuid.UUID]) -> list[Person]:
    """The users and clients among `ids` (disabled ones too: they did what the records say); unknown ids are
    left out."""
    users = await session.scalars(select(User).where(User.id.in_(ids)))
    clients = await session.scalars(select(Client).where(Client.id.in_(ids)))
    found = [Person(id=user.id, display_name=user.name_shown, kind="user") for user in users]
    found += [Person(id=client.id, display_name=client.name, kind="client") for client in clients]
    return sorted(found, key=lambda person: str(person.id))


async def me(session: AsyncSession, *, principal: Principal) -> Me:
    account_id = uuid.UUID(principal.subject)
    if principal.kind == "client":
        client = await session.get(Client, account_id)
        if client is None:
            raise NotFound("No such account.")
        return Me(id=client.id, kind="client", username=None, display_name=client.name,
                  roles=sorted(principal.roles), provider_id=client.provider_id)
    user = await session.get(User, account_id)
    if user is None:
        raise NotFound("No such account.")
    return Me(id=user.id, kind="user", username=user.username, display_name=user.name_shown,
              roles=sorted(principal.roles), provider_id=user.provider_id)

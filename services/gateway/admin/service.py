"""Managing staff users and machine clients (the `admin` role), every change audited."""

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.admin.schemas import ClientCreate, UserCreate
from services.gateway.auth.models import Client, User
from services.gateway.auth.passwords import hash_secret
from shared.audit import record_audit
from shared.auth import Principal, Role
from shared.errors import Conflict, NotFound


def _user_view(user: User) -> dict[str, object]:
    return {"username": user.username, "roles": user.roles, "active": user.active}


def _client_view(client: Client) -> dict[str, object]:
    return {"name": client.name, "roles": client.roles, "active": client.active,
            "provider_id": str(client.provider_id) if client.provider_id else None}


async def create_user(session: AsyncSession, *, actor: Principal | None, data: UserCreate) -> User:
    if await session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"The username {data.username} is taken.")
    user = User(username=data.username, password_hash=hash_secret(data.password),
                roles=sorted({str(role) for role in data.roles}), active=True)
    session.add(user)
    await session.flush()
    await record_audit(session, actor=actor, action="user.created", entity_type="user",
                       entity_id=user.id, after=_user_view(user))
    return user


async def set_admin_password(session: AsyncSession, *, password: str) -> None:
    """Creates or updates the bootstrap `admin` user from SUITE_ADMIN_PASSWORD."""
    user = await session.scalar(select(User).where(User.username == "admin"))
    if user is None:
        user = User(id=uuid.uuid4(), username="admin", password_hash=hash_secret(password),
                    roles=[str(Role.ADMIN)], active=True)
        session.add(user)
        await session.flush()
        await record_audit(session, actor=None, action="user.bootstrapped", entity_type="user",
                           entity_id=user.id, after=_user_view(user))
        return
    before = _user_view(user)
    user.password_hash, user.active = hash_secret(password), True
    user.roles = sorted({*user.roles, str(Role.ADMIN)})
    await record_audit(session, actor=None, action="user.bootstrapped", entity_type="user",
                       entity_id=user.id, before=before, after=_user_view(user))


async def create_client(session: AsyncSession, *, actor: Principal, data: ClientCreate) -> tuple[Client, str]:
    secret = secrets.token_urlsafe(32)
    client = Client(name=data.name, secret_hash=hash_secret(secret),
                    roles=sorted({str(role) for role in data.roles}), provider_id=data.provider_id, active=True)
    session.add(client)
    await session.flush()
    await record_audit(session, actor=actor, action="client.created", entity_type="client",
                       entity_id=client.id, after=_client_view(client))
    return client, secret


async def revoke_client(session: AsyncSession, *, actor: Principal, client_id: uuid.UUID, now: datetime) -> None:
    client = await session.get(Client, client_id, with_for_update=True)
    if client is None:
        raise NotFound("No such client.")
    if not client.active:
        return
    before = _client_view(client)
    client.active, client.revoked_at = False, now
    await record_audit(session, actor=actor, action="client.revoked", entity_type="client",
                       entity_id=client.id, before=before, after=_client_view(client))


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.username)))


async def list_clients(session: AsyncSession) -> list[Client]:
    return list(await session.scalars(select(Client).order_by(Client.created_at, Client.id)))

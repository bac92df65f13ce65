"""Managing staff users and machine clients (the `admin` role), every change audited."""

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.admin.domain import password_problem, provider_binding_problem
from services.gateway.admin.schemas import ClientCreate, UserCreate, UserUpdate
from services.gateway.auth.models import Client, User
from services.gateway.auth.passwords import hash_secret
from shared.audit import record_audit
from shared.auth import Principal, Role
from shared.errors import Conflict, NotFound, Unprocessable


def user_view(user: User) -> dict[str, object]:
    return {"username": user.username, "display_name": user.display_name, "roles": user.roles,
            "provider_id": str(user.provider_id) if user.provider_id else None, "active": user.active}


def _client_view(client: Client) -> dict[str, object]:
    return {"name": client.name, "roles": client.roles, "active": client.active,
            "provider_id": str(client.provider_id) if client.provider_id else None}


def _check_password(password: str, username: str) -> None:
    if problem := password_problem(password, username):
        raise Unprocessable(problem, errors=[{"field": "password", "message": problem}])


async def create_user(session: AsyncSession, *, actor: Principal | None, data: UserCreate) -> User:
    _check_password(data.password, data.username)
    if await session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"The username {data.username} is taken.")
    user = User(username=data.username, display_name=data.display_name, password_hash=await hash_secret(data.password),
                roles=sorted({str(role) for role in data.roles}), provider_id=data.provider_id, active=True)
    session.add(user)
    await session.flush()
    await record_audit(session, actor=actor, action="user.created", entity_type="user",
                       entity_id=user.id, after=user_view(user))
    return user


async def update_user(session: AsyncSession, *, actor: Principal, user_id: uuid.UUID, data: UserUpdate) -> User:
    """Changes what the administrator sent; a disabled account is refused at once (the gateway checks every
    token's account), and nobody disables their own account or takes away their own admin role."""
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("No such user.")
    if data.password is not None:
        _check_password(data.password, user.username)
    sent = data.model_fields_set
    roles = sorted({str(role) for role in data.roles}) if data.roles is not None else user.roles
    provider_id = data.provider_id if "provider_id" in sent else user.provider_id
    if problem := provider_binding_problem([Role(role) for role in roles], provider_id):
        raise Unprocessable(problem, errors=[{"field": "provider_id", "message": problem}])
    if str(user.id) == actor.subject and (data.active is False or str(Role.ADMIN) not in roles):
        raise Conflict("You cannot disable your own account or take away your own admin role.")
    before = user_view(user)
    user.roles, user.provider_id = roles, provider_id
    if "display_name" in sent:
        user.display_name = data.display_name
    if data.active is not None:
        user.active = data.active
    if data.password is not None:
        user.password_hash = await hash_secret(data.password)
    await session.flush()
    await record_audit(session, actor=actor, action="user.changed", entity_type="user", entity_id=user.id,
                       before=before, after={**user_view(user), "password_reset": data.password is not None})
    return user


async def set_admin_password(session: AsyncSession, *, password: str) -> None:
    """Creates or updates the bootstrap `admin` user from SUITE_ADMIN_PASSWORD."""
    user = await session.scalar(select(User).where(User.username == "admin"))
    if user is None:
        user = User(id=uuid.uuid4(), username="admin", password_hash=await hash_secret(password),
                    roles=[str(Role.ADMIN)], active=True)
        session.add(user)
        await session.flush()
        await record_audit(session, actor=None, action="user.bootstrapped", entity_type="user",
                           entity_id=user.id, after=user_view(user))
        return
    before = user_view(user)
    user.password_hash, user.active = await hash_secret(password), True
    user.roles = sorted({*user.roles, str(Role.ADMIN)})
    await record_audit(session, actor=None, action="user.bootstrapped", entity_type="user",
                       entity_id=user.id, before=before, after=user_view(user))


async def create_client(session: AsyncSession, *, actor: Principal, data: ClientCreate) -> tuple[Client, str]:
    secret = secrets.token_urlsafe(32)
    client = Client(name=data.name, secret_hash=await hash_secret(secret),
                    roles=sorted({str(role) for role in data.roles}), provider_id=data.provider_id, active=True)
    session.add(client)
    await session.flush()
    await record_audit(session, actor=actor, action="client.created", entity_type="client",
                       entity_id=client.id, after=_client_view(client))
    return client, secret


async def reset_client_secret(session: AsyncSession, *, actor: Principal, client_id: uuid.UUID) -> tuple[Client, str]:
    """A new secret for a client whose secret was lost or leaked: the old one stops working at once; the new
    one is shown once and kept only as a hash. A revoked client stays revoked."""
    client = await session.get(Client, client_id, with_for_update=True)
    if client is None:
        raise NotFound("No such client.")
    if not client.active:
        raise Conflict("The client is revoked: create a new one instead.")
    secret = secrets.token_urlsafe(32)
    client.secret_hash = await hash_secret(secret)
    await session.flush()
    await record_audit(session, actor=actor, action="client.secret_reset", entity_type="client",
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

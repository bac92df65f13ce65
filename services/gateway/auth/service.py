"""Signing in: staff with a password or through the council's OpenID provider, machine clients with their
credentials."""

import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.gateway.admin.service import user_view
from services.gateway.auth.exceptions import InvalidClient, InvalidGrant
from services.gateway.auth.models import Client, User
from services.gateway.auth.oidc import Identity
from services.gateway.auth.passwords import hash_secret, needs_rehash, verify_secret
from shared.audit import record_audit
from shared.auth import Principal, Role
from shared.errors import Forbidden, InvalidToken


def principal_of_user(user: User) -> Principal:
    return Principal(subject=str(user.id), kind="user", name=user.username,
                     roles=frozenset(Role(role) for role in user.roles), provider_id=user.provider_id)


def principal_of_client(client: Client) -> Principal:
    return Principal(subject=str(client.id), kind="client", name=client.name,
                     roles=frozenset(Role(role) for role in client.roles), provider_id=client.provider_id)


async def authenticate_user(session: AsyncSession, *, username: str, password: str) -> Principal:
    user = await session.scalar(select(User).where(User.username == username))
    valid = await verify_secret(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        raise InvalidGrant("The username or password is not valid.")
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = await hash_secret(password)
    return principal_of_user(user)


async def user_of_identity(session: AsyncSession, identity: Identity) -> User:
    """The local user the provider's identity is linked to (by issuer and subject), created at the first
    sign-in; the roles follow the groups at every sign-in, so leaving a group at the council takes the role
    away here. The username is the link itself, so it never collides with a local account."""
    user = await session.scalar(select(User).where(User.oidc_issuer == identity.issuer,
                                                   User.oidc_subject == identity.subject).with_for_update())
    roles = sorted(str(role) for role in identity.roles)
    if user is None:
        user = User(username=f"oidc:{identity.subject}"[:100], display_name=identity.display_name,
                    password_hash=None, roles=roles, active=True, oidc_issuer=identity.issuer,
                    oidc_subject=identity.subject)
        session.add(user)
        await session.flush()
        await record_audit(session, actor=principal_of_user(user), action="user.created", entity_type="user",
                           entity_id=user.id, after={**user_view(user), "method": "oidc"})
        return user
    if not user.active:
        raise Forbidden("This account is disabled in the suite; ask the suite's administrator.")
    before = user_view(user)
    user.roles, user.display_name = roles, identity.display_name or user.display_name
    if user_view(user) != before:
        await session.flush()
        await record_audit(session, actor=principal_of_user(user), action="user.changed", entity_type="user",
                           entity_id=user.id, before=before, after={**user_view(user), "method": "oidc"})
    return user


async def authenticate_client(session: AsyncSession, *, client_id: str, client_secret: str) -> Principal:
    client = await session.get(Client, _as_uuid(client_id)) if _as_uuid(client_id) else None
    valid = await verify_secret(client.secret_hash if client else None, client_secret)
    if client is None or not valid or not client.active:
        raise InvalidClient("The client credentials are not valid.")
    return principal_of_client(client)


async def ensure_still_active(db: AsyncSession | AsyncConnection, principal: Principal) -> None:
    """Revoking a client or disabling a user takes effect at once, not when the token expires: asked of
    the database on every request (one indexed read of one column), never remembered, so every replica
    of the gateway refuses a revoked client from the moment the revocation commits."""
    subject = _as_uuid(principal.subject)
    query = _CLIENT_ACTIVE if principal.kind == "client" else _USER_ACTIVE
    active = None if subject is None else await db.scalar(query, {"subject": subject})
    if not active:
        raise InvalidToken("The token's account is no longer active.")


# Built once: the check runs on every proxied request, and building the statement cost more than running it.
_CLIENT_ACTIVE = select(Client.active).where(Client.id == bindparam("subject"))
_USER_ACTIVE = select(User.active).where(User.id == bindparam("subject"))


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None

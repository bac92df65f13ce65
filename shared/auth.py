"""Verifying the gateway's tokens in every service (zero trust) and checking roles and provider scope.

Tokens are JWTs signed by the gateway with Ed25519 (`EdDSA`); a service accepts only that algorithm,
the suite's issuer and audience, and an unexpired token, so `alg: none`, tampered and foreign tokens
are refused with 401.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from shared.errors import Forbidden, NotFound, Unauthorized

ALGORITHM = "EdDSA"


class Role(StrEnum):
    BROKER = "broker"
    COMMISSIONER = "commissioner"
    QUALITY_OFFICER = "quality_officer"
    FINANCE = "finance"
    PROVIDER = "provider"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.BROKER, Role.COMMISSIONER, Role.QUALITY_OFFICER, Role.FINANCE, Role.ADMIN})


class Principal(BaseModel):
    """Who is calling: a staff user or a machine client, with roles and (for providers) a provider id."""

    subject: str
    kind: str
    name: str
    roles: frozenset[Role]
    provider_id: uuid.UUID | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)

    def may_see_provider(self, provider_id: uuid.UUID) -> bool:
        """Staff see every provider; a provider client only its own."""
        return self.is_staff or (Role.PROVIDER in self.roles and self.provider_id == provider_id)


class TokenVerifier:
    def __init__(self, *, public_key: str, issuer: str, audience: str) -> None:
        self.public_key = public_key
        self.issuer = issuer
        self.audience = audience

    def verify(self, token: str) -> Principal:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired.") from None
        except jwt.PyJWTError:
            raise Unauthorized("The token is not valid.") from None
        try:
            return Principal(
                subject=claims["sub"],
                kind=claims.get("kind", "user"),
                name=claims.get("name", ""),
                roles=frozenset(Role(role) for role in claims.get("roles", [])),
                provider_id=claims.get("provider_id"),
            )
        except (ValueError, KeyError):
            raise Unauthorized("The token's claims are not valid.") from None


_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required.")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through callers holding any of `roles`, else 403."""
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(allowed):
            raise Forbidden("This needs one of the roles: " + ", ".join(sorted(allowed)) + ".")
        return principal

    return check


def ensure_provider_scope(principal: Principal, provider_id: uuid.UUID, *, what: str = "resource") -> None:
    """A provider client asking for another provider's data gets 404: existence is never revealed."""
    if not principal.may_see_provider(provider_id):
        raise NotFound(f"No such {what}.")


StaffPrincipal = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]

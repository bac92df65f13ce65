"""Verifying the gateway's tokens in every service (zero trust) and checking roles and provider scope.

Tokens are JWTs signed by the gateway with Ed25519 (`EdDSA`); a service accepts only that algorithm,
the suite's issuer and audience, and an unexpired token, so `alg: none`, tampered and foreign tokens
are refused with 401.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from shared.errors import ExpiredToken, Forbidden, InvalidToken, NotFound, Unauthorized

ALGORITHM = "EdDSA"


class Role(StrEnum):
    BROKER = "broker"
    COMMISSIONER = "commissioner"
    QUALITY_OFFICER = "quality_officer"
    FINANCE = "finance"
    PROVIDER = "provider"
    ADMIN = "admin"
    DPO = "dpo"
    """The data protection officer: subject access requests and the erasure report, nothing else."""


STAFF_ROLES = frozenset({Role.BROKER, Role.COMMISSIONER, Role.QUALITY_OFFICER, Role.FINANCE, Role.ADMIN})


class Principal(BaseModel):
    """Who is calling: a staff user or a machine client, with roles and (for providers) a provider id.
    Frozen: the token verifier hands the same principal to every request carrying the same token."""

    model_config = ConfigDict(frozen=True)
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
    """Checks a token's signature, algorithm, issuer, audience and times, and reads its principal.

    A token is immutable and its signature either holds or not, so a verified token is remembered (up
    to `cache_size` of them) with its expiry and answered again without the Ed25519 check until it
    expires; one that failed is never remembered. The public key is parsed once, not per request.
    Whether the token's account is still active is not the token's to say: the gateway asks its
    database on every request.
    """

    def __init__(self, *, public_key: str, issuer: str, audience: str, cache_size: int = 10_000) -> None:
        self.public_key = public_key
        self.issuer = issuer
        self.audience = audience
        self._key = _ed25519_key(public_key)
        self._cache_size = cache_size
        self._verified: dict[str, tuple[Principal, float]] = {}

    def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires_at = remembered
            if time.time() < expires_at:
                return principal
            del self._verified[token]
            raise ExpiredToken("The token has expired.")
        principal, expires_at = self._verify_signed(token)
        if len(self._verified) >= self._cache_size:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires_at)
        return principal

    def _verify_signed(self, token: str) -> tuple[Principal, float]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise ExpiredToken("The token has expired.") from None
        except jwt.PyJWTError:
            raise InvalidToken("The token is not valid.") from None
        try:
            principal = Principal(
                subject=claims["sub"],
                kind=claims.get("kind", "user"),
                name=claims.get("name", ""),
                roles=frozenset(Role(role) for role in claims.get("roles", [])),
                provider_id=claims.get("provider_id"),
            )
            return principal, float(claims["exp"])
        except (ValueError, KeyError, TypeError):
            raise InvalidToken("The token's claims are not valid.") from None


def _ed25519_key(pem: str) -> Ed25519PublicKey:
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("The JWT public key must be an Ed25519 public key (the gateway signs with EdDSA).")
    return key


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

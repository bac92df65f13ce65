"""Short-lived access tokens, signed by the gateway (EdDSA) and verified by every service."""

import uuid
from datetime import datetime, timedelta

import jwt

from shared.auth import ALGORITHM, Principal


def issue_token(
    principal: Principal, *, private_key: str, issuer: str, audience: str, ttl_seconds: int, now: datetime
) -> str:
    claims = {
        "sub": principal.subject,
        "kind": principal.kind,
        "name": principal.name,
        "roles": sorted(principal.roles),
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": str(uuid.uuid4()),
    }
    if principal.provider_id is not None:
        claims["provider_id"] = str(principal.provider_id)
    return jwt.encode(claims, private_key, algorithm=ALGORITHM)

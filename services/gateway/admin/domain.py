"""Who may hold which roles (API.md, "Authentication and roles"). Pure: no I/O."""

import uuid
from collections.abc import Collection

from shared.auth import Role


def provider_binding_problem(roles: Collection[Role], provider_id: uuid.UUID | None) -> str | None:
    """A provider's account (a client, or a user of the provider's staff) holds the provider role alone and
    names its provider, so everything it reads is scoped to that provider; no other account names one."""
    if Role.PROVIDER in roles and provider_id is None:
        return "an account with the provider role must name its provider"
    if Role.PROVIDER in roles and len(set(roles)) > 1:
        return "an account with the provider role holds that role only"
    if Role.PROVIDER not in roles and provider_id is not None:
        return "only an account with the provider role names a provider"
    return None

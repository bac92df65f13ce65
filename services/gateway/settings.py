import os
from typing import ClassVar

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.auth import STAFF_ROLES, Role
from shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    service_name: ClassVar[str] = "gateway"
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    jwt_private_key: str | None = None
    token_ttl_seconds: int = Field(default=900, gt=0, le=86400)
    admin_password: str | None = Field(
        default=None, validation_alias=AliasChoices("SUITE_ADMIN_PASSWORD", "GATEWAY_ADMIN_PASSWORD")
    )
    rate_limit_per_minute: int = Field(default=1200, gt=0)
    rate_limit_burst: int = Field(default=200, gt=0)
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("GATEWAY_REDIS_URL", "REDIS_URL"),
        description="Redis that keeps the rate limit's counters, shared by every gateway replica")
    rate_limit_key_prefix: str = Field(default="homecare-ratelimit",
                                       description="The prefix of the rate limit's keys in Redis")
    upstream_timeout_seconds: float = 60.0
    brokerage_url: str | None = None
    providers_url: str | None = None
    packages_url: str | None = None
    quality_url: str | None = None
    sign_in_failures: int = Field(default=5, gt=0, description="Failed sign-ins that lock an account out")
    sign_in_address_failures: int = Field(default=30, gt=0, description="Failed sign-ins that hold an address back")
    sign_in_window_seconds: float = Field(default=900, gt=0)
    sign_in_lockout_seconds: float = Field(default=900, gt=0)
    max_body_bytes: int = Field(default=256 * 1024 * 1024, gt=0,
                                description="The largest request body taken (a CQC directory CSV is tens of MB)")
    sandbox: bool = Field(default=False, validation_alias=AliasChoices("SUITE_SANDBOX", "GATEWAY_SANDBOX"),
                          description="A sandbox for integrators: an admin may move the services' clocks forward")

    oidc_issuer: str | None = Field(default=None, description="The council's OpenID provider (its issuer URL)")
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_base: str | None = Field(
        default=None, description="The gateway's public address, e.g. https://care.council.gov.uk (no trailing /)")
    oidc_groups_claim: str = Field(default="groups", description="The ID token's claim that lists the groups")
    oidc_group_roles: dict[str, Role] = Field(
        default_factory=dict, description='JSON from IdP group to suite role, e.g. {"brokers": "broker"}')
    oidc_display_name: str = Field(default="your council", description='Shown as "Sign in with <name>"')

    @field_validator("oidc_group_roles")
    @classmethod
    def _staff_roles_only(cls, mapping: dict[str, Role]) -> dict[str, Role]:
        """The provider role is bound to one provider, which no group can say: only staff roles are mapped."""
        if not set(mapping.values()) <= STAFF_ROLES:
            raise ValueError("groups map only to staff roles: " + ", ".join(sorted(STAFF_ROLES)))
        return mapping

    @property
    def oidc_configured(self) -> bool:
        """Single sign-on is offered once the provider, the suite's client and its address are all set."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret and self.oidc_redirect_base)

    def resolved_jwt_private_key(self) -> str:
        if self.jwt_private_key or os.environ.get("JWT_PRIVATE_KEY"):
            return self.jwt_private_key or os.environ["JWT_PRIVATE_KEY"]
        from shared.keys import load_or_create_keypair

        return load_or_create_keypair().private_pem

    def upstream_url(self, service: str) -> str | None:
        url: str | None = getattr(self, f"{service}_url")
        return url
